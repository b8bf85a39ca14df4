"""The questionnaire and range-of-motion battery definitions, loaded from questionnaires/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assess.definitions.paths import data_dir
from assess.files.cache import named_text, parsed

ItemType = Literal["boolean", "decimal", "integer", "choice", "string", "date", "group", "display"]
# The answer a yes/no question marked `unsure` also takes: a client who does not know (is it
# saddle numbness or not?) must be able to say so, and the rules read it as neither yes nor no.
NOT_SURE = "not_sure"


class _Definition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnableWhen(_Definition):
    """FHIR enableWhen: the item is asked only when another answer meets this condition."""

    question: str
    operator: Literal["=", "!=", "exists"]
    answer: bool | int | float | str

    @model_validator(mode="after")
    def _exists_takes_a_boolean(self) -> EnableWhen:
        if self.operator == "exists" and not isinstance(self.answer, bool):
            raise ValueError(f"enableWhen on {self.question}: exists takes true or false")
        return self

    def holds(self, value: object) -> bool:
        """Whether an answer `value` to `question` enables the item (repeats: any answer).

        As in FHIR, a question with no answer meets only `exists: false`."""
        answered = value is not None and value != []
        if self.operator == "exists":
            return answered is self.answer
        if not answered:
            return False
        values = value if isinstance(value, list) else [value]
        if self.operator == "=":
            return any(v == self.answer for v in values)
        return any(v != self.answer for v in values)


class Item(_Definition):
    """One question (or a group of questions) of the intake."""

    linkId: str
    type: ItemType
    text: str
    required: bool = False
    help: str | None = None
    answerOption: tuple[str, ...] | None = None
    exclusiveOption: str | None = None
    repeats: bool = False
    maxRepeats: int | None = None
    minValue: float | None = None
    maxValue: float | None = None
    maxLength: int | None = None
    # Free text that may run over several lines (other control characters are never allowed).
    multiline: bool = False
    enableWhen: tuple[EnableWhen, ...] = ()
    enableBehavior: Literal["all", "any"] = "all"
    # The questionnaire version that added this item: a file written for an earlier version
    # is still valid without it (the rules then report the item as not screened).
    since: str | None = None
    # The version that stopped asking it (and the item that asks instead): files written for
    # an earlier version may still answer it and are read as they were; no form asks it.
    retired: str | None = None
    replaced_by: str | None = None
    # A yes/no question that also takes "not sure" (NOT_SURE).
    unsure: bool = False
    item: tuple[Item, ...] = ()

    @staticmethod
    def option_words(code: str) -> str:
        """An answer option as the client reads it: "front_of_hip" is "front of hip"."""
        return code.replace("_", " ")

    @property
    def options(self) -> list[tuple[str, str]]:
        """The answer options with their words."""
        return [(o, self.option_words(o)) for o in self.answerOption or ()]

    def asked_in(self, version: str) -> bool:
        """Whether questionnaire `version` asks this item (a retired one is only read)."""
        return self.retired is None or _version(version) < _version(self.retired)

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.type == "choice" and not self.answerOption:
            raise ValueError(f"{self.linkId}: a choice item needs answerOption")
        if self.exclusiveOption and self.exclusiveOption not in (self.answerOption or ()):
            raise ValueError(f"{self.linkId}: exclusiveOption is not an answerOption")
        if self.type == "group" and not self.item:
            raise ValueError(f"{self.linkId}: a group needs items")
        if self.unsure and self.type != "boolean":
            raise ValueError(f"{self.linkId}: only a boolean item takes 'not sure'")
        if (self.retired is None) != (self.replaced_by is None):
            raise ValueError(f"{self.linkId}: a retired item names the item that replaces it")
        return self

    def enabled(self, answers: dict[str, object]) -> bool:
        """FHIR enableBehavior: every condition must hold (all), or one of them (any)."""
        if not self.enableWhen:
            return True
        results = (cond.holds(answers.get(cond.question)) for cond in self.enableWhen)
        return all(results) if self.enableBehavior == "all" else any(results)

    def enable_text(self) -> str:
        """When the item is asked, in words (for "not asked unless ...")."""
        def one(c: EnableWhen) -> str:
            if c.operator == "exists":
                return f"{c.question} is {'answered' if c.answer else 'not answered'}"
            return f"{c.question} {c.operator} {c.answer}"

        joiner = " and " if self.enableBehavior == "all" else " or "
        return joiner.join(one(c) for c in self.enableWhen)

    def required_in(self, version: str) -> bool:
        """Whether a file written for questionnaire `version` must answer this item."""
        return self.required and self.asked_in(version) and \
            (self.since is None or _version(version) >= _version(self.since))


class DateRange(_Definition):
    earliest: dt.date
    daysAhead: int


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


class Questionnaire(_Definition):
    """The intake questionnaire: id, version and its items."""

    id: str
    version: str
    # Earlier versions whose files are still accepted: every item they had is unchanged.
    accepts: tuple[str, ...] = ()
    title: str
    dateRange: DateRange
    identifies: tuple[str, ...] = ()
    item: tuple[Item, ...]

    @property
    def oldest(self) -> str:
        """The version a file that names none is read as (the earliest still accepted)."""
        return min((self.version, *self.accepts), key=_version)

    @model_validator(mode="after")
    def _unique_and_resolvable(self) -> Questionnaire:
        ids = [i.linkId for i in self.answerable()]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate linkIds: {duplicates}")
        for it in self.answerable():
            for cond in it.enableWhen:
                if cond.question not in ids:
                    raise ValueError(f"{it.linkId}: enableWhen names unknown {cond.question!r}")
            if it.replaced_by is not None and it.replaced_by not in ids:
                raise ValueError(f"{it.linkId}: replaced_by names unknown {it.replaced_by!r}")
        unknown = [i for i in self.identifies if i not in ids]
        if unknown:
            raise ValueError(f"identifies names unknown items: {unknown}")
        return self

    def answerable(self) -> Iterator[Item]:
        """Items that take an answer, in the order asked: leaves and repeating groups."""

        def walk(items: tuple[Item, ...]) -> Iterator[Item]:
            for it in items:
                if it.type == "group" and not it.repeats:
                    yield from walk(it.item)
                elif it.type != "display":
                    yield it

        return walk(self.item)

    def sections(self) -> Iterator[tuple[Item, list[Item]]]:
        """Top-level groups with the items this version asks, for asking in order (a retired
        item is read from older files, never asked)."""
        for group in self.item:
            if group.type == "group" and not group.repeats:
                yield group, [i for i in self.answerable() if _within(group, i) and i.asked_in(self.version)]

    def by_id(self) -> dict[str, Item]:
        return {i.linkId: i for i in self.answerable()}


def _within(group: Item, item: Item) -> bool:
    return any(child is item or (child.type == "group" and _within(child, item))
               for child in group.item)


# How a neurological examination item is graded (a `grade` test), per side.
GRADES = ("normal", "reduced", "absent")


class RomTest(_Definition):
    """One range-of-motion test of the battery (or one item of the neurological examination)."""

    id: str
    name: str
    measures: str
    position: str
    # Ways the test can be done whose norms differ (method -> how), when there is more than one.
    methods: dict[str, str] = Field(default_factory=dict)
    # The short name of each method, as said in a finding ("measured prone").
    method_labels: dict[str, str] = Field(default_factory=dict)
    instrument: tuple[str, ...]
    type: Literal["decimal", "boolean", "grade"]
    # Tests examined together (the neurological examination): the rules ask whether any was.
    group: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    sides: Literal["bilateral", "single"]
    instructions: str
    norms: tuple[str, ...] = Field(default=())
    # A shorter name where space is tight (the chart); else the name without its bracket.
    short_name: str | None = None
    # Which way an angle is the more limited: `lower` for a range of motion, `higher` where a
    # larger angle means less motion (the Thomas thigh angle above horizontal).
    limited: Literal["lower", "higher"] = "lower"

    @property
    def plain_name(self) -> str:
        """The name without its bracketed detail: "Hip extension", not "... (passive)"."""
        return self.name.split(" (")[0]

    @property
    def chart_name(self) -> str:
        return self.short_name or self.plain_name

    @property
    def bilateral(self) -> bool:
        return self.sides == "bilateral"

    @property
    def stoppable(self) -> bool:
        """A range one side of which may be taken only to a precaution's limit (recorded as
        `stopped_at_limit`, never read as a restriction)."""
        return self.type == "decimal" and self.bilateral and self.limited == "lower"

    @model_validator(mode="after")
    def _labels(self) -> RomTest:
        if set(self.method_labels) != set(self.methods):
            raise ValueError(f"{self.id}: method_labels must name exactly the methods {sorted(self.methods)}")
        return self

    def method_of(self, given: str | None) -> str:
        """The method a measurement was taken by: as recorded; `standard` for a test done one
        way only; `unrecorded` when the test has several and none was named (then not read)."""
        if not self.methods:
            return "standard"
        return given if given in self.methods else "unrecorded"


class Battery(_Definition):
    """The clinician's range-of-motion battery."""

    id: str
    version: str
    accepts: tuple[str, ...] = ()
    title: str
    tests: tuple[RomTest, ...]

    def by_id(self) -> dict[str, RomTest]:
        return {t.id: t for t in self.tests}


def _read(name: str) -> object:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where present
    # Our own files, parsed on every run: from the cache, keyed by their bytes, once parsed.
    path = data_dir("questionnaires") / name
    return parsed(path, lambda raw: yaml.load(named_text(raw, path), Loader=loader),
                  f"questionnaire {loader.__name__} pyyaml-{yaml.__version__}")


@cache
def questionnaire() -> Questionnaire:
    """The intake questionnaire definition (questionnaires/intake.yaml)."""
    return Questionnaire.model_validate(_read("intake.yaml"))


@cache
def battery() -> Battery:
    """The range-of-motion battery definition (questionnaires/rom_battery.yaml)."""
    return Battery.model_validate(_read("rom_battery.yaml"))
