"""The clinic's identity, set by an administrator: name, address, telephone, e-mail, the
emergency number the intake shows beside an emergency answer, the mail relay alerts go
through, and an optional logo. Each change is a new row; the newest is in force."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from sqlalchemy import Engine, insert, select

from assess.domain.errors import UsageError
from assess.rendering.letterhead import Letterhead
from assess.store.people import EMAIL, PHONE
from assess.store.records import utc_now
from assess.store.tables import clinic_settings

if TYPE_CHECKING:
    from assess.store.accounts import Clinician

PNG = b"\x89PNG\r\n\x1a\n"
LOGO_BYTES = 200_000  # design choice: a letterhead logo, not a photograph


@dataclass(frozen=True)
class Clinic:
    name: str
    emergency_number: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    smtp: str | None = None  # HOST:PORT
    logo: bytes | None = None

    def lines(self) -> list[str]:
        """The letterhead's lines after the name."""
        contact = " · ".join(x for x in (f"Tel {self.phone}" if self.phone else None, self.email) if x)
        return [x for x in ((self.address or "").replace("\n", ", "), contact) if x]

    def problems(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if not self.name.strip():
            out["name"] = "Enter the clinic's name."
        elif len(self.name) > 200:
            out["name"] = "The name is longer than 200 characters."
        if not re.fullmatch(r"\+?[\d ()-]{2,40}", self.emergency_number.strip()):
            out["emergency_number"] = "Enter the emergency number clients should call, such as 999."
        if self.phone and not PHONE.fullmatch(self.phone):
            out["phone"] = "Enter a telephone number of digits, spaces, brackets and dashes."
        if self.email and not EMAIL.fullmatch(self.email):
            out["email"] = "Enter an e-mail address such as reception@example.org."
        if self.smtp and not re.fullmatch(r"[A-Za-z0-9.-]{1,190}:\d{1,5}", self.smtp):
            out["smtp"] = "Enter the mail relay as HOST:PORT, such as mail.example.org:25."
        if self.smtp and not self.email:
            out["email"] = "Alerts are sent from the clinic's e-mail address: enter it too."
        if self.logo is not None and (not self.logo.startswith(PNG) or len(self.logo) > LOGO_BYTES):
            out["logo"] = f"The logo must be a PNG image of at most {LOGO_BYTES // 1000} KB."
        return out


def clinic(engine: Engine) -> Clinic | None:
    with engine.connect() as conn:
        row = conn.execute(select(clinic_settings).order_by(clinic_settings.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return Clinic(
        row.name,
        row.emergency_number,
        row.address,
        row.phone,
        row.email,
        row.smtp,
        bytes(row.logo) if row.logo is not None else None,
    )


def set_clinic(engine: Engine, by: str, **changes: str | bytes | None) -> Clinic:
    """The clinic as it was with `changes` over it (a value of "" clears a field), recorded as a
    new row. Refused, naming each field, when the result is not whole."""
    known = {f.name for f in fields(Clinic)}
    unknown = set(changes) - known
    if unknown:
        raise UsageError(f"not a clinic setting: {', '.join(sorted(unknown))}")
    current = clinic(engine) or Clinic("", "")
    given = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items() if v is not None}
    cleared = {
        k: (None if v == "" and k not in ("name", "emergency_number") else v) for k, v in given.items()
    }
    new = replace(current, **cleared)  # type: ignore[arg-type]
    problems = new.problems()
    if problems:
        raise UsageError("; ".join(f"{k}: {v}" for k, v in problems.items()))
    with engine.begin() as conn:
        conn.execute(
            insert(clinic_settings).values(
                name=new.name,
                address=new.address,
                phone=new.phone,
                email=new.email,
                emergency_number=new.emergency_number,
                smtp=new.smtp,
                logo=new.logo,
                set_by=by,
                set_at=utc_now(),
            )
        )
    return new


def letterhead_of(clinic: Clinic | None, clinician: Clinician | None) -> Letterhead:
    logo = (
        f"data:image/png;base64,{base64.b64encode(clinic.logo).decode()}" if clinic and clinic.logo else None
    )
    return Letterhead(
        clinic.name if clinic else None,
        tuple(clinic.lines()) if clinic else (),
        logo,
        tuple(clinician.signature()) if clinician else (),
        clinician.name if clinician else None,
    )


def letterhead_for(engine: Engine, by: str | None) -> Letterhead:
    """The letterhead of a record saved on the command line: the clinic, and the account whose
    username `--by` gives (none for another name)."""
    from assess.store.accounts import account

    who = None
    if by:
        try:
            who = account(engine, by)
        except UsageError:
            who = None
    return letterhead_of(clinic(engine), who)
