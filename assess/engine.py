"""The forward-chaining engine: the YAML rule modules compiled into one experta engine.

experta stays behind this module; nothing else imports it. experta has no audit API, so
`run()` is overridden to record every firing (rule, matched facts, bindings, what it
declared), and every declared fact keeps the ids of the rules that concluded it.
"""

from __future__ import annotations

import collections
import collections.abc
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from assess.knowledge import KnowledgeBase, RuleDef, load_knowledge
from assess.phases import SALIENCE
from assess.questionnaire import battery


def _import_experta() -> Any:
    # experta 1.9.4 pins frozendict==1.2, whose class derives from collections.Mapping,
    # an alias removed in Python 3.10. A pin in experta's metadata binds `uv run`,
    # `uv tool install` and `pip install` alike (uv's overrides reach only the first), so
    # the one mechanism that works for every install is to restore the alias before import.
    if not hasattr(collections, "Mapping"):
        collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import experta  # experta calls logging.basicConfig() on import; undo it below.

    root.handlers[:] = handlers
    root.setLevel(level)
    return experta


ex = _import_experta()
from experta.strategies import DepthStrategy  # noqa: E402 - after the compatibility alias

KINDS = (
    "Answer", "Measure", "Finding", "Pattern", "Referral", "YellowFlag", "Prescribe",
    "Exclude", "Tag", "Unavailable", "Substitute", "Progression", "Advice", "Lead", "Emphasis",
    "Session",
)
FACT_TYPES: dict[str, type] = {k: type(k, (ex.Fact,), {}) for k in KINDS}
# Fields every declared fact of a kind carries, with defaults, so that the same
# conclusion reached twice is one fact (experta drops exact duplicates).
DEFAULTS: dict[str, dict[str, Any]] = {
    "Finding": {"side": "none", "about": ""},
    "Pattern": {"side": "none", "basis": "derived"},
    "Prescribe": {"side": "none", "step": "now"},
    "Emphasis": {"side": "none"},
}
# The condition keyword -> (fact kind, field its value fills).
COND_KIND = {
    "answer": ("Answer", "item"), "measure": ("Measure", "test"), "finding": ("Finding", "id"),
    "pattern": ("Pattern", "id"), "referral": ("Referral", "reason"),
    "yellow_flag": ("YellowFlag", "id"), "prescribed": ("Prescribe", "exercise"),
    "tag": ("Tag", "tag"), "unavailable": ("Unavailable", "exercise"),
    "substitute": ("Substitute", "exercise"), "excluded": ("Exclude", "exercise"),
    "progression": ("Progression", "exercise"),
}


# A step that adds derived bindings before a rule's conclusions are built.
Derive = Callable[[dict[str, Any]], None]


def _key(kind: str, fields: dict[str, Any]) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """A fact's identity: experta treats facts with equal kind and fields as one."""
    return kind, tuple(sorted(fields.items()))


@dataclass(frozen=True)
class FactRecord:
    """A fact of the run: its index, kind, fields and the rules (or input) that made it."""

    index: int
    kind: str
    fields: dict[str, Any]
    by: tuple[str, ...]


@dataclass(frozen=True)
class Firing:
    """One rule firing, in order."""

    order: int
    rule: str
    phase: str
    matched: tuple[int, ...]
    bindings: dict[str, Any]
    declared: tuple[int, ...]


@dataclass
class RunResult:
    facts: list[FactRecord]
    firings: list[Firing]
    halted: bool

    def of(self, kind: str) -> list[FactRecord]:
        return [f for f in self.facts if f.kind == kind]


def _value(spec: Any) -> Any:
    """A literal, or a MATCH binding for a `$name`."""
    if isinstance(spec, str) and spec.startswith("$"):
        return getattr(ex.MATCH, spec[1:])
    return spec


def _resolve(spec: Any, bindings: dict[str, Any]) -> Any:
    if isinstance(spec, str) and spec.startswith("$"):
        return bindings[spec[1:]]
    return spec


class _Compiler:
    """Turns the rules' `when`/`then` data into experta patterns and actions."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.bilateral = {t.id for t in battery().tests if t.bilateral}

    def patterns(self, rule: RuleDef) -> tuple[list[Any], list[Derive]]:
        ces: list[Any] = []
        derive: list[Derive] = []
        bound_value = False
        for i, cond in enumerate(rule.when):
            if "measure_pair" in cond:
                ces.extend(self._pair(cond, i))
                derive.append(_worse_side(f"l{i}", f"r{i}"))
                continue
            ce, binds_value = self._one(cond, negated=False, bind_value=not bound_value)
            bound_value |= binds_value
            ces.append(ce)
        return ces, derive

    def _one(self, cond: dict[str, Any], *, negated: bool, bind_value: bool) -> tuple[Any, bool]:
        if "not" in cond:
            inner, _ = self._one(cond["not"], negated=True, bind_value=False)
            return ex.NOT(inner), False
        key = next(k for k in cond if k in COND_KIND)
        kind, main = COND_KIND[key]
        fields: dict[str, Any] = {}
        if cond[key] != "any":
            fields[main] = _value(cond[key])
        binds_value = False
        for name, spec in cond.items():
            if name in (key, "norm", "is", "includes"):
                continue
            fields[name] = _value(spec)
        if kind == "Measure" and not negated and "side" not in cond and cond[key] in self.bilateral:
            fields["side"] = ex.MATCH.side
        if "is" in cond:
            fields["value"] = cond["is"]
        if "includes" in cond:
            fields["value"] = cond["includes"]
        if "norm" in cond:
            norm = self.kb.norms[cond["norm"]]
            test = ex.P(lambda v, n=norm: _number(v) and n.met(v))
            if bind_value and not negated:
                fields["value"] = ex.MATCH.value & test
                binds_value = True
            else:
                fields["value"] = test
        return FACT_TYPES[kind](**fields), binds_value

    def _pair(self, cond: dict[str, Any], i: int) -> list[Any]:
        norm = self.kb.norms[cond["norm"]]
        left, right = f"l{i}", f"r{i}"

        def differs(**kw: float) -> bool:
            return norm.met(abs(kw[left] - kw[right]))

        # experta passes a TEST only the bindings its signature names.
        differs.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in (left, right)]
        )
        measure = FACT_TYPES["Measure"]
        return [
            measure(test=cond["measure_pair"], side="left", value=getattr(ex.MATCH, left)),
            measure(test=cond["measure_pair"], side="right", value=getattr(ex.MATCH, right)),
            ex.TEST(differs),
        ]

    def declarations(self, rule: RuleDef, bindings: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
        """The facts a rule's `then` declares, given its bindings."""
        for action in rule.then:
            if "finding" in action or "pattern" in action:
                kind = "Finding" if "finding" in action else "Pattern"
                yield kind, {"id": action[kind.lower()], **{
                    k: _resolve(v, bindings) for k, v in action.items() if k != kind.lower()}}
            elif "referral" in action:
                yield "Referral", {
                    "reason": action["referral"], "urgency": action["urgency"],
                    "reported": action["reported"].format_map(bindings),
                }
            elif "yellow_flag" in action:
                yield "YellowFlag", {"id": action["yellow_flag"]}
            elif "prescribe" in action:
                for n, exercise in enumerate(action["exercises"], start=1):
                    fields = {
                        "exercise": _resolve(exercise, bindings),
                        "block": _resolve(action["prescribe"], bindings),
                        "order": _resolve(action.get("order", n), bindings),
                    }
                    for opt in ("side", "step"):
                        if opt in action:
                            fields[opt] = _resolve(action[opt], bindings)
                    yield "Prescribe", fields
            elif "exclude" in action:
                yield "Exclude", {
                    "exercise": _resolve(action["exclude"], bindings), "kind": action["kind"],
                    "reason": action["reason"].format_map(bindings),
                }
            elif "advice" in action:
                yield "Advice", {"id": action["advice"]}
            elif "session" in action:
                yield "Session", {"mode": action["session"]}
            elif "lead" in action:
                yield "Lead", {"block": action["lead"]}
            elif "emphasis" in action:
                yield "Emphasis", {"block": action["emphasis"], "side": _resolve(action["side"], bindings)}


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _worse_side(left: str, right: str) -> Derive:
    def derive(bindings: dict[str, Any]) -> None:
        # For every angle in the battery a smaller value is the more limited side.
        bindings["side"] = "left" if bindings[left] < bindings[right] else "right"

    return derive


class _Strategy(DepthStrategy):  # type: ignore[misc]
    """experta's depth strategy with a stable tie-break and without its unbounded cache."""

    def get_key(self, activation: Any) -> tuple[int, list[int], str]:
        facts = sorted((f["__factid__"] for f in activation.facts), reverse=True)
        return (activation.rule.salience, facts, activation.rule.__name__)


KnowledgeEngine: Any = ex.KnowledgeEngine


class _Recorder(KnowledgeEngine):  # type: ignore[misc]
    """KnowledgeEngine that records firings and the provenance of every fact."""

    __strategy__ = _Strategy

    def start(self, facts: list[tuple[str, dict[str, Any]]]) -> None:
        self.reset()
        self.records: dict[tuple[str, tuple[tuple[str, Any], ...]], FactRecord] = {}
        self.by_id: dict[int, FactRecord] = {}
        self.firings: list[Firing] = []
        self.halted = False
        declared = [FACT_TYPES[kind](**fields) for kind, fields in facts]
        self.declare(*declared)
        for fact, (kind, fields) in zip(declared, facts, strict=True):
            self._remember(fact, kind, fields, "intake" if kind in ("Answer", "Measure") else "catalogue")

    def _remember(self, fact: Any, kind: str, fields: dict[str, Any], by: str) -> FactRecord:
        key = _key(kind, fields)
        known = self.records.get(key)
        if known is not None:
            if by not in known.by:
                known = FactRecord(known.index, kind, fields, (*known.by, by))
                self.records[key] = self.by_id[known.index] = known
            return known
        record = FactRecord(fact["__factid__"], kind, fields, (by,))
        self.records[key] = self.by_id[record.index] = record
        return record

    def conclude(self, rule_id: str, kind: str, fields: dict[str, Any]) -> int:
        fields = {**DEFAULTS.get(kind, {}), **fields}
        if _key(kind, fields) in self.records:
            return self._remember(None, kind, fields, rule_id).index
        fact = self.declare(FACT_TYPES[kind](**fields))
        return self._remember(fact, kind, fields, rule_id).index

    def halt(self) -> None:
        self.halted = True
        super().halt()

    def run(self, steps: float = float("inf")) -> None:
        # Mirrors KnowledgeEngine.run, recording each activation before it fires.
        self.running = True
        while steps > 0 and self.running:
            added, removed = self.get_activations()
            self.strategy.update_agenda(self.agenda, added, removed)
            activation = self.agenda.get_next()
            if activation is None:
                break
            steps -= 1
            bindings = {k: v for k, v in activation.context.items() if not k.startswith("__")}
            matched = tuple(sorted(f["__factid__"] for f in activation.facts
                                   if type(f).__name__ in FACT_TYPES))
            self._current: list[int] = []
            activation.rule(self, **bindings)
            meta = self.meta[activation.rule.__name__]
            self.firings.append(Firing(len(self.firings) + 1, meta.id, meta.phase, matched,
                                       bindings, tuple(self._current)))
        self.running = False


def _action(compiler: _Compiler, rule: RuleDef, derive: list[Derive]) -> Callable[..., None]:
    halts = any("halt" in a for a in rule.then)

    def action(engine: _Recorder, **bindings: Any) -> None:
        for step in derive:
            step(bindings)
        if halts:
            engine.halt()
        for kind, fields in compiler.declarations(rule, bindings):
            engine._current.append(engine.conclude(rule.id, kind, fields))

    # experta knows a rule by its function's name; the YAML id is its identity.
    action.__name__ = rule.id.replace("-", "_")
    return action


@dataclass
class Engine:
    """The compiled knowledge base, built once per process and reset per assessment."""

    kb: KnowledgeBase
    _engine: Any = field(repr=False)

    def run(self, facts: list[tuple[str, dict[str, Any]]]) -> RunResult:
        self._engine.start(facts)
        self._engine.run()
        records = sorted(self._engine.by_id.values(), key=lambda r: r.index)
        return RunResult(records, list(self._engine.firings), self._engine.halted)


def build_engine(kb: KnowledgeBase, *, copies: int = 1) -> Engine:
    """Compile the knowledge base; `copies` > 1 loads the rule set n times (benchmarks only)."""
    compiler = _Compiler(kb)
    meta: dict[str, RuleDef] = {}
    mixins: list[type] = []
    for copy in range(copies):
        for module in kb.modules:
            namespace: dict[str, Any] = {"__doc__": module.title}
            for rule in module.rules:
                ces, derive = compiler.patterns(rule)
                act = _action(compiler, rule, derive)
                if copy:
                    act.__name__ += f"_copy{copy}"
                namespace[act.__name__] = ex.Rule(*ces, salience=SALIENCE[rule.phase])(act)
                meta[act.__name__] = rule
            mixins.append(type(f"{module.module.title()}{copy or ''}", (), namespace))
    # One mixin class per module, composed into one engine as experta's own examples do.
    engine_cls = type("HipEngine", (*mixins, _Recorder), {"meta": meta})
    return Engine(kb, engine_cls())


@cache
def default_engine() -> Engine:
    """The engine over the bundled knowledge base, built once per process."""
    return build_engine(load_knowledge())
