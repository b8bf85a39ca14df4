"""The web desk and intake in a real browser (Debian's headless Chromium), served for real on
127.0.0.1 (uvicorn in a thread, on a free port) over a SQLite store holding two clinicians'
assessments. The desk: sign-in, the clinician's own assessments with HOW and WHY NOT, the PDF;
another clinician's assessment is 404, a form without its CSRF token is 403, hostile text shows
literally, sign-in attempts are limited, sign-out ends the session. The intake: a link opens
one intake once; enableWhen shows and hides; a wrong answer is named beside its field with
everything typed kept; a red flag gives what to do now; the intake reaches the desk."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml
from conftest import ROOT, _free_port
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, ViewportSize, expect
from pypdf import PdfReader
from sqlalchemy import select, update
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.store.accounts import add_clinician, pdf_of
from assess.store.database import open_store
from assess.store.tables import assessments, clients, intake_links, visits
from assess.web.app import create_app

CHROMIUM = "/usr/bin/chromium-headless-shell"
PASSWORD = "correct horse battery"
HOSTILE = "<script>alert('x')</script> & \"Bobby\" O'Neil"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Debian's browser: Playwright cannot download its own here.
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


def _save(url: str, example: str, by: str, tmp: Path, *, date: str | None = None, **answers: Any) -> None:
    doc = yaml.safe_load((ROOT / "examples" / example).read_text())
    doc["answers"].update(answers)
    if date:
        doc["date"] = date
    path = tmp / f"{example}-{by}-{date}.yaml"
    path.write_text(yaml.safe_dump(doc))
    # A later visit of a stored client names it by id: nothing is matched by name.
    with open_store(url).connect() as conn:
        known = conn.execute(select(clients.c.id).where(clients.c.name == doc["answers"]["name"])).scalar()
    done = CliRunner().invoke(app, ["run", str(path), "-o", str(tmp / f"{path.stem}.pdf"), "--save",
                                    "--db", url, "--by", by, *(["--client", known] if known else [])])
    assert done.exit_code == 0, done.output


def clinic(tmp: Path) -> str:
    """A new SQLite store in `tmp` with two clinicians, A. Physio and B. Coach; its URL."""
    url = f"sqlite:///{tmp / 'clinic.db'}"
    store = open_store(url)
    add_clinician(store, "aphysio", "A. Physio", PASSWORD)
    add_clinician(store, "bcoach", "B. Coach", PASSWORD)
    return url


@pytest.fixture(scope="session")
def desk_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store's URL: two clinicians, two assessments of A. Physio's (one client's name is
    hostile text) and one of B. Coach's."""
    tmp = tmp_path_factory.mktemp("desk")
    url = clinic(tmp)
    # By username: each record is then that account's (signed with its name).
    _save(url, "hinge_after_injury.yaml", "aphysio", tmp)
    _save(url, "overextension.yaml", "aphysio", tmp, name=HOSTILE)
    _save(url, "red_flag.yaml", "bcoach", tmp)
    return url


@pytest.fixture(scope="session")
def desk_url(desk_store: str) -> Iterator[str]:
    yield from serve(desk_store)


def serve(store_url: str) -> Iterator[str]:
    """The desk over `store_url`, served on a free port until the generator is closed."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store_url), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the desk did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go ($ASSESS_SCREENSHOTS to keep them, to look at)."""
    where = os.environ.get("ASSESS_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


PHONE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=request.param, accept_downloads=True)
    # A full-page screenshot of a long page can take most of Playwright's 30 s on 2 busy cores
    # (the whole suite runs beside it); the time allowed is not what these tests check.
    ctx.set_default_timeout(90_000)
    yield ctx
    ctx.close()


def _sign_in(page: Page, desk_url: str, username: str = "aphysio", password: str = PASSWORD) -> None:
    page.goto(desk_url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_anonymous_visitor_is_sent_to_sign_in(context: BrowserContext, desk_url: str) -> None:
    page = context.new_page()
    page.goto(desk_url + "/desk")
    expect(page).to_have_url(desk_url + "/sign-in")
    expect(page.get_by_role("heading", name="Clinician sign-in")).to_be_visible()


def test_a_clinician_signs_in_and_reads_the_plan_how_and_why_not(context: BrowserContext, desk_url: str,
                                                                  shots: Path) -> None:
    page = context.new_page()
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.goto(desk_url + "/sign-in")
    # The stylesheet is served and allowed by the page's CSP (inline styles are not).
    expect(page.get_by_role("button", name="Sign in")).to_have_css("background-color", "rgb(31, 95, 139)")
    page.screenshot(path=str(shots / f"sign-in-{width}.png"), full_page=True)
    _sign_in(page, desk_url)
    expect(page).to_have_url(desk_url + "/desk")
    expect(page.get_by_role("link", name="Tom Reyes")).to_be_visible()
    expect(page.get_by_text("Dana Cole")).to_have_count(0)  # B. Coach's client
    page.screenshot(path=str(shots / f"desk-{width}.png"), full_page=True)
    page.get_by_role("link", name="Tom Reyes").click()
    expect(page.get_by_role("heading", name="HOW each exercise was reached")).to_be_visible()
    expect(page.get_by_role("heading", name="WHY NOT")).to_be_visible()
    assert re.search(r"\[?RX-[A-Z]+-\d+", page.inner_text("main"))  # the rules, named as in explain
    page.screenshot(path=str(shots / f"assessment-{width}.png"), full_page=True)
    with page.expect_download() as got:
        page.get_by_role("link", name="Clinician copy (PDF, with the answers)").click()
    pdf = Path(got.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Tom Reyes" in text


def test_a_wrong_password_keeps_the_username_and_says_so(context: BrowserContext, desk_url: str) -> None:
    page = context.new_page()
    _sign_in(page, desk_url, password="not the password")
    expect(page.get_by_role("alert")).to_have_text("The username or password is not right.")
    expect(page.get_by_label("Username")).to_have_value("aphysio")


def test_another_clinicians_assessment_is_404(context: BrowserContext, desk_url: str,
                                               desk_store: str) -> None:
    with open_store(desk_store).connect() as conn:
        theirs = [str(i) for i in conn.execute(select(assessments.c.id)
                                               .where(assessments.c.recorded_by == "B. Coach")).scalars()]
    page = context.new_page()
    _sign_in(page, desk_url)
    for path in (f"/desk/assessments/{theirs[0]}", f"/desk/assessments/{theirs[0]}/plan.pdf",
                 f"/desk/assessments/{theirs[0]}/client-copy.pdf", "/desk/assessments/not-an-id"):
        response = page.goto(desk_url + path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused(context: BrowserContext, desk_url: str) -> None:
    page = context.new_page()
    _sign_in(page, desk_url)
    refused = page.request.post(desk_url + "/sign-out", form={"other": "x"})
    assert refused.status == 403
    wrong = page.request.post(desk_url + "/sign-out", form={"csrf": "forged"})
    assert wrong.status == 403
    page.goto(desk_url + "/desk")
    expect(page).to_have_url(desk_url + "/desk")  # still signed in: nothing was done
    no_token = context.request.post(desk_url + "/sign-in", form={"username": "aphysio", "password": PASSWORD})
    assert no_token.status == 403
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(desk_url + "/sign-in")
    page.goto(desk_url + "/desk")
    expect(page).to_have_url(desk_url + "/sign-in")


def test_hostile_text_appears_literally(context: BrowserContext, desk_url: str) -> None:
    page = context.new_page()
    dialogs: list[str] = []
    def seen(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    _sign_in(page, desk_url)
    expect(page.get_by_role("link", name=HOSTILE)).to_be_visible()
    page.get_by_role("link", name=HOSTILE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(HOSTILE)
    assert dialogs == []
    assert page.locator("main script").count() == 0


def test_sign_in_attempts_are_limited(browser: Browser, desk_url: str) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    for _ in range(5):
        _sign_in(page, desk_url, username="bcoach", password="wrong password")
        expect(page.get_by_role("alert")).to_have_text("The username or password is not right.")
    _sign_in(page, desk_url, username="bcoach", password=PASSWORD)  # right, but too late
    expect(page.get_by_role("alert")).to_contain_text("too many failed sign-ins")
    ctx.close()


# --- The client's intake, by a one-time link ---------------------------------------------

def _fill(page: Page, answers: dict[str, Any]) -> None:
    """Answer the form as a client would, item by item, from an intake's answers (the name and
    age come from the client's record, so they are not asked)."""
    for key, value in answers.items():
        if key in ("name", "age"):
            continue
        q = page.locator(f"#q-{key}")
        if key == "psfs":
            for n, row in enumerate(value):
                page.locator(f"[id='psfs.{n}.activity']").fill(str(row["activity"]))
                page.locator(f"[id='psfs.{n}.score']").fill(str(row["score"]))
        elif isinstance(value, bool):
            q.locator(f"input[value={'yes' if value else 'no'}]").check()
        elif isinstance(value, list):
            for v in value:
                q.locator(f"input[value='{v}']").check()
        elif q.locator("input[type=radio]").count():
            q.locator(f"input[value='{value}']").check()
        else:
            q.locator("input, textarea").first.fill(str(value))


def add_client(page: Page, desk_url: str, name: str, born: str = "1980-06-15") -> str:
    """Add a client on the desk (signed in as `page`'s clinician); the client page's URL."""
    page.goto(desk_url + "/desk/clients")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Telephone").fill("0113 496 0000")
    page.get_by_role("button", name="Add the client").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    return page.url.split("#")[0]


def intake_link(page: Page) -> str:
    """On a client's page: make an intake link and read it off the page it is shown on."""
    page.get_by_role("button", name="Make an intake link").click()
    return page.get_by_label("Link").input_value()


def _link(browser: Browser, desk_url: str, name: str, username: str = "aphysio") -> str:
    ctx = browser.new_context()
    page = ctx.new_page()
    _sign_in(page, desk_url, username)
    add_client(page, desk_url, name)
    link = intake_link(page)
    ctx.close()
    return link


def confirm(page: Page) -> None:
    page.get_by_label("Yes, this is me").check()


def _answers(example: str) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load((ROOT / "examples" / example).read_text())["answers"]
    return answers


def test_a_client_completes_the_intake_on_a_phone_and_it_reaches_the_desk(
        browser: Browser, desk_url: str, desk_store: str, shots: Path) -> None:
    link = _link(browser, desk_url, "Priya")
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Hip and low back intake")).to_be_visible()
    page.screenshot(path=str(shots / "intake-375.png"))
    # enableWhen: "Which side?" is asked only when the pain is somewhere.
    expect(page.locator("#q-pain_side")).to_be_hidden()
    page.locator("#q-pain_locations input[value=buttock]").check()
    expect(page.locator("#q-pain_side")).to_be_visible()
    page.locator("#q-pain_locations input[value=buttock]").uncheck()
    page.locator("#q-pain_locations input[value=none]").check()
    expect(page.locator("#q-pain_side")).to_be_hidden()
    page.locator("#q-pain_locations input[value=none]").uncheck()
    answers = _answers("squat_bottom_flexion.yaml")
    confirm(page)
    _fill(page, answers)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you, Priya")).to_be_visible(timeout=30_000)
    # Nothing of the plan reaches the client before a clinician has sent it.
    expect(page.get_by_text("Your answers have reached your clinician")).to_be_visible()
    assert page.locator(".exercise-card").count() == 0
    page.screenshot(path=str(shots / "intake-waiting-375.png"), full_page=True)
    # The link is spent: it opens nothing now.
    again = page.goto(link)
    assert again is not None and again.status == 404
    expect(page.get_by_text("This link cannot be used")).to_be_visible()
    ctx.close()
    desk = browser.new_context().new_page()
    _sign_in(desk, desk_url)
    expect(desk.get_by_role("link", name="Priya")).to_be_visible()
    # Its PDF is rendered and kept once the server has been quiet for a moment.
    store = open_store(desk_store)
    with store.connect() as conn:
        made = conn.execute(select(assessments.c.id).join(visits, visits.c.id == assessments.c.visit_id)
                            .join(clients, clients.c.id == visits.c.client_id)
                            .where(clients.c.name == "Priya")).scalar_one()
    deadline = time.monotonic() + 60
    while (kept := pdf_of(store, made)) is None and time.monotonic() < deadline:
        time.sleep(0.25)
    assert kept is not None and kept.startswith(b"%PDF")


def test_a_wrong_answer_is_named_beside_its_field_and_nothing_typed_is_lost(browser: Browser, desk_url: str,
                                                                            shots: Path) -> None:
    link = _link(browser, desk_url, "Sam")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(link)
    answers = {**_answers("deadlift_lockout.yaml"), "pain_onset_weeks": "forty"}
    confirm(page)
    _fill(page, answers)
    page.get_by_role("button", name="Send my answers").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(page.locator("#pain_onset_weeks-error")).to_have_text("Expected a whole number, got 'forty'")
    expect(page.locator("#pain_onset_weeks")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(shots / "intake-error-375.png"))
    # Everything else is as typed, the confirmation too.
    expect(page.get_by_label("Yes, this is me")).to_be_checked()
    expect(page.locator(f"#q-pain_now input[value='{answers['pain_now']}']")).to_be_checked()
    for option in answers["activities"]:
        expect(page.locator(f"#q-activities input[value='{option}']")).to_be_checked()
    page.locator("#pain_onset_weeks").fill("40")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you, Sam")).to_be_visible(timeout=30_000)


def test_a_red_flag_gives_what_to_do_now_not_a_plan(browser: Browser, desk_url: str, shots: Path) -> None:
    link = _link(browser, desk_url, "Alex")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(link)
    confirm(page)
    _fill(page, _answers("red_flag.yaml"))
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Please see a doctor before you exercise")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("alert")).to_contain_text("emergency", ignore_case=True)
    assert page.locator("li strong").count() == 0  # no exercise is listed
    page.screenshot(path=str(shots / "intake-referral-375.png"), full_page=True)


def test_not_sure_about_saddle_numbness_says_what_to_do_today_at_once(browser: Browser, desk_url: str,
                                                                     shots: Path) -> None:
    link = _link(browser, desk_url, "Robin")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(link)
    advice = page.locator("#rf_saddle_numbness-emergency")
    expect(advice).to_be_hidden()
    page.locator("#q-rf_saddle_numbness input[value=not_sure]").check()
    expect(advice).to_be_visible()
    expect(advice).to_contain_text("today")
    expect(advice.get_by_text("This answer needs care today")).to_be_hidden()  # that is for "yes"
    page.screenshot(path=str(shots / "intake-not-sure-375.png"))
    page.locator("#q-rf_saddle_numbness input[value=no]").check()
    expect(advice).to_be_hidden()
    # Sent with "not sure": no exercise is shown, and the same advice heads the page.
    confirm(page)
    _fill(page, {**_answers("deadlift_lockout.yaml"), "rf_saddle_numbness": "not_sure"})
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("today", timeout=30_000)
    expect(page.get_by_text("Your answers have reached your clinician")).to_be_visible()
    assert page.locator(".exercise-card").count() == 0
    page.screenshot(path=str(shots / "intake-not-sure-sent-375.png"), full_page=True)


def test_hostile_text_in_free_text_is_kept_literally(browser: Browser, desk_url: str) -> None:
    link = _link(browser, desk_url, HOSTILE)
    page = browser.new_context(viewport=DESKTOP).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    page.goto(link)
    expect(page.locator("#who-h + p strong").first).to_have_text(HOSTILE)
    answers = {**_answers("overextension.yaml"), "goal_text": HOSTILE,
               "easers": "</textarea><script>alert(2)</script>"}
    confirm(page)
    _fill(page, {**answers, "pain_onset_weeks": "x"})  # shown again with the error: the text comes back
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#goal_text")).to_have_value(HOSTILE)
    expect(page.locator("#easers")).to_have_value(answers["easers"])
    page.locator("#pain_onset_weeks").fill("30")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name=f"Thank you, {HOSTILE}")).to_be_visible(timeout=30_000)
    assert dialogs == []


def test_an_intake_form_without_its_token_or_after_expiry_is_refused(browser: Browser, desk_url: str,
                                                                    desk_store: str) -> None:
    link = _link(browser, desk_url, "Robin")
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(link)
    refused = page.request.post(link, form={"name": "Robin"})
    assert refused.status == 403
    with open_store(desk_store).begin() as conn:  # the link's week has passed
        conn.execute(update(intake_links).where(intake_links.c.label == "Robin")
                     .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    response = page.goto(link)
    assert response is not None and response.status == 404
    made_up = page.goto(desk_url + "/intake/" + "x" * 43)
    assert made_up is not None and made_up.status == 404
    ctx.close()
