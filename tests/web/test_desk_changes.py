"""What a clinician changes on the desk, in a real browser: measurements added to a client's
self-report (a mistyped value named beside its field, everything else kept), the sign-off a
precaution requires (the PDF then says who signed), plan adjustments with reasons (a precaution's
exclusion overridden only explicitly; the PDF says "adjusted by"), the last visit beside this
one, and the same by keyboard alone. Each change is a new version; the old one stays as it was
and cannot be changed again; another clinician's assessment is 404 and a form without its CSRF
token 403."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from test_desk import (  # noqa: F401 - browser_type_launch_args and shots are fixtures
    DESKTOP,
    PASSWORD,
    PHONE,
    _save,
    _sign_in,
    browser_type_launch_args,
    clinic,
    serve,
    shots,
)


@pytest.fixture(scope="module")
def changes_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A desk over its own store: A. Physio's self-report of an older client (a plan that needs
    a sign-off), two visits of Tom Reyes, and B. Coach's assessment."""
    tmp = tmp_path_factory.mktemp("changes")
    url = clinic(tmp)
    _save(url, "self_report_older.yaml", "aphysio", tmp)
    _save(url, "hinge_after_injury.yaml", "aphysio", tmp, date="2026-10-20", pain_now=5)
    _save(url, "hinge_after_injury.yaml", "aphysio", tmp, date="2026-11-20")
    _save(url, "overextension.yaml", "bcoach", tmp)
    yield from serve(url)


def _pdf_text(page: Page) -> str:
    with page.expect_download() as got:
        page.get_by_role("link", name="Clinician copy (PDF, with the answers)").click()
    pdf = Path(got.value.path()).read_bytes()
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _open(page: Page, url: str, client: str, nth: int = 0) -> None:
    page.goto(url + "/desk")
    page.get_by_role("link", name=client).nth(nth).click()


def test_measurements_are_added_as_a_new_version_and_a_wrong_one_is_named(browser: Browser, changes_url: str,
                                                                         shots: Path) -> None:
    page = browser.new_page(viewport=DESKTOP)
    _sign_in(page, changes_url)
    _open(page, changes_url, "R. W.")
    first = page.url
    page.get_by_role("link", name="Add or correct measurements").click()
    page.get_by_label("Hip extension, left").fill("ten")
    page.get_by_label("Hip extension, right").fill("12")
    page.get_by_label("Hip extension, method").select_option(label="prone")
    page.get_by_label("Reason for the change").fill("measured at the first visit")
    page.get_by_role("button", name="Save as a new version").click()
    error = page.locator("#measurements\\.hip_extension\\.left-error")
    expect(error).to_contain_text("number")
    expect(page.get_by_label("Hip extension, right")).to_have_value("12")  # nothing typed is lost
    expect(page.get_by_label("Reason for the change")).to_have_value("measured at the first visit")
    page.screenshot(path=str(shots / "measurements-error.png"), full_page=True)
    page.get_by_label("Hip extension, left").fill("-4")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Versions (2)")).to_be_visible()
    assert page.url != first
    assert "measured" in page.inner_text("main")  # a finding from the measurement, not the answers
    page.goto(first)  # the old version stays, and says it was changed
    expect(page.get_by_text("This version was changed since.")).to_be_visible()
    expect(page.get_by_role("link", name="Add or correct measurements")).to_have_count(0)
    assert page.request.get(first + "/measurements").status == 409


def test_a_plan_that_needs_it_is_signed_off_and_the_pdf_says_by_whom(browser: Browser, changes_url: str,
                                                                     shots: Path) -> None:
    page = browser.new_page(viewport=PHONE)
    _sign_in(page, changes_url)
    _open(page, changes_url, "R. W.")
    assert "A clinician must review and sign this plan" in _pdf_text(page)
    page.get_by_role("button", name="Sign off the plan").click()
    expect(page.locator("#signoff-error")).to_contain_text("Say why")
    page.get_by_label("What you checked").fill("Bone health and balance checked; plan suits her")
    page.get_by_role("button", name="Sign off the plan").click()
    expect(page.get_by_text(re.compile(r"Signed off by A\. Physio on \d{4}-\d\d-\d\d"))).to_be_visible()
    expect(page.get_by_role("button", name="Sign off the plan")).to_have_count(0)
    page.screenshot(path=str(shots / "signed-off-375.png"), full_page=True)
    text = _pdf_text(page)
    assert "Reviewed and signed off by A. Physio" in text
    assert "A clinician must review and sign this plan before you start" not in text


def test_a_plan_is_adjusted_with_reasons_and_a_precaution_is_overridden_only_explicitly(
        browser: Browser, changes_url: str, shots: Path) -> None:
    page = browser.new_page(viewport=DESKTOP)
    _sign_in(page, changes_url)
    _open(page, changes_url, "Tom Reyes")
    page.get_by_label("Exercise").first.select_option(label="Bodyweight hip hinge")
    page.locator("#remove-reason").fill("He already hinges well")
    page.get_by_role("button", name="Remove it").click()
    decided = page.get_by_role("region", name="The clinician's decisions")
    expect(decided).to_contain_text("removed Bodyweight hip hinge: He already hinges well")

    add = page.locator("#add-exercise")
    ruled_out = re.compile(r"^Jefferson curl \(ruled out by")
    expect(add.locator("option[value=jefferson_curl]")).to_have_text(ruled_out)
    add.select_option("jefferson_curl")
    page.locator("#add-reason").fill("Cleared by his surgeon")
    page.get_by_role("button", name="Add it").click()  # no override ticked: refused
    expect(page.locator("#add-overrides-error")).to_contain_text("only by overriding that precaution")
    expect(page.locator("#add-reason")).to_have_value("Cleared by his surgeon")
    page.get_by_label("I override the precaution").check()
    page.get_by_role("button", name="Add it").click()
    expect(decided).to_contain_text("added Jefferson curl, overriding the precaution")

    page.locator("#dose-exercise").select_option("banded_hip_hinge")
    page.locator("#dose-dose").fill("2 x 8, slowly")
    page.locator("#dose-reason").fill("Start light")
    page.get_by_role("button", name="Change the dose").click()
    expect(decided).to_contain_text("changed the dose of Banded hip hinge (band in the groin) to 2 x 8")
    expect(page.get_by_text("Versions (4)")).to_be_visible()
    page.screenshot(path=str(shots / "adjusted.png"), full_page=True)
    text = _pdf_text(page)
    assert "Adjusted by your clinician" in text and "Jefferson curl" in text
    assert "A. Physio" in text and "Cleared by his surgeon" in text
    assert "Bodyweight hip hinge" not in text.split("Adjusted by your clinician")[0].split("Your plan")[1]


def test_the_last_visit_is_shown_beside_this_one(browser: Browser, changes_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    _sign_in(page, changes_url)
    page.goto(changes_url + "/desk")
    page.get_by_role("row", name=re.compile("2026-11-20")).get_by_role("link", name="Tom Reyes").click()
    section = page.get_by_role("region", name=re.compile("Compared with the last visit"))
    expect(section).to_contain_text("2026-10-20")
    expect(section.get_by_role("row", name=re.compile("Pain now"))).to_contain_text("5")


def test_changes_are_refused_without_csrf_or_on_another_clinician_s_assessment(browser: Browser,
                                                                               changes_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    _sign_in(page, changes_url, username="bcoach")
    page.goto(changes_url + "/desk")
    page.get_by_role("link").filter(has_text=re.compile(r"\w")).last.click()
    own = page.url
    refused = page.request.post(own + "/decisions", form={"kind": "sign_off", "reason": "x"})
    assert refused.status == 403
    page.close()
    other = browser.new_page(viewport=DESKTOP)
    _sign_in(other, changes_url)
    assert other.request.get(own).status == 404
    assert other.request.get(own + "/measurements").status == 404


def test_the_desk_works_by_keyboard_alone(browser: Browser, changes_url: str) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(changes_url + "/sign-in")
    page.keyboard.press("Tab")  # the brand link, then the form's fields in order
    while page.evaluate("document.activeElement.id") != "username":
        page.keyboard.press("Tab")
    page.keyboard.type("aphysio")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(changes_url + "/desk")
    for _ in range(40):  # Tab to the first client's link and open it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Tom Reyes":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Tom Reyes"))).to_be_visible()
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused is not None
