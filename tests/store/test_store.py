"""The store on SQLite and PostgreSQL alike: what is saved reads back byte for byte, the
database itself refuses to change or remove a record, and the schema the migrations build is
the schema the code reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from conftest import NOW, ROOT
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from assess.domain.errors import UsageError
from assess.services.render import Rendered, assess_and_render
from assess.store.database import open_store
from assess.store.records import (
    add_pdf,
    get_assessment,
    history,
    latest_pdf,
    list_clients,
    save_assessment,
    stored_intakes,
)
from assess.store.tables import APPEND_ONLY, metadata

EXAMPLE = ROOT / "examples" / "deadlift_lockout.yaml"


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return assess_and_render(EXAMPLE, now=NOW)


def _save(engine: Engine, done: Rendered, **kw: Any) -> Any:
    return save_assessment(engine, done.assessment, json_bytes=done.json_bytes, pdf=done.pdf,
                           recorded_by="tester", **kw)


def test_what_is_saved_reads_back_byte_for_byte(store_url: str, rendered: Rendered) -> None:
    engine = open_store(store_url)
    saved = _save(engine, rendered)
    stored, pdf, pdf_sha = get_assessment(engine, saved.assessment_id[:8])
    assert stored.document.encode() == rendered.json_bytes and pdf == rendered.pdf
    assert pdf_sha == hashlib.sha256(rendered.pdf).hexdigest()
    assert stored.assessment() == rendered.assessment
    assert stored.client_name == "Sam Carter" and stored.recorded_by == "tester"


def test_a_second_visit_joins_the_client_it_names_and_nothing_is_matched_by_name(
        store_url: str, rendered: Rendered) -> None:
    engine = open_store(store_url)
    first = _save(engine, rendered, born=dt.date(1990, 5, 1))
    # The same name again, with no --client: refused, naming the candidate, nothing saved.
    with pytest.raises(UsageError, match=r"Sam Carter \(born 01 May 1990; id " + first.client_id[:8]):
        _save(engine, rendered)
    with pytest.raises(UsageError, match="--client ID"):
        _save(engine, rendered, born=dt.date(1990, 5, 1))
    second = _save(engine, rendered, client_id=first.client_id[:8])
    assert first.new_client and not second.new_client and first.client_id == second.client_id
    [row] = list_clients(engine)
    assert (row.name, row.visits, row.last_visit) == ("Sam Carter", 2, dt.date(2026, 11, 20))
    name, visits = history(engine, first.client_id[:8])
    assert name == "Sam Carter" and [v.id for v in visits] == [first.assessment_id, second.assessment_id]
    # The same name with another date of birth is someone else: a new client.
    other = _save(engine, rendered, born=dt.date(1971, 2, 3))
    assert other.new_client and other.client_id != first.client_id


def test_two_clients_of_one_name_must_be_told_apart(store_url: str, rendered: Rendered) -> None:
    engine = open_store(store_url)
    first = _save(engine, rendered)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO clients (id, name, recorded_by, recorded_at) "
                          "VALUES ('00000000-0000-4000-8000-000000000000', 'Sam Carter', 'x', :t)"),
                     {"t": dt.datetime.now(dt.UTC)})
    with pytest.raises(UsageError, match="--client"):
        _save(engine, rendered)
    with pytest.raises(UsageError, match="give the id"):
        history(engine, "Sam Carter")
    again = _save(engine, rendered, client_id=first.client_id[:8])
    assert again.client_id == first.client_id


def _one_of_each(engine: Engine, done: Rendered) -> None:
    """One row in every append-only table."""
    from assess.store.access_log import record
    from assess.store.accounts import add_clinician
    from assess.store.clinic import set_clinic
    from assess.store.people import NewClient, add_client
    from assess.store.releases import release

    who = add_clinician(engine, "tester", "T. Ester", "correct horse battery")
    with engine.begin() as conn:
        record_ = add_client(conn, NewClient("Ann Lee", "1955-03-02", phone="0113 496 0001"), by="tester",
                             owner_id=who.id)
    saved = _save(engine, done, client_id=record_.id)
    stored = get_assessment(engine, saved.assessment_id)[0]
    release(engine, who, stored)
    set_clinic(engine, "tester", name="Riverside", emergency_number="999")
    record(engine, "viewed a client", actor="tester", client_id=record_.id)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_database_refuses_to_change_or_remove_a_record(store_url: str, rendered: Rendered,
                                                           table: str) -> None:
    engine = open_store(store_url)
    _one_of_each(engine, rendered)
    column = {"releases": "released_by", "clinic_settings": "set_by", "access_log": "actor"}.get(table,
                                                                                              "recorded_by")
    for statement in (f"UPDATE {table} SET {column} = 'someone else'", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1
    if table == "access_log":  # the chain still holds: nothing was changed
        from assess.store.access_log import verify

        assert verify(engine) == (1, None)


def test_the_migrations_build_the_schema_the_code_reads(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = open_store(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_the_store_streams_every_current_assessment_in_pages(store_url: str, rendered: Rendered) -> None:
    engine = open_store(store_url)
    first = _save(engine, rendered)
    ids = {first.assessment_id} | {_save(engine, rendered, client_id=first.client_id).assessment_id
                                   for _ in range(4)}
    streamed = list(stored_intakes(engine, batch=2))
    assert {s[0] for s in streamed} == ids and len(streamed) == 5
    assert all(json.loads(intake)["answers"]["name"] == "Sam Carter" for _, intake, _ in streamed)
    assert list(stored_intakes(engine, since=dt.date(2027, 1, 1))) == []


def test_a_wrong_url_is_a_usage_error() -> None:
    from assess.store.database import resolve_url

    with pytest.raises(UsageError, match="not supported"):
        resolve_url("mysql://x@y/z")
    with pytest.raises(UsageError, match="not a database URL"):
        resolve_url("::nonsense::")
    assert resolve_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


def test_a_pdf_rendered_after_the_save_is_kept_and_served(store_url: str, rendered: Rendered) -> None:
    # A web intake is saved first and its PDF kept once rendered.
    engine = open_store(store_url)
    a = rendered.assessment
    saved = save_assessment(engine, a, json_bytes=rendered.json_bytes, pdf=None, recorded_by="tester")
    with engine.connect() as conn:
        assert latest_pdf(conn, saved.assessment_id) is None
    add_pdf(engine, saved.assessment_id, rendered.pdf, "tester")
    with engine.connect() as conn:
        found = latest_pdf(conn, saved.assessment_id)
    assert found is not None and found[0] == rendered.pdf
    assert found[1] == hashlib.sha256(rendered.pdf).hexdigest()
