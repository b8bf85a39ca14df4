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
from assess.store.records import StoredAssessment, earlier_documents
from assess.web.guard import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    checked_form,
    new_csrf,
    set_cookie,
    signed_in,
)
from assess.web.logged import log


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
        await log(request, "sign-in refused", None, actor=username[:80] or "(no username)", detail=str(exc))
        return _sign_in_form(request, username=username, error=str(exc), status=429)
    if done is None:
        await log(request, "sign-in failed", None, actor=username[:80] or "(no username)")
        return _sign_in_form(request, username=username, error="The username or password is not right.",
                             status=401)
    await log(request, "signed in", done[1])
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
    who, csrf = await _clinician(request)
    await checked_form(request, csrf)
    await log(request, "signed out", who)
    await run_in_threadpool(end_session, request.app.state.store, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def desk_rows(store: Engine, clinician: Clinician) -> list[dict[str, Any]]:
    """The desk's list: referrals not yet sent on first (emergencies first), then the rest,
    newest visit first; each with its status in words."""
    from assess.store.releases import released_ids

    stored = own_assessments(store, clinician)
    released = released_ids(store, [s.id for s in stored])
    rows = []
    for s in stored:
        a = s.assessment()
        status, rank = status_of(a, s.id in released)
        rows.append({"id": s.id, "date": s.visit_date, "client": s.client_name, "client_id": s.client_id,
                     "pain": a.intake.answers.get("pain_now", "-"), "plan": a.plan.summary(),
                     "status": status, "rank": rank})
    return sorted(rows, key=lambda r: r["rank"])  # stable: newest first within each rank


def status_of(a: Assessment, released: bool) -> tuple[str, int]:
    """What the clinician must do next, in words, and where it sorts (0 first)."""
    if a.plan.referral:
        emergency = a.plan.referral_detail is not None and a.plan.referral_detail.urgency == "emergency"
        words = "Emergency referral" if emergency else "Referral"
        return (f"{words}, advice sent", 2) if released else (words, 0 if emergency else 1)
    if released:
        return "Sent to the client", 2
    if a.awaits_sign_off:
        return "Needs your sign-off", 2
    return "Not sent to the client yet", 2


async def desk(request: Request) -> Response:
    from assess.store.alerts import open_alerts

    clinician, csrf = await _clinician(request)
    rows = await run_in_threadpool(desk_rows, request.app.state.store, clinician)
    alerts = await run_in_threadpool(open_alerts, request.app.state.store, clinician.id,
                                     clinician.administrator)
    return page(request, "desk.html", clinician=clinician, csrf=csrf, rows=rows, alerts=alerts)


async def alert_seen(request: Request) -> Response:
    from assess.store.alerts import mark_seen

    clinician, csrf = await _clinician(request)
    await checked_form(request, csrf)
    alert_id = request.path_params["alert_id"]
    if not await run_in_threadpool(mark_seen, request.app.state.store, alert_id, clinician.id,
                                   clinician.administrator):
        raise HTTPException(404)
    await log(request, "marked an alert seen", clinician, detail=alert_id)
    return RedirectResponse("/desk", status_code=303)


async def own(request: Request) -> tuple[Clinician, str, StoredAssessment]:
    clinician, csrf = await _clinician(request)
    stored = await run_in_threadpool(own_assessment, request.app.state.store, clinician,
                                     request.path_params["assessment_id"])
    if stored is None:
        raise HTTPException(404)
    return clinician, csrf, stored


async def signed_in_clinician(request: Request) -> tuple[Clinician, str]:
    return await _clinician(request)


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
    from assess.store.releases import release_of

    return {
        "released": release_of(store, stored.id),
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
    clinician, _, stored = await own(request)
    await log(request, "viewed an assessment", clinician, client_id=stored.client_id, assessment_id=stored.id)
    return await assessment_page(request)


def download_name(stored: StoredAssessment, copy: str) -> dict[str, str]:
    """The content-disposition of a PDF named with the client and the visit's date, as a
    plain-ASCII name and, for any other letters, RFC 6266's UTF-8 form."""
    import re
    from urllib.parse import quote

    name = f"{stored.client_name} {stored.visit_date} {copy} copy.pdf"
    plain = re.sub(r"[^A-Za-z0-9 ._-]", "_", name)
    return {"content-disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"}


async def pdf(request: Request) -> Response:
    """The clinician copy: the plan with the appendix and the full assessment attached."""
    clinician, _, stored = await own(request)
    content = await request.app.state.pdfs.pdf_for(request.app.state.store, stored.id, stored.document,
                                                   stored.recorded_by, head=await letterhead(request, stored))
    await log(request, "downloaded the clinician copy", clinician, client_id=stored.client_id,
              assessment_id=stored.id)
    return Response(content, media_type="application/pdf", headers=download_name(stored, "clinician"))


async def client_pdf(request: Request) -> Response:
    """The client copy: what the client reads, with no appendix and nothing attached."""
    clinician, _, stored = await own(request)
    content = await request.app.state.pdfs.client_copy(request.app.state.store, stored.id, stored.document,
                                                       head=await letterhead(request, stored))
    await log(request, "downloaded the client copy", clinician, client_id=stored.client_id,
              assessment_id=stored.id)
    return Response(content, media_type="application/pdf", headers=download_name(stored, "client"))


async def letterhead(request: Request, stored: StoredAssessment) -> Any:
    """The clinic and the clinician who signs this assessment's PDFs (releases.signer_of)."""

    def find() -> Any:
        from assess.store.clinic import clinic, letterhead_of
        from assess.store.releases import signer_of

        store = request.app.state.store
        return letterhead_of(clinic(store), signer_of(store, stored.id, stored.client_id))

    return await run_in_threadpool(find)
