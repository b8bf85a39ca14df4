"""Counted criteria (rules/criteria.yaml): published sets of items of which a number must be
present (ASAS, NICE NG65). The rules cannot count, so each set is counted here into a derived
value, from the same `answer` and `derived` conditions the rules write; the count and the
items met are shown to the clinician and named in letters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from assess.definitions.knowledge_models import Norm
from assess.definitions.rule_language import AnswerCond, Condition, DerivedCond, parse_condition
from assess.domain.plan import CriteriaCount


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _condition(raw: Any) -> Condition:
    cond = raw if isinstance(raw, Condition) else parse_condition(raw, "criterion")
    if not isinstance(cond, AnswerCond | DerivedCond):
        raise ValueError("a criterion is an `answer` or a `derived` condition")
    return cond


class Criterion(_Data):
    id: str
    text: str
    when: AnswerCond | DerivedCond

    _parse = field_validator("when", mode="before")(_condition)


def verdict(count: int, of: int, needed: int, unanswered: tuple[str, ...]) -> str:
    """A count as a clinician reads it aloud: "3 of 5 - not enough (4 needed)"."""
    if count >= needed:
        words = f"{count} of {of} - met ({needed} needed)"
    elif count == needed - 1:
        words = f"{count} of {of} - not enough ({needed} needed)"
    else:
        words = f"{count} of {of} - not met ({needed} needed)"
    return words + (f"; not asked: {', '.join(unanswered)}" if unanswered else "")


class CriteriaSet(_Data):
    title: str
    short: str
    threshold: str
    source: str
    applies: tuple[AnswerCond | DerivedCond, ...]
    items: tuple[Criterion, ...]

    @field_validator("applies", mode="before")
    @classmethod
    def _parse_applies(cls, raw: Any) -> Any:
        return tuple(_condition(c) for c in raw) if isinstance(raw, list | tuple) else raw

    def count(self, set_id: str, answers: Mapping[str, Any], derived: Mapping[str, Any],
              norms: Mapping[str, Norm]) -> CriteriaCount | None:
        """The count for these answers, or None when the set does not apply to them."""
        if not all(holds(c, answers, derived, norms) for c in self.applies):
            return None
        met = tuple(c.text for c in self.items if holds(c.when, answers, derived, norms))
        unanswered = tuple(c.text for c in self.items if _value(c.when, answers, derived) is None)
        needed, of = int(norms[self.threshold].limit), len(self.items)
        return CriteriaCount(id=set_id, title=self.title, short=self.short, count=len(met), of=of,
                             needed=needed, met=met, unanswered=unanswered,
                             verdict=verdict(len(met), of, needed, unanswered))


class Criteria(_Data):
    name: str
    criteria: dict[str, CriteriaSet]


def _value(cond: AnswerCond | DerivedCond, answers: Mapping[str, Any], derived: Mapping[str, Any]) -> Any:
    return answers.get(cond.answer) if isinstance(cond, AnswerCond) else derived.get(cond.derived)


def holds(cond: AnswerCond | DerivedCond, answers: Mapping[str, Any], derived: Mapping[str, Any],
          norms: Mapping[str, Norm]) -> bool:
    """Whether one condition holds of the answers, as the engine would match it: `is` equal,
    `includes` one of a multiple choice, `any_of` one of the listed, `norm` a number meeting it."""
    value = _value(cond, answers, derived)
    if value is None:
        return False
    values = value if isinstance(value, list) else [value]
    if cond.is_ is not None:
        return any(v == cond.is_ and type(v) is type(cond.is_) for v in values)
    if isinstance(cond, AnswerCond) and cond.includes is not None:
        return cond.includes in values
    if cond.any_of is not None:
        return any(v in cond.any_of for v in values)
    if cond.norm is not None:
        return any(isinstance(v, int | float) and not isinstance(v, bool) and norms[cond.norm].met(v)
                   for v in values)
    return True
