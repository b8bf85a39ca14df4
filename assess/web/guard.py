"""What every request passes: the signed-in clinician from the session cookie, the CSRF check
on every form, and the headers that keep pages from being framed or loading outside scripts."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assess.store.accounts import Clinician, session_of

SESSION_COOKIE = "assess_session"
# Before sign-in there is no session to hold a CSRF token: the sign-in form carries one that
# must equal this cookie's (double submit).
PRE_SESSION_COOKIE = "assess_csrf"
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                                 b"form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds HEADERS to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def signed_in(request: Request) -> tuple[Clinician, str] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found: tuple[Clinician, str] | None = await run_in_threadpool(session_of, request.app.state.store, token)
    return found


async def checked_form(request: Request, expected: str | None) -> Any:
    """The posted form, after its CSRF token matched `expected`; 403 otherwise."""
    form = await request.form()
    given = form.get("csrf")
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise HTTPException(403, "This form has expired or did not come from this site. Reload the page "
                                 "and send it again.")
    return form


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
