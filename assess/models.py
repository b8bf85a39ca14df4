"""The intake model, built from the questionnaire and battery definitions, and its validation.

Validation runs in two passes whose problems are merged, so that a person sees every
problem at once: pydantic checks types, ranges, options and unknown keys; the
questionnaire pass checks what pydantic cannot see (required-when-enabled, answers to
items that are not enabled, exclusive options).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import ErrorDetails

from assess.errors import FieldProblem, InvalidInput
from assess.questionnaire import Item, RomTest, battery, questionnaire

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)
# Literal built from data at run time: typed as Any so the checker does not read it as a form.
_LITERAL: Any = Literal


def answer_type(item: Item) -> Any:
    """The pydantic type of one item's answer."""
    if item.type == "boolean":
        return bool
    if item.type in ("integer", "decimal"):
        base: type = int if item.type == "integer" else float
        return Annotated[base, Field(ge=item.minValue, le=item.maxValue, allow_inf_nan=False)]
    if item.type == "string":
        return Annotated[str, Field(max_length=item.maxLength, min_length=1)]
    if item.type == "choice":
        options: Any = _LITERAL[item.answerOption]
        if item.repeats:
            return Annotated[list[options], Field(min_length=1)]
        return options
    if item.type == "group":  # a repeating group, e.g. the PSFS activities
        fields = {c.linkId: (answer_type(c), ...) for c in item.item}
        row = create_model(f"{item.linkId.title()}Row", __config__=_STRICT, **fields)  # type: ignore[call-overload]
        return Annotated[list[row], Field(max_length=item.maxRepeats)]  # type: ignore[valid-type]
    raise ValueError(f"unsupported item type {item.type}")


def measure_type(test: RomTest) -> Any:
    if test.type == "boolean":
        return bool
    return Annotated[float, Field(ge=test.min, le=test.max, allow_inf_nan=False)]


def _measurement_model(test: RomTest) -> type[BaseModel]:
    value = measure_type(test) | None
    method = _LITERAL[test.instrument] | None
    # Both sides are explicit: a side that was not tested is written as null, never omitted,
    # so a forgotten side cannot pass for a normal one.
    sides: dict[str, Any] = (
        {"left": (value, ...), "right": (value, ...)} if test.bilateral else {"value": (value, ...)}
    )
    return create_model(
        f"Measurement_{test.id}",
        __config__=_STRICT,
        method=(method, None),
        note=(Annotated[str, Field(max_length=500)] | None, None),
        **sides,
    )


@cache
def intake_model() -> type[BaseModel]:
    """The pydantic model of a whole intake file, built once from the definitions."""
    q = questionnaire()
    intake_id: Any = _LITERAL[tuple(f"{q.id}/{v}" for v in (q.version, *q.accepts))]
    b = battery()
    battery_id: Any = _LITERAL[tuple(f"{b.id}/{v}" for v in (b.version, *b.accepts))]
    answers = create_model(  # type: ignore[call-overload]
        "Answers",
        __config__=_STRICT,
        **{it.linkId: (answer_type(it) | None, None) for it in q.answerable()},
    )
    measurements = create_model(  # type: ignore[call-overload]
        "Measurements",
        __config__=_STRICT,
        **{t.id: (_measurement_model(t) | None, None) for t in battery().tests},
    )
    return create_model(
        "Intake",
        __config__=ConfigDict(extra="forbid", frozen=True, strict=True),
        questionnaire=(intake_id | None, None),
        battery=(battery_id | None, None),
        date=(Annotated[dt.date, Field(strict=False)] | None, None),
        clinician=(Annotated[str, Field(max_length=120)] | None, None),
        answers=(answers, ...),
        measurements=(measurements | None, None),
    )


def _unit(loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "measurements":
        test = battery().by_id().get(str(loc[1]))
        if test and test.unit:
            return f" {test.unit}"
    return ""


_TYPE_WORDS = {
    "bool_type": "expected yes or no (true or false)",
    "bool_parsing": "expected yes or no (true or false)",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "string_type": "expected text",
    "list_type": "expected a list",
    "model_type": "expected a mapping of fields",
    "dict_type": "expected a mapping of fields",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "finite_number": "must be a finite number",
}


def describe_error(err: ErrorDetails) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    unit = _unit(err["loc"])
    if kind == "less_than_equal":
        return f"{value!r} is above the maximum of {ctx['le']:g}{unit}"
    if kind == "greater_than_equal":
        return f"{value!r} is below the minimum of {ctx['ge']:g}{unit}"
    if kind == "literal_error":
        return f"{value!r} is not one of: {ctx['expected']}"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    if kind in ("too_long", "string_too_long"):
        return f"too long (at most {ctx.get('max_length')})"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind in _TYPE_WORDS:
        return f"{_TYPE_WORDS[kind]}, got {_short(value)}"
    return str(err["msg"])


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union branch (e.g. 'Measurement_hip_extension') into the location
    # of a field typed `Model | None`; it is noise to a reader.
    parts = [str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper())]
    return ".".join(parts)


def declared_version(data: dict[str, Any]) -> str:
    """The questionnaire version a file was written for; a file that names none is read as
    the oldest version still accepted, so that files from before a version stay valid."""
    q = questionnaire()
    declared = data.get("questionnaire")
    if isinstance(declared, str) and declared.startswith(f"{q.id}/"):
        version = declared.removeprefix(f"{q.id}/")
        if version in (q.version, *q.accepts):
            return version
    return q.oldest


def _questionnaire_problems(answers: object, version: str) -> list[FieldProblem]:
    """What pydantic cannot see: requiredness under enableWhen, and exclusive options."""
    if not isinstance(answers, dict):
        return []
    problems: list[FieldProblem] = []
    for item in questionnaire().answerable():
        path = f"answers.{item.linkId}"
        given = answers.get(item.linkId)
        enabled = item.enabled(answers)
        if not enabled and given is not None:
            problems.append(FieldProblem(path, f"not asked unless {item.enable_text()}; remove it"))
        elif enabled and item.required_in(version) and given is None:
            problems.append(FieldProblem(path, "required"))
        if item.exclusiveOption and isinstance(given, list) and len(given) > 1 \
                and item.exclusiveOption in given:
            problems.append(
                FieldProblem(path, f"{item.exclusiveOption!r} cannot be combined with others")
            )
        if item.repeats and isinstance(given, list) and len(set(map(repr, given))) < len(given) \
                and item.type == "choice":
            problems.append(FieldProblem(path, "an option is listed twice"))
    return problems


def validate_intake(data: object, *, source: str = "intake") -> BaseModel:
    """Validate a loaded intake document; raise InvalidInput naming every problem."""
    if not isinstance(data, dict):
        got = "nothing" if data is None else type(data).__name__
        raise InvalidInput(source, [FieldProblem("", f"expected a mapping of fields, got {got}")])
    problems: list[FieldProblem] = []
    model: BaseModel | None = None
    try:
        model = intake_model().model_validate(data)
    except ValidationError as exc:
        problems.extend(FieldProblem(_path(e["loc"]), describe_error(e)) for e in exc.errors())
    seen = {p.path for p in problems}
    problems.extend(p for p in _questionnaire_problems(data.get("answers"), declared_version(data))
                    if p.path not in seen)
    if problems or model is None:
        raise InvalidInput(source, sorted(problems, key=lambda p: p.path))
    return model
