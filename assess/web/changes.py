"""What a clinician changes on the desk, each a new version of the assessment saved with who
and why (never an overwrite): measurements added or corrected (the intake assessed again), an
exercise removed, added from the catalogue or its dose changed, and the sign-off."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assess.domain.assessment import Assessment
from assess.domain.decisions import Decision
from assess.domain.errors import InvalidInput, UsageError
from assess.store.corrections import save_correction, superseded_by
from assess.store.records import StoredAssessment, earlier_documents, utc_now
from assess.web.desk import assessment_page, letterhead, own, page
from assess.web.guard import checked_form
from assess.web.logged import log
from assess.web.measures import place, read_measurements, rows_of

REASON_MAX = 500
_KINDS = ("remove", "add", "dose", "sign_off")


async def _current(request: Request) -> tuple[Any, str, StoredAssessment]:
    """The clinician's assessment, refused (409) when a newer version replaced it: changes are
    made to the current version only."""
    clinician, csrf, stored = await own(request)
    newer = await run_in_threadpool(superseded_by, request.app.state.store, stored.id)
    if newer:
        raise HTTPException(409, f"This version was changed since (version {newer[:8]}). Open the current "
                                 "version from the list and make the change there.")
    return clinician, csrf, stored


def _history(url: str, stored: StoredAssessment, a: Assessment) -> list[Assessment]:
    if a.review is None:
        return []
    return [Assessment.model_validate_json(d) for d in earlier_documents(url, stored.id)]


def _save(request: Request, stored: StoredAssessment, done: Any, by: str, reason: str) -> str:
    saved = save_correction(request.app.state.store, stored.id, done.assessment, json_bytes=done.json_bytes,
                            pdf=done.pdf, recorded_by=by, reason=reason)
    return saved.assessment_id


def _reason(form: Any) -> tuple[str, str]:
    """The reason as typed, and what is wrong with it ("" when nothing)."""
    reason = " ".join(str(form.get("reason", "")).split())
    if not reason:
        return reason, "Say why: the reason is kept with the change and shown in the audit"
    if len(reason) > REASON_MAX:
        return reason, f"Keep the reason under {REASON_MAX} characters"
    return reason, ""


async def measurements_page(request: Request) -> Response:
    clinician, csrf, stored = await _current(request)
    a = stored.assessment()
    recorded = a.intake.model_dump(mode="json").get("measurements")
    return page(request, "measurements.html", clinician=clinician, csrf=csrf, stored=stored, a=a,
                 rows=rows_of(recorded), reason="", reason_error="", summary=[])


async def save_measurements(request: Request) -> Response:
    clinician, csrf, stored = await _current(request)
    form = await checked_form(request, csrf)
    a = stored.assessment()
    before = a.intake.model_dump(mode="json").get("measurements") or {}
    given, rows = read_measurements(form, before)
    reason, reason_error = _reason(form)
    # A test cleared on the form is cleared in the intake (the correction is laid over it).
    update = {"measurements": {**{t: None for t in before if t not in given}, **given}}
    summary: list[tuple[str, str]] = [("reason", reason_error)] if reason_error else []
    if not reason_error:
        from assess.services.review import corrected

        try:
            history = await run_in_threadpool(_history, request.app.state.url, stored, a)
            done = await request.app.state.assessor.run(corrected, update, a, history,
                                                        source="the measurements form",
                                                        letterhead=await letterhead(request, stored))
            new_id = await run_in_threadpool(_save, request, stored, done, clinician.name,
                                             f"measurements: {reason}")
            await log(request, "changed the measurements", clinician, client_id=stored.client_id,
                      assessment_id=new_id, detail=f"new version of {stored.id[:8]}: {reason}")
            return RedirectResponse(f"/desk/assessments/{new_id}", status_code=303)
        except InvalidInput as exc:
            summary = place(exc.problems, rows)
        except UsageError as exc:
            summary = [("", str(exc))]
    return page(request, "measurements.html", 422, clinician=clinician, csrf=csrf, stored=stored, a=a,
                 rows=rows, reason=reason, reason_error=reason_error, summary=summary)


def decision_of(form: Any, by: str, excluding: list[str]) -> tuple[Decision | None, dict[str, str]]:
    """The decision a desk form asks for, or what is wrong with the form (field -> message).
    `excluding` are the precautions that rule the chosen exercise out: ticking "override"
    overrides exactly those."""
    kind = str(form.get("kind", ""))
    reason, reason_error = _reason(form)
    errors = {"reason": reason_error} if reason_error else {}
    if kind not in _KINDS:
        errors["kind"] = "Choose what to change"
    exercise = str(form.get("exercise", "")).strip() or None
    if kind in ("remove", "add", "dose") and not exercise:
        errors["exercise"] = "Choose the exercise"
    dose = " ".join(str(form.get("dose", "")).split()) or None
    if dose and len(dose) > 120:
        errors["dose"] = "Keep the dose under 120 characters"
    if errors:
        return None, errors
    overrides = tuple(excluding) if kind == "add" and form.get("override") == "yes" else ()
    return Decision(kind=kind, by=by, at=utc_now(), reason=reason, exercise=exercise,  # type: ignore[arg-type]
                    dose=dose if kind in ("dose", "add") else None, overrides=overrides), {}


async def decide(request: Request) -> Response:
    clinician, csrf, stored = await _current(request)
    form = await checked_form(request, csrf)
    a = stored.assessment()
    from assess.definitions.knowledge import load_knowledge
    from assess.reasoning.adjust import decision_words, excluding

    kb = load_knowledge()
    chosen = str(form.get("exercise", ""))
    decision, errors = decision_of(form, clinician.name, excluding(kb, a, chosen) if chosen in kb.exercises
                                   else [])
    kind = str(form.get("kind", ""))
    if decision is not None:
        from assess.services.decide import decided

        try:
            done = await request.app.state.assessor.run(decided, a, decision,
                                                        letterhead=await letterhead(request, stored))
            said = decision_words(kb, a, (decision,))[0][1]
            new_id = await run_in_threadpool(_save, request, stored, done, clinician.name, said)
            await log(request, "signed off the plan" if decision.kind == "sign_off" else "changed the plan",
                      clinician, client_id=stored.client_id, assessment_id=new_id,
                      detail=f"new version of {stored.id[:8]}: {said}")
            return RedirectResponse(f"/desk/assessments/{new_id}", status_code=303)
        except InvalidInput as exc:
            errors = {p.path or "kind": p.message[0].upper() + p.message[1:] for p in exc.problems}
        except UsageError as exc:
            errors = {"kind": str(exc)}
    typed = {k: str(form.get(k, "")) for k in ("exercise", "dose", "reason", "override")}
    return await assessment_page(request, status=422, form_kind=kind, form_errors=errors, typed=typed)
