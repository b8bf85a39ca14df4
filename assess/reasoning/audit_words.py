"""The audit in a clinician's words: for each plan item, one short account of what was found,
on which side, how it was measured and against which norm, through which pattern and rule, from
which seed passage; and WHY NOT grouped by reason.

One function per question, read by three renderings (the terminal, the PDF appendix, the web
review page). It reads only what the assessment recorded, never today's rule set, so an old
assessment is explained as it was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assess.domain.audit import AuditFact, AuditFiring, WhyNot
from assess.domain.results import FactKind, Step
from assess.reasoning.assemble import side_words
from assess.reasoning.compose import merge_sides

if TYPE_CHECKING:
    from assess.domain.assessment import Assessment

# The kinds of fact that are evidence a person gave or a clinician measured.
_INPUTS = (FactKind.MEASURE, FactKind.ANSWER)
# The conclusions an account walks through on its way down to the inputs.
_REASONS = (FactKind.FINDING, FactKind.PATTERN)


def _title(a: Assessment, rule_id: str) -> str:
    """A rule's title as recorded: its note, else the firing's own record."""
    note = a.audit.rules.get(rule_id)
    if note is not None:
        return note.title
    return next((f.title for f in a.audit.firings if f.rule == rule_id), "")


@dataclass
class Account:
    """HOW plan items were reached, as lines a clinician can read aloud. Exercises reached
    the same way share one account, so a block of six is explained once."""

    exercises: list[tuple[str, str, str]]  # id, name, sides
    because: list[str] = field(default_factory=list)  # the pattern and the rule that prescribed
    instead_of: list[str] = field(default_factory=list)  # a substitution, said once
    evidence: list[str] = field(default_factory=list)  # findings: side, value, method, norm, rule
    seeds: list[str] = field(default_factory=list)  # each exercise's seed passage

    @property
    def title(self) -> str:
        return "; ".join(f"{name} ({sides})" if sides else name for _, name, sides in self.exercises)

    def key(self) -> tuple[tuple[str, ...], ...]:
        return tuple(self.because), tuple(self.instead_of), tuple(self.evidence)

    def lines(self) -> list[str]:
        return [self.title, *self.because, *self.instead_of, *self.evidence,
                *(f"Seed: {s}" for s in self.seeds)]


class _Trail:
    """The recorded facts and firings of one assessment, with the recorded words for them."""

    def __init__(self, a: Assessment) -> None:
        self.a = a
        self.facts: dict[int, AuditFact] = {f.index: f for f in a.audit.facts}
        self.by_fact: dict[int, list[AuditFiring]] = {}
        for firing in a.audit.firings:
            for index in firing.declared:
                self.by_fact.setdefault(index, []).append(firing)

    def word(self, key: str, default: str) -> str:
        return self.a.audit.words.get(key, default)

    def rule(self, rule_id: str) -> str:
        title = _title(self.a, rule_id)
        return f"{rule_id} ({title})" if title else rule_id

    def exercise(self, exercise_id: str) -> str:
        for block in self.a.plan.blocks:
            for e in block.exercises:
                if e.id == exercise_id:
                    return e.name
        named = {w.exercise: w.name for w in self.a.audit.why_not}
        return named.get(exercise_id, exercise_id.replace("_", " "))

    def label(self, fact: AuditFact) -> str:
        kind = fact.kind.lower()
        ident = str(fact.fields.get("id", ""))
        return self.word(f"{kind}:{ident}", ident.replace("_", " "))

    def measured(self, fact: AuditFact) -> str:
        """'left hip extension -6 deg, prone' or 'answered: provokers = running'."""
        f = fact.fields
        if fact.kind == FactKind.MEASURE:
            test = str(f.get("test", ""))
            name = self.word(f"test:{test}", test.replace("_", " "))
            side = f.get("side")
            where = f"{side} " if side in ("left", "right") else ""
            value = f.get("value")
            if isinstance(value, bool):
                shown = "yes" if value else "no"
            elif isinstance(value, int | float):
                shown = f"{value:g} {self.word(f'unit:{test}', '')}".strip()
            else:
                shown = str(value)
            method = str(f.get("method", ""))
            how = self.word(f"method:{test}:{method}", "")
            return f"{name}{f' ({where.strip()})' if where else ''} {shown}" + (f", {how}" if how else "")
        item = str(f.get("item", "")).replace("_", " ")
        return f"answered {item}: {str(f.get('value')).replace('_', ' ')}"


def _merge(sides: set[str]) -> str:
    return side_words(merge_sides(sides))


def _evidence(trail: _Trail, index: int, out: list[str], seen: set[int], depth: int = 0) -> None:
    """Walk from a pattern or finding down to what was measured or answered."""
    if index in seen or depth > 8:
        return
    seen.add(index)
    fact = trail.facts[index]
    for firing in trail.by_fact.get(index, []):
        inputs = [trail.facts[i] for i in firing.matched if trail.facts[i].kind in _INPUTS]
        deeper = [i for i in firing.matched if trail.facts[i].kind in _REASONS]
        if fact.kind == FactKind.FINDING:
            side = fact.fields.get("side")
            where = f" ({side})" if side in ("left", "right") else ""
            said = "; ".join(trail.measured(f) for f in inputs)
            note = trail.a.audit.rules.get(firing.rule)
            norms = ", ".join(f"{n.describe} ({name})" for name, n in (note.norms.items() if note else ()))
            line = f"Found: {trail.label(fact)}{where}"
            if said:
                line += f" - {said}"
            if norms:
                line += f", against the norm {norms}"
            out.append(f"{line} [{trail.rule(firing.rule)}]")
        for i in deeper:
            _evidence(trail, i, out, seen, depth + 1)


def how_accounts(a: Assessment) -> list[Account]:
    """HOW for every exercise in the plan, in plan order; exercises reached the same way are
    explained together."""
    trail = _Trail(a)
    merged: dict[tuple[tuple[str, ...], ...], Account] = {}
    for block in a.plan.blocks:
        for e in block.exercises:
            one = how_account(a, e.id, trail=trail, sides=e.side)
            same = merged.setdefault(one.key(), Account(exercises=[], because=one.because,
                                                        instead_of=one.instead_of,
                                                        evidence=one.evidence))
            same.exercises += one.exercises
            same.seeds += [f"{e.name} - {s}" for s in one.seeds or [e.source]]
    return list(merged.values())


def norms_used(a: Assessment) -> list[tuple[str, str, str]]:
    """Every norm a finding was read against: id, threshold, source (said once, here)."""
    out: dict[str, tuple[str, str, str]] = {}
    for firing in a.audit.firings:
        note = a.audit.rules.get(firing.rule)
        for name, n in (note.norms.items() if note else ()):
            out.setdefault(name, (name, n.describe, n.source))
    return list(out.values())


def how_account(a: Assessment, exercise: str, *, trail: _Trail | None = None,
                sides: str = "") -> Account:
    """HOW one exercise reached the plan: patterns, rules, findings and the seed, each once."""
    trail = trail or _Trail(a)
    roots = [f for f in a.audit.facts if f.kind == FactKind.PRESCRIBE
             and f.fields.get("exercise") == exercise and f.fields.get("step") == Step.NOW]
    shown_sides = {"both": "both sides", "left": "left side only", "right": "right side only",
                   "none": ""}
    shown = shown_sides[sides] if sides in shown_sides else _merge({str(r.fields.get("side")) for r in roots})
    seed = a.audit.exercise_sources.get(exercise, "")
    account = Account(exercises=[(exercise, trail.exercise(exercise), shown)],
                      seeds=[seed] if seed else [])
    # Group by the prescribing rule: one line per rule, with its patterns and their sides.
    by_rule: dict[str, dict[str, set[str]]] = {}
    evidence: list[str] = []
    seen: set[int] = set()
    replaced: dict[str, set[str]] = {}
    for root in roots:
        for firing in trail.by_fact.get(root.index, []):
            patterns = by_rule.setdefault(firing.rule, {})
            matched = [trail.facts[i] for i in firing.matched]
            staged = _stage_words(trail, matched)
            if staged:
                # A review's progression: the last plan and the re-test decided it; the
                # stage the first visit would give is not "left out", it is moved past.
                line = f"{staged} [{trail.rule(firing.rule)}]"
                if line not in account.because:
                    account.because.append(line)
            for i in firing.matched:
                fact = trail.facts[i]
                if staged and fact.kind == FactKind.PRESCRIBE:
                    _trace_prescription(trail, i, patterns, evidence, seen)
                    continue
                if fact.kind in _REASONS:
                    patterns.setdefault(trail.label(fact), set()).add(str(fact.fields.get("side")))
                    _evidence(trail, i, evidence, seen)
                elif fact.kind == FactKind.PRESCRIBE and fact.fields.get("exercise") != exercise:
                    original = str(fact.fields.get("exercise"))
                    why = [_exclusion(a, trail.facts[j]) for j in firing.matched
                           if trail.facts[j].kind == FactKind.EXCLUDE]
                    replaced.setdefault(original, set()).update(w for w in why if w)
                    # What the original answered is what this one answers.
                    for j in firing.matched:
                        if trail.facts[j].kind == FactKind.PRESCRIBE:
                            _trace_prescription(trail, j, patterns, evidence, seen)
    for rule_id, patterns in by_rule.items():
        if patterns:
            what = "; ".join(f"{p} ({_merge(s)})" if s & {"left", "right", "both"} else p
                             for p, s in patterns.items())
            account.because.append(f"Prescribed by {trail.rule(rule_id)} for {what}")
        else:
            account.because.append(f"Prescribed by {trail.rule(rule_id)}")
    for original, excluded_by in replaced.items():
        reason = f": {'; '.join(sorted(excluded_by))}" if excluded_by else ""
        account.instead_of.append(f"In place of {trail.exercise(original)}, left out{reason}")
    account.evidence = list(dict.fromkeys(evidence))
    account.because += _decided(a, exercise)
    return account


def _decided(a: Assessment, exercise: str) -> list[str]:
    """The clinician's decisions about this exercise, beside the rules': who, when, why."""
    titles = {p.id: p.title for p in a.precautions}
    out = []
    for d in a.adjustments:
        if d.exercise != exercise or d.kind == "remove":
            continue
        overriding = f", overriding the precaution {'; '.join(titles.get(p, p) for p in d.overrides)}" \
            if d.overrides else ""
        what = "Added to the plan" if d.kind == "add" else f"Dose changed to {d.dose}"
        out.append(f"{what} by {d.by} on {d.at.date()}{overriding} (the clinician's decision): {d.reason}")
    return out


def _stage_words(trail: _Trail, matched: list[AuditFact]) -> str:
    """'At this review: the last plan gave X; its re-test was passed; pain ...' for a firing
    of a progression rule, else ''."""
    previous = [f for f in matched if f.kind == FactKind.PREVIOUS]
    if not previous:
        return ""
    parts = [f"At this review: the last plan gave {trail.exercise(str(previous[0].fields.get('exercise')))}"]
    for f in matched:
        if f.kind == FactKind.RETEST:
            parts.append(f"its re-test was {str(f.fields.get('result')).replace('_', ' ')}")
        elif f.kind == FactKind.DERIVED and f.fields.get("name") == "pain_trend":
            parts.append(f"pain since the last visit: {f.fields.get('value')}")
        elif f.kind == FactKind.DERIVED and f.fields.get("name") == "stage_time_done":
            parts.append("the stage has had its weeks" if f.fields.get("value") else
                         "the stage has not had its weeks yet")
    return "; ".join(parts)


def _trace_prescription(trail: _Trail, index: int, patterns: dict[str, set[str]],
                        evidence: list[str], seen: set[int]) -> None:
    for firing in trail.by_fact.get(index, []):
        for i in firing.matched:
            fact = trail.facts[i]
            if fact.kind in _REASONS:
                patterns.setdefault(trail.label(fact), set()).add(str(fact.fields.get("side")))
                _evidence(trail, i, evidence, seen)


def _exclusion(a: Assessment, fact: AuditFact) -> str:
    f = fact.fields
    if f.get("kind") == "equipment":
        return f"needs {str(f.get('needs', '')).replace('_', ' ')}, not available"
    for p in a.precautions:
        if p.id == f.get("precaution"):
            return p.title
    return str(f.get("precaution", "")).replace("_", " ")


# --- WHY NOT ------------------------------------------------------------------------------

GROUPS: dict[str, str] = {
    "referral": "Not given: a red flag means a referral and no exercise",
    "clinician": "Removed by the clinician",
    "safety": "Left out for safety",
    "equipment": "Equipment not available",
    "deferred": "Waiting for the review (the session is full)",
    "later_stage": "A later stage: one stage at a time",
    "pattern_missing": "Not called for: what it treats was not found",
}


def why_not_groups(a: Assessment, *, everything: bool = False) -> list[tuple[str, list[WhyNot]]]:
    """WHY NOT grouped by reason. By default only the exercises related to what was found (left
    out, waiting, a later stage of something in the plan); `everything` adds the rest."""
    # What the clinician added is in the plan, whatever the rules said of it (HOW says why).
    added = {d.exercise for d in a.adjustments if d.kind == "add"}
    shown = [w for w in a.audit.why_not if (everything or w.related) and w.exercise not in added]
    trail = _Trail(a)
    shown += [WhyNot(exercise=str(d.exercise), name=d.name or trail.exercise(str(d.exercise)),
                     kind="clinician", reason=f"removed by {d.by} on {d.at.date()}: {d.reason}", rules=())
              for d in a.adjustments if d.kind == "remove" and d.exercise not in a.plan.exercise_ids()]
    groups: list[tuple[str, list[WhyNot]]] = []
    for kind, title in GROUPS.items():
        rows = [w for w in shown if w.kind == kind]
        if rows:
            groups.append((title, rows))
    return groups


def hidden_why_not(a: Assessment) -> int:
    """How many WHY NOT rows the default view leaves out."""
    return sum(1 for w in a.audit.why_not if not w.related)


def rule_line(a: Assessment, rule_id: str) -> dict[str, Any]:
    """A rule that fired, as recorded: id, title, why and source."""
    note = a.audit.rules.get(rule_id)
    return {"id": rule_id, "title": _title(a, rule_id),
            "rationale": note.rationale if note else "", "source": note.source if note else ""}
