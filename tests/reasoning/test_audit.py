"""The audit trail: provenance down to an input, determinism, and WHY NOT reasons."""

from __future__ import annotations

import json
from typing import Any

from conftest import NOW, ROOT

from assess.definitions.knowledge import KnowledgeBase, load_knowledge
from assess.definitions.rule_language import NotCond
from assess.domain.assessment import Assessment
from assess.domain.audit import AuditFact, AuditFiring
from assess.services.pipeline import assess_file, assess_intake

KB = load_knowledge()


# The provenance tree of a fact, read from the recorded trail: every firing that concluded it,
# with what it matched, down to the inputs. The product explains in words (audit_language);
# this tree lets the tests walk provenance fact by fact.
def trace(kb: KnowledgeBase, facts: dict[int, AuditFact], firings: list[AuditFiring],
          index: int, depth: int = 0) -> dict[str, Any]:
    """HOW: a fact and every firing that concluded it, each with what it matched, recursively."""
    fact = facts[index]
    node: dict[str, Any] = {"fact": describe_fact(fact), "by": list(fact.by),
                            "because": []}
    if depth > 8:
        return node
    for firing in (f for f in firings if index in f.declared):
        rule = kb.rule(firing.rule)
        step: dict[str, Any] = {"rule": {"id": rule.id, "title": rule.title,
                                         "source": str(rule.source)}}
        norms = [n for c in rule.when
                 for n in [getattr(c.not_ if isinstance(c, NotCond) else c, "norm", None)] if n]
        if norms:
            step["norms"] = [f"{n}: {kb.norms[n].describe} ({kb.norms[n].source.strip()})"
                             for n in norms]
        step["from"] = [trace(kb, facts, firings, i, depth + 1) for i in firing.matched
                        if facts[i].kind not in ("Tag", "Progression", "Substitute")]
        node["because"].append(step)
    return node


def describe_fact(fact: AuditFact) -> str:
    """One line for a fact, as the terminal and the PDF appendix show it."""
    shown = ", ".join(f"{k}={v}" for k, v in fact.fields.items() if v not in ("", "none"))
    return f"{fact.kind} {shown}".strip()



def _leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    children = [c for step in node["because"] for c in step["from"]]
    return [node] if not children else [leaf for c in children for leaf in _leaves(c)]


def test_every_plan_item_traces_back_to_an_input() -> None:
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        a = assess_file(path, now=NOW)
        facts = {f.index: f for f in a.audit.facts}
        for exercise in a.plan.exercise_ids():
            roots = [f.index for f in a.audit.facts if f.kind == "Prescribe"
                     and f.fields["exercise"] == exercise and f.fields["step"] == "now"]
            assert roots, exercise
            for root in roots:
                tree = trace(KB, facts, list(a.audit.firings), root)
                assert all(step["rule"]["source"] for step in tree["because"]), exercise
                assert any("intake" in leaf["by"] for leaf in _leaves(tree)), (path.name, exercise)


def test_a_measured_finding_names_its_threshold_and_source() -> None:
    a = assess_file(ROOT / "examples" / "deadlift_lockout.yaml", now=NOW)
    facts = {f.index: f for f in a.audit.facts}
    finding = next(f for f in a.audit.facts if f.kind == "Finding"
                   and f.fields["id"] == "limited_hip_extension")
    node = trace(KB, facts, list(a.audit.firings), finding.index)
    step = node["because"][0]
    assert step["rule"]["id"] == "FND-EXT-01"
    assert step["norms"][0].startswith(
        "hip_extension_prone_limited: below 0 deg (Prone passive extension: AFP 2021")
    assert step["from"][0]["fact"] == "Measure test=hip_extension, side=left, value=-6.0, method=prone"


def test_the_assessment_json_is_deterministic_apart_from_the_timestamp() -> None:
    path = ROOT / "examples" / "overextension.yaml"
    first = json.loads(assess_file(path).to_json())
    second = json.loads(assess_file(path).to_json())
    first.pop("generated_at"), second.pop("generated_at")
    assert first == second
    assert assess_file(path, now=NOW).to_json() == assess_file(path, now=NOW).to_json()


def test_the_assessment_carries_its_identity() -> None:
    a = assess_file(ROOT / "examples" / "deadlift_lockout.yaml", now=NOW)
    ident = a.identity
    assert ident.ruleset.model_dump() == {"name": "hip-lbp", "version": KB.info.version, "sha256": KB.sha256}
    assert ident.questionnaire.id == "hip-lbp-intake" and ident.battery.id == "hip-rom-battery"
    assert ident.engine.experta == "1.9.4"
    assert len(ident.input_sha256) == 64


def _why(a: Assessment, exercise: str) -> Any:
    return next(w for w in a.audit.why_not if w.exercise == exercise)


def test_why_not_a_pattern_that_was_not_found() -> None:
    a = assess_file(ROOT / "examples" / "deadlift_lockout.yaml", now=NOW)
    why = _why(a, "bracing_crunch")
    assert why.kind == "pattern_missing"
    assert "Low back overextension" in why.reason and "CLS-OVX-01" in why.reason
    assert why.rules == ("RX-OVX-01",)


def test_why_not_a_safety_exclusion() -> None:
    a = assess_file(ROOT / "examples" / "hinge_after_injury.yaml", now=NOW)
    why = _why(a, "jefferson_curl")
    assert why.kind == "safety" and {"PRE-BI-01", "SAF-PRE-01"} <= set(why.rules)
    assert "back injury" in why.reason


def test_why_not_missing_equipment(intake: Any) -> None:
    doc = intake(base="squat_bottom_flexion", answers={"equipment": ["wall"]})
    a = assess_intake(doc, now=NOW)
    why = _why(a, "band_hurdle_hold")
    assert why.kind == "equipment" and why.rules == ("SAF-EQP-01",)
    assert "mini band or resistance band" in why.reason
    # The catalogue's substitute takes its place, and says so.
    planned = {e.id: e for b in a.plan.blocks for e in b.exercises}
    assert "hurdle_hold" in planned and "side_plank_hip_flexion" not in planned
    assert planned["hurdle_hold"].instead_of == "Band hurdle hold"


def test_why_not_a_deferred_and_a_later_stage() -> None:
    a = assess_file(ROOT / "examples" / "deadlift_lockout.yaml", now=NOW)
    assert _why(a, "hip_er_ext_box_eccentric").kind == "deferred"
    assert _why(a, "barbell_hinge").kind in ("later_stage", "pattern_missing")
    b = assess_file(ROOT / "examples" / "squat_bottom_flexion.yaml", now=NOW)
    assert _why(b, "side_plank_hip_flexion").kind == "later_stage"


def test_referral_why_not_names_the_red_flag_rules() -> None:
    a = assess_file(ROOT / "examples" / "red_flag.yaml", now=NOW)
    assert a.audit.halted
    why = _why(a, "bodyweight_hip_hinge")
    assert why.kind == "referral" and "RF-CES-01" in why.rules
    assert all(w.kind == "referral" for w in a.audit.why_not)
    assert len(a.audit.why_not) == len(KB.exercises)


def test_every_firing_is_a_known_rule_in_phase_order() -> None:
    from assess.domain.phases import SALIENCE

    a = assess_file(ROOT / "examples" / "overextension.yaml", now=NOW)
    saliences = [SALIENCE[f.phase] for f in a.audit.firings]
    # A higher phase fires again only when a lower one declares facts it matches (a
    # substitute's next stage, say); this example has no substitution, so phases run in order.
    assert saliences == sorted(saliences, reverse=True)
    assert {f.rule for f in a.audit.firings} <= {r.id for r in KB.rules}
