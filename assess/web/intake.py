"""The client's intake on the web, reached by a one-time link: the questionnaire as a form,
problems shown beside their fields with everything typed kept, and on a valid intake the plan
(or, for a red flag, what to do now); the intake and its assessment go to the store."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from assess.definitions.questionnaire import questionnaire
from assess.domain.errors import InvalidInput, UsageError
from assess.reasoning.screen_now import today_items
from assess.services.pipeline import assess_intake
from assess.store.links import Link, open_link, use_link
from assess.web.forms import Field, blank_fields, place, read_form
from assess.web.guard import PRE_SESSION_COOKIE, checked_form, new_csrf, set_cookie

GONE = "This link cannot be used: it was used already, has expired, or is not a link we made."


async def _link(request: Request) -> tuple[str, Link]:
    token = request.path_params["token"]
    link = await run_in_threadpool(open_link, request.app.state.store, token)
    if link is None:
        raise HTTPException(404, GONE)
    return token, link


def _form(request: Request, link: Link, fields: dict[str, Field], summary: list[tuple[str, str]],
          status: int = 200) -> Response:
    csrf = new_csrf()
    q = questionnaire()
    sections = [(group, [fields[i.linkId] for i in items]) for group, items in q.sections()]
    response: Response = request.app.state.templates.TemplateResponse(
        request, "intake.html", {"link": link, "sections": sections, "summary": summary, "csrf": csrf,
                                 "title": q.title, "today": today_items()}, status_code=status)
    set_cookie(request, response, PRE_SESSION_COOKIE, csrf, max_age=4 * 3600)
    return response


async def intake_page(request: Request) -> Response:
    _, link = await _link(request)
    return _form(request, link, blank_fields(), [])


async def submit(request: Request) -> Response:
    token, link = await _link(request)
    form = await checked_form(request, request.cookies.get(PRE_SESSION_COOKIE))
    doc, fields = read_form(form)
    try:
        a = await request.app.state.assessor.run(assess_intake, doc, source="the intake form")
    except InvalidInput as exc:
        return _form(request, link, fields, place(exc.problems, fields), status=422)
    document = a.to_json()
    try:
        saved = await run_in_threadpool(use_link, request.app.state.store, token, a,
                                        json_bytes=document.encode("utf-8"), pdf=None)
    except UsageError:
        raise HTTPException(404, GONE) from None
    # The client sees the plan at once; its PDF waits for a quiet moment (the desk renders it
    # on demand should that not have come yet).
    request.app.state.pdfs.later(saved.assessment_id, document, link.clinician.name)
    response: Response = request.app.state.templates.TemplateResponse(
        request, "intake_done.html", {"a": a, "link": link})
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response
