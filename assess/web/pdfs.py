"""An assessment's PDF for the desk: the stored one, or rendered now and kept when the store has
none yet (a web intake is saved first and its PDF rendered after the client's page is sent)."""

from __future__ import annotations

from sqlalchemy import Engine

from assess.domain.assessment import Assessment
from assess.services.render import rendered
from assess.store.accounts import pdf_of
from assess.store.records import add_pdf


def keep_pdf(store: Engine, assessment_id: str, a: Assessment, by: str) -> bytes:
    """Render the assessment's PDF (with the clinician appendix) and keep it in the store."""
    pdf = rendered(a, with_audit=True).pdf
    add_pdf(store, assessment_id, pdf, by)
    return pdf


def pdf_for(store: Engine, assessment_id: str, a: Assessment, by: str) -> bytes:
    """The newest stored PDF of the assessment, rendered and kept first if there is none."""
    return pdf_of(store, assessment_id) or keep_pdf(store, assessment_id, a, by)
