"""Recording what a request did in the access log: who (the signed-in account, or "client via
link" for a client's own page), what, on which record, and from where (the peer address)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from assess.store.access_log import record
from assess.store.accounts import Clinician


def origin(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def log(
    request: Request,
    action: str,
    who: Clinician | None,
    *,
    client_id: str | None = None,
    assessment_id: str | None = None,
    detail: str = "",
    actor: str | None = None,
) -> None:
    await run_in_threadpool(
        record,
        request.app.state.store,
        action,
        actor=actor or (f"{who.name} ({who.username})" if who else "anonymous"),
        actor_id=who.id if who else None,
        client_id=client_id,
        assessment_id=assessment_id,
        detail=detail,
        origin=origin(request),
    )
