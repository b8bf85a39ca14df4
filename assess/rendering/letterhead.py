"""Who a PDF is from: the clinic (name, address, telephone, e-mail, logo) and the clinician
who signs it (name, profession, registration number, e-mail). Plain data, so the PDF helper
process can take it; the store's records become one here (`letterhead_of`)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assess.store.accounts import Clinician
    from assess.store.clinic import Clinic


@dataclass(frozen=True)
class Letterhead:
    clinic_name: str | None = None
    clinic_lines: tuple[str, ...] = ()
    logo: str | None = None  # a data: URI of the clinic's PNG logo
    signature: tuple[str, ...] = ()  # the clinician's name, then profession and registration, e-mail
    clinician: str | None = None  # the clinician's name, as the header names them

    @property
    def contact(self) -> str:
        """One line a doctor reaches the clinic by."""
        return "; ".join(self.clinic_lines)


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
