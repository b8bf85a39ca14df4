"""The audit trail: HOW each conclusion was reached and WHY NOT for what is absent.

Both come from the same run: the recorded firings and the provenance of every fact.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from assess.engine import FactRecord, Firing, RunResult
from assess.knowledge import KnowledgeBase, RuleDef
from assess.plan_models import Plan
from assess.rule_language import (
    FindingAct,
    FindingCond,
    NotCond,
    PatternAct,
    PatternCond,
    PrescribeAct,
    is_var,
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuditFiring(_Out):
    order: int
    rule: str
    title: str
    phase: str
    matched: tuple[int, ...]
    bindings: dict[str, Any]
    declared: tuple[int, ...]


class AuditFact(_Out):
    index: int
    kind: str
    fields: dict[str, Any]
    by: tuple[str, ...]


class WhyNot(_Out):
    exercise: str
    name: str
    kind: str  # referral | safety | equipment | deferred | later_stage | pattern_missing
    reason: str
    rules: tuple[str, ...]


class Audit(_Out):
    halted: bool
    facts: tuple[AuditFact, ...]
    firings: tuple[AuditFiring, ...]
    why_not: tuple[WhyNot, ...]


def build_audit(kb: KnowledgeBase, run: RunResult, plan: Plan) -> Audit:
    return Audit(
        halted=run.halted,
        facts=tuple(AuditFact(index=f.index, kind=f.kind, fields=f.fields, by=f.by)
                    for f in run.facts),
        firings=tuple(_firing(kb, f) for f in run.firings),
        why_not=tuple(why_not(kb, run, plan)),
    )


def _firing(kb: KnowledgeBase, f: Firing) -> AuditFiring:
    return AuditFiring(order=f.order, rule=f.rule, title=kb.rule(f.rule).title, phase=f.phase,
                       matched=f.matched, bindings=f.bindings, declared=f.declared)


def _prescribers(kb: KnowledgeBase) -> dict[str, list[RuleDef]]:
    out: dict[str, list[RuleDef]] = {}
    for rule in kb.rules:
        for action in rule.then:
            if isinstance(action, PrescribeAct):
                for ex in action.exercises:
                    if not is_var(ex):
                        out.setdefault(ex, []).append(rule)
    return out


def _concluders(kb: KnowledgeBase, kind: str, name: str) -> list[RuleDef]:
    cls = FindingAct if kind == "finding" else PatternAct
    return [r for r in kb.rules if any(isinstance(a, cls) and a.head == name for a in r.then)]


def exclusion_reason(kb: KnowledgeBase, fields: dict[str, Any]) -> str:
    """An Exclude fact in words: the precaution and the movement, or the missing equipment."""
    if fields["kind"] == "equipment":
        return f"needs {fields['needs']}, which is not available"
    precaution = kb.precautions[fields["precaution"]]
    return f"{precaution.title.lower()}: no {kb.catalogue.tags[fields['tag']]}"


def _present(run: RunResult, kind: str, name: str) -> bool:
    fact_kind = "Finding" if kind == "finding" else "Pattern"
    return any(f.fields.get("id") == name for f in run.of(fact_kind))


def _missing(kb: KnowledgeBase, run: RunResult, rule: RuleDef) -> list[str]:
    """The findings or patterns a rule needed that this run did not conclude."""
    out = []
    for cond in rule.when:
        if isinstance(cond, FindingCond | PatternCond):
            kind, name = cond.key, cond.head
            if not is_var(name) and name != "any" and not _present(run, kind, name):
                text = kb.plan.patterns.get(name) or kb.plan.findings.get(name) or name
                via = ", ".join(r.id for r in _concluders(kb, kind, name))
                out.append(f"{kind} '{text}' was not found (concluded by {via})")
    return out


def why_not(kb: KnowledgeBase, run: RunResult, plan: Plan) -> list[WhyNot]:
    """For every catalogue exercise absent from the plan, the reason it is absent."""
    in_plan = set(plan.exercise_ids())
    deferred = {d.id: d for d in plan.deferred}
    excluded: dict[str, list[FactRecord]] = {}
    for f in run.of("Exclude"):
        excluded.setdefault(f.fields["exercise"], []).append(f)
    prescribed_now = {f.fields["exercise"] for f in run.of("Prescribe") if f.fields["step"] == "now"}
    prescribed_later = {f.fields["exercise"] for f in run.of("Prescribe") if f.fields["step"] == "later"}
    before = {e.progression: e for e in kb.exercises.values() if e.progression}
    prescribers = _prescribers(kb)
    out: list[WhyNot] = []
    for ex in kb.exercises.values():
        if ex.id in in_plan:
            continue

        def note(kind: str, reason: str, rules: tuple[str, ...] = (), ex_id: str = ex.id,
                 name: str = ex.name) -> None:
            out.append(WhyNot(exercise=ex_id, name=name, kind=kind, reason=reason, rules=rules))

        if plan.referral:
            rules = tuple(r.rule for r in plan.referral_detail.reasons) if plan.referral_detail else ()
            note("referral", "a red flag means a referral and no exercise", rules)
        elif ex.id in excluded:
            facts = sorted(excluded[ex.id], key=lambda f: f.fields["kind"] != "safety")
            first = facts[0]
            reasons = dict.fromkeys(exclusion_reason(kb, f.fields) for f in facts)
            # The rules behind a safety exclusion are the screen that found the precaution
            # and the safety rule that applied it.
            behind = [r for f in facts for p in run.of("Precaution")
                      if p.fields["id"] == f.fields["precaution"] for r in p.by]
            note(first.fields["kind"], "; ".join(reasons),
                 tuple(dict.fromkeys([*behind, *(r for f in facts for r in f.by)])))
        elif ex.id in deferred:
            note("deferred", deferred[ex.id].reason)
        elif ex.id in prescribed_later or (ex.id in before and before[ex.id].id in
                                           prescribed_now | prescribed_later | in_plan):
            prev = before.get(ex.id)
            after = f" after {prev.name}" if prev else ""
            note("later_stage", f"the next stage{after}; the plan gives one stage at a time")
        elif ex.id in prescribers:
            gaps = [g for r in prescribers[ex.id] for g in _missing(kb, run, r)]
            rules = tuple(r.id for r in prescribers[ex.id])
            note("pattern_missing", "; ".join(dict.fromkeys(gaps)) or "no rule called for it", rules)
        elif ex.id in before:
            note("later_stage", f"a later stage of a progression: it follows {before[ex.id].name}, "
                 "and the plan gives one stage at a time")
        else:
            note("pattern_missing", "no rule prescribes it")
    return out


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
