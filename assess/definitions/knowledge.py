"""The knowledge base in rules/: rule modules, norms, exercises, precautions and plan settings.

Everything is validated when loaded, and cross-checked (every norm, exercise, finding,
pattern, precaution and tag a rule names exists), so a broken knowledge base fails at
start-up with the file, the rule id and the key that is wrong, never in an assessment.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from assess.definitions.criteria import Criteria, CriteriaSet
from assess.definitions.knowledge_models import (
    Catalogue,
    Exercise,
    Norm,
    Precaution,
    Precautions,
    RuleSetInfo,
    Source,
    Sources,
)
from assess.definitions.outcomes import Outcomes
from assess.definitions.paths import data_dir
from assess.definitions.plan_settings import PlanSettings
from assess.definitions.rule_conclusions import Action, parse_action
from assess.definitions.rule_language import Condition, RuleSyntaxError, parse_condition
from assess.domain.errors import KnowledgeBaseError
from assess.domain.phases import Phase
from assess.files.cache import named_text, parsed


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleDef(_Data):
    """One rule of the knowledge base, as written in a rules/*.yaml module."""

    id: str = Field(pattern=r"^[A-Z]{2,4}(-[A-Z]{2,4})?-\d{2}$")
    title: str
    phase: Phase
    rationale: str
    source: Source
    when: tuple[Condition, ...]
    then: tuple[Action, ...] = Field(min_length=1)
    module: str = ""


class Module(_Data):
    module: str
    title: str
    rules: tuple[RuleDef, ...]


class KnowledgeBase(_Data):
    """The whole knowledge base, loaded and checked."""

    info: RuleSetInfo
    sha256: str
    modules: tuple[Module, ...]
    norms: dict[str, Norm]
    catalogue: Catalogue
    precautions: dict[str, Precaution]
    plan: PlanSettings
    sources: Sources
    outcomes: Outcomes
    # Counted criteria (ASAS, NICE NG65), each counted into a derived value of its id.
    criteria: dict[str, CriteriaSet]

    _exercises: dict[str, Exercise] = PrivateAttr(default_factory=dict)
    _rules: dict[str, RuleDef] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        self._exercises = {e.id: e for e in self.catalogue.exercises}
        self._rules = {r.id: r for m in self.modules for r in m.rules}

    @property
    def exercises(self) -> dict[str, Exercise]:
        return self._exercises

    @property
    def rules(self) -> tuple[RuleDef, ...]:
        return tuple(r for m in self.modules for r in m.rules)

    def rule(self, rule_id: str) -> RuleDef:
        return self._rules[rule_id]


def folder_sha256(folder: Path) -> str:
    """sha256 over every file in the folder: relative path and bytes, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


# libyaml's parser when PyYAML was built with it: parsing rules/ in pure Python took about
# half a second of every run. The constructor (and the duplicate-key check) stays Python.
_FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_FastSafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses a key given twice in one mapping: in a rule file the second
    silently replaces the first, so a typo could change what a rule says unseen."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}",
                                           problem_mark=key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _yaml(path: Path) -> Any:
    # Our own files, parsed on every run: from the cache, keyed by their bytes, once parsed.
    return parsed(path, lambda raw: yaml.load(named_text(raw, path), Loader=_StrictLoader),
                  f"knowledge {_StrictLoader.__mro__[1].__name__} pyyaml-{yaml.__version__}")


def _validation_problems(label: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        out.append(f"{label}: {loc}: {what}")
    return out


def _module(path: Path, name: str) -> tuple[Module | None, list[str]]:
    """Parse one rule module, collecting every problem with its file, rule id and key."""
    label = f"rules/{path.name}"
    raw = _yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        return None, [f"{label}: expected `module`, `title` and a list of `rules`"]
    problems: list[str] = []
    rules = []
    for n, rule in enumerate(raw["rules"]):
        rid = rule.get("id", f"rule #{n + 1}") if isinstance(rule, dict) else f"rule #{n + 1}"
        where = f"{label}: {rid}"
        if not isinstance(rule, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        body = {k: v for k, v in rule.items() if k not in ("when", "then")}
        try:
            when = tuple(parse_condition(c, f"when[{i}]") for i, c in enumerate(rule.get("when") or []))
            then = tuple(parse_action(a, f"then[{i}]") for i, a in enumerate(rule.get("then") or []))
            rules.append(RuleDef.model_validate({**body, "when": when, "then": then, "module": name}))
        except RuleSyntaxError as exc:
            problems += [f"{where}: {p}" for p in exc.problems]
        except ValidationError as exc:
            problems += _validation_problems(where, exc)
    if problems:
        return None, problems
    try:
        return Module.model_validate({**{k: v for k, v in raw.items() if k != "rules"},
                                      "rules": rules}), []
    except ValidationError as exc:
        return None, _validation_problems(label, exc)


def rules_folder() -> Path:
    """The knowledge base to use: ASSESS_RULES when set (a clinic's own or a candidate rule
    set), else the bundled rules/."""
    chosen = os.environ.get("ASSESS_RULES")
    return Path(chosen) if chosen else data_dir("rules")


def load_knowledge(folder: Path | None = None) -> KnowledgeBase:
    """Load and cross-check the knowledge base in `folder` (default: rules_folder())."""
    return _load(folder or rules_folder())


@cache
def _load(folder: Path) -> KnowledgeBase:
    # Cached by folder: the files do not change during a run.
    problems: list[str] = []

    def read(model: type[BaseModel], name: str) -> Any:
        try:
            return model.model_validate(_yaml(folder / name))
        except ValidationError as exc:
            problems.extend(_validation_problems(f"rules/{name}", exc))
            return None

    try:
        info = read(RuleSetInfo, "ruleset.yaml")
        modules = []
        for name in (info.modules if info else ()):
            module, found = _module(folder / f"{name}.yaml", name)
            problems += found
            if module:
                modules.append(module)
        norms_raw = _yaml(folder / "norms.yaml")
        norms: dict[str, Norm] = {}
        for key, value in (norms_raw.get("norms") or {}).items():
            try:
                norms[key] = Norm.model_validate(value)
            except ValidationError as exc:
                problems += _validation_problems(f"rules/norms.yaml: {key}", exc)
        catalogue = read(Catalogue, "exercises.yaml")
        precautions = read(Precautions, "precautions.yaml")
        plan = read(PlanSettings, "plan.yaml")
        sources = read(Sources, "sources.yaml")
        outcomes = read(Outcomes, "outcomes.yaml")
        criteria = read(Criteria, "criteria.yaml")
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
        raise KnowledgeBaseError(f"the knowledge base in {folder} cannot be loaded: {exc}") from exc
    if problems:
        raise KnowledgeBaseError("the knowledge base cannot be loaded:\n  " + "\n  ".join(problems))
    kb = KnowledgeBase(
        info=info, sha256=folder_sha256(folder), modules=tuple(modules), norms=norms,
        catalogue=catalogue, precautions=precautions.precautions, plan=plan, sources=sources,
        outcomes=outcomes, criteria=criteria.criteria if criteria else {},
    )
    from assess.definitions.knowledge_checks import cross_check

    problems = cross_check(kb)
    if problems:
        raise KnowledgeBaseError("the knowledge base is inconsistent:\n  " + "\n  ".join(problems))
    return kb
