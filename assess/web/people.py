"""The desk's clients: the list (with a search), a new client's record, one client's page (their
details, visits, intake links and plan links, who the record is shared with, and who viewed or
printed it), and the links made there. Everything is by the client's id; an account sees only
its own and shared clients (an administrator sees all), anything else is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assess.domain.errors import UsageError
from assess.store.accounts import Clinician
from assess.store.people import IDENTIFIER_SYSTEMS, ClientRecord, NewClient
from assess.web.desk import page, signed_in_clinician
from assess.web.guard import checked_form
from assess.web.logged import log

FIELDS = ("name", "date_of_birth", "phone", "email", "identifier_kind", "identifier_value")


async def clients_page(
    request: Request, *, typed: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    from assess.store.people import clients_for

    clinician, csrf = await signed_in_clinician(request)
    search = str(request.query_params.get("q", ""))[:100]
    found = await run_in_threadpool(
        clients_for, request.app.state.store, clinician.id, clinician.administrator, search
    )
    return page(
        request,
        "clients.html",
        422 if errors else 200,
        clinician=clinician,
        csrf=csrf,
        clients=found,
        search=search,
        typed=typed or {},
        errors=errors or {},
        kinds=IDENTIFIER_SYSTEMS,
    )


async def new_client(request: Request) -> Response:
    from assess.store.people import add_client

    clinician, csrf = await signed_in_clinician(request)
    form = await checked_form(request, csrf)
    typed = {k: str(form.get(k, "")).strip()[:200] for k in FIELDS}
    new = NewClient(
        typed["name"],
        typed["date_of_birth"],
        typed["phone"],
        typed["email"],
        typed["identifier_kind"],
        typed["identifier_value"],
    )
    errors = new.problems(dt.date.today())
    if errors:
        return await clients_page(request, typed=typed, errors=errors)

    def add() -> ClientRecord:
        with request.app.state.store.begin() as conn:
            return add_client(conn, new, by=clinician.name, owner_id=clinician.id)

    record = await run_in_threadpool(add)
    await log(request, "added a client", clinician, client_id=record.id)
    # Its own fragment: otherwise the browser keeps the form's (#new) across the redirect.
    return RedirectResponse(f"/desk/clients/{record.id}#record", status_code=303)


async def _client(request: Request) -> tuple[Clinician, str, ClientRecord]:
    from assess.store.people import client_record, may_see

    clinician, csrf = await signed_in_clinician(request)
    client_id = request.path_params["client_id"]

    def find() -> ClientRecord | None:
        with request.app.state.store.connect() as conn:
            if not may_see(conn, clinician.id, clinician.administrator, client_id):
                return None
            return client_record(conn, client_id)

    record = await run_in_threadpool(find)
    if record is None:
        raise HTTPException(404)
    return clinician, csrf, record


def _client_context(store: Engine, record: ClientRecord, clinician: Clinician) -> dict[str, Any]:
    from assess.store.access_log import entries
    from assess.store.accounts import account_by_id, accounts, own_assessments
    from assess.store.links import links_of
    from assess.store.people import shared_with
    from assess.store.releases import plan_links_of, released_ids
    from assess.web.desk import status_of

    stored = own_assessments(store, clinician, record.id)
    released = released_ids(store, [s.id for s in stored])
    visits = [
        {
            "id": s.id,
            "date": s.visit_date,
            "status": status_of(s.assessment(), s.id in released)[0],
            "plan": s.assessment().plan.summary(),
        }
        for s in stored
    ]
    given = shared_with(store, record.id)
    people = [(account_by_id(store, cid), owner) for cid, owner in given]
    with_ids = {cid for cid, _ in given}
    owner = next((cid for cid, is_owner in given if is_owner), None)
    return {
        "visits": visits,
        "may_unshare": clinician.administrator or owner == clinician.id,
        "intake_links": links_of(store, record.id),
        "plan_links": plan_links_of(store, record.id),
        "people": [(who, owner) for who, owner in people if who is not None],
        # An administrator sees every client already: sharing is with clinicians.
        "colleagues": [
            a for a in accounts(store) if a.id not in with_ids and not a.disabled and not a.administrator
        ],
        "viewed": [e for e in entries(store, client_id=record.id, limit=200)],
        "now": dt.datetime.now(dt.UTC),
    }


async def client_page(
    request: Request, *, made: dict[str, str] | None = None, error: str = "", status: int = 200
) -> Response:
    clinician, csrf, record = await _client(request)
    await log(request, "viewed a client", clinician, client_id=record.id)
    extra = await run_in_threadpool(_client_context, request.app.state.store, record, clinician)
    return page(
        request,
        "client.html",
        status,
        clinician=clinician,
        csrf=csrf,
        c=record,
        made=made or {},
        error=error,
        **extra,
    )


async def _made(request: Request, what: str) -> Response:
    """Make an intake or a plan link for the client, and show it once."""
    from assess.store.links import LINK_DAYS, make_link
    from assess.store.releases import PLAN_LINK_DAYS, make_plan_link

    make, days = (make_link, LINK_DAYS) if what == "intake" else (make_plan_link, PLAN_LINK_DAYS)
    clinician, csrf, record = await _client(request)
    await checked_form(request, csrf)
    token = await run_in_threadpool(make, request.app.state.store, clinician, record.id)
    await log(request, f"made a{'n' if what == 'intake' else ''} {what} link", clinician, client_id=record.id)
    url = str(request.url_for(what, token=token))
    return page(
        request, "link_made.html", clinician=clinician, csrf=csrf, url=url, c=record, what=what, days=days
    )


async def new_intake_link(request: Request) -> Response:
    return await _made(request, "intake")


async def new_plan_link(request: Request) -> Response:
    return await _made(request, "plan")


async def revoke(request: Request) -> Response:
    from assess.store.links import revoke_link
    from assess.store.releases import revoke_plan_link

    clinician, csrf, record = await _client(request)
    form = await checked_form(request, csrf)
    key, kind = str(form.get("key", "")), str(form.get("kind", ""))
    undo = {"intake": revoke_link, "plan": revoke_plan_link}.get(kind)
    if undo is None or not await run_in_threadpool(undo, request.app.state.store, record.id, key):
        raise HTTPException(404)
    await log(
        request,
        f"revoked a{'n' if kind == 'intake' else ''} {kind} link",
        clinician,
        client_id=record.id,
        detail=key,
    )
    return RedirectResponse(f"/desk/clients/{record.id}#links", status_code=303)


async def share(request: Request) -> Response:
    from assess.store.accounts import account
    from assess.store.people import grant

    clinician, csrf, record = await _client(request)
    form = await checked_form(request, csrf)
    username = str(form.get("username", ""))
    try:
        colleague = await run_in_threadpool(account, request.app.state.store, username)
    except UsageError:
        return await client_page(request, error="Choose a colleague from the list.", status=422)

    def give() -> None:
        with request.app.state.store.begin() as conn:
            grant(conn, record.id, colleague.id, owner=False, by=clinician.id)

    await run_in_threadpool(give)
    await log(request, "shared a client", clinician, client_id=record.id, detail=f"with {colleague.username}")
    return RedirectResponse(f"/desk/clients/{record.id}#people", status_code=303)


async def unshare(request: Request) -> Response:
    """Withdraw a colleague's shared access (the client's owner or an administrator only)."""
    from assess.store.people import owner_of, withdraw

    clinician, csrf, record = await _client(request)
    form = await checked_form(request, csrf)
    owner = await run_in_threadpool(owner_of, request.app.state.store, record.id)
    if owner != clinician.id and not clinician.administrator:
        raise HTTPException(404)
    colleague = str(form.get("clinician_id", ""))

    def take_back() -> bool:
        with request.app.state.store.begin() as conn:
            return withdraw(conn, record.id, colleague)

    if not await run_in_threadpool(take_back):
        raise HTTPException(404)
    await log(
        request, "withdrew a share", clinician, client_id=record.id, detail=f"from account {colleague[:8]}"
    )
    return RedirectResponse(f"/desk/clients/{record.id}#people", status_code=303)
