"""A clinician's decisions about a plan, kept beside the rules' conclusions: an exercise
removed, one added from the catalogue, a dose changed, and the sign-off a plan under a
precaution needs. Each says who, when and why; a decision makes a new version of the
assessment, never an edit of the old one."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

DecisionKind = Literal["remove", "add", "dose", "sign_off"]


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: DecisionKind
    by: str
    at: dt.datetime
    reason: str
    exercise: str | None = None
    name: str | None = None  # the exercise's name, as the catalogue had it when decided
    dose: str | None = None
    # The precautions whose exclusion of the added exercise the clinician overrode, by id.
    overrides: tuple[str, ...] = ()

    def words(self, name: str | None = None, titles: dict[str, str] | None = None) -> str:
        """The decision as said aloud: "removed Hip flexor stretch: because ...", with the
        exercise's name and the overridden precautions' titles when given."""
        what = name or self.name or self.exercise or ""
        titles = titles or {}
        said = {"remove": f"removed {what}", "add": f"added {what}",
                "dose": f"changed the dose of {what} to {self.dose}", "sign_off": "signed off the plan"}
        overridden = ", ".join(titles.get(p, p) for p in self.overrides)
        override = f", overriding the precaution {overridden}" if self.overrides else ""
        return f"{said[self.kind]}{override}: {self.reason}"
