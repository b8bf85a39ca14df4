"""E-mail to a clinician through the clinic's own mail relay (plain SMTP to HOST:PORT, as a
clinic's relay on its own network takes it). The message names no client and no answer: it
says that something waits on the desk and links there, so nothing clinical leaves the store
by e-mail."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

TIMEOUT = 10  # seconds: an alert must not hold a client's page for long


def send(relay: str, sender: str, to: str, subject: str, body: str) -> None:
    """Send one message; OSError or smtplib.SMTPException when the relay refuses or is away."""
    host, _, port = relay.rpartition(":")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    with smtplib.SMTP(host, int(port), timeout=TIMEOUT) as smtp:
        smtp.send_message(message)


def alert_words(emergency: bool, desk_url: str) -> tuple[str, str]:
    """The subject and body of an alert."""
    if emergency:
        subject = "assess: an emergency answer in a client's intake"
        body = (
            "A client answered an emergency red-flag question in their intake. They were told to seek "
            "emergency care. Please contact them today."
        )
    else:
        subject = "assess: an intake calls for a referral"
        body = "A client's intake calls for a referral. Please look at it on the desk."
    return (
        subject,
        f"{body}\n\nOpen the desk: {desk_url}\n\nThis message holds no client details by design.\n",
    )
