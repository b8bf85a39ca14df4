"""The data files of rules/ other than the rule modules: norms, exercises, precautions, plan.

Every model forbids unknown keys, so a misspelt setting fails when the knowledge base
loads, not on the one path that happens to read it.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# How sure a figure is: taken from a secondary summary, not confirmed against the primary
# text, or a value the software needs that no source sets (to be approved by a clinician).
Caveat = Literal["secondary", "unverified", "design_choice"]


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
        if self.passage and not self.seed:
            raise ValueError("a passage quotes a seed: name the seed")
        return self

    def __str__(self) -> str:
        parts = []
        if self.seed:
            parts.append(f"{self.seed}: \"{self.passage}\"" if self.passage else self.seed)
        if self.ref:
            parts.append(self.ref)
        return "; ".join(parts)


class Norm(_Data):
    """A threshold with its source; exactly one comparison."""

    below: float | None = None
    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    unit: str
    # The finding it usually marks (for the reader; the rules decide).
    finding: str | None = None
    source: str
    caveats: tuple[Caveat, ...] = ()

    @model_validator(mode="after")
    def _one_comparison(self) -> Norm:
        if sum(x is not None for x in (self.below, self.at_least, self.above, self.at_most)) != 1:
            raise ValueError("a norm needs exactly one of below, at_least, above, at_most")
        return self

    @property
    def limit(self) -> float:
        value = next(v for v in (self.below, self.at_least, self.above, self.at_most) if v is not None)
        return value

    @property
    def low_is_flagged(self) -> bool:
        """Whether values under the limit meet the norm (a 'limited' norm)."""
        return self.below is not None or self.at_most is not None

    def met(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        if self.at_least is not None:
            return value >= self.at_least
        if self.above is not None:
            return value > self.above
        assert self.at_most is not None
        return value <= self.at_most

    @property
    def describe(self) -> str:
        words = {"below": "below", "at_least": "or more", "above": "above", "at_most": "or less"}
        for key, word in words.items():
            value = getattr(self, key)
            if value is not None:
                number = f"{value:g} {self.unit}"
                return f"{word} {number}" if key in ("below", "above") else f"{number} {word}"
        raise AssertionError("unreachable: validated to hold one comparison")


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


class Regression(_Data):
    """What to do when an exercise is too hard: another catalogue exercise (which the safety
    rules check like any other), or a smaller version of the same one (no new movement)."""

    exercise: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Regression:
        if (self.exercise is None) == (self.text is None):
            raise ValueError("a regression is either an exercise or a text")
        return self


class Exercise(_Data):
    """One exercise of the catalogue."""

    id: str
    name: str
    # Where it comes from: a seed and one sentence of it, or (for a pathway exercise that no
    # seed holds) the published guidelines it is taken from, as keys of rules/sources.yaml.
    seed: str | None = None
    passage: str | None = None
    guidelines: tuple[str, ...] = ()
    target: str
    # The movement goal it serves (catalogue `goals`): a session holds one exercise per goal
    # before it holds two of any.
    goal: str
    position: str
    stage: int
    # Minutes it takes at its dose (per side when side-specific): how long a session runs.
    minutes: int
    side_specific: bool
    equipment: tuple[str, ...]
    tags: tuple[str, ...]
    # Why a borderline tag was given or withheld, for the clinician who reviews the tags.
    tag_notes: str | None = None
    dose: Dose
    start: str
    cues: tuple[str, ...]
    feel: str
    aids: tuple[Aid, ...] = ()
    progression: str | None
    # What the client must manage before moving to the next stage, checked at review.
    retest: str | None = None
    regression: Regression
    substitute: str | None = None
    # Shown to the client when one of these precautions leaves this exercise out (precaution id
    # -> text); any other precaution's reason is given in its own words.
    when_excluded: dict[str, str] = Field(default_factory=dict)
    # The exercise's own "with care" instruction under a precaution (precaution id -> text).
    care: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> Exercise:
        if bool(self.seed) == bool(self.guidelines):
            raise ValueError("an exercise cites either a seed (with its passage) or its guidelines")
        if bool(self.seed) != bool(self.passage):
            raise ValueError("a seed is cited with a passage of it")
        return self

    @property
    def figure(self) -> str:
        """Each exercise has its own figure, drawn under its id (report_templates/figures.yaml)."""
        return self.id


class Position(_Data):
    """A start position: its plain words and the tags every exercise starting there carries."""

    text: str
    implies: tuple[str, ...] = ()


class Catalogue(_Data):
    name: str
    tags: dict[str, str]
    goals: dict[str, str]
    positions: dict[str, Position]
    exercises: tuple[Exercise, ...]


class Seed(_Data):
    title: str


class Sources(_Data):
    """The seeds by file name with the title a reader can look up, and the short reference keys."""

    seeds: dict[str, Seed]
    references: dict[str, str] = Field(default_factory=dict)

    def title(self, seed: str) -> str:
        return self.seeds[seed].title if seed in self.seeds else seed

    def cite(self, seed: str | None = None, passage: str | None = None, ref: str | None = None) -> str:
        """A source as a reader can look it up: the seed's title and passage, then the
        reference with its short keys written out."""
        parts = []
        if seed:
            parts.append(f'{self.title(seed)}: "{passage}"' if passage else self.title(seed))
        if ref:
            parts.append(self.expand(self.name_seeds(ref)))
        return "; ".join(parts)

    def name_seeds(self, text: str) -> str:
        """A text that says "seed 000" with the seed's title instead, so a reader can find it."""
        by_number = {name[:3]: seed.title for name, seed in self.seeds.items()}
        return re.sub(r"\b[Ss]eed (\d{3})(?:'s)?",
                      lambda m: f'"{by_number[m.group(1)]}"' if m.group(1) in by_number else m.group(0),
                      text)

    def expand(self, text: str) -> str:
        """A text with each short reference key (GARBER-2011) replaced by the full reference."""
        for key, ref in self.references.items():
            text = text.replace(key, ref)
        return text


class Precaution(_Data):
    """What a precaution means: what it rules out (by tag), what it changes, who must see it."""

    title: str
    client: str
    excludes: tuple[str, ...] = ()
    modifies: dict[str, str] = Field(default_factory=dict)
    sign_off: bool = False
    # No plan is made by the rules: the clinician writes it (and signs it) after seeing them.
    withhold: bool = False
    # What the client must do today, shown as soon as the answer is given (the terminal, the
    # web form) and first on the plan: a "not sure" about a cauda-equina symptom.
    today: str | None = None
    letter: str | None = None
    stop_if: tuple[str, ...] = ()
    source: Source
    caveats: tuple[Caveat, ...] = ()
    note: str | None = None


class Precautions(_Data):
    name: str
    precautions: dict[str, Precaution]


class RuleSetInfo(_Data):
    name: str
    version: str
    modules: tuple[str, ...]
