"""The clinician desk's pages: sign-in and sign-out, the clinician's assessments, one
assessment with HOW and WHY NOT in the words of `assess explain`, and its PDF."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assess.domain.assessment import Assessment
from assess.domain.errors import UsageError
from assess.reasoning.audit_words import how_accounts, why_not_groups
from assess.store.accounts import SESSION_HOURS, Clinician, own_assessment, own_assessments
from assess.store.accounts import sign_in as check_sign_in
from assess.store.accounts import sign_out as end_session
from assess.store.corrections import corrections_of, superseded_by
from assess.store.links import LINK_DAYS, make_link
from assess.store.records import StoredAssessment, earlier_documents
from assess.web.guard import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    checked_form,
    new_csrf,
    set_cookie,
    signed_in,
)


def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(request, name, context,
                                                                      status_code=status)
    return response


async def home(request: Request) -> Response:
    return RedirectResponse("/desk" if await signed_in(request) else "/sign-in", status_code=303)


async def sign_in_page(request: Request) -> Response:
    if await signed_in(request):
        return RedirectResponse("/desk", status_code=303)
    return _sign_in_form(request)


def _sign_in_form(request: Request, *, username: str = "", error: str = "", status: int = 200) -> Response:
    csrf = new_csrf()
    response = page(request, "sign_in.html", status, csrf=csrf, username=username, error=error)
    set_cookie(request, response, PRE_SESSION_COOKIE, csrf, max_age=3600)
    return response


async def sign_in(request: Request) -> Response:
    form = await checked_form(request, request.cookies.get(PRE_SESSION_COOKIE))
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    try:
        done = await run_in_threadpool(check_sign_in, request.app.state.store, username, password)
    except UsageError as exc:
        return _sign_in_form(request, username=username, error=str(exc), status=429)
    if done is None:
        return _sign_in_form(request, username=username, error="The username or password is not right.",
                             status=401)
    response = RedirectResponse("/desk", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, done[0], max_age=SESSION_HOURS * 3600)
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


async def _clinician(request: Request) -> tuple[Clinician, str]:
    found = await signed_in(request)
    if found is None:
        raise HTTPException(401)
    return found


async def sign_out(request: Request) -> Response:
    _, csrf = await _clinician(request)
    await checked_form(request, csrf)
    await run_in_threadpool(end_session, request.app.state.store, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def desk(request: Request, *, link_error: str = "", label: str = "") -> Response:
    clinician, csrf = await _clinician(request)
    stored = await run_in_threadpool(own_assessments, request.app.state.store, clinician)
    rows = []
    for s in stored:
        a = s.assessment()
        rows.append({"id": s.id, "date": s.visit_date, "client": s.client_name,
                     "pain": a.intake.answers.get("pain_now", "-"), "plan": a.plan.summary()})
    return page(request, "desk.html", 422 if link_error else 200, clinician=clinician, csrf=csrf, rows=rows,
                 link_error=link_error, label=label)


async def new_link(request: Request) -> Response:
    clinician, csrf = await _clinician(request)
    form = await checked_form(request, csrf)
    label = str(form.get("label", ""))
    try:
        token = await run_in_threadpool(make_link, request.app.state.store, clinician, label)
    except UsageError as exc:
        return await desk(request, link_error=str(exc), label=label)
    url = str(request.url_for("intake", token=token))
    return page(request, "link_made.html", clinician=clinician, csrf=csrf, url=url,
                 label=" ".join(label.split()), days=LINK_DAYS)


async def own(request: Request) -> tuple[Clinician, str, StoredAssessment]:
    clinician, csrf = await _clinician(request)
    stored = await run_in_threadpool(own_assessment, request.app.state.store, clinician,
                                     request.path_params["assessment_id"])
    if stored is None:
        raise HTTPException(404)
    return clinician, csrf, stored


def _context(url: str, store: Engine, stored: StoredAssessment) -> dict[str, Any]:
    """What the assessment page shows beside the assessment: its versions, the last visit to
    compare with, the clinician's decisions in words, and what the adjust forms offer."""
    from assess.definitions.knowledge import load_knowledge
    from assess.reasoning.adjust import decision_words, excluding
    from assess.reasoning.compare import plan_changes, visit_rows

    kb = load_knowledge()
    a = stored.assessment()
    earlier = earlier_documents(url, stored.id)
    last = Assessment.model_validate_json(earlier[-1]) if earlier else None
    planned = set(a.plan.exercise_ids())
    titles = {p.id: p.title for p in a.precautions}
    catalogue = [(e.id, e.name, [titles[p] for p in excluding(kb, a, e.id)])
                 for e in sorted(kb.exercises.values(), key=lambda e: e.name) if e.id not in planned]
    return {
        "newer": superseded_by(store, stored.id),
        "versions": corrections_of(store, stored.id),
        "last": last,
        "last_rows": visit_rows(last, a) if last else [],
        "last_plan": plan_changes(last, a) if last else ([], []),
        "decisions": decision_words(kb, a),
        "catalogue": catalogue,
    }


async def assessment_page(request: Request, *, status: int = 200, form_kind: str = "",
                          form_errors: dict[str, str] | None = None,
                          typed: dict[str, str] | None = None) -> Response:
    clinician, csrf, stored = await own(request)
    a = stored.assessment()
    # One line per finding and side, as `assess show` says them (several rules may conclude one).
    findings = list({(f.text, f.side): f for f in a.findings}.values())
    extra = await run_in_threadpool(_context, request.app.state.url, request.app.state.store, stored)
    return page(request, "assessment.html", status, clinician=clinician, csrf=csrf, stored=stored, a=a,
                 findings=findings, accounts=how_accounts(a), why_not=why_not_groups(a),
                 form_kind=form_kind, form_errors=form_errors or {}, typed=typed or {}, **extra)


async def assessment(request: Request) -> Response:
    return await assessment_page(request)


async def pdf(request: Request) -> Response:
    *_, stored = await own(request)
    sid = stored.id
    content = await request.app.state.pdfs.pdf_for(request.app.state.store, sid, stored.document,
                                                   stored.recorded_by)
    return Response(content, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="assessment-{sid[:8]}.pdf"'})
