"""Cross-checks of a loaded knowledge base: every name a rule or a data file uses must exist,
decision rules never hold a number, and every precaution can be concluded by some rule.

Each problem names the rule id (or the data file and entry) so that a broken knowledge base
is mended at start-up, not discovered in a client's plan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assess.definitions.questionnaire import battery, questionnaire
from assess.definitions.rule_conclusions import (
    Action,
    AdviceAct,
    EmphasisAct,
    ExcludeAct,
    FindingAct,
    LeadAct,
    LetterAct,
    NotScreenedAct,
    PatternAct,
    PrecautionAct,
    PrescribeAct,
    PriorityAct,
    QueryAct,
    ReferralAct,
    ReviewAct,
    YellowFlagAct,
)
from assess.definitions.rule_language import (
    AnswerCond,
    CareCond,
    Condition,
    DerivedCond,
    ExistsCond,
    FindingCond,
    MeasureCond,
    MeasurePairCond,
    ModifiesCond,
    NotCond,
    PatternCond,
    PrecautionCond,
    PrescribedCond,
    RestrictsCond,
    TagCond,
    flatten,
    is_var,
    literal_values,
)
from assess.domain.phases import DECISION_PHASES

if TYPE_CHECKING:
    from assess.definitions.knowledge import KnowledgeBase, RuleDef

# Values computed from the answers and measurements before the rules run (facts.DERIVED,
# DATED and MEASURED; a test keeps the lists equal); the counted criteria add their own ids.
# pain_trend and stage_time_done exist only at a review (facts.review_facts).
DERIVED_NAMES = frozenset({"age_at_onset", "goals", "pain_worst_minus_now", "weeks_since_hip_replacement",
                           "neurological_examined", "stopped_at_limit", "pain_trend", "stage_time_done"})


def _numbers(values: list[object]) -> bool:
    return any(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _condition_names(kb: KnowledgeBase, rule: RuleDef, cond: Condition,
                     produced: dict[str, set[str]]) -> list[str]:
    out: list[str] = []
    head = cond.head
    named = isinstance(head, str) and not is_var(head) and head != "any"
    norm = getattr(cond, "norm", None)
    if norm is not None and norm not in kb.norms:
        out.append(f"unknown norm {norm}")
    if isinstance(cond, AnswerCond) and named:
        item = questionnaire().by_id().get(head)
        if item is None:
            out.append(f"unknown answer {head}")
        else:
            for value in (cond.is_, cond.includes, *(cond.any_of or ())):
                if isinstance(value, str) and not is_var(value) and item.answerOption \
                        and value not in item.answerOption:
                    out.append(f"{head} has no option {value!r}")
    if isinstance(cond, MeasureCond | MeasurePairCond) and named and head not in battery().by_id():
        out.append(f"unknown test {head}")
    if isinstance(cond, DerivedCond) and head not in DERIVED_NAMES | set(kb.criteria):
        out.append(f"unknown derived value {head}")
    if isinstance(cond, FindingCond | PatternCond) and named and head not in produced[cond.key]:
        out.append(f"no rule concludes {cond.key} {head}")
    if isinstance(cond, PrecautionCond) and named and head not in kb.precautions:
        out.append(f"unknown precaution {head}")
    if isinstance(cond, TagCond) and named and head not in kb.catalogue.tags:
        out.append(f"unknown tag {head}")
    if isinstance(cond, PrescribedCond) and named and head not in kb.exercises:
        out.append(f"unknown exercise {head}")
    if isinstance(cond, RestrictsCond | ModifiesCond | CareCond):
        pass  # catalogue facts: their values come from the data files checked below
    if rule.phase in DECISION_PHASES and not isinstance(cond, NotCond | ExistsCond) and (
            norm is not None or _numbers(literal_values(cond))):
        out.append("a decision rule compares a number")
    return out


def _action_names(kb: KnowledgeBase, rule: RuleDef, action: Action) -> list[str]:
    out: list[str] = []
    blocks = {b.id for b in kb.plan.blocks}

    def known(value: object, table: object, what: str) -> None:
        if isinstance(value, str) and not is_var(value) and value not in table:  # type: ignore[operator]
            out.append(f"unknown {what} {value}")

    if isinstance(action, PrescribeAct):
        known(action.prescribe, blocks, "block")
        for ex in action.exercises:
            known(ex, kb.exercises, "exercise")
        priority = next((b.priority for b in kb.plan.blocks if b.id == action.prescribe), None)
        if priority is not None:
            out += [f"{ex} is not in the priority list of block {action.prescribe}"
                    for ex in action.exercises if not is_var(ex) and ex not in priority]
    elif isinstance(action, LeadAct):
        known(action.lead, blocks, "block")
        if action.because is not None:
            known(action.because, kb.plan.priority.leads, "reason to lead (plan.yaml priority.leads)")
    elif isinstance(action, PriorityAct):
        known(action.priority, blocks, "block")
        if action.about != "goals":
            known(action.about, {**kb.plan.findings, **kb.plan.patterns}, "finding or pattern")
    elif isinstance(action, EmphasisAct):
        known(action.emphasis, blocks, "block")
    elif isinstance(action, AdviceAct):
        known(action.advice, kb.plan.advice, "advice")
    elif isinstance(action, ReviewAct):
        known(action.review, kb.plan.review_reasons, "review reason")
    elif isinstance(action, LetterAct):
        known(action.letter, kb.plan.letters, "letter")
    elif isinstance(action, QueryAct):
        known(action.query, kb.plan.queries, "query")
        known(action.about, {**questionnaire().by_id(), **battery().by_id()}, "question or test")
    elif isinstance(action, NotScreenedAct):
        known(action.not_screened, kb.plan.screens, "screen")
    elif isinstance(action, PrecautionAct | ExcludeAct):
        known(action.precaution, kb.precautions, "precaution")
    elif isinstance(action, ReferralAct):
        known(action.referral, kb.plan.referrals.reasons, "referral reason")
        known(action.urgency, kb.plan.referrals.urgency, "urgency")
    elif isinstance(action, YellowFlagAct):
        known(action.yellow_flag, kb.plan.yellow_flags, "yellow flag")
    if rule.phase in DECISION_PHASES and _numbers(literal_values(action)):
        out.append("a decision rule writes a number")
    return out


def _catalogue_problems(kb: KnowledgeBase) -> list[str]:
    out: list[str] = []
    tags, positions = kb.catalogue.tags, kb.catalogue.positions
    references = kb.sources.references
    for ex in kb.exercises.values():
        where = f"rules/exercises.yaml: {ex.id}"
        if ex.goal not in kb.catalogue.goals:
            out.append(f"{where}: unknown goal {ex.goal}")
        out += [f"{where}: cites {g}, which rules/sources.yaml references do not hold"
                for g in ex.guidelines if g not in references]
        # A pathway exercise's dose comes from a guideline, never from a seed it is not in.
        if ex.guidelines and re.search(r"\bseed\b", ex.dose.source, re.I):
            out.append(f"{where}: a pathway exercise's dose cites a seed")
        # A cue that starts in lower case is half of one split at a comma by a YAML flow list.
        out += [f"{where}: cue {c!r} starts in lower case (quote a cue that holds a comma)"
                for c in ex.cues if c[:1].islower()]
        for ref in (ex.progression, ex.substitute, ex.regression.exercise):
            if ref and ref not in kb.exercises:
                out.append(f"{where}: unknown exercise {ref}")
        out += [f"{where}: unknown tag {t}" for t in ex.tags if t not in tags]
        if ex.position not in positions:
            out.append(f"{where}: unknown position {ex.position}")
        else:
            out += [f"{where}: starts {positions[ex.position].text} but lacks the tag {t}"
                    for t in positions[ex.position].implies if t not in ex.tags]
        out += [f"{where}: care names unknown precaution {p}" for p in ex.care if p not in kb.precautions]
        if "barbell" in ex.equipment and "barbell" not in ex.tags:
            out.append(f"{where}: needs a barbell but lacks the tag barbell")
        if ex.progression and not ex.retest:
            out.append(f"{where}: leads to {ex.progression} but says no re-test for moving on")
        if ex.progression in kb.exercises and kb.exercises[ex.progression].stage != ex.stage + 1:
            out.append(f"{where}: its next stage {ex.progression} is not one stage on")
        if ex.substitute in kb.exercises and kb.exercises[ex.substitute].stage > ex.stage:
            out.append(f"{where}: its substitute {ex.substitute} is a later stage"
                       " (a substitute never skips one)")
    out += [f"rules/exercises.yaml positions: {name} implies unknown tag {t}"
            for name, pos in positions.items() for t in pos.implies if t not in tags]
    for pid, p in kb.precautions.items():
        where = f"rules/precautions.yaml: {pid}"
        out += [f"{where}: unknown tag {t}" for t in (*p.excludes, *p.modifies) if t not in tags]
        if p.letter and p.letter not in kb.plan.letters:
            out.append(f"{where}: unknown letter {p.letter}")
    return out


def _criteria_problems(kb: KnowledgeBase) -> list[str]:
    """Counted criteria read known answers, options, derived values and norms; letters name
    known sets; a precaution's own words for an excluded exercise name a known precaution."""
    out: list[str] = []
    items = questionnaire().by_id()
    for cid, crit in kb.criteria.items():
        if crit.threshold not in kb.norms:
            out.append(f"rules/criteria.yaml: {cid}: unknown norm {crit.threshold}")
        for cond in (*crit.applies, *(c.when for c in crit.items)):
            if isinstance(cond, AnswerCond):
                item = items.get(cond.answer)
                if item is None:
                    out.append(f"rules/criteria.yaml: {cid}: unknown answer {cond.answer}")
                    continue
                for value in (cond.is_, cond.includes, *(cond.any_of or ())):
                    if isinstance(value, str) and item.answerOption and value not in item.answerOption:
                        out.append(f"rules/criteria.yaml: {cid}: {cond.answer} has no option {value!r}")
            elif cond.derived not in DERIVED_NAMES:
                out.append(f"rules/criteria.yaml: {cid}: unknown derived value {cond.derived}")
            if cond.norm is not None and cond.norm not in kb.norms:
                out.append(f"rules/criteria.yaml: {cid}: unknown norm {cond.norm}")
    for lid, letter in kb.plan.letters.items():
        out += [f"plan.yaml letters.{lid}: unknown criteria {c}"
                for c in letter.criteria if c not in kb.criteria]
        if letter.to.lower().startswith("the "):
            out.append(f"plan.yaml letters.{lid}: `to` follows \"Letter to the\"; drop its own \"the\"")
    for ex in kb.exercises.values():
        out += [f"rules/exercises.yaml: {ex.id}: when_excluded names unknown precaution {p}"
                for p in ex.when_excluded if p not in kb.precautions]
    return out


def cross_check(kb: KnowledgeBase) -> list[str]:
    """Every name a rule uses must exist; decision rules must not compare numbers."""
    problems: list[str] = []
    ids = [r.id for r in kb.rules]
    problems += [f"rule id {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    produced: dict[str, set[str]] = {"finding": set(), "pattern": set()}
    concluded_precautions: set[str] = set()
    for r in kb.rules:
        for action in r.then:
            if isinstance(action, FindingAct):
                produced["finding"].add(action.finding)
            elif isinstance(action, PatternAct):
                produced["pattern"].add(action.pattern)
            elif isinstance(action, PrecautionAct):
                concluded_precautions.add(action.precaution)
    for r in kb.rules:
        for cond in flatten(r.when):
            problems += [f"{r.id}: {p}" for p in _condition_names(kb, r, cond, produced)]
        for action in r.then:
            problems += [f"{r.id}: {p}" for p in _action_names(kb, r, action)]
    problems += _catalogue_problems(kb)
    problems += _criteria_problems(kb)
    asked = {it.linkId for it in questionnaire().answerable()}
    problems += [f"rules/outcomes.yaml: {k}: reads {m.answer}, which the questionnaire does not ask"
                 for k, m in kb.outcomes.measures.items() if m.answer and m.answer not in asked]
    cited = {*(r.source.seed for r in kb.rules if r.source.seed),
             *(e.seed for e in kb.exercises.values() if e.seed),
             *(p.source.seed for p in kb.precautions.values() if p.source.seed)}
    problems += [f"rules/sources.yaml: seed {s} is cited but has no title"
                 for s in sorted(cited - set(kb.sources.seeds))]
    problems += [f"rules/precautions.yaml: {p}: no rule concludes this precaution"
                 for p in kb.precautions if p not in concluded_precautions]
    problems += [f"plan.yaml clinician_only_findings: no rule concludes {f}"
                 for f in kb.plan.clinician_only_findings if f not in produced["finding"]]
    problems += [f"finding {f} has no plain-words text in plan.yaml"
                 for f in sorted(produced["finding"]) if f not in kb.plan.findings]
    problems += [f"pattern {p} has no plain-words text in plan.yaml"
                 for p in sorted(produced["pattern"]) if p not in kb.plan.patterns]
    return problems
