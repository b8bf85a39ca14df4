"""What an administrator does on the desk: read the access log (and check its chain), and set
the clinic's identity. Any other account gets 404 here, as for a page that is not there."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assess.domain.errors import UsageError
from assess.store.accounts import Clinician
from assess.web.desk import page, signed_in_clinician
from assess.web.guard import checked_form
from assess.web.logged import log

CLINIC_FIELDS = ("name", "address", "phone", "email", "emergency_number", "smtp")


async def _administrator(request: Request) -> tuple[Clinician, str]:
    clinician, csrf = await signed_in_clinician(request)
    if not clinician.administrator:
        raise HTTPException(404)
    return clinician, csrf


async def log_page(request: Request) -> Response:
    from assess.store.access_log import entries, verify

    clinician, csrf = await _administrator(request)
    store = request.app.state.store
    shown = await run_in_threadpool(entries, store, limit=500)
    checked, broken = await run_in_threadpool(verify, store)
    await log(request, "read the access log", clinician)
    return page(
        request, "log.html", clinician=clinician, csrf=csrf, entries=shown, checked=checked, broken=broken
    )


async def clinic_page(
    request: Request,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    from assess.store.clinic import clinic

    clinician, csrf = await _administrator(request)
    current = await run_in_threadpool(clinic, request.app.state.store)
    if typed is None:
        typed = {k: (getattr(current, k) or "") if current else "" for k in CLINIC_FIELDS}
    return page(
        request,
        "clinic.html",
        422 if errors else 200,
        clinician=clinician,
        csrf=csrf,
        typed=typed,
        errors=errors or {},
        saved=saved,
        has_logo=bool(current and current.logo),
    )


async def set_clinic_page(request: Request) -> Response:
    from assess.store.clinic import Clinic, set_clinic

    clinician, csrf = await _administrator(request)
    form = await checked_form(request, csrf)
    typed = {k: str(form.get(k, "")).strip()[:400] for k in CLINIC_FIELDS}
    upload = form.get("logo")
    logo = await upload.read(200_001) if upload is not None and hasattr(upload, "read") else b""
    errors = Clinic(
        **{k: typed[k] or None for k in CLINIC_FIELDS if k not in ("name", "emergency_number")},
        name=typed["name"],
        emergency_number=typed["emergency_number"],
        logo=logo or None,
    ).problems()
    if errors:
        return await clinic_page(request, typed=typed, errors=errors)
    try:
        await run_in_threadpool(
            lambda: set_clinic(
                request.app.state.store, clinician.name, **typed, **({"logo": logo} if logo else {})
            )
        )
    except UsageError as exc:
        return await clinic_page(request, typed=typed, errors={"name": str(exc)})
    await log(request, "set the clinic's details", clinician)
    return RedirectResponse("/desk/clinic?saved=1", status_code=303)
