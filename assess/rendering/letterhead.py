"""Who a PDF is from: the clinic (name, address, telephone, e-mail, logo) and the clinician
who signs it (name, profession, registration number, e-mail). Plain data, so the PDF helper
process can take it; the store's records become one in store.clinic.letterhead_of."""

from __future__ import annotations

from dataclasses import dataclass


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
