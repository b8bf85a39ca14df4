"""Every rule can fire on some intake, and what it concludes changes the assessment.

A rule that never fires, or whose conclusion changes nothing, is a defect (a safety rule
that cannot fire protects no one). Candidate intakes are the golden cases and, for rules
that no case reaches, a witness in tests/witnesses.yaml (same format, without `expect`).
For each rule the test runs its intakes with and without the rule and compares outcomes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from conftest import NOW, ROOT
from golden import case_paths, intake_of, load_case

from assess.definitions.knowledge import KnowledgeBase, RuleDef, load_knowledge
from assess.domain.assessment import Assessment
from assess.inference.engine import Engine, build_engine, default_engine
from assess.services.pipeline import assess_intake

KB = load_knowledge()
WITNESSES: dict[str, dict[str, Any]] = yaml.safe_load(
    (ROOT / "tests" / "witnesses.yaml").read_text()) or {}


def outcome(a: Assessment) -> Any:
    """What an assessment concludes, without the audit and without which rule said it."""
    data = json.loads(a.to_json())
    for key in ("audit", "identity", "generated_at"):
        data.pop(key)

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("rules", "rule")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(data)


def without(kb: KnowledgeBase, rule: RuleDef) -> KnowledgeBase:
    modules = tuple(m.model_copy(update={"rules": tuple(r for r in m.rules if r.id != rule.id)})
                    for m in kb.modules)
    return kb.model_copy(update={"modules": modules})


@pytest.fixture(scope="module")
def fired_on() -> dict[str, list[dict[str, Any]]]:
    """Rule id -> intakes it fires on, the rule's own witness first."""
    intakes = [intake_of(load_case(p)) for p in case_paths()]
    out: dict[str, list[dict[str, Any]]] = {}
    for rule_id, witness in WITNESSES.items():
        out.setdefault(rule_id, []).append(intake_of(witness))
    for doc in intakes:
        for rule_id in dict.fromkeys(f.rule for f in assess_intake(doc, now=NOW).audit.firings):
            out.setdefault(rule_id, []).append(doc)
    return out


def test_every_witness_names_a_rule() -> None:
    assert set(WITNESSES) <= {r.id for r in KB.rules}


# Progression rules fire only at a review; tests/reasoning/test_progression.py holds them to
# the same standard with reviews.
@pytest.mark.parametrize("rule", [r for r in KB.rules if r.module != "progression"], ids=lambda r: r.id)
def test_rule_fires_and_changes_the_outcome(rule: RuleDef, fired_on: dict[str, list[dict[str, Any]]]) -> None:
    docs = [d for d in fired_on.get(rule.id, [])
            if rule.id in {f.rule for f in assess_intake(d, now=NOW).audit.firings}]
    assert docs, f"{rule.id} fires on no golden case: add a witness to tests/witnesses.yaml"
    if not _changes_an_outcome(docs[:4], build_engine(without(KB, rule))):
        pytest.fail(f"{rule.id} fires, but removing it changes nothing on the intakes where it fires")


def _changes_an_outcome(docs: list[dict[str, Any]], reduced: Engine) -> bool:
    """Whether the reduced rule set gives another outcome than the full one on any of docs."""
    full = default_engine()
    return any(outcome(assess_intake(doc, now=NOW, engine=full)) !=
               outcome(assess_intake(doc, now=NOW, engine=reduced)) for doc in docs)


def without_action(kb: KnowledgeBase, rule: RuleDef, index: int) -> KnowledgeBase:
    reduced = rule.model_copy(update={"then": rule.then[:index] + rule.then[index + 1:]})
    modules = tuple(m.model_copy(update={"rules": tuple(reduced if r.id == rule.id else r for r in m.rules)})
                    for m in kb.modules)
    return kb.model_copy(update={"modules": modules})


ACTIONS = [(rule, i) for rule in KB.rules if len(rule.then) > 1 and rule.module != "progression"
           for i in range(len(rule.then))]


@pytest.mark.parametrize("rule, index", ACTIONS, ids=[f"{r.id}-then[{i}]" for r, i in ACTIONS])
def test_every_action_of_a_rule_changes_the_outcome(rule: RuleDef, index: int,
                                                    fired_on: dict[str, list[dict[str, Any]]]) -> None:
    """A conclusion that changes nothing is a defect too, even in a rule whose other
    conclusions do: each is taken out in turn."""
    docs = fired_on.get(rule.id, [])
    if not _changes_an_outcome(docs[:6], build_engine(without_action(KB, rule, index))):
        pytest.fail(f"{rule.id} then[{index}] ({rule.then[index]!r}) changes nothing where the rule fires")
