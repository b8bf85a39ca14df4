"""The intake model, built from the questionnaire and battery definitions, and its validation.

Validation runs in two passes whose problems are merged, so that a person sees every
problem at once: pydantic checks types, ranges, options and unknown keys; the
questionnaire pass checks what pydantic cannot see (required-when-enabled, answers to
items that are not enabled, exclusive options).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import ErrorDetails

from assess.definitions.knowledge import load_knowledge
from assess.definitions.questionnaire import GRADES, NOT_SURE, Item, RomTest, battery, questionnaire
from assess.domain.errors import FieldProblem, InvalidInput
from assess.files.intake_io import line_numbers

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)
# What a clinician records of a staged exercise's re-test at a review.
RETEST_RESULTS = ("passed", "not_passed")
# Literal built from data at run time: typed as Any so the checker does not read it as a form.
_LITERAL: Any = Literal


def clean_text(multiline: bool) -> Callable[[str], str]:
    """Free text a person typed: something visible, and no control characters (a NUL, an
    escape sequence; newlines only where the item allows several lines)."""
    allowed = {"\n", "\t"} if multiline else set()

    def check(value: str) -> str:
        for ch in value:
            category = unicodedata.category(ch)
            if (category == "Cc" and ch not in allowed) or (category in ("Zl", "Zp") and not multiline):
                if ch in "\r\n" or category in ("Zl", "Zp"):
                    raise ValueError("holds a line break; write it on one line")
                raise ValueError(f"holds the control character {ch!r}; remove it")
        if not any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs") for ch in value):
            raise ValueError("must not be blank")
        return value

    return check


def _date_text(value: object) -> object:
    # A date is written YYYY-MM-DD; pydantic would otherwise read the number 0 as 1970-01-01.
    if isinstance(value, str | dt.date):
        return value
    raise ValueError(f"expected a date (YYYY-MM-DD), got {_short(value)}")


def _date_in_range(value: dt.date) -> dt.date:
    limits = questionnaire().dateRange
    latest = dt.date.today() + dt.timedelta(days=limits.daysAhead)
    if value < limits.earliest:
        raise ValueError(f"{value} is before {limits.earliest}")
    if value > latest:
        raise ValueError(f"{value} is more than {limits.daysAhead} days ahead")
    return value


def partial_date(value: object) -> str:
    """A date a client remembers: the month (YYYY-MM) or the day (YYYY-MM-DD), a real one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()  # YAML reads 2026-09-14 as a date
    if not isinstance(value, str):
        raise ValueError(f"expected a month (YYYY-MM) or a date (YYYY-MM-DD), got {_short(value)}")
    parts = value.split("-")
    if not (len(parts) in (2, 3) and len(parts[0]) == 4 and all(len(p) == 2 for p in parts[1:])
            and all(p.isascii() and p.isdigit() for p in parts)):
        raise ValueError(f"expected a month (YYYY-MM) or a date (YYYY-MM-DD), got {_short(value)}")
    try:
        dt.date(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) == 3 else 1)
    except ValueError:
        raise ValueError(f"{value} is not a real date") from None
    if int(parts[0]) < questionnaire().dateRange.earliest.year:
        raise ValueError(f"{value} is before {questionnaire().dateRange.earliest}")
    return value


def _yes_no_unsure(value: object) -> object:
    if isinstance(value, bool) or value == NOT_SURE:
        return value
    raise ValueError(f"expected true, false or {NOT_SURE}, got {_short(value)}")


def answer_type(item: Item) -> Any:
    """The pydantic type of one item's answer."""
    if item.type == "boolean":
        if item.unsure:
            # One message for a wrong value, not one per branch of the union.
            return Annotated[bool | _LITERAL[NOT_SURE], BeforeValidator(_yes_no_unsure)]
        return bool
    if item.type == "date":
        # Kept as written, so that "2026-09" stays a month and is read as the whole month.
        return Annotated[str, BeforeValidator(partial_date)]
    if item.type in ("integer", "decimal"):
        base: type = int if item.type == "integer" else float
        return Annotated[base, Field(ge=item.minValue, le=item.maxValue, allow_inf_nan=False)]
    if item.type == "string":
        return Annotated[str, Field(max_length=item.maxLength, min_length=1),
                         AfterValidator(clean_text(item.multiline))]
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
    if test.type == "grade":
        return _LITERAL[GRADES]
    return Annotated[float, Field(ge=test.min, le=test.max, allow_inf_nan=False)]


def _legacy_method(test: RomTest) -> Callable[[Any], Any]:
    """Files from before 1.1.0 wrote the device as `method`: read it as the instrument."""
    def move(data: Any) -> Any:
        if isinstance(data, dict) and data.get("method") in test.instrument \
                and data.get("method") not in test.methods and "instrument" not in data:
            data = {**data, "instrument": data["method"]}
            del data["method"]
        return data

    return move


def _measurement_model(test: RomTest) -> type[BaseModel]:
    value = measure_type(test) | None
    method = (_LITERAL[tuple(test.methods)] | None) if test.methods else None
    # Both sides are explicit: a side that was not tested is written as null, never omitted,
    # so a forgotten side cannot pass for a normal one.
    sides: dict[str, Any] = (
        {"left": (value, ...), "right": (value, ...)} if test.bilateral else {"value": (value, ...)}
    )
    fields: dict[str, Any] = {"instrument": (_LITERAL[test.instrument] | None, None)}
    if method is not None:
        fields["method"] = (method, None)
    if test.stoppable:
        side: Any = _LITERAL[("left", "right")]
        fields["stopped_at_limit"] = (Annotated[list[side], Field(min_length=1, max_length=2)] | None, None)
    return create_model(
        f"Measurement_{test.id}",
        __config__=_STRICT,
        __validators__={"legacy": model_validator(mode="before")(  # type: ignore[dict-item]
            _legacy_method(test))},
        **fields,
        note=(Annotated[str, Field(max_length=500), AfterValidator(clean_text(True))] | None, None),
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
    kb = load_knowledge()
    # At a review: scores entered from their own forms, and each staged exercise's re-test.
    outcomes = create_model(  # type: ignore[call-overload]
        "Outcomes",
        __config__=_STRICT,
        **{k: (Annotated[float, Field(ge=m.low, le=m.high, strict=False, allow_inf_nan=False)] | None, None)
           for k, m in kb.outcomes.entered().items()},
    )
    result: Any = _LITERAL[RETEST_RESULTS]
    retests = create_model(  # type: ignore[call-overload]
        "Retests",
        __config__=_STRICT,
        **{e.id: (result | None, None) for e in kb.exercises.values() if e.retest},
    )
    return create_model(
        "Intake",
        __config__=ConfigDict(extra="forbid", frozen=True, strict=True),
        questionnaire=(intake_id | None, None),
        battery=(battery_id | None, None),
        date=(Annotated[dt.date, BeforeValidator(_date_text), Field(strict=False),
                        AfterValidator(_date_in_range)] | None, None),
        clinician=(Annotated[str, Field(max_length=120), AfterValidator(clean_text(False))] | None, None),
        # How a doctor reaches the clinician (clinic, telephone, e-mail): printed on letters.
        clinician_contact=(Annotated[str, Field(max_length=200), AfterValidator(clean_text(False))] | None,
                           None),
        answers=(answers, ...),
        measurements=(measurements | None, None),
        outcomes=(outcomes | None, None),
        retests=(retests | None, None),
    )


def _unit(loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "measurements":
        test = battery().by_id().get(str(loc[1]))
        if test and test.unit:
            return f" {test.unit}"
    return ""


_TYPE_WORDS = {
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
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
        return f"{_short(value)} is above the maximum of {ctx['le']:g}{unit}"
    if kind == "greater_than_equal":
        return f"{_short(value)} is below the minimum of {ctx['ge']:g}{unit}"
    if kind == "literal_error":
        expected = str(ctx["expected"])
        return f"{_short(value)} is not one of: {expected if len(expected) < 400 else expected[:400] + '...'}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in ("date_from_datetime_parsing", "date_parsing") and isinstance(value, str) \
            and len(value) == 10 and value[4] == value[7] == "-":
        return f"{value} is not a real date"
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
    if isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > 64:
        return f"a number of {len(hex(value)) - 2} hex digits"  # str() of it may even fail
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
        if not item.asked_in(version) and given is not None:
            problems.append(FieldProblem(path, f"no longer asked in questionnaire {version}; "
                                               f"answer {item.replaced_by} instead"))
        elif not enabled and given is not None:
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


def _dates_after_visit(model: BaseModel) -> list[FieldProblem]:
    """A remembered date (an operation) cannot fall after the visit it is reported at."""
    visit: dt.date = getattr(model, "date", None) or dt.date.today()
    answers = model.answers.model_dump()  # type: ignore[attr-defined]
    out = []
    for item in questionnaire().answerable():
        given = answers.get(item.linkId)
        # Compared at the precision given: "2026-12" is not after 2026-12-02.
        if item.type == "date" and isinstance(given, str) and given > visit.isoformat()[:len(given)]:
            out.append(FieldProblem(f"answers.{item.linkId}", f"{given} is after the visit ({visit})"))
    return out


# Top-level keys of the files `assess` writes that are not intakes, and what to do with them.
_NOT_AN_INTAKE = {
    frozenset({"identity", "plan", "audit"}):
        "this is an assessment (written by assess run --json), not an intake; read it with assess explain",
    frozenset({"partial"}):
        "this intake was saved part-way through the questionnaire; finish it with assess intake --resume",
}


def validate_intake(data: object, *, source: str = "intake", text: str | None = None) -> BaseModel:
    """Validate a loaded intake document; raise InvalidInput naming every problem (with its
    line when `text`, the document's source text, is given)."""
    if not isinstance(data, dict):
        got = "nothing" if data is None else type(data).__name__
        raise InvalidInput(source, [FieldProblem("", f"expected a mapping of fields, got {got}")])
    for keys, message in _NOT_AN_INTAKE.items():
        if keys <= set(data):
            raise InvalidInput(source, [FieldProblem("", message)])
    problems: list[FieldProblem] = []
    model: BaseModel | None = None
    try:
        model = intake_model().model_validate(data)
    except ValidationError as exc:
        problems.extend(FieldProblem(_path(e["loc"]), describe_error(e)) for e in exc.errors())
    seen = {p.path for p in problems}
    problems.extend(p for p in _questionnaire_problems(data.get("answers"), declared_version(data))
                    if p.path not in seen)
    if model is not None:
        problems.extend(_dates_after_visit(model))
    if problems or model is None:
        if text is not None:
            lines = line_numbers(text)
            problems = [FieldProblem(p.path, p.message, _line(lines, p.path)) for p in problems]
        raise InvalidInput(source, sorted(problems, key=lambda p: (p.line or 0, _natural(p.path))))
    return model


def _natural(path: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for a dotted path: list positions by number (2 before 10)."""
    # isascii: "²".isdigit() is true, but int("²") fails.
    return tuple((0, int(part)) if part.isascii() and part.isdigit() else (1, part)
                 for part in path.split("."))


def _line(lines: dict[tuple[str, ...], int], path: str) -> int | None:
    """The line of a path, or of its nearest ancestor present in the file (a missing field is
    reported at the line of the mapping that should hold it)."""
    parts = tuple(path.split(".")) if path else ()
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None
