"""The new pages of the web workflow, checked by axe-core (npm `axe-core` 4.14.1, fetched once
from the npm registry into ~/.cache/assess-tests, or $ASSESS_TEST_CACHE, checked against its
published sha512 integrity, and injected into the page by Playwright, never from a CDN): the
client's intake with an emergency answer, the waiting and released plan pages, the stopped
questionnaire, the desk with an alert, a client's record, the clients page with errors, and
the access log. Each must have no WCAG 2.1 A or AA violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from npm_packages import npm_package
from playwright.sync_api import Browser, Page
from test_desk import (  # noqa: F401 - browser_type_launch_args and shots are fixtures
    PHONE,
    _answers,
    _fill,
    _sign_in,
    add_client,
    browser_type_launch_args,
    confirm,
    intake_link,
    shots,
)
from test_release import clinic_url, mailbox  # noqa: F401 - fixtures

VERSION = "4.14.1"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", VERSION, INTEGRITY, ("package/axe.min.js",)) / "axe.min.js"


def violations(page: Page, axe: Path) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one line each."""
    page.add_script_tag(content=axe.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in found]


def test_the_workflow_pages_have_no_wcag_violations(browser: Browser, clinic_url: tuple[str, str],
                                                    axe: Path) -> None:
    desk, _ = clinic_url
    # The check itself finds what it should: an image without words, a page without a language.
    probe = browser.new_page()
    probe.set_content("<html><body><img src='x.png'></body></html>")
    assert {line.split(" ")[0] for line in violations(probe, axe)} >= {"image-alt", "html-has-lang"}
    probe.close()
    # CSP would refuse an injected inline script: these pages are checked with it bypassed.
    clinician = browser.new_context(bypass_csp=True).new_page()
    _sign_in(clinician, desk)
    record = add_client(clinician, desk, "Axe Checked")
    link = intake_link(clinician)
    seen: dict[str, list[str]] = {}
    clinician.goto(desk + "/desk/clients")
    clinician.get_by_role("button", name="Add the client").click()  # with its errors shown
    seen["clients with errors"] = violations(clinician, axe)
    client = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    client.goto(link)
    client.locator("#q-rf_gait input[value=yes]").check()
    seen["intake with an emergency answer"] = violations(client, axe)
    client.locator("#q-rf_gait input[value=no]").check()
    confirm(client)
    _fill(client, {**_answers("deadlift_lockout.yaml"), "rf_gait": False})
    client.get_by_role("button", name="Send my answers").click()
    client.get_by_text("Your answers have reached your clinician").wait_for(timeout=30_000)
    seen["waiting plan page"] = violations(client, axe)
    plan = client.url.split("?")[0]
    clinician.goto(record)
    seen["client record"] = violations(clinician, axe)
    clinician.get_by_role("link", name=clinician.locator("#visits-h + ul a").first.inner_text()).click()
    seen["assessment"] = violations(clinician, axe)
    clinician.get_by_role("button", name="Send to the client").click()
    clinician.get_by_text("Sent to the client by").wait_for(timeout=60_000)
    client.goto(plan)
    seen["released plan page"] = violations(client, axe)
    stopped_link, _ = _new_link(browser, desk)
    client.goto(stopped_link)
    client.locator("#q-rf_bladder_bowel input[value=yes]").check()
    client.get_by_role("button", name="Stop the questionnaire and tell A. Physio now").first.click()
    client.get_by_role("heading", name="Please get care today").wait_for(timeout=30_000)
    seen["stopped questionnaire"] = violations(client, axe)
    clinician.goto(desk + "/desk")
    seen["desk with an alert"] = violations(clinician, axe)
    admin = browser.new_context(bypass_csp=True).new_page()
    _sign_in(admin, desk, "boss")
    admin.goto(desk + "/desk/log")
    seen["access log"] = violations(admin, axe)
    admin.goto(desk + "/desk/clinic")
    seen["clinic settings"] = violations(admin, axe)
    assert {page: found for page, found in seen.items() if found} == {}


def _new_link(browser: Browser, desk: str) -> tuple[str, str]:
    page = browser.new_context().new_page()
    _sign_in(page, desk)
    record = add_client(page, desk, "Axe Stopped")
    link = intake_link(page)
    page.context.close()
    return link, record
