"""The knowledge base in rules/: rule modules, norms, exercise catalogue and plan settings.

Everything is validated when loaded, and cross-checked (every norm, exercise, finding
and pattern a rule names exists), so a broken knowledge base fails at start-up with the
rule id that is wrong, never in the middle of an assessment.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assess.errors import KnowledgeBaseError
from assess.paths import data_dir
from assess.phases import DECISION_PHASES, Phase


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Data):
    """Where a rule's knowledge comes from: a seed passage, a reference, or both."""

    seed: str | None = None
    passage: str | None = None
    ref: str | None = None

    @model_validator(mode="after")
    def _something(self) -> Source:
        if not (self.seed or self.ref):
            raise ValueError("a source needs a seed or a ref")
        return self

    def __str__(self) -> str:
        parts = []
        if self.seed:
            parts.append(f"{self.seed}: \"{self.passage}\"" if self.passage else self.seed)
        if self.ref:
            parts.append(self.ref)
        return "; ".join(parts)


class RuleDef(_Data):
    """One rule of the knowledge base, as written in a rules/*.yaml module."""

    id: str = Field(pattern=r"^[A-Z]{2,4}(-[A-Z]{2,4})?-\d{2}$")
    title: str
    phase: Phase
    rationale: str
    source: Source
    when: tuple[dict[str, Any], ...]
    then: tuple[dict[str, Any], ...]
    module: str = ""


class Module(_Data):
    module: str
    title: str
    rules: tuple[RuleDef, ...]


class Norm(_Data):
    """A threshold with its source; exactly one comparison."""

    below: float | None = None
    at_least: float | None = None
    above: float | None = None
    unit: str
    finding: str
    source: str
    secondary: bool = False

    @model_validator(mode="after")
    def _one_comparison(self) -> Norm:
        if sum(x is not None for x in (self.below, self.at_least, self.above)) != 1:
            raise ValueError("a norm needs exactly one of below, at_least, above")
        return self

    def met(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        if self.at_least is not None:
            return value >= self.at_least
        assert self.above is not None
        return value > self.above

    @property
    def describe(self) -> str:
        if self.below is not None:
            return f"below {self.below:g} {self.unit}"
        if self.at_least is not None:
            return f"{self.at_least:g} {self.unit} or more"
        return f"above {self.above:g} {self.unit}"


class Dose(_Data):
    sets: str | None = None
    reps: str | None = None
    hold: str | None = None
    time: str | None = None
    frequency: str
    source: str

    def summary(self) -> str:
        parts = []
        if self.sets and self.reps:
            parts.append(f"{self.sets} sets x {self.reps}")
        elif self.sets:
            parts.append(f"{self.sets} sets")
        elif self.reps:
            parts.append(self.reps)
        if self.hold:
            parts.append(f"hold {self.hold}")
        if self.time:
            parts.append(self.time)
        return ", ".join(parts)


class Aid(_Data):
    name: str
    equipment: tuple[str, ...]
    how: str


class Exercise(_Data):
    """One exercise of the catalogue."""

    id: str
    name: str
    seed: str
    passage: str
    target: str
    figure: str
    stage: int
    side_specific: bool
    equipment: tuple[str, ...]
    tags: tuple[Literal["loaded", "hanging", "barbell", "loaded_spinal_flexion"], ...]
    dose: Dose
    start: str
    cues: tuple[str, ...]
    feel: str
    aids: tuple[Aid, ...] = ()
    progression: str | None
    progression_when: str | None = None
    regression: str
    substitute: str | None = None
    contraindications: tuple[str, ...]


class Catalogue(_Data):
    name: str
    exercises: tuple[Exercise, ...]


class BlockDef(_Data):
    id: str
    title: str
    purpose: str
    priority: tuple[str, ...]


class Urgency(_Data):
    rank: int
    label: str
    action: str


class PlanSettings(_Data):
    name: str
    session: dict[str, Any]
    log: dict[str, Any]
    review: dict[str, Any]
    stop_if: dict[str, Any]
    blocks: tuple[BlockDef, ...]
    advice: dict[str, str]
    yellow_flags: dict[str, str]
    referrals: dict[str, Any]
    clinician_only_findings: tuple[str, ...]
    findings: dict[str, str]
    patterns: dict[str, str]

    def urgency(self, key: str) -> Urgency:
        return Urgency.model_validate(self.referrals["urgency"][key])


class RuleSetInfo(_Data):
    name: str
    version: str
    modules: tuple[str, ...]


class KnowledgeBase(_Data):
    """The whole knowledge base, loaded and checked."""

    info: RuleSetInfo
    sha256: str
    modules: tuple[Module, ...]
    norms: dict[str, Norm]
    exercises: dict[str, Exercise]
    plan: PlanSettings

    @property
    def rules(self) -> tuple[RuleDef, ...]:
        return tuple(r for m in self.modules for r in m.rules)

    def rule(self, rule_id: str) -> RuleDef:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def folder_sha256(folder: Path) -> str:
    """sha256 over every file in the folder: relative path and bytes, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def load_knowledge(folder: Path | None = None) -> KnowledgeBase:
    """Load and cross-check the knowledge base (cached: the files do not change in a run)."""
    folder = folder or data_dir("rules")
    try:
        info = RuleSetInfo.model_validate(_yaml(folder / "ruleset.yaml"))
        modules = []
        for name in info.modules:
            raw = _yaml(folder / f"{name}.yaml")
            raw["rules"] = [{**r, "module": name} for r in raw.get("rules", [])]
            modules.append(Module.model_validate(raw))
        norms_raw = _yaml(folder / "norms.yaml")
        norms = {k: Norm.model_validate(v) for k, v in norms_raw["norms"].items()}
        catalogue = Catalogue.model_validate(_yaml(folder / "exercises.yaml"))
        plan = PlanSettings.model_validate(_yaml(folder / "plan.yaml"))
    except (ValidationError, OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise KnowledgeBaseError(f"the knowledge base in {folder} cannot be loaded: {exc}") from exc
    kb = KnowledgeBase(
        info=info,
        sha256=folder_sha256(folder),
        modules=tuple(modules),
        norms=norms,
        exercises={e.id: e for e in catalogue.exercises},
        plan=plan,
    )
    problems = cross_check(kb)
    if problems:
        raise KnowledgeBaseError("the knowledge base is inconsistent:\n  " + "\n  ".join(problems))
    return kb


def cross_check(kb: KnowledgeBase) -> list[str]:
    """Every name a rule uses must exist; decision rules must not compare numbers."""
    problems: list[str] = []
    ids = [r.id for r in kb.rules]
    problems += [f"rule id {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    produced = {"finding": set(), "pattern": set()}  # type: dict[str, set[str]]
    for r in kb.rules:
        for action in r.then:
            for kind in produced:
                if kind in action:
                    produced[kind].add(action[kind])
    blocks = {b.id for b in kb.plan.blocks}
    for r in kb.rules:
        for cond in _flatten(r.when):
            if "norm" in cond and cond["norm"] not in kb.norms:
                problems.append(f"{r.id}: unknown norm {cond['norm']}")
            for kind in produced:
                name = cond.get(kind)
                if isinstance(name, str) and not name.startswith("$") and name not in produced[kind]:
                    problems.append(f"{r.id}: no rule concludes {kind} {name}")
            if r.phase in DECISION_PHASES and ("norm" in cond or _has_number(cond)):
                problems.append(f"{r.id}: a decision rule compares a number")
        for action in r.then:
            for ex in action.get("exercises", []):
                if not str(ex).startswith("$") and ex not in kb.exercises:
                    problems.append(f"{r.id}: unknown exercise {ex}")
            for key in ("prescribe", "lead", "emphasis"):
                b = action.get(key)
                if b and not str(b).startswith("$") and b not in blocks:
                    problems.append(f"{r.id}: unknown block {b}")
            if "advice" in action and action["advice"] not in kb.plan.advice:
                problems.append(f"{r.id}: unknown advice {action['advice']}")
            if r.phase in DECISION_PHASES and _has_number(action):
                problems.append(f"{r.id}: a decision rule writes a number")
    priorities = {b.id: set(b.priority) for b in kb.plan.blocks}
    for r in kb.rules:
        for action in r.then:
            block = action.get("prescribe")
            if block in priorities:
                problems += [f"{r.id}: {ex} is not in the priority list of block {block}"
                             for ex in action["exercises"] if ex not in priorities[block]]
    for ex in kb.exercises.values():
        for ref in (ex.progression, ex.substitute):
            if ref and ref not in kb.exercises:
                problems.append(f"exercise {ex.id}: unknown exercise {ref}")
    problems += [f"plan.yaml clinician_only_findings: no rule concludes {f}"
                 for f in kb.plan.clinician_only_findings if f not in produced["finding"]]
    for finding in produced["finding"]:
        if finding not in kb.plan.findings:
            problems.append(f"finding {finding} has no plain-words text in plan.yaml")
    return problems


def _flatten(conds: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in conds:
        out.append(c)
        if "not" in c:
            out.extend(_flatten((c["not"],)))
    return out


def _has_number(node: object) -> bool:
    if isinstance(node, bool):
        return False
    if isinstance(node, int | float):
        return True
    if isinstance(node, dict):
        return any(_has_number(v) for v in node.values())
    if isinstance(node, list | tuple):
        return any(_has_number(v) for v in node)
    return False
