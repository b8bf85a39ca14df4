"""The audit trail: HOW each conclusion was reached and WHY NOT for what is absent.

Both come from the same run: the recorded firings and the provenance of every fact.
"""

from __future__ import annotations

from typing import Any

from assess.definitions.knowledge import KnowledgeBase, RuleDef
from assess.definitions.knowledge_models import Exercise
from assess.definitions.rule_conclusions import FindingAct, PatternAct, PrescribeAct
from assess.definitions.rule_language import FindingCond, NotCond, PatternCond, is_var
from assess.domain.audit import Audit, AuditFact, AuditFiring, NormNote, RuleNote, WhyNot
from assess.domain.plan import Plan
from assess.domain.results import FactKind, FactRecord, Firing, RunResult, Step


def build_audit(kb: KnowledgeBase, run: RunResult, plan: Plan) -> Audit:
    nots = tuple(why_not(kb, run, plan))
    named = dict.fromkeys([*(f.rule for f in run.firings), *(r for w in nots for r in w.rules)])
    return Audit(
        halted=run.halted,
        facts=tuple(_audit_fact(f) for f in run.facts),
        firings=tuple(_firing(kb, f) for f in run.firings),
        why_not=nots,
        rules={r: _rule_note(kb, kb.rule(r)) for r in named},
        exercise_sources={e: _exercise_source(kb, kb.exercises[e]) for e in plan.exercise_ids()},
        words=_words(kb),
    )


# The catalogue's ~200 facts are the same records in every run of an engine (rete_state keeps
# them), so their audit entries are made once: keyed by the record's id, holding the record so
# that the id cannot be reused, and emptied when it grows (engines built one after another).
_CATALOGUE_FACTS: dict[int, tuple[FactRecord, AuditFact]] = {}


def _audit_fact(f: FactRecord) -> AuditFact:
    cached = _CATALOGUE_FACTS.get(id(f))
    if cached is not None and cached[0] is f:
        return cached[1]
    # Built without validation: every value comes typed from the run, and validating the
    # ~300 facts of each run was a tenth of an impact re-run.
    made = AuditFact.model_construct(index=f.index, kind=str(f.kind), fields=dict(f.fields), by=tuple(f.by))
    if f.by == ("catalogue",):
        if len(_CATALOGUE_FACTS) > 2000:
            _CATALOGUE_FACTS.clear()
        _CATALOGUE_FACTS[id(f)] = (f, made)
    return made


def _exercise_source(kb: KnowledgeBase, ex: Exercise) -> str:
    origin = kb.sources.cite(ex.seed, ex.passage, ref="; ".join(ex.guidelines) or None)
    return f"{origin} (dose: {kb.sources.cite(ref=ex.dose.source)})"


def _rule_note(kb: KnowledgeBase, rule: RuleDef) -> RuleNote:
    met = [n for c in rule.when if not isinstance(c, NotCond)
           for n in [getattr(c, "norm", None)] if n]
    return RuleNote(title=rule.title, rationale=kb.sources.name_seeds(rule.rationale),
                    source=kb.sources.cite(rule.source.seed, rule.source.passage, rule.source.ref),
                    norms={n: NormNote(describe=kb.norms[n].describe,
                                       source=" ".join(kb.norms[n].source.split()))
                           for n in met})


def _words(kb: KnowledgeBase) -> dict[str, str]:
    """Plain names for the ids a trail holds: tests, methods, findings, patterns."""
    from assess.definitions.questionnaire import battery

    words: dict[str, str] = {}
    for test in battery().tests:
        words[f"test:{test.id}"] = test.plain_name
        words[f"unit:{test.id}"] = test.unit or ""
        for method, label in test.method_labels.items():
            words[f"method:{test.id}:{method}"] = label
    words.update({f"finding:{k}": v for k, v in kb.plan.findings.items()})
    words.update({f"pattern:{k}": v for k, v in kb.plan.patterns.items()})
    return words


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


def _concluders(kb: KnowledgeBase) -> dict[tuple[str, str], list[str]]:
    """The ids of the rules that conclude each finding and pattern, by (kind, name)."""
    out: dict[tuple[str, str], list[str]] = {}
    for rule in kb.rules:
        for action in rule.then:
            if isinstance(action, FindingAct | PatternAct):
                kind = "finding" if isinstance(action, FindingAct) else "pattern"
                ids = out.setdefault((kind, action.head), [])
                if rule.id not in ids:
                    ids.append(rule.id)
    return out


def exclusion_reason(kb: KnowledgeBase, fields: dict[str, Any]) -> str:
    """An Exclude fact in words: the precaution and the movement, or the missing equipment."""
    if fields["kind"] == "equipment":
        return f"needs {fields['needs']}, which is not available"
    precaution = kb.precautions[fields["precaution"]]
    return f"{precaution.title.lower()}: no {kb.catalogue.tags[fields['tag']]}"


def _present(run: RunResult, kind: str, name: str) -> bool:
    fact_kind = FactKind.FINDING if kind == "finding" else FactKind.PATTERN
    return any(f.fields.get("id") == name for f in run.of(fact_kind))


def _missing(kb: KnowledgeBase, run: RunResult, rule: RuleDef,
             concluders: dict[tuple[str, str], list[str]]) -> list[str]:
    """The findings or patterns a rule needed that this run did not conclude."""
    out = []
    for cond in rule.when:
        if isinstance(cond, FindingCond | PatternCond):
            kind, name = cond.key, cond.head
            if not is_var(name) and name != "any" and not _present(run, kind, name):
                text = kb.plan.patterns.get(name) or kb.plan.findings.get(name) or name
                via = ", ".join(concluders.get((kind, name), []))
                out.append(f"{kind} '{text}' was not found (concluded by {via})")
    return out


def why_not(kb: KnowledgeBase, run: RunResult, plan: Plan) -> list[WhyNot]:
    """For every catalogue exercise absent from the plan, the reason it is absent."""
    in_plan = set(plan.exercise_ids())
    deferred = {d.id: d for d in plan.deferred}
    excluded: dict[str, list[FactRecord]] = {}
    for f in run.of(FactKind.EXCLUDE):
        excluded.setdefault(f.fields["exercise"], []).append(f)
    prescribed = run.of(FactKind.PRESCRIBE)
    prescribed_now = {f.fields["exercise"] for f in prescribed if f.fields["step"] == Step.NOW}
    prescribed_later = {f.fields["exercise"] for f in prescribed if f.fields["step"] == Step.LATER}
    before = {e.progression: e for e in kb.exercises.values() if e.progression}
    prescribers = _prescribers(kb)
    concluders = _concluders(kb)
    given = prescribed_now | prescribed_later | in_plan

    def chain_given(ex_id: str) -> bool:
        seen: set[str] = set()
        while ex_id in before and ex_id not in seen:
            seen.add(ex_id)
            ex_id = before[ex_id].id
            if ex_id in given:
                return True
        return False

    out: list[WhyNot] = []
    for ex in kb.exercises.values():
        if ex.id in in_plan:
            continue

        def note(kind: str, reason: str, rules: tuple[str, ...] = (), ex_id: str = ex.id,
                 name: str = ex.name) -> None:
            related = kind not in ("pattern_missing", "later_stage") or (
                kind == "later_stage" and (ex_id in prescribed_later or chain_given(ex_id)))
            out.append(WhyNot(exercise=ex_id, name=name, kind=kind, reason=reason, rules=rules,
                              related=related))

        if plan.referral:
            rules = tuple(r.rule for r in plan.referral_detail.reasons) if plan.referral_detail else ()
            note("referral", "a red flag means a referral and no exercise", rules)
        elif ex.id in excluded:
            facts = sorted(excluded[ex.id], key=lambda f: f.fields["kind"] != "safety")
            first = facts[0]
            reasons = dict.fromkeys(exclusion_reason(kb, f.fields) for f in facts)
            # The rules behind a safety exclusion are the screen that found the precaution
            # and the safety rule that applied it.
            behind = [r for f in facts for p in run.of(FactKind.PRECAUTION)
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
            gaps = [g for r in prescribers[ex.id] for g in _missing(kb, run, r, concluders)]
            rules = tuple(r.id for r in prescribers[ex.id])
            note("pattern_missing", "; ".join(dict.fromkeys(gaps)) or "no rule called for it", rules)
        elif ex.id in before:
            note("later_stage", f"a later stage of a progression: it follows {before[ex.id].name}, "
                 "and the plan gives one stage at a time")
        else:
            note("pattern_missing", "no rule prescribes it")
    return out
