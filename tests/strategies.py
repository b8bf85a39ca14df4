"""Hypothesis strategies for valid intakes, derived from the questionnaire definitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from assess.questionnaire import Item, RomTest, battery, questionnaire

# A red-flag question answered "yes" ends the assessment; keep them rare so that most
# generated intakes reach the rules below screening, while every flag still occurs.
RARE_YES = st.integers(0, 59).map(lambda n: n == 0)
# Most clients are adults between 20 and 50; the full range still occurs.
AGES = st.one_of(st.integers(20, 49), st.integers(20, 49), st.integers(12, 110))


def _answer(draw: st.DrawFn, item: Item) -> Any:
    if item.type == "boolean":
        return draw(RARE_YES if item.linkId.startswith("rf_") else st.booleans())
    if item.linkId == "age":
        return draw(AGES)
    if item.type == "integer":
        return draw(st.integers(int(item.minValue or 0), int(item.maxValue or 100)))
    if item.type == "decimal":
        return draw(st.floats(item.minValue, item.maxValue, allow_nan=False))
    if item.type == "string":
        return draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                            min_size=1, max_size=min(item.maxLength or 40, 40)))
    if item.type == "choice":
        options = list(item.answerOption or ())
        if not item.repeats:
            return draw(st.sampled_from(options))
        if item.exclusiveOption and draw(st.integers(0, 5)) == 0:
            return [item.exclusiveOption]
        rest = [o for o in options if o != item.exclusiveOption]
        return draw(st.lists(st.sampled_from(rest), min_size=1, max_size=len(rest), unique=True))
    if item.type == "group":
        return draw(st.lists(st.fixed_dictionaries({c.linkId: st.deferred(lambda c=c: _strategy(c))
                                                    for c in item.item}),
                             min_size=1, max_size=item.maxRepeats or 5))
    raise AssertionError(item.type)


def _strategy(item: Item) -> st.SearchStrategy[Any]:
    return st.composite(lambda draw: _answer(draw, item))()


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in questionnaire().answerable():
        if not item.enabled(out):
            continue
        if item.required or draw(st.booleans()):
            out[item.linkId] = _answer(draw, item)
    return out


def _measure(draw: st.DrawFn, test: RomTest) -> Any:
    if draw(st.integers(0, 6)) == 0:
        return None  # explicitly not tested
    if test.type == "boolean":
        return draw(st.booleans())
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
        out[test.id] = {side: _measure(draw, test) for side in sides}
    return out


@st.composite
def intakes(draw: st.DrawFn) -> dict[str, Any]:
    """A realistic valid intake document, as a file would hold it."""
    doc: dict[str, Any] = {
        "date": draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))).isoformat(),
        "answers": draw(answers()),
    }
    m = draw(measurements())
    if m is not None:
        doc["measurements"] = m
    return doc
