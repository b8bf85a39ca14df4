"""The web application: routes, templates, the store it serves, and the error pages (an
anonymous visitor is sent to sign in; anything not the clinician's is 404, like a missing id)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from assess.store.database import open_store
from assess.web import admin, changes, desk, intake, people, release
from assess.web.guard import SecurityHeaders
from assess.web.work import Assessor, Busy, PdfMaker

_ONE = "/desk/assessments/{assessment_id}"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_MESSAGES = {403: "Refused", 404: "Not found", 409: "Changed since", 429: "Too many attempts"}
_SAID = (403, 404, 409)  # statuses whose own words (a refused form, a link that cannot be used) are shown


async def _error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 401:
        return RedirectResponse("/sign-in", status_code=303)
    # A bare 404's words are Starlette's ("Not Found"); only the details we wrote are shown.
    detail = exc.detail if isinstance(exc, HTTPException) and status in _SAID and exc.detail != "Not Found" \
        else ""
    response: Response = request.app.state.templates.TemplateResponse(
        request, "error.html", {"title": _MESSAGES.get(status, "Something went wrong"), "detail": detail},
        status_code=status)
    return response


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    await asyncio.to_thread(app.state.assessor.warm)
    draining = asyncio.create_task(app.state.pdfs.drain(app.state.store))
    yield
    draining.cancel()
    app.state.pdfs.close()  # the PDFs still being rendered are finished and kept first
    app.state.assessor.close()


def create_app(url: str) -> Starlette:
    """The desk over the store at `url` (opened and migrated now, so a bad URL fails at start)."""
    app = Starlette(
        routes=[
            Route("/", desk.home),
            Route("/sign-in", desk.sign_in_page, methods=["GET"]),
            Route("/sign-in", desk.sign_in, methods=["POST"]),
            Route("/sign-out", desk.sign_out, methods=["POST"]),
            Route("/desk", desk.desk, name="desk"),
            Route("/desk/alerts/{alert_id}/seen", desk.alert_seen, methods=["POST"]),
            Route("/desk/clients", people.clients_page, methods=["GET"]),
            Route("/desk/clients", people.new_client, methods=["POST"]),
            Route("/desk/clients/{client_id}", people.client_page),
            Route("/desk/clients/{client_id}/intake-links", people.new_intake_link, methods=["POST"]),
            Route("/desk/clients/{client_id}/plan-links", people.new_plan_link, methods=["POST"]),
            Route("/desk/clients/{client_id}/revoke", people.revoke, methods=["POST"]),
            Route("/desk/clients/{client_id}/share", people.share, methods=["POST"]),
            Route("/desk/clients/{client_id}/unshare", people.unshare, methods=["POST"]),
            Route("/desk/log", admin.log_page),
            Route("/desk/clinic", admin.clinic_page, methods=["GET"]),
            Route("/desk/clinic", admin.set_clinic_page, methods=["POST"]),
            Route("/desk/assessments/{assessment_id}", desk.assessment),
            Route("/desk/assessments/{assessment_id}/plan.pdf", desk.pdf),
            Route("/desk/assessments/{assessment_id}/client-copy.pdf", desk.client_pdf),
            Route(f"{_ONE}/release", release.release, methods=["POST"]),
            Route(f"{_ONE}/measurements", changes.measurements_page, methods=["GET"]),
            Route(f"{_ONE}/measurements", changes.save_measurements, methods=["POST"]),
            Route(f"{_ONE}/decisions", changes.decide, methods=["POST"]),
            Route("/intake/{token}", intake.intake_page, methods=["GET"], name="intake"),
            Route("/intake/{token}", intake.submit, methods=["POST"]),
            Route("/plan/{token}", release.plan_page, name="plan"),
            Route("/plan/{token}/plan.pdf", release.plan_pdf),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(Busy)],
        exception_handlers={HTTPException: _error},
        lifespan=_lifespan,
    )
    app.state.store = open_store(url)
    app.state.url = url  # for what opens the store itself (the earlier visits, read by URL)
    app.state.pdfs = PdfMaker(url)
    app.state.assessor = Assessor()
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES))
    return app


def app_from_environment() -> Starlette:
    """The desk over the store in ASSESS_DB: how each of `assess serve --workers N`'s processes
    makes its own app (uvicorn starts them from an import string, not from an object)."""
    from assess.store.database import resolve_url

    return create_app(resolve_url(None))
