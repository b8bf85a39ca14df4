"""What a referral letter tells the doctor: the reason and urgency, the history in the client's
own answers, every red-flag question with its answer (yes and no), the measurements, and who
to contact. Built from the assessment alone; the template only lays it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assess.definitions.questionnaire import NOT_SURE, battery, questionnaire

if TYPE_CHECKING:
    from assess.domain.assessment import Assessment

# The red-flag questions are the questionnaire's `red_flags` group; the history is these items,
# in this order, when answered.
RED_FLAG_GROUP = "red_flags"
HISTORY = ("pain_onset_weeks", "first_episode", "pain_now", "pain_worst", "pain_locations",
           "pain_side", "provokers", "pain_provoked_by", "pain_settles_within", "easers",
           "back_injury", "back_surgery", "hip_problems", "hip_replacement", "pregnancy_status",
           "leg_numbness_tingling", "leg_weakness", "falls_last_year", "walking_aid")


@dataclass
class LetterContent:
    history: list[tuple[str, str]] = field(default_factory=list)  # question, answer
    positive: list[tuple[str, str]] = field(default_factory=list)  # red-flag question, "yes"
    negative: list[tuple[str, str]] = field(default_factory=list)  # red-flag question, "no"/"not asked"
    measurements: list[tuple[str, str]] = field(default_factory=list)  # test, values


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) or "none"
    return str(value).replace("_", " ")


def _answer(link: str, value: Any) -> str:
    if link in ("pain_now", "pain_worst"):
        return f"{value} out of 10"
    if link == "pain_onset_weeks":
        return "this week" if value == 0 else "1 week ago" if value == 1 else f"{value} weeks ago"
    return _words(value)


def letter_content(a: Assessment) -> LetterContent:
    items = questionnaire().by_id()
    answers = a.intake.answers
    out = LetterContent()
    for link in HISTORY:
        if link in answers and link in items:
            out.history.append((items[link].text, _answer(link, answers[link])))
    red_flags = next((qs for group, qs in questionnaire().sections() if group.linkId == RED_FLAG_GROUP), [])
    for item in red_flags:
        value = answers.get(item.linkId)
        if value is True:
            out.positive.append((item.text, "yes"))
        elif value == NOT_SURE:
            out.positive.append((item.text, "not sure"))
        else:
            out.negative.append((item.text, "no" if value is False else "not asked"))
    measured = a.intake.measured()
    for test in battery().tests:
        entry = measured.get(test.id)
        if not entry:
            continue
        unit = f" {test.unit}" if test.unit else ""

        def shown(value: Any, unit: str = unit) -> str:
            if isinstance(value, bool | str):
                return _words(value) if isinstance(value, bool) else value
            return f"{value:g}{unit}"

        if test.bilateral:
            stopped = " (taken only to a precaution's limit)"
            parts = [f"{side} {shown(value)}" + (stopped if entry.stopped(side) else "")
                     for side, value in (("left", entry.left), ("right", entry.right)) if value is not None]
        else:
            parts = [shown(entry.value)] if entry.value is not None else []
        if not parts:
            continue
        method = test.method_labels.get(str(entry.method), "")
        out.measurements.append((test.name, "; ".join(parts) + (f" ({method})" if method else "")))
    return out
