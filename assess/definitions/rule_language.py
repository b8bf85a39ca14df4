"""The rule language of rules/*.yaml, typed: every condition and conclusion a rule may write.

A rule's `when` is a list of conditions and its `then` a list of conclusions; each is a
mapping whose kind is named by one key (`finding: ...`, `prescribe: ...`). Every kind
here is a model that forbids unknown keys, so a typo (`sdie`, `patern`) fails when the
knowledge base loads, naming the file, the rule id and the key, never in a run.

A value written `$name` binds a variable across conditions; anything else is a literal.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Scalar = str | int | float | bool


def is_var(value: object) -> bool:
    """A `$name` variable rather than a literal."""
    return isinstance(value, str) and value.startswith("$")


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    # The key that names this kind in YAML, and the fact kind it matches or declares.
    key: ClassVar[str]
    fact: ClassVar[str]

    @property
    def head(self) -> Any:
        """The value of the naming key (`finding: limited_hip_extension` -> the id)."""
        return getattr(self, self.key)


# --- conditions ----------------------------------------------------------------------------

class Condition(Part):
    # Fields of the condition that are matched against fact fields of the same name.
    matches: ClassVar[tuple[str, ...]] = ()
    # The fact field that the naming key fills.
    main: ClassVar[str]

    def field_specs(self) -> dict[str, Any]:
        """Fact field -> literal or `$var`, for the fields this condition constrains."""
        out: dict[str, Any] = {}
        if self.head != "any":
            out[self.main] = self.head
        for name in self.matches:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


class _Compared(Condition):
    """A condition on a value: equal (`is`), one of (`any_of`), a named norm, or text that
    mentions one of some words (`mentions`: whole words, any case)."""

    is_: Scalar | None = Field(None, alias="is")
    any_of: tuple[str, ...] | None = None
    norm: str | None = None
    mentions: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> _Compared:
        tests = [t for t in ("is_", "any_of", "norm", "includes", "mentions")
                 if getattr(self, t, None) is not None]
        if len(tests) > 1:
            raise ValueError(f"use one of is, includes, any_of, norm, mentions (found {', '.join(tests)})")
        return self


class AnswerCond(_Compared):
    key, fact, main = "answer", "Answer", "item"
    answer: str
    includes: str | None = None


class DerivedCond(_Compared):
    """A value computed from the answers (facts.DERIVED says how), compared with a norm."""

    key, fact, main = "derived", "Derived", "name"
    derived: str


class MeasureCond(_Compared):
    key, fact, main = "measure", "Measure", "test"
    matches = ("side", "method")
    measure: str
    side: str | None = None
    method: str | None = None


class MeasurePairCond(Condition):
    """Left against right of one test: the difference is compared with a norm."""

    key, fact, main = "measure_pair", "Measure", "test"
    measure_pair: str
    norm: str


class FindingCond(Condition):
    key, fact, main = "finding", "Finding", "id"
    matches = ("side", "about", "basis")
    finding: str
    side: str | None = None
    about: str | None = None
    basis: str | None = None


class PatternCond(Condition):
    key, fact, main = "pattern", "Pattern", "id"
    matches = ("side", "basis")
    pattern: str
    side: str | None = None
    basis: str | None = None


class ReferralCond(Condition):
    key, fact, main = "referral", "Referral", "reason"
    referral: str


class YellowFlagCond(Condition):
    key, fact, main = "yellow_flag", "YellowFlag", "id"
    yellow_flag: str


class PrecautionCond(Condition):
    key, fact, main = "precaution", "Precaution", "id"
    matches = ("side",)
    precaution: str
    side: str | None = None


class PrescribedCond(Condition):
    key, fact, main = "prescribed", "Prescribe", "exercise"
    matches = ("block", "side", "order", "step")
    prescribed: str
    block: str | None = None
    side: str | None = None
    order: str | int | None = None
    step: str | None = None


class TagCond(Condition):
    key, fact, main = "tag", "Tag", "tag"
    matches = ("exercise",)
    tag: str
    exercise: str


class UnavailableCond(Condition):
    key, fact, main = "unavailable", "Unavailable", "exercise"
    matches = ("needs",)
    unavailable: str
    needs: str | None = None


class SubstituteCond(Condition):
    key, fact, main = "substitute", "Substitute", "exercise"
    matches = ("by",)
    substitute: str
    by: str


class RegressionCond(Condition):
    key, fact, main = "regression", "Regression", "exercise"
    matches = ("by",)
    regression: str
    by: str | None = None  # absent: any easier catalogue exercise


class ExcludedCond(Condition):
    key, fact, main = "excluded", "Exclude", "exercise"
    matches = ("kind",)
    excluded: str
    kind: Literal["safety", "equipment"] | None = None


class ProgressionCond(Condition):
    key, fact, main = "progression", "Progression", "exercise"
    matches = ("next",)
    progression: str
    next: str | None = None  # absent: any next stage


class PreviousCond(Condition):
    """At a review: an exercise the last visit's plan gave, in its block and on its side."""

    key, fact, main = "previous", "Previous", "exercise"
    matches = ("block", "side")
    previous: str
    block: str | None = None
    side: str | None = None


class RetestCond(Condition):
    """At a review: the clinician's record of an exercise's re-test (passed or not_passed)."""

    key, fact, main = "retest", "Retest", "exercise"
    matches = ("result",)
    retest: str
    result: Literal["passed", "not_passed"] | None = None


class RestrictsCond(Condition):
    """What a precaution rules out, by movement tag (rules/precautions.yaml)."""

    key, fact, main = "restricts", "Restricts", "precaution"
    matches = ("tag",)
    restricts: str
    tag: str


class ModifiesCond(Condition):
    """How a precaution changes an exercise with a tag (rules/precautions.yaml)."""

    key, fact, main = "modifies", "Modifies", "precaution"
    matches = ("tag",)
    modifies: str
    tag: str


class CareCond(Condition):
    """An exercise's own "with care" instruction under a precaution (rules/exercises.yaml)."""

    key, fact, main = "care", "Care", "exercise"
    matches = ("precaution",)
    care: str
    precaution: str


class NotCond(Condition):
    key, fact, main = "not", "", ""
    not_: Condition = Field(alias="not")

    @property
    def head(self) -> Any:
        return self.not_


class ExistsCond(Condition):
    """At least one fact matches: the rule fires once, however many do."""

    key, fact, main = "exists", "", ""
    exists: Condition

    @property
    def head(self) -> Any:
        return self.exists


CONDITIONS: dict[str, type[Condition]] = {c.key: c for c in (
    AnswerCond, DerivedCond, MeasureCond, MeasurePairCond, FindingCond, PatternCond,
    ReferralCond, YellowFlagCond, PrecautionCond, PrescribedCond, TagCond, UnavailableCond,
    SubstituteCond, RegressionCond, ExcludedCond, ProgressionCond, RestrictsCond, ModifiesCond,
    CareCond, PreviousCond, RetestCond, NotCond, ExistsCond)}


# --- parsing with messages a rule author can act on ------------------------------------------

class RuleSyntaxError(ValueError):
    """A condition or conclusion that is not in the rule language; `problems` name each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_part(raw: object, table: dict[str, type[Part]], what: str, where: str) -> Part:
    if not isinstance(raw, dict):
        raise RuleSyntaxError([f"{where}: expected a mapping, got {type(raw).__name__}"])
    # The first key names the kind (`finding: x, side: $side`); later keys are its fields,
    # which may share a name with another kind (`tag`, `precaution`).
    first = next(iter(raw), None)
    if first not in table:
        known = ", ".join(sorted(table))
        raise RuleSyntaxError([f"{where}: unknown {what} kind {first!r}; kinds are: {known}"])
    kinds = [first]
    cls = table[kinds[0]]
    data = dict(raw)
    if cls is NotCond:
        data["not"] = parse_condition(raw["not"], f"{where}.not")
    if cls is ExistsCond:
        data["exists"] = parse_condition(raw["exists"], f"{where}.exists")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                allowed = ", ".join(f.alias or n for n, f in cls.model_fields.items())
                problems.append(f"{where}: unknown key {loc!r} for a {kinds[0]} {what} "
                                f"(allowed: {allowed})")
            else:
                problems.append(f"{where}{'.' + loc if loc else ''}: {err['msg']}")
        raise RuleSyntaxError(problems) from None


def parse_condition(raw: object, where: str) -> Condition:
    part = parse_part(raw, CONDITIONS, "condition", where)  # type: ignore[arg-type]
    assert isinstance(part, Condition)
    return part


def flatten(conditions: tuple[Condition, ...]) -> list[Condition]:
    """Every condition, including those inside `not`."""
    out: list[Condition] = []
    for c in conditions:
        out.append(c)
        if isinstance(c, NotCond):
            out.extend(flatten((c.not_,)))
        if isinstance(c, ExistsCond):
            out.extend(flatten((c.exists,)))
    return out


def literal_values(part: BaseModel) -> list[object]:
    """The literal (non-variable) values a condition or conclusion writes, for number checks."""
    out: list[object] = []
    for name in type(part).model_fields:
        value = getattr(part, name)
        if isinstance(value, BaseModel):
            out.extend(literal_values(value))
        elif isinstance(value, tuple):
            out.extend(v for v in value if not is_var(v))
        elif value is not None and not is_var(value):
            out.append(value)
    return out
