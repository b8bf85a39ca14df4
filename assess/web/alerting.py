"""Telling the clinician at once: an alert on the desk and, when the clinic has a mail relay
and the clinician an e-mail address, a message that names no client (services.notify)."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from assess.store.links import Link

FALLBACK_NUMBER = "the emergency number (999 in the UK, 112 in Europe, 911 in North America)"


async def emergency_number(request: Request) -> str:
    from assess.store.clinic import clinic

    found = await run_in_threadpool(clinic, request.app.state.store)
    return found.emergency_number if found else FALLBACK_NUMBER


async def alert_by_email(
    request: Request,
    link: Link,
    *,
    client_id: str | None,
    assessment_id: str | None,
    emergency: bool,
    summary: str,
    alert_id: str | None = None,
) -> None:
    """Raise the alert (unless `alert_id` says it was raised with the save) and e-mail it."""
    from assess.services.notify import alert_words, send
    from assess.store.alerts import note_emailed, raise_alert
    from assess.store.clinic import clinic

    store = request.app.state.store

    def raise_it() -> str:
        with store.begin() as conn:
            return raise_alert(
                conn,
                link.clinician.id,
                client_id=client_id,
                assessment_id=assessment_id,
                emergency=emergency,
                summary=summary,
            )

    if alert_id is None:
        alert_id = await run_in_threadpool(raise_it)
    settings = await run_in_threadpool(clinic, store)
    to = link.clinician.email
    if settings is None or not settings.smtp or not settings.email:
        words = "not e-mailed: the clinic has no mail relay set"
    elif not to:
        words = "not e-mailed: the clinician's account has no e-mail address"
    else:
        subject, body = alert_words(emergency, str(request.base_url) + "desk")
        try:
            await run_in_threadpool(send, settings.smtp, settings.email, to, subject, body)
            words = f"e-mailed to {to}"
        except Exception as exc:  # the alert stays on the desk whatever the relay does
            logging.getLogger(__name__).warning("the alert %s could not be e-mailed: %s", alert_id, exc)
            words = f"not e-mailed: the mail relay refused ({type(exc).__name__})"
    await run_in_threadpool(note_emailed, store, alert_id, words)
