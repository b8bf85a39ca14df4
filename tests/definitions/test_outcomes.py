"""rules/outcomes.yaml: each outcome measure says where it is read, its MCID and its source
(with [unverified] where the value was not checked against the primary text), and a change is
judged against the MCID, in the measure's own direction."""

from __future__ import annotations

import pytest

from assess.definitions.knowledge import load_knowledge
from assess.definitions.outcomes import Measure

KB = load_knowledge()


def test_every_measure_has_a_source_and_the_hoos_jr_records_its_terms() -> None:
    for key, m in KB.outcomes.measures.items():
        assert m.source.strip() and m.mcid > 0 and m.low < m.high, key
    hoos = KB.outcomes.measures["hoos_jr"]
    assert hoos.entered and hoos.terms and "not embedded" in hoos.terms
    assert "[unverified" in hoos.source and "[unverified" in KB.outcomes.measures["psfs"].source


@pytest.mark.parametrize(("key", "before", "after", "trend"), [
    ("nprs", 6, 4, "better"), ("nprs", 6, 5, "no clear change"), ("nprs", 3, 5, "worse"),
    ("psfs", 4, 6, "better"), ("psfs", 6, 4.5, "no clear change"), ("psfs", 6, 4, "worse"),
    ("hoos_jr", 50, 68, "better"), ("hoos_jr", 50, 67.9, "no clear change"), ("hoos_jr", 70, 52, "worse"),
])
def test_change_is_judged_against_the_mcid(key: str, before: float, after: float, trend: str) -> None:
    assert KB.outcomes.measures[key].trend(before, after) == trend


def test_a_measure_is_read_from_one_place() -> None:
    with pytest.raises(ValueError, match="one of the two"):
        Measure(title="x", answer="pain_now", entered=True, low=0, high=10, better="lower", mcid=2,
                source="s")
