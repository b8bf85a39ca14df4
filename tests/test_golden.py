"""Golden cases: each example intake with the findings, patterns and exercises it must give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import NOW, ROOT

from assess.knowledge import load_knowledge
from assess.pipeline import Assessment, assess_file

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def test_every_example_has_a_golden_case() -> None:
    examples = {p.stem for p in (ROOT / "examples").glob("*.yaml")}
    assert examples == {yaml.safe_load(c.read_text())["example"] for c in CASES}


@pytest.mark.parametrize("case_path", CASES, ids=lambda p: p.stem)
def test_golden_case(case_path: Path) -> None:
    case: dict[str, Any] = yaml.safe_load(case_path.read_text())
    a: Assessment = assess_file(ROOT / "examples" / f"{case['example']}.yaml", now=NOW)
    kb = load_knowledge()
    findings = {f.id for f in a.findings}
    patterns = {p.id for p in a.patterns}
    in_plan = a.plan.exercise_ids()
    by_id = {e.id: e for b in a.plan.blocks for e in b.exercises}

    assert a.plan.referral is case["referral"]
    if case.get("findings_exact"):
        assert findings == set(case["findings"])
    else:
        assert set(case["findings"]) <= findings, set(case["findings"]) - findings
    assert patterns == set(case["patterns"])
    assert set(case["present"]) <= set(in_plan), set(case["present"]) - set(in_plan)
    assert not set(case["absent"]) & set(in_plan)
    for ex, side in case.get("sides", {}).items():
        assert by_id[ex].side == side
    for block, side in case.get("emphasis", {}).items():
        assert next(b for b in a.plan.blocks if b.id == block).emphasis == side
    for ex, kind in case.get("excluded", {}).items():
        assert any(w.exercise == ex and w.kind == kind for w in a.audit.why_not)
    for ex, nxt in case.get("next_step", {}).items():
        assert by_id[ex].next_step is not None and by_id[ex].next_step.id == nxt
    for advice in case.get("advice", []):
        assert kb.plan.advice[advice] in a.plan.advice
    if "first_block" in case:
        assert a.plan.blocks[0].id == case["first_block"]
    if "urgency" in case:
        assert a.plan.referral_detail is not None
        assert a.plan.referral_detail.urgency == case["urgency"]
    if "max_exercises" in case:
        assert len(in_plan) <= case["max_exercises"]
    if "review_weeks" in case:
        assert a.plan.review_weeks == case["review_weeks"]
    if not in_plan:
        assert a.plan.review_date is None
