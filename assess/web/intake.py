"""The client's intake on the web, reached by a one-time link made for a client record.

The form confirms who the client is (their name and date of birth from the record, not typed
anew); problems are shown beside their fields with everything typed kept. An emergency answer
shows what to do now at its question (with or without the page's script: at the latest when
the form is sent), with the clinic's emergency number, and lets the client stop and send what
they answered, which alerts the clinician at once. A whole intake is assessed and saved to the
client; the client is then sent to their private plan page, which shows the plan only once a
clinician has checked and sent it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assess.definitions.questionnaire import questionnaire
from assess.domain.errors import InvalidInput, UsageError
from assess.reasoning.screen_now import emergency_items, today_items
from assess.services.pipeline import assess_intake
from assess.store.links import Link, open_link, stop_with_link, use_link
from assess.web.alerting import alert_by_email, emergency_number
from assess.web.forms import Field, blank_fields, place, read_form
from assess.web.guard import PRE_SESSION_COOKIE, checked_form, new_csrf, set_cookie
from assess.web.logged import log

GONE = "This link cannot be used: it was used already, has expired, or is not a link we made."
FIXED = ("name", "age")  # taken from the client's record when it has a date of birth
CONFIRM = "confirm_identity"


async def _link(request: Request) -> tuple[str, Link]:
    token = request.path_params["token"]
    link = await run_in_threadpool(open_link, request.app.state.store, token)
    if link is None:
        raise HTTPException(404, GONE)
    return token, link


def _fixed(link: Link) -> dict[str, Any]:
    """The answers the record gives: the name always, the age from a recorded date of birth."""
    if link.client is None:
        return {}
    age = link.client.age_on(dt.date.today())
    return {"name": link.client.name, **({"age": age} if age is not None else {})}


def _flagged(fields: dict[str, Field]) -> list[str]:
    """The emergency questions answered yes or not sure, in the order asked."""
    return [key for key in emergency_items() if key in fields and fields[key].value in (True, "not_sure")]


async def _form(
    request: Request,
    link: Link,
    fields: dict[str, Field],
    summary: list[tuple[str, str]],
    status: int = 200,
    *,
    confirm_error: str = "",
    confirmed: bool = False,
) -> Response:
    csrf = new_csrf()
    q = questionnaire()
    fixed = _fixed(link)
    sections = [
        (group, [fields[i.linkId] for i in items if i.linkId not in fixed]) for group, items in q.sections()
    ]
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "intake.html",
        {
            "link": link,
            "sections": sections,
            "summary": summary,
            "csrf": csrf,
            "title": q.title,
            "today": today_items(),
            "emergency": emergency_items(),
            "flagged": _flagged(fields),
            "number": await emergency_number(request),
            "confirm_error": confirm_error,
            "confirmed": confirmed,
            "fixed": fixed,
        },
        status_code=status,
    )
    set_cookie(request, response, PRE_SESSION_COOKIE, csrf, max_age=4 * 3600)
    return response


async def intake_page(request: Request) -> Response:
    _, link = await _link(request)
    await log(
        request,
        "client opened an intake link",
        None,
        actor="client (intake link)",
        client_id=link.client.id if link.client else None,
    )
    return await _form(request, link, blank_fields(), [])


async def submit(request: Request) -> Response:
    token, link = await _link(request)
    form = await checked_form(request, request.cookies.get(PRE_SESSION_COOKIE))
    doc, fields = read_form(form)
    action = str(form.get("action", "send"))
    confirmed = form.get(CONFIRM) == "yes"
    if action == "stop":
        return await _stop(request, token, link, doc["answers"])
    if action == "check":  # the red-flag part sent on its own (without the page's script)
        return await _form(request, link, fields, [], confirmed=confirmed)
    doc["answers"].update(_fixed(link))
    confirm_error = (
        ""
        if confirmed or link.client is None
        else "Please confirm that this questionnaire is for you, or close the page if it is not."
    )
    try:
        a = await request.app.state.assessor.run(assess_intake, doc, source="the intake form")
    except InvalidInput as exc:
        summary = ([(CONFIRM, confirm_error)] if confirm_error else []) + place(exc.problems, fields)
        return await _form(
            request, link, fields, summary, status=422, confirm_error=confirm_error, confirmed=confirmed
        )
    if confirm_error:
        return await _form(
            request, link, fields, [(CONFIRM, confirm_error)], status=422, confirm_error=confirm_error
        )
    return await _save(request, token, link, a)


async def _save(request: Request, token: str, link: Link, a: Any) -> Response:
    from assess.store.clinic import clinic, letterhead_of
    from assess.web.logged import origin

    document = a.to_json()
    try:
        saved, plan_token = await run_in_threadpool(
            lambda: use_link(
                request.app.state.store,
                token,
                link,
                a,
                json_bytes=document.encode("utf-8"),
                pdf=None,
                origin=origin(request),
            )
        )
    except UsageError:
        raise HTTPException(404, GONE) from None
    if a.plan.referral and a.plan.referral_detail:
        emergency = a.plan.referral_detail.urgency == "emergency"
        await alert_by_email(
            request,
            link,
            client_id=saved.client_id,
            assessment_id=saved.assessment_id,
            emergency=emergency,
            summary=f"{a.plan.referral_detail.label}: {a.plan.reason}",
        )
    # The PDF, from the clinic and the link's clinician, waits for a quiet moment.
    home = await run_in_threadpool(clinic, request.app.state.store)
    request.app.state.pdfs.later(
        saved.assessment_id, document, link.clinician.name, letterhead_of(home, link.clinician)
    )
    response = RedirectResponse(str(request.url_for("plan", token=plan_token)) + "?sent=1", status_code=303)
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


async def _stop(request: Request, token: str, link: Link, answers: dict[str, Any]) -> Response:
    """The client stopped after an emergency answer: what they answered goes to the clinician
    as an alert, and they are told again what to do now."""
    from assess.reasoning.screen_now import screen_so_far

    answers = {**answers, **_fixed(link)}
    referral, _today = await request.app.state.assessor.run(screen_so_far, answers)
    flagged = [k for k in emergency_items() if answers.get(k) in (True, "not_sure")]
    summary = (
        f"Stopped the intake after an emergency answer: {referral.label}: "
        + "; ".join(dict.fromkeys(r.text for r in referral.reasons))
        if referral
        else "Stopped the intake after answering 'not sure' to an emergency question: " + ", ".join(flagged)
    )
    try:
        alert_id = await run_in_threadpool(
            lambda: stop_with_link(
                request.app.state.store,
                token,
                link,
                summary=summary,
                answers_json=json.dumps(answers, ensure_ascii=False, sort_keys=True),
            )
        )
    except UsageError:
        raise HTTPException(404, GONE) from None
    client_id = link.client.id if link.client else None
    await log(
        request,
        "client stopped the intake (emergency answer)",
        None,
        actor="client (intake link)",
        client_id=client_id,
    )
    await alert_by_email(
        request,
        link,
        client_id=client_id,
        assessment_id=None,
        emergency=True,
        summary=summary,
        alert_id=alert_id,
    )
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "intake_stopped.html",
        {
            "link": link,
            "number": await emergency_number(request),
            "referral": referral,
            "advice": next(
                (today_items()[k] for k in flagged if k in today_items()),
                "Please speak to your clinician or a doctor today.",
            ),
        },
    )
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response
