"""Clients as records, accounts and the access log on SQLite and PostgreSQL: a store made
before them migrates with every record kept and each client given to the account that signed
it; the log's chain holds under concurrent writers and names a removed or changed entry; the
command line manages accounts, the clinic and the log, and refuses to guess a client by name."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.store.access_log import record, verify
from assess.store.accounts import Clinician, own_assessments, session_of, set_disabled, sign_in
from assess.store.database import open_store

runner = CliRunner()
EXAMPLE = ROOT / "examples" / "deadlift_lockout.yaml"
PASSWORD = "correct horse battery"


def _old_store(url: str) -> None:
    """A store at migration 0004 (before clients were records), with two accounts, one of
    whose name signed a client's assessment."""
    from alembic import command
    from alembic.config import Config

    from assess.store.database import MIGRATIONS
    from assess.store.records import new_id

    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for username, name in (("aphysio", "A. Physio"), ("bcoach", "B. Coach")):
            conn.execute(
                text(
                    "INSERT INTO clinicians (id, username, name, password_hash, created_at) "
                    "VALUES (:i, :u, :n, 'x', :t)"
                ),
                {"i": new_id(), "u": username, "n": name, "t": now},
            )
    engine.dispose()


def test_an_older_store_migrates_without_loss(store_url: str) -> None:
    """A whole record written at migration 0004 (client, visit, intake, assessment and PDF,
    signed "A. Physio") reads back byte for byte after the upgrade, and is A. Physio's account's,
    by its id: not B. Coach's."""
    from conftest import NOW

    from assess.services.render import assess_and_render
    from assess.store.accounts import account
    from assess.store.records import get_assessment, history

    done = assess_and_render(EXAMPLE, now=NOW)
    _old_store(store_url)
    engine = create_engine(store_url)
    stamp = {"by": "A. Physio", "at": dt.datetime.now(dt.UTC)}
    intake = done.assessment.intake.model_dump_json()
    document = done.json_bytes.decode()
    rs = done.assessment.identity.ruleset

    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    rows: list[tuple[str, dict[str, Any]]] = [
        ("INSERT INTO clients (id, name, recorded_by, recorded_at) "
         "VALUES ('c1c1c1c1', 'Sam Carter', :by, :at)", {}),
        ("INSERT INTO visits (id, client_id, visit_date, recorded_by, recorded_at) "
         "VALUES ('v1v1v1v1', 'c1c1c1c1', :day, :by, :at)", {"day": done.assessment.assessed_on}),
        ("INSERT INTO intakes (id, visit_id, document, sha256, recorded_by, recorded_at) "
         "VALUES ('i1i1i1i1', 'v1v1v1v1', :doc, :sha, :by, :at)",
         {"doc": intake, "sha": sha(intake.encode())}),
        ("INSERT INTO assessments (id, visit_id, intake_id, document, sha256, ruleset_name, "
         "ruleset_version, ruleset_sha256, referral, recorded_by, recorded_at) "
         "VALUES ('a1a1a1a1', 'v1v1v1v1', 'i1i1i1i1', :doc, :sha, :n, :v, :rsha, 0, :by, :at)",
         {"doc": document, "sha": sha(done.json_bytes), "n": rs.name, "v": rs.version, "rsha": rs.sha256}),
        ("INSERT INTO pdfs (id, assessment_id, content, sha256, recorded_by, recorded_at) "
         "VALUES ('p1p1p1p1', 'a1a1a1a1', :pdf, :sha, :by, :at)", {"pdf": done.pdf, "sha": sha(done.pdf)}),
    ]
    with engine.begin() as conn:
        for statement, values in rows:
            conn.execute(text(statement), {**stamp, **values})
    engine.dispose()
    store = open_store(store_url)  # upgrades to the newest migration
    stored, pdf, pdf_sha = get_assessment(store, "a1a1a1a1")
    assert stored.document == document and pdf == done.pdf and pdf_sha == sha(done.pdf)
    assert [s.id for s in history(store, "c1c1c1c1")[1]] == ["a1a1a1a1"]
    assert [s.id for s in own_assessments(store, account(store, "aphysio"))] == ["a1a1a1a1"]
    assert own_assessments(store, account(store, "bcoach")) == []
    assert account(store, "aphysio").role == "clinician"


def test_the_log_chain_holds_under_concurrent_writers_and_names_a_change(store_url: str) -> None:
    engine = open_store(store_url)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                record(engine, "viewed a client", actor=f"writer {n}", detail=str(i))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert verify(engine) == (40, None)
    with engine.begin() as conn:  # someone with the database's owner rights removes the guard
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE access_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER access_log_no_delete"))
        conn.execute(text("DELETE FROM access_log WHERE id = 17"))
    _, broken = verify(engine)
    assert broken is not None and "entry 17 is missing" in broken


def test_a_disabled_account_is_refused_and_its_session_ends(store_url: str, tmp_path: Path) -> None:
    from assess.store.accounts import add_clinician

    engine = open_store(store_url)
    add_clinician(engine, "one", "Same Name", PASSWORD)
    add_clinician(engine, "two", "Same Name", PASSWORD)
    signed = sign_in(engine, "one", PASSWORD)
    assert signed is not None
    token, first = signed
    assert session_of(engine, token) is not None
    set_disabled(engine, "one", True)
    assert session_of(engine, token) is None
    from assess.domain.errors import UsageError

    with pytest.raises(UsageError, match="disabled"):
        sign_in(engine, "one", PASSWORD)
    # Two accounts of one display name: each sees only what was given to it.
    saved = runner.invoke(
        app, ["run", str(EXAMPLE), "-o", str(tmp_path / "a.pdf"), "--save", "--db", store_url, "--by", "two"]
    )
    assert saved.exit_code == 0, saved.output
    second = sign_in(engine, "two", PASSWORD)
    assert second is not None
    assert len(own_assessments(engine, second[1])) == 1
    assert own_assessments(engine, Clinician(first.id, "one", "Same Name")) == []


def _add_physio(url: str, registration: str) -> None:
    """`assess user add jp` (J. Physio, physiotherapist), the password from standard input."""
    made = runner.invoke(app, ["user", "add", "jp", "--name", "J. Physio", "--profession", "Physiotherapist",
                               "--registration", registration, "--password-stdin", "--db", url],
                         input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output


def test_the_command_line_manages_accounts_the_clinic_and_the_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    _add_physio(url, "PH1")
    listed = runner.invoke(app, ["user", "list", "--db", url])
    assert "J. Physio" in listed.output and "enabled" in listed.output
    assert runner.invoke(app, ["user", "disable", "jp", "--db", url]).exit_code == 0
    assert "disabled" in runner.invoke(app, ["user", "list", "--db", url]).output
    assert runner.invoke(app, ["user", "enable", "jp", "--db", url]).exit_code == 0
    assert runner.invoke(app, ["user", "role", "jp", "administrator", "--db", url]).exit_code == 0
    assert runner.invoke(app, ["user", "role", "jp", "clinician", "--db", url]).exit_code == 2  # the last one
    short = runner.invoke(
        app, ["user", "reset-password", "jp", "--password-stdin", "--db", url], input="short\n"
    )
    assert short.exit_code == 2 and "too short" in short.output
    bad = runner.invoke(app, ["clinic", "set", "--name", "Riverside", "--emergency", "call us", "--db", url])
    assert bad.exit_code == 2 and "emergency_number" in bad.output
    assert (
        runner.invoke(
            app, ["clinic", "set", "--name", "Riverside", "--emergency", "999", "--db", url]
        ).exit_code
        == 0
    )
    assert "Emergency number: 999" in runner.invoke(app, ["clinic", "show", "--db", url]).output
    verified = runner.invoke(app, ["log", "verify", "--db", url])
    assert verified.exit_code == 0 and "intact" in verified.output
    assert runner.invoke(app, ["log", "--db", url]).exit_code == 0
    from assess.store.access_log import entries

    actions = [e.action for e in reversed(entries(open_store(url)))]
    assert actions[:4] == ["added an account", "disabled an account", "enabled an account", "changed a role"]


def test_save_without_client_refuses_a_name_already_stored_listing_the_candidates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = runner.invoke(
        app,
        ["run", str(EXAMPLE), "-o", str(tmp_path / "1.pdf"), "--save", "--db", url, "--born", "1990-05-01"],
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["run", str(EXAMPLE), "-o", str(tmp_path / "2.pdf"), "--save", "--db", url])
    assert again.exit_code == 2 and "born 01 May 1990" in again.output and "--client" in again.output
    assert not (tmp_path / "2.pdf").exists()
    other = runner.invoke(
        app,
        ["run", str(EXAMPLE), "-o", str(tmp_path / "3.pdf"), "--save", "--db", url, "--born", "1971-02-03"],
    )
    assert other.exit_code == 0 and "new client" in other.output
    listed = runner.invoke(app, ["clients", "--db", url])  # the two Sam Carters, told apart
    assert "1990-05-01" in listed.output and "1971-02-03" in listed.output


def test_a_saved_records_pdf_carries_the_clinic_and_the_clinician_who_signs_it(tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader

    from assess.store.access_log import entries

    url = f"sqlite:///{tmp_path / 's.db'}"
    _add_physio(url, "PH123456")
    assert (
        runner.invoke(
            app,
            [
                "clinic",
                "set",
                "--name",
                "Riverside Physiotherapy",
                "--phone",
                "0113 496 0000",
                "--emergency",
                "999",
                "--db",
                url,
            ],
        ).exit_code
        == 0
    )
    done = runner.invoke(
        app,
        [
            "run",
            str(ROOT / "examples" / "red_flag.yaml"),
            "-o",
            str(tmp_path / "a.pdf"),
            "--save",
            "--db",
            url,
            "--by",
            "jp",
        ],
    )
    assert done.exit_code == 0, done.output
    words = " ".join(
        p.extract_text() or "" for p in PdfReader(io.BytesIO((tmp_path / "a.pdf").read_bytes())).pages
    )
    assert "Riverside Physiotherapy" in words and "Tel 0113 496 0000" in words
    assert "J. Physio" in words and "Physiotherapist, registration PH123456" in words
    assert entries(open_store(url))[0].action == "saved an assessment"


def test_a_plan_link_opens_until_it_expires_or_is_withdrawn(store_url: str) -> None:
    from sqlalchemy import update

    from assess.store.accounts import add_clinician
    from assess.store.people import NewClient, add_client
    from assess.store.releases import client_of_plan_link, make_plan_link, plan_links_of, revoke_plan_link
    from assess.store.tables import plan_links

    engine = open_store(store_url)
    who = add_clinician(engine, "jp", "J. Physio", PASSWORD)
    with engine.begin() as conn:
        client = add_client(
            conn, NewClient("Ann Lee", "1955-03-02", phone="0113 496 0001"), by="jp", owner_id=who.id
        )
    kept, ended, withdrawn = (make_plan_link(engine, who, client.id) for _ in range(3))
    assert client_of_plan_link(engine, kept) == client.id
    with engine.begin() as conn:
        conn.execute(
            update(plan_links)
            .where(plan_links.c.token_sha256 == hashlib.sha256(ended.encode()).hexdigest())
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert client_of_plan_link(engine, ended) is None
    key = hashlib.sha256(withdrawn.encode()).hexdigest()[:12]
    assert revoke_plan_link(engine, client.id, key) and client_of_plan_link(engine, withdrawn) is None
    assert not revoke_plan_link(engine, client.id, key)  # once
    assert client_of_plan_link(engine, kept) == client.id and client_of_plan_link(engine, "x" * 43) is None
    assert sum(link.live for link in plan_links_of(engine, client.id)) == 1
