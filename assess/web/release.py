"""Sending a plan to the client, and the client's own page of it.

A clinician presses "Send to the client" on an assessment they have checked (signed off first
where the plan needs it); the client copy is then rendered, signed by them, and kept. The
client's private plan link shows their newest visit only once it was sent: before that, what
happens next; for a referral, at once and always, what to do now."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assess.domain.errors import UsageError
from assess.web.alerting import emergency_number
from assess.web.desk import assessment_page, letterhead, own
from assess.web.guard import checked_form
from assess.web.logged import log

GONE = "This link cannot be used: it has expired, was withdrawn by the clinic, or is not a link we made."


async def release(request: Request) -> Response:
    from assess.store.releases import release as record_release

    clinician, csrf, stored = await own(request)
    await checked_form(request, csrf)
    try:
        done = await run_in_threadpool(record_release, request.app.state.store, clinician, stored)
    except UsageError as exc:
        return await assessment_page(
            request, status=409, form_kind="release", form_errors={"release": str(exc)}
        )
    await log(
        request, "sent the plan to the client", clinician, client_id=stored.client_id, assessment_id=stored.id
    )
    # The client copy, signed by who sent it, is kept now: what the client downloads is this.
    await request.app.state.pdfs.client_copy(
        request.app.state.store,
        stored.id,
        stored.document,
        await letterhead(request, stored),
        by=done.by,
        keep=True,
    )
    return RedirectResponse(f"/desk/assessments/{stored.id}#release", status_code=303)


async def _view(request: Request) -> tuple[str, Any]:
    from assess.store.releases import client_of_plan_link, client_view

    client_id = await run_in_threadpool(
        client_of_plan_link, request.app.state.store, request.path_params["token"]
    )
    if client_id is None:
        raise HTTPException(404, GONE)
    return client_id, await run_in_threadpool(client_view, request.app.state.store, client_id)


def _shown(view: Any) -> tuple[Any, str]:
    """The assessment the client may read now, and which page: "plan" (released), "referral"
    (always: what to do now), "waiting" (not sent yet) or "none" (no visit yet)."""
    if view.newest is None:
        return None, "none"
    a = view.newest.assessment()
    if a.plan.referral:
        return a, "referral"
    return a, ("plan" if view.released else "waiting")


async def plan_page(request: Request) -> Response:
    from assess.rendering.figures import figure_svg
    from assess.store.clinic import clinic

    client_id, view = await _view(request)
    a, kind = _shown(view)
    await log(
        request,
        f"client opened their plan page ({kind})",
        None,
        actor="client (plan link)",
        client_id=client_id,
        assessment_id=view.newest.id if view.newest else None,
    )
    figures = (
        {e.id: figure_svg(e.id) for b in a.plan.blocks for e in b.exercises}
        if a is not None and kind == "plan"
        else {}
    )
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "plan.html",
        {
            "view": view,
            "a": a,
            "kind": kind,
            "figures": figures,
            "clinic": await run_in_threadpool(clinic, request.app.state.store),
            "number": await emergency_number(request),
        },
    )
    return response


async def plan_pdf(request: Request) -> Response:
    from assess.web.desk import download_name

    client_id, view = await _view(request)
    _, kind = _shown(view)
    if kind not in ("plan", "referral") or (kind == "referral" and not view.released):
        raise HTTPException(404, "Your plan's PDF is here once your clinician has sent it.")
    stored = view.newest
    content = await request.app.state.pdfs.client_copy(
        request.app.state.store, stored.id, stored.document, await letterhead(request, stored)
    )
    await log(
        request,
        "client downloaded their plan",
        None,
        actor="client (plan link)",
        client_id=client_id,
        assessment_id=stored.id,
    )
    return Response(content, media_type="application/pdf", headers=download_name(stored, "client"))
