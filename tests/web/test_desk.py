"""The clinician desk in a real browser (Debian's headless Chromium), served for real on
127.0.0.1 (uvicorn in a thread, on a free port) over a SQLite store holding two clinicians'
assessments: sign-in, the clinician's own assessments with HOW and WHY NOT, the PDF; and its
security: another clinician's assessment is 404, a form without its CSRF token is 403, hostile
text shows literally, sign-in attempts are limited, sign-out ends the session."""

from __future__ import annotations

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
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.store.accounts import add_clinician
from assess.store.database import open_store
from assess.store.tables import assessments
from assess.web.app import create_app

CHROMIUM = "/usr/bin/chromium-headless-shell"
PASSWORD = "correct horse battery"
HOSTILE = "<script>alert('x')</script> & \"Bobby\" O'Neil"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Debian's browser: Playwright cannot download its own here.
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


def _save(url: str, example: str, by: str, tmp: Path, **answers: Any) -> None:
    doc = yaml.safe_load((ROOT / "examples" / example).read_text())
    doc["answers"].update(answers)
    path = tmp / f"{example}-{by}.yaml"
    path.write_text(yaml.safe_dump(doc))
    done = CliRunner().invoke(app, ["run", str(path), "-o", str(tmp / f"{path.stem}.pdf"), "--save",
                                    "--db", url, "--by", by])
    assert done.exit_code == 0, done.output


@pytest.fixture(scope="session")
def desk_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store's URL: two clinicians, two assessments of A. Physio's (one client's name is
    hostile text) and one of B. Coach's."""
    tmp = tmp_path_factory.mktemp("desk")
    url = f"sqlite:///{tmp / 'clinic.db'}"
    store = open_store(url)
    add_clinician(store, "aphysio", "A. Physio", PASSWORD)
    add_clinician(store, "bcoach", "B. Coach", PASSWORD)
    _save(url, "hinge_after_injury.yaml", "A. Physio", tmp)
    _save(url, "overextension.yaml", "A. Physio", tmp, name=HOSTILE)
    _save(url, "red_flag.yaml", "B. Coach", tmp)
    return url


@pytest.fixture(scope="session")
def desk_url(desk_store: str) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(desk_store), host="127.0.0.1", port=port,
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


PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=request.param, accept_downloads=True)
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
        page.get_by_role("link", name="Download the PDF").click()
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
                 "/desk/assessments/not-an-id"):
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
