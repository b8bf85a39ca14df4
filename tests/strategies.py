"""Hypothesis strategies for valid intakes, derived from the questionnaire definitions.

Answers that lead somewhere rare (a red flag, a hip replacement, a pregnancy) are drawn
often enough that every screen is exercised, and rarely enough that most intakes still
reach the plan.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from hypothesis import strategies as st

from assess.definitions.questionnaire import GRADES, NOT_SURE, Item, RomTest, battery, questionnaire

# A red-flag question answered "yes" ends the assessment; keep them rare so that most
# generated intakes reach the rules below screening, while every flag still occurs.
# Hypothesis favours small and boundary values, so "yes" is an arbitrary middle value.
RARE_YES = st.integers(0, 59).map(lambda n: n == 37)
# A precaution-screen "yes" is common enough to meet every screen often.
SCREEN_YES = st.integers(0, 3).map(lambda n: n == 2)
# A first episode at the ages the screens turn on is a red flag, so it is kept as rare.
SCREEN_BOOLEANS = {"fragility_fracture", "walking_aid", "leg_numbness_tingling", "leg_weakness",
                   "first_episode"}
# Choices whose first option is "nothing to screen": drawn half the time.
SCREEN_CHOICES = {"hip_replacement", "pregnancy_status"}
# Most clients are adults between 20 and 50; the full range still occurs, and the ages the
# screens turn on (under 20, 65 and over) are drawn on purpose.
AGES = st.one_of(st.integers(20, 49), st.integers(20, 49), st.integers(12, 19), st.integers(65, 110),
                 st.integers(12, 110))
# Free text a person could type: anything printable, with at least one visible character.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
               min_size=1, max_size=40).filter(
    lambda t: any(not c.isspace() and unicodedata.category(c) not in ("Cf", "Zs") for c in t))
# Versions an intake file may declare; None is a file that declares none (read leniently).
VERSIONS = [None, "1.0.0", "1.1.0", "1.2.0", "1.2.0"]
# "Not sure" on a yes/no question that takes it: rare on a red flag (it holds the plan), common
# elsewhere.
RARE_UNSURE = st.integers(0, 39).map(lambda n: n == 11)


def _answer(draw: st.DrawFn, item: Item, on: dt.date | None = None) -> Any:
    if item.type == "boolean":
        if item.unsure and draw(RARE_UNSURE if item.linkId.startswith("rf_") else SCREEN_YES):
            return NOT_SURE
        if item.linkId.startswith("rf_"):
            return draw(RARE_YES)
        return draw(SCREEN_YES if item.linkId in SCREEN_BOOLEANS else st.booleans())
    if item.linkId == "age":
        return draw(AGES)
    if item.linkId == "falls_last_year":
        return draw(st.sampled_from([0, 0, 0, 1, 2, 5]))
    if item.type == "integer":
        low, high = int(item.minValue or 0), int(item.maxValue or 100)
        return draw(st.one_of(st.integers(low, min(high, low + 40)), st.integers(low, high)))
    if item.type == "decimal":
        return draw(st.floats(item.minValue, item.maxValue, allow_nan=False))
    if item.type == "string":
        return draw(TEXT.map(lambda t: t[: item.maxLength or 40]))
    if item.type == "date":
        # A month or a day up to the visit; the weeks since it straddle every window's edge.
        latest = on or dt.date.today()
        day = draw(st.one_of(st.dates(latest - dt.timedelta(weeks=30), latest),
                             st.dates(dt.date(1990, 1, 1), latest)))
        return day.isoformat()[:7] if draw(st.booleans()) else day.isoformat()
    if item.type == "choice":
        options = list(item.answerOption or ())
        if item.linkId in SCREEN_CHOICES and draw(st.booleans()):
            return options[0]
        if not item.repeats:
            return draw(st.sampled_from(options))
        if item.exclusiveOption and draw(st.integers(0, 5)) == 0:
            return [item.exclusiveOption]
        rest = [o for o in options if o != item.exclusiveOption]
        return draw(st.lists(st.sampled_from(rest), min_size=1, max_size=len(rest), unique=True))
    if item.type == "group":
        fields: dict[str, st.SearchStrategy[Any]] = {c.linkId: _strategy(c) for c in item.item}
        return draw(st.lists(st.fixed_dictionaries(fields),
                             min_size=1, max_size=item.maxRepeats or 5))
    raise AssertionError(item.type)


def _strategy(item: Item) -> st.SearchStrategy[Any]:
    return st.composite(lambda draw: _answer(draw, item))()


@st.composite
def answers(draw: st.DrawFn, version: str | None = None, on: dt.date | None = None) -> dict[str, Any]:
    """Answers valid for a file declaring `version` (None: declares none), made at `on`."""
    read_as = version or questionnaire().oldest
    out: dict[str, Any] = {}
    for item in questionnaire().answerable():
        if not item.enabled(out) or not item.asked_in(read_as):
            continue
        # Items a file need not answer are left out a third of the time (not screened); an item
        # added after the file's version is answered only now and then.
        added_later = item.since is not None and not item.required_in(read_as) and item.required
        odds = (5, 4) if added_later else (2, 0)  # 1 in 6, or 2 in 3
        if item.required_in(read_as) or draw(st.integers(0, odds[0])) > odds[1]:
            out[item.linkId] = _answer(draw, item, on)
    return out


def _measure(draw: st.DrawFn, test: RomTest) -> Any:
    if draw(st.integers(0, 6)) == 0:
        return None  # explicitly not tested
    if test.type == "grade":
        return draw(st.sampled_from((*GRADES, "normal", "normal")))
    if test.type == "boolean":
        return draw(SCREEN_YES) if test.instrument == ("clinical",) else draw(st.booleans())
    return draw(st.floats(test.min, test.max, allow_nan=False).map(lambda v: round(v, 1)))


@st.composite
def measurements(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 4)) == 0:
        return None  # a client alone, with no clinician
    out: dict[str, Any] = {}
    for test in battery().tests:
        if draw(st.integers(0, 5)) == 0:
            continue
        sides = ("left", "right") if test.bilateral else ("value",)
        entry: dict[str, Any] = {side: _measure(draw, test) for side in sides}
        if len(test.instrument) > 1 and draw(st.booleans()):
            entry["method"] = draw(st.sampled_from(test.instrument))
        tested = [s for s in sides if entry[s] is not None]
        if test.stoppable and tested and draw(st.integers(0, 5)) == 0:
            entry["stopped_at_limit"] = [draw(st.sampled_from(tested))]
        out[test.id] = entry
    return out


@st.composite
def intakes(draw: st.DrawFn) -> dict[str, Any]:
    """A realistic valid intake document, as a file would hold it."""
    version = draw(st.sampled_from(VERSIONS))
    visit = draw(st.dates(dt.date(2020, 1, 1), dt.date.today()))
    doc: dict[str, Any] = {"date": visit.isoformat(), "answers": draw(answers(version, visit))}
    if version:
        doc["questionnaire"] = f"{questionnaire().id}/{version}"
    m = draw(measurements())
    if m is not None:
        doc["measurements"] = m
    return doc
