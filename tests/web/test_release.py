"""The web workflow made safe, in a real browser over a real server: nothing of a plan reaches
the client before a clinician has checked it and sent it (signed off first where it must be);
an emergency answer shows what to do now at its question, with the clinic's emergency number,
and lets the client stop and tell the clinician, who is alerted on the desk and by e-mail (a
real SMTP server, started here); the desk puts referrals first; access goes by account id, so
two accounts of one display name see only their own; a disabled account is refused at once;
links are private and revocable; the access log notices an edited row."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import _free_port
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from sqlalchemy import text
from test_desk import (  # noqa: F401 - browser_type_launch_args and shots are fixtures
    PASSWORD,
    PHONE,
    _answers,
    _fill,
    _sign_in,
    add_client,
    browser_type_launch_args,
    confirm,
    intake_link,
    serve,
    shots,
)

from assess.store.accounts import add_clinician, set_disabled
from assess.store.clinic import set_clinic
from assess.store.database import open_store


class Mailbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(scope="module")
def clinic_url(tmp_path_factory: pytest.TempPathFactory,
               mailbox: tuple[Mailbox, int]) -> Iterator[tuple[str, str]]:
    """(desk URL, store URL): A. Physio (with an e-mail), a second account of the same display
    name, an administrator; the clinic's details, with the local mail relay."""
    store_url = f"sqlite:///{tmp_path_factory.mktemp('release') / 'clinic.db'}"
    store = open_store(store_url)
    add_clinician(store, "aphysio", "A. Physio", PASSWORD, email="a.physio@clinic.example",
                  profession="Physiotherapist", registration="PH123456")
    add_clinician(store, "jp2", "A. Physio", PASSWORD)
    add_clinician(store, "boss", "The Administrator", PASSWORD, role="administrator")
    set_clinic(store, "test", name="Riverside Physiotherapy", emergency_number="999", phone="0113 496 0000",
               email="desk@clinic.example", smtp=f"127.0.0.1:{mailbox[1]}")
    for url in serve(store_url):
        yield url, store_url


def _new_client_link(browser: Browser, desk: str, name: str, username: str = "aphysio") -> tuple[str, str]:
    """(the intake link, the client page's URL) for a new client of `username`."""
    page = browser.new_context().new_page()
    _sign_in(page, desk, username)
    client_page = add_client(page, desk, name)
    link = intake_link(page)
    page.context.close()
    return link, client_page


def test_a_plan_that_needs_sign_off_reaches_the_client_only_once_signed_and_sent(
        browser: Browser, clinic_url: tuple[str, str], shots: Path) -> None:
    desk, _ = clinic_url
    link, _ = _new_client_link(browser, desk, "Morgan Hale")
    client = browser.new_context(viewport=PHONE).new_page()
    client.goto(link)
    confirm(client)
    _fill(client, {**_answers("deadlift_lockout.yaml"), "rf_cancer_history": "not_sure"})
    client.get_by_role("button", name="Send my answers").click()
    expect(client.get_by_role("heading", name="Thank you, Morgan Hale")).to_be_visible(timeout=30_000)
    plan_link = client.url.split("?")[0]
    expect(client.locator(".exercise-card")).to_have_count(0)
    expect(client.get_by_text("please do not start new exercises")).to_be_visible()
    assert client.request.get(plan_link + "/plan.pdf").status == 404  # no PDF before it is sent
    # The clinician: the row says it needs a sign-off, and "Send" waits for it.
    page = browser.new_context().new_page()
    _sign_in(page, desk)
    row = page.get_by_role("row").filter(has_text="Morgan Hale")
    expect(row).to_contain_text("Needs your sign-off")
    row.get_by_role("link", name="Morgan Hale").click()
    send = page.get_by_role("button", name="Send to the client")
    expect(send).to_be_disabled()
    refused = page.request.post(page.url + "/release", form={"csrf": page.locator("input[name=csrf]").first
                                                             .input_value()})
    assert refused.status == 409  # not by a forged click either
    client.reload()
    expect(client.locator(".exercise-card")).to_have_count(0)
    page.get_by_label("What you checked").fill("Asked about the cancer history: none.")
    page.get_by_role("button", name="Sign off the plan").click()
    expect(page.get_by_text("Signed off by")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Send to the client").click()
    expect(page.get_by_text("Sent to the client by A. Physio")).to_be_visible(timeout=60_000)
    # The client's page is now the plan: each exercise with its figure, dose and cues, the stop rules.
    client.reload()
    expect(client.get_by_role("heading", name="Your hip and back plan")).to_be_visible()
    cards = client.locator(".exercise-card")
    assert cards.count() >= 1 and cards.first.locator("svg").count() == 1
    expect(cards.first.locator(".dose")).not_to_be_empty()
    expect(client.get_by_role("heading", name="Stop and seek advice if")).to_be_visible()
    client.screenshot(path=str(shots / "plan-released-375.png"), full_page=True)
    got = client.request.get(plan_link + "/plan.pdf")
    assert got.status == 200 and "client copy" in got.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(got.body()))
    words = " ".join(p.extract_text() or "" for p in reader.pages)
    assert not reader.attachments and "Riverside Physiotherapy" in words and "PH123456" in words
    assert "Not checked yet" not in words and "Clinician appendix" not in words


def test_an_emergency_answer_says_what_to_do_at_once_and_alerts_the_clinician(
        browser: Browser, clinic_url: tuple[str, str], mailbox: tuple[Mailbox, int], shots: Path) -> None:
    desk, _ = clinic_url
    link, _ = _new_client_link(browser, desk, "Casey Dunn")
    client = browser.new_context(viewport=PHONE).new_page()
    client.goto(link)
    advice = client.locator("#rf_bladder_bowel-emergency")
    expect(advice).to_be_hidden()
    client.locator("#q-rf_bladder_bowel input[value=yes]").check()  # before anything else is answered
    expect(advice).to_be_visible()
    expect(advice).to_contain_text("emergency department")
    expect(advice).to_contain_text("999")
    client.screenshot(path=str(shots / "intake-emergency-375.png"))
    before = len(mailbox[0].messages)
    advice.get_by_role("button", name="Stop the questionnaire and tell A. Physio now").click()
    expect(client.get_by_role("heading", name="Please get care today")).to_be_visible(timeout=30_000)
    expect(client.get_by_role("alert")).to_contain_text("999")
    deadline = time.monotonic() + 20
    while len(mailbox[0].messages) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    [mail] = mailbox[0].messages[before:]
    body = mail.content.decode()
    assert mail.rcpt_tos == ["a.physio@clinic.example"] and "emergency" in body
    assert "Casey" not in body  # no client detail leaves by e-mail
    # The desk: the alert heads the page, marked, with what was answered.
    page = browser.new_context().new_page()
    _sign_in(page, desk)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Emergency")
    expect(alert.get_by_role("link", name="Casey Dunn")).to_be_visible()
    expect(alert).to_contain_text("e-mailed to a.physio@clinic.example")
    page.screenshot(path=str(shots / "desk-alert.png"), full_page=True)


def test_without_the_script_the_advice_comes_when_the_red_flag_part_is_sent(
        browser: Browser, clinic_url: tuple[str, str]) -> None:
    desk, _ = clinic_url
    link, _ = _new_client_link(browser, desk, "Jo Noscript")
    client = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    client.goto(link)
    client.locator("#q-rf_saddle_numbness input[value=yes]").check()
    client.get_by_role("button", name="Check these answers").click()
    box = client.locator("#rf_saddle_numbness-emergency")
    expect(box).to_be_visible()
    expect(box).to_contain_text("999")
    expect(client.locator("#q-rf_saddle_numbness input[value=yes]")).to_be_checked()  # nothing lost
    expect(client.locator("#emergency-summary")).to_contain_text("emergency department")


def test_the_desk_lists_an_emergency_referral_first(browser: Browser, clinic_url: tuple[str, str]) -> None:
    desk, _ = clinic_url
    for name, example in (("Rae Emergency", "red_flag.yaml"), ("Lee Routine", "hinge_after_injury.yaml")):
        link, _ = _new_client_link(browser, desk, name)
        client = browser.new_context().new_page()
        client.goto(link)
        confirm(client)
        _fill(client, _answers(example))
        client.get_by_role("button", name="Send my answers").click()
        expect(client.get_by_role("heading", level=1)).not_to_have_text("Hip and low back intake",
                                                                        timeout=30_000)
        client.context.close()
    page = browser.new_context().new_page()
    _sign_in(page, desk)
    first = page.locator("tbody tr").first
    expect(first).to_contain_text("Rae Emergency")
    expect(first.locator(".tag.emergency")).to_have_text("Emergency referral")


def test_access_goes_by_account_not_by_name(browser: Browser, clinic_url: tuple[str, str]) -> None:
    desk, store_url = clinic_url
    _, theirs = _new_client_link(browser, desk, "Only For Aphysio")
    other = browser.new_context().new_page()
    _sign_in(other, desk, "jp2")  # the same display name, another account
    expect(other.get_by_text("Only For Aphysio")).to_have_count(0)
    client_id = theirs.rsplit("/", 1)[1]
    for path in (f"/desk/clients/{client_id}", "/desk/log", "/desk/clinic"):
        response = other.goto(desk + path)
        assert response is not None and response.status == 404, path
    other.goto(desk + "/desk")
    csrf = other.locator("input[name=csrf]").first.input_value()
    for path in ("intake-links", "plan-links", "share"):
        posted = other.request.post(f"{desk}/desk/clients/{client_id}/{path}", form={"csrf": csrf})
        assert posted.status == 404, path
    # A disabled account's session ends at once.
    set_disabled(open_store(store_url), "jp2", True)
    other.goto(desk + "/desk")
    expect(other).to_have_url(desk + "/sign-in")
    _sign_in(other, desk, "jp2")
    expect(other.get_by_role("alert")).to_contain_text("disabled")
    # A forged plan link is 404; a withdrawn one too.
    forged = other.goto(desk + "/plan/" + "x" * 43)
    assert forged is not None and forged.status == 404
    owner = browser.new_context().new_page()
    _sign_in(owner, desk)
    owner.goto(theirs)
    owner.get_by_role("button", name="Make a plan link").click()
    plan_link = owner.get_by_label("Link").input_value()
    assert owner.request.get(plan_link).status == 200
    owner.goto(theirs)
    owner.get_by_role("row").filter(has_text="Plan").get_by_role("button", name="Withdraw").click()
    assert owner.request.get(plan_link).status == 404


def test_the_administrator_reads_the_access_log_and_it_notices_an_edited_row(
        browser: Browser, clinic_url: tuple[str, str], shots: Path) -> None:
    desk, store_url = clinic_url
    admin = browser.new_context().new_page()
    _sign_in(admin, desk, "boss")
    admin.goto(desk + "/desk/log")
    expect(admin.get_by_role("status")).to_contain_text("entries are intact")
    expect(admin.get_by_role("cell", name="signed in").first).to_be_visible()
    admin.screenshot(path=str(shots / "access-log.png"), full_page=True)
    # Someone with the database file drops the guard and rewrites who did something.
    engine = open_store(store_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER access_log_no_update"))
        conn.execute(text("UPDATE access_log SET actor = 'nobody' WHERE id = 2"))
    admin.reload()
    expect(admin.get_by_role("alert")).to_contain_text("entry 2 was changed")


def test_a_client_shared_with_a_colleague_is_theirs_to_see_until_sharing_stops(
        browser: Browser, clinic_url: tuple[str, str]) -> None:
    desk, store_url = clinic_url
    add_clinician(open_store(store_url), "colleague", "C. Olleague", PASSWORD)
    _, record = _new_client_link(browser, desk, "Shared Client")
    colleague = browser.new_context().new_page()
    _sign_in(colleague, desk, "colleague")
    response = colleague.goto(record)
    assert response is not None and response.status == 404  # not shared yet
    owner = browser.new_context().new_page()
    _sign_in(owner, desk)
    owner.goto(record)
    owner.get_by_label("Share with a colleague").select_option("colleague")
    owner.get_by_role("button", name="Share", exact=True).click()
    shared = owner.locator("#people li").filter(has_text="C. Olleague (colleague)")
    expect(shared).to_have_count(1)
    response = colleague.goto(record)
    assert response is not None and response.status == 200
    # Only the owner (or an administrator) stops sharing.
    expect(colleague.get_by_role("button", name="Stop sharing with C. Olleague")).to_have_count(0)
    owner.get_by_role("button", name="Stop sharing with C. Olleague").click()
    expect(shared).to_have_count(0)
    response = colleague.goto(record)
    assert response is not None and response.status == 404
