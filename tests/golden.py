"""The golden-case format: an intake (an example, or an example with answers changed) and
what its assessment must hold, with the source of the expected answer.

    name: ...                   # what the case is
    source: ...                 # where the expected answer comes from
    example: deadlift_lockout   # the intake as it is, or:
    base: deadlift_lockout      # an example with these changes:
    answers: {...}              #   answers set (null removes one)
    measurements: {...}         #   tests set (each test replaced whole)
    questionnaire: null         #   top-level keys set (null removes one)
    expect: {...}               # see check() for every key; `absent` is not in the session,
                                #   `never` is nowhere a client reads (next steps, regressions)
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from conftest import NOW, ROOT, load_example

from assess.definitions.knowledge import KnowledgeBase
from assess.domain.assessment import Assessment
from assess.services.pipeline import assess_intake

CASES = Path(__file__).parent / "cases"


def case_paths() -> list[Path]:
    return sorted(CASES.rglob("*.yaml"))


def load_case(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = yaml.safe_load(path.read_text())
    return case


def intake_of(case: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(load_example(case.get("example") or case["base"]))
    for key, value in (case.get("answers") or {}).items():
        if value is None:
            doc["answers"].pop(key, None)
        else:
            doc["answers"][key] = value
    if "measurements" in case:
        if case["measurements"] is None:
            doc.pop("measurements", None)
        else:
            doc.setdefault("measurements", {}).update(case["measurements"])
    for key in ("questionnaire", "battery", "date"):
        if key in case:
            if case[key] is None:
                doc.pop(key, None)
            else:
                doc[key] = case[key]
    return doc


def assess_case(case: dict[str, Any]) -> Assessment:
    return assess_intake(intake_of(case), source=case.get("name", "case"), now=NOW)


def client_exercises(a: Assessment) -> set[str]:
    """Every exercise a client is told to do: the session, next steps, regressions and the
    exercises waiting for a later session."""
    ids = set(a.plan.exercise_ids()) | {d.id for d in a.plan.deferred}
    for block in a.plan.blocks:
        for e in block.exercises:
            if e.next_step:
                ids.add(e.next_step.id)
            if e.regression_id:
                ids.add(e.regression_id)
    return ids


def check(kb: KnowledgeBase, a: Assessment, expect: dict[str, Any]) -> None:
    """Assert every expectation a case states (each key optional)."""
    findings = {f.id for f in a.findings}
    sided = {f"{f.id}/{f.side}" for f in a.findings if f.side in ("left", "right")}
    patterns = {p.id for p in a.patterns}
    in_plan = a.plan.exercise_ids()
    by_id = {e.id: e for b in a.plan.blocks for e in b.exercises}
    fired = {f.rule for f in a.audit.firings}
    readable = client_exercises(a)

    if "referral" in expect:
        assert a.plan.referral is expect["referral"], a.plan.reason
    if "urgency" in expect:
        assert a.plan.referral_detail is not None
        assert a.plan.referral_detail.urgency == expect["urgency"]
    if expect.get("findings_exact"):
        assert findings == set(expect["findings"])
    elif "findings" in expect:
        assert set(expect["findings"]) <= findings | sided, set(expect["findings"]) - findings - sided
    assert not set(expect.get("not_findings", [])) & (findings | sided)
    if "patterns" in expect:
        assert patterns == set(expect["patterns"]), patterns
    assert set(expect.get("present", [])) <= set(in_plan), set(expect.get("present", [])) - set(in_plan)
    assert not set(expect.get("absent", [])) & set(in_plan), set(expect.get("absent", [])) & set(in_plan)
    assert not set(expect.get("never", [])) & readable, set(expect.get("never", [])) & readable
    for ex, side in expect.get("sides", {}).items():
        assert by_id[ex].side == side
    for block, side in expect.get("emphasis", {}).items():
        assert next(b for b in a.plan.blocks if b.id == block).emphasis == side
    for ex, kind in expect.get("excluded", {}).items():
        assert any(w.exercise == ex and w.kind == kind for w in a.audit.why_not), \
            (ex, [w for w in a.audit.why_not if w.exercise == ex])
    for ex, nxt in expect.get("next_step", {}).items():
        step = by_id[ex].next_step
        assert step is not None and step.id == nxt
    for advice in expect.get("advice", []):
        assert kb.plan.advice[advice] in a.plan.advice
    if "first_block" in expect:
        assert a.plan.blocks[0].id == expect["first_block"], [b.id for b in a.plan.blocks]
    if "block_order" in expect:
        assert [b.id for b in a.plan.blocks] == expect["block_order"], [b.id for b in a.plan.blocks]
    if "dose_level" in expect:
        assert a.plan.dose_level == expect["dose_level"], a.plan.dose_level
    for ex, dose in expect.get("doses", {}).items():
        assert by_id[ex].dose == dose, by_id[ex].dose
    if "session_minutes_at_most" in expect:
        assert a.plan.session_minutes <= expect["session_minutes_at_most"], a.plan.session_minutes
    if "in_order" in expect:
        assert [e for e in in_plan if e in expect["in_order"]] == expect["in_order"], in_plan
    for text in expect.get("stop_if_contains", []):
        assert any(text in s for s in a.plan.stop_if), a.plan.stop_if
    for text in expect.get("checked_normal_contains", []):
        assert any(text in s for s in a.plan.checked_normal), a.plan.checked_normal
    for text in expect.get("noticed_contains", []):
        assert any(text in s for s in a.plan.noticed), a.plan.noticed
    if "max_exercises" in expect:
        assert len(in_plan) <= expect["max_exercises"], in_plan
    if "review_weeks" in expect:
        assert a.plan.review_weeks == expect["review_weeks"], a.plan.review_weeks
    if "rules" in expect:
        assert set(expect["rules"]) <= fired, set(expect["rules"]) - fired
    assert not set(expect.get("not_rules", [])) & fired, set(expect.get("not_rules", [])) & fired
    precautions = {p.id for p in a.precautions}
    if expect.get("precautions_exact"):
        assert precautions == set(expect["precautions"]), precautions
    elif "precautions" in expect:
        assert set(expect["precautions"]) <= precautions, set(expect["precautions"]) - precautions
    assert not set(expect.get("not_precautions", [])) & precautions, precautions
    for tag in expect.get("no_tags", []):
        tagged = {e for e in readable if tag in kb.exercises[e].tags}
        assert not tagged, f"{tag}: {tagged}"
    if "review_required" in expect:
        assert a.plan.clinician_review.required is expect["review_required"], a.plan.clinician_review
    reasons = {r.id for r in a.plan.clinician_review.reasons}
    assert set(expect.get("review", [])) <= reasons, set(expect.get("review", [])) - reasons
    if "letters" in expect:
        assert {letter.id for letter in a.plan.letters} == set(expect["letters"]), a.plan.letters
    left = {x.id for x in a.plan.left_out}
    assert set(expect.get("left_out", [])) <= left, set(expect.get("left_out", [])) - left
    waiting = {d.id for d in a.plan.deferred}
    assert set(expect.get("waiting", [])) <= waiting, set(expect.get("waiting", [])) - waiting
    for ex, text in expect.get("next_step_cautions", {}).items():
        step = by_id[ex].next_step
        assert step is not None and any(text in c for c in step.cautions), step
    for ex, text in expect.get("cautions", {}).items():
        assert any(text in c for c in by_id[ex].cautions), (ex, by_id[ex].cautions)
    for ex, text in expect.get("instead_of", {}).items():
        assert by_id[ex].instead_of == text
    if "no_review" in expect:
        assert a.plan.review_date is None
    if "withheld" in expect:
        assert a.plan.withheld is expect["withheld"], a.plan
        if expect["withheld"]:
            assert not a.plan.blocks and not a.plan.deferred and a.plan.clinician_review.required
    for text in expect.get("today_contains", []):
        assert any(text in t for t in a.plan.today), a.plan.today
    counts = {c.id: c for c in a.plan.criteria}
    for cid, n in expect.get("criteria", {}).items():
        assert cid in counts and counts[cid].count == n, (cid, counts.get(cid))
    for cid, text in expect.get("criteria_verdict", {}).items():
        assert text in counts[cid].verdict, counts[cid].verdict
    for lid, text in expect.get("letter_criteria", {}).items():
        letter = next(x for x in a.plan.letters if x.id == lid)
        assert any(text in line for line in letter.criteria), letter.criteria
    queries = {r.id for r in a.plan.clinician_review.reasons if r.kind == "query"}
    assert set(expect.get("queries", [])) <= queries, set(expect.get("queries", [])) - queries
    for ex, text in expect.get("left_out_why", {}).items():
        why = next(x.why for x in a.plan.left_out if x.id == ex)
        assert text in why, why
    for ex in expect.get("no_next_step", []):
        assert by_id[ex].next_step is None, by_id[ex].next_step


__all__ = ["ROOT", "assess_case", "case_paths", "check", "client_exercises", "intake_of", "load_case"]
