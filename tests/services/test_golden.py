"""Golden cases: each intake with what its assessment must hold, and the source of that answer.

tests/cases/examples/ has one case per example; tests/cases/screens/ one or more per
precaution screen. The format is described in tests/golden.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from golden import assess_case, case_paths, check, load_case

from assess.definitions.knowledge import load_knowledge

CASES = case_paths()


def test_every_example_has_a_golden_case() -> None:
    examples = {p.stem for p in (ROOT / "examples").glob("*.yaml")}
    assert examples == {load_case(c).get("example") for c in CASES if "example" in load_case(c)}


@pytest.mark.parametrize("case_path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_case(case_path: Path) -> None:
    case = load_case(case_path)
    assert case.get("name") and case.get("source"), "a case says what it is and where its answer comes from"
    check(load_knowledge(), assess_case(case), case["expect"])
