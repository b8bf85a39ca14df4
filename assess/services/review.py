"""A review visit: what the clinician records at the review (a whole new intake, or only what
changed: pain, PSFS, measurements, HOOS JR, re-tests), laid over the client's last intake and
assessed against the visits before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assess.domain.assessment import Assessment
from assess.domain.errors import FieldProblem, InvalidInput
from assess.files.intake_io import read_document
from assess.rendering.letterhead import Letterhead
from assess.rendering.pdf import PageSize
from assess.services.decide import reapplied
from assess.services.pipeline import assess_intake
from assess.services.render import Rendered, rendered

# Recorded for this visit only: never carried over from the last one.
_THIS_VISIT_ONLY = ("date", "outcomes", "retests")


def merged_intake(last: Assessment, update: object, source: str, *,
                  same_visit: bool = False) -> dict[str, Any]:
    """The last intake with the update laid over it: answers one by one, measurements test by
    test; the date, entered scores and re-tests only as the update gives them, unless the
    update corrects that same visit."""
    if not isinstance(update, dict):
        got = "nothing" if update is None else type(update).__name__
        raise InvalidInput(source, [FieldProblem("", f"expected a mapping of fields, got {got}")])
    base: dict[str, Any] = {k: v for k, v in last.intake.model_dump(mode="json", exclude_unset=True).items()
                            if same_visit or k not in _THIS_VISIT_ONLY}
    for key, value in update.items():
        if key in ("answers", "measurements") and isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def assess_review(path: Path, history: Sequence[Assessment], *, now: dt.datetime | None = None,
                  with_audit: bool = True, page_size: PageSize = "A4") -> Rendered:
    """Assess a review of the client whose earlier assessments are `history` (oldest first)
    and render it, progress page included."""
    update, text = read_document(path)
    return _assess_over(update, text, "standard input" if str(path) == "-" else str(path), history[-1],
                        history, same_visit=False, now=now, with_audit=with_audit, page_size=page_size)


def assess_correction(path: Path, old: Assessment, history: Sequence[Assessment], *,
                      now: dt.datetime | None = None, with_audit: bool = True,
                      page_size: PageSize = "A4") -> Rendered:
    """Assess the correction of a stored assessment `old`: laid over its intake, against the
    visits it was assessed against (`history`, empty unless it was a review)."""
    update, text = read_document(path)
    return corrected(update, old, history, source="standard input" if str(path) == "-" else str(path),
                     text=text, now=now, with_audit=with_audit, page_size=page_size)


def corrected(update: object, old: Assessment, history: Sequence[Assessment], *, source: str,
              text: str | None = None, now: dt.datetime | None = None, with_audit: bool = True,
              page_size: PageSize = "A4", letterhead: Letterhead | None = None) -> Rendered:
    """As assess_correction, with the correction given as data (the desk's form) from `source`."""
    return _assess_over(update, text, source, old, history, same_visit=True, now=now, with_audit=with_audit,
                        page_size=page_size, letterhead=letterhead)


def _assess_over(update: object, text: str | None, source: str, base: Assessment,
                 history: Sequence[Assessment], *, same_visit: bool,
                 now: dt.datetime | None, with_audit: bool, page_size: PageSize,
                 letterhead: Letterhead | None = None) -> Rendered:
    doc = merged_intake(base, update, source, same_visit=same_visit)
    last_plan = set(history[-1].plan.exercise_ids()) if history else set()
    retests = doc.get("retests")
    why = "not in the last visit's plan: only its exercises are re-tested" if history else \
        "this visit is not a review: only a review re-tests the last plan's exercises"
    strays = [FieldProblem(f"retests.{ex}", why)
              for ex in (retests if isinstance(retests, dict) else {}) if ex not in last_plan]
    if strays:
        raise InvalidInput(source, strays)
    assessment = assess_intake(doc, source=source, text=text, now=now, history=history)
    if same_visit:  # a correction keeps the clinician's adjustments that still apply
        assessment, _ = reapplied(assessment, base.adjustments)
    if history and assessment.assessed_on < history[-1].assessed_on:
        why = f"the review is dated before the last visit ({history[-1].assessed_on}); give this visit's date"
        raise InvalidInput(source, [FieldProblem("date", why)])
    return rendered(assessment, with_audit=with_audit, page_size=page_size, letterhead=letterhead)
