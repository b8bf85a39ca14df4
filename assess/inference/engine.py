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
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from assess.definitions.knowledge import KnowledgeBase, RuleDef, load_knowledge
from assess.definitions.questionnaire import battery
from assess.definitions.rule_conclusions import HaltAct, PrescribeAct, ReferralAct
from assess.definitions.rule_language import (
    AnswerCond,
    Condition,
    DerivedCond,
    ExistsCond,
    MeasureCond,
    MeasurePairCond,
    NotCond,
    is_var,
)
from assess.domain.phases import SALIENCE
from assess.domain.results import FactKind, FactRecord, Firing, RunResult


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

from assess.inference.facts import FactSpec, catalogue_facts  # noqa: E402
from assess.inference.rete_index import fast_token_copy, index_alpha, index_conflict_sets  # noqa: E402 - imports experta
from assess.inference.rete_state import Kept, keep, put_back  # noqa: E402 - imports experta

KINDS = tuple(k.value for k in FactKind)  # one experta Fact class per kind
FACT_TYPES: dict[str, type] = {k: type(k, (ex.Fact,), {}) for k in KINDS}
# Fields every declared fact of a kind carries, with defaults, so that the same
# conclusion reached twice is one fact (experta drops exact duplicates).
DEFAULTS: dict[str, dict[str, Any]] = {
    "Finding": {"side": "none", "about": "", "how": ""},
    "Pattern": {"side": "none", "basis": "derived"},
    "Precaution": {"side": "none"},
    "Prescribe": {"side": "none", "step": "now"},
    "Exclude": {"precaution": "", "tag": "", "needs": ""},
    "Caution": {"tag": ""},
    "Query": {"about": ""},
    "Emphasis": {"side": "none"},
}

# A step that adds derived bindings before a rule's conclusions are built.
Derive = Callable[[dict[str, Any]], None]


def _key(kind: str, fields: dict[str, Any]) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """A fact's identity: experta treats facts with equal kind and fields as one."""
    return kind, tuple(sorted(fields.items()))


def _value(spec: Any) -> Any:
    """A literal, or a MATCH binding for a `$name`."""
    if is_var(spec):
        return getattr(ex.MATCH, spec[1:])
    return spec


def _resolve(spec: Any, bindings: dict[str, Any]) -> Any:
    if is_var(spec):
        return bindings[spec[1:]]
    return spec


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class _Compiler:
    """Turns the rules' typed `when`/`then` into experta patterns and fact declarations."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.bilateral = {t.id for t in battery().tests if t.bilateral}

    def patterns(self, rule: RuleDef) -> tuple[list[Any], list[Derive]]:
        ces: list[Any] = []
        derive: list[Derive] = []
        bound_value = False
        for i, cond in enumerate(rule.when):
            if isinstance(cond, MeasurePairCond):
                ces.extend(self._pair(cond, i))
                test = battery().by_id()[cond.measure_pair]
                derive.append(_worse_side(f"l{i}", f"r{i}", lower_is_limited=test.limited == "lower"))
                continue
            ce, binds_value = self._one(cond, negated=False, bind_value=not bound_value)
            bound_value |= binds_value
            ces.append(ce)
        return ces, derive

    def _one(self, cond: Condition, *, negated: bool, bind_value: bool) -> tuple[Any, bool]:
        if isinstance(cond, NotCond):
            inner, _ = self._one(cond.not_, negated=True, bind_value=False)
            return ex.NOT(inner), False
        if isinstance(cond, ExistsCond):
            # Variables inside are only tested, never bound, as inside NOT.
            inner, _ = self._one(cond.exists, negated=True, bind_value=False)
            return ex.EXISTS(inner), False
        fields = {name: _value(spec) for name, spec in cond.field_specs().items()}
        binds_value = False
        if isinstance(cond, MeasureCond) and not negated and cond.side is None \
                and cond.measure in self.bilateral:
            fields["side"] = ex.MATCH.side
        if isinstance(cond, AnswerCond | MeasureCond | DerivedCond):
            test = None
            if cond.is_ is not None:
                fields["value"] = _value(cond.is_)
            elif isinstance(cond, AnswerCond) and cond.includes is not None:
                fields["value"] = _value(cond.includes)
            elif cond.any_of is not None:
                test = ex.P(lambda v, options=frozenset(cond.any_of): v in options)
            elif cond.mentions is not None:
                words = re.compile(r"\b(?:" + "|".join(map(re.escape, cond.mentions)) + r")", re.IGNORECASE)
                test = ex.P(lambda v, w=words: isinstance(v, str) and w.search(v) is not None)
            elif cond.norm is not None:
                norm = self.kb.norms[cond.norm]
                test = ex.P(lambda v, n=norm: _number(v) and n.met(v))
            if test is not None:
                if bind_value and not negated:
                    fields["value"] = ex.MATCH.value & test
                    binds_value = True
                else:
                    fields["value"] = test
        return FACT_TYPES[cond.fact](**fields), binds_value

    def _pair(self, cond: MeasurePairCond, i: int) -> list[Any]:
        norm = self.kb.norms[cond.norm]
        left, right = f"l{i}", f"r{i}"

        def differs(**kw: float) -> bool:
            return norm.met(abs(kw[left] - kw[right]))

        # experta passes a TEST only the bindings its signature names.
        differs.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in (left, right)]
        )
        measure = FACT_TYPES["Measure"]
        return [
            measure(test=cond.measure_pair, side="left", value=getattr(ex.MATCH, left)),
            measure(test=cond.measure_pair, side="right", value=getattr(ex.MATCH, right)),
            ex.TEST(differs),
        ]

    def declarations(self, rule: RuleDef, bindings: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
        """The facts a rule's `then` declares, given its bindings."""
        for action in rule.then:
            if isinstance(action, HaltAct):
                continue
            if isinstance(action, PrescribeAct):
                for n, exercise in enumerate(action.exercises, start=1):
                    fields = {
                        "exercise": _resolve(exercise, bindings),
                        "block": _resolve(action.prescribe, bindings),
                        "order": _resolve(action.order if action.order is not None else n, bindings),
                    }
                    for opt in ("side", "step"):
                        value = getattr(action, opt)
                        if value is not None:
                            fields[opt] = _resolve(value, bindings)
                    yield "Prescribe", fields
                continue
            if isinstance(action, ReferralAct):
                # An answer's option code is said in words ("waters_broken": "waters broken").
                words = {k: v.replace("_", " ") if isinstance(v, str) else v for k, v in bindings.items()}
                yield "Referral", {"reason": action.referral, "urgency": action.urgency,
                                   "reported": action.reported.format_map(words)}
                continue
            # Every other conclusion declares its fields as written (variables resolved);
            # the naming key fills the field named in FACT_FIELD.
            data = action.model_dump(exclude_none=True, by_alias=True)
            head = data.pop(action.key)
            fields = {FACT_FIELD.get(action.key, "id"): _resolve(head, bindings)}
            fields.update({k: _resolve(v, bindings) for k, v in data.items()})
            yield action.fact, fields


# The fact field that a conclusion's naming key fills, where it is not `id`.
FACT_FIELD = {"exclude": "exercise", "caution": "exercise", "advice": "id", "lead": "block",
              "emphasis": "block", "dose": "level", "priority": "block", "review": "reason", "letter": "id",
              "not_screened": "screen", "stage": "exercise"}


def _worse_side(left: str, right: str, *, lower_is_limited: bool) -> Derive:
    def derive(bindings: dict[str, Any]) -> None:
        # Which way is "more limited" is the battery's to say (`limited` on each test).
        lower = "left" if bindings[left] < bindings[right] else "right"
        bindings["side"] = lower if lower_is_limited else ("right" if lower == "left" else "left")

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
    # The indexes of rete_index and the kept catalogue state of rete_state; False only to
    # compare the results with experta's own network declared from scratch.
    indexed = True

    def __init__(self) -> None:
        super().__init__()
        self._kept: tuple[Sequence[FactSpec], Kept] | None = None
        if self.indexed:
            fast_token_copy()
            index_alpha(self.matcher.root_node)
            index_conflict_sets(self.matcher)

    def start(self, facts: Sequence[FactSpec], catalogue: Sequence[FactSpec] = ()) -> None:
        """Declare the catalogue's facts (or put back their kept state), then this run's."""
        if self._kept is not None and self._kept[0] is catalogue:
            put_back(self, self._kept[1])
        else:
            self.reset()
            self.records: dict[tuple[str, tuple[tuple[str, Any], ...]], FactRecord] = {}
            self.by_id: dict[int, FactRecord] = {}
            self._declare(catalogue)
            if self.indexed and catalogue:
                self._kept = (catalogue, keep(self))
        self.firings: list[Firing] = []
        self.halted = False
        self._declare(facts)

    def _declare(self, facts: Sequence[FactSpec]) -> None:
        if not facts:
            return
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
            # experta's context is built from sets: sort it, or the audit's order would change
            # from run to run.
            bindings = dict(sorted((k, v) for k, v in activation.context.items() if not k.startswith("__")))
            matched = tuple(sorted(f["__factid__"] for f in activation.facts
                                   if type(f).__name__ in FACT_TYPES))
            self._current: list[int] = []
            activation.rule(self, **bindings)
            meta = self.meta[activation.rule.__name__]
            self.firings.append(Firing(len(self.firings) + 1, meta.id, meta.phase, matched,
                                       bindings, tuple(self._current)))
        self.running = False


def _action(compiler: _Compiler, rule: RuleDef, derive: list[Derive]) -> Callable[..., None]:
    halts = any(isinstance(a, HaltAct) for a in rule.then)

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
    """The compiled knowledge base, built once per process. An experta engine holds the state
    of the run in progress, so each thread gets its own instance of the compiled class (made
    on first use, reset per assessment): a threaded server can assess clients concurrently."""

    kb: KnowledgeBase
    _cls: type = field(repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)
    catalogue: list[FactSpec] = field(init=False, repr=False)  # from kb, in __post_init__

    def __post_init__(self) -> None:
        self.catalogue = catalogue_facts(self.kb)

    def _instance(self) -> Any:
        instance = getattr(self._local, "engine", None)
        if instance is None:
            instance = self._local.engine = self._cls()
        return instance

    def run(self, facts: Sequence[FactSpec], *, catalogue: bool = True) -> RunResult:
        """Run the rules over `facts`, after the catalogue's facts unless told not to."""
        engine = self._instance()
        engine.start(facts, self.catalogue if catalogue else ())
        engine.run()
        records = sorted(engine.by_id.values(), key=lambda r: r.index)
        return RunResult(records, list(engine.firings), engine.halted)


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
    engine = Engine(kb, engine_cls)
    engine._instance()  # compile the network now, in the building thread
    return engine


@cache
def default_engine() -> Engine:
    """The engine over the bundled knowledge base, built once per process."""
    return build_engine(load_knowledge())
