"""The JSON Schema of an intake file, describing what `assess run` accepts: pydantic's schema of
the intake model, with what the questionnaire adds - the question as each answer's title,
which answers are required, and the requirements that hold only when an earlier answer asks
the question (enableWhen) or in the current questionnaire version (items added later)."""

from __future__ import annotations

import copy
from typing import Any

from assess.definitions.intake import intake_model
from assess.definitions.questionnaire import EnableWhen, Item, _version, battery, questionnaire

_ANSWERED = {"not": {"anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]}}


def _condition(c: EnableWhen) -> dict[str, Any]:
    """enableWhen as a schema over `answers` (FHIR: a repeating answer meets it if any does)."""
    q = c.question
    if c.operator == "exists":
        answered = {"required": [q], "properties": {q: _ANSWERED}}
        return answered if c.answer else {"not": answered}
    if c.operator == "=":
        one: dict[str, Any] = {"const": c.answer}
        scalar = one
    else:
        one = {"not": {"const": c.answer}}
        scalar = {**one, "type": ["string", "number", "boolean"]}
    return {"required": [q], "properties": {q: {"anyOf": [scalar, {"type": "array", "contains": one}]}}}


def _enabled(item: Item) -> dict[str, Any]:
    parts = [_condition(c) for c in item.enableWhen]
    return {"allOf": parts} if item.enableBehavior == "all" else {"anyOf": parts}


# Free text as run accepts it: something visible, no control characters, one line unless the
# item allows several (a close rendering of models.clean_text in JSON Schema patterns).
_ONE_LINE = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
_LINES = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
_VISIBLE = r"[^\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"


def _text(prop: dict[str, Any], multiline: bool) -> None:
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "string":
            option["allOf"] = [{"pattern": _LINES if multiline else _ONE_LINE}, {"pattern": _VISIBLE}]


def _choices(prop: dict[str, Any], item: Item) -> None:
    """A repeating choice names each option once; an exclusive option ("none") stands alone."""
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "array":
            option["uniqueItems"] = True
            if item.exclusiveOption:
                option["if"] = {"contains": {"const": item.exclusiveOption}}
                option["then"] = {"maxItems": 1}


def _legacy_methods(schema: dict[str, Any]) -> None:
    """Battery 1.0.0 files wrote the device as `method`; run reads it as the instrument when no
    instrument is given, so the schema accepts it then too."""
    for test in battery().tests:
        measure = schema["$defs"].get(f"Measurement_{test.id}")
        if measure is None or not test.instrument:
            continue
        methods = [*test.methods, *test.instrument]
        measure["properties"]["method"] = {
            "anyOf": [{"enum": methods, "type": "string"}, {"type": "null"}], "default": None,
            "title": "Method",
            "description": "How it was measured" + (f" ({', '.join(test.methods)})" if test.methods else "")
                           + "; a device here is read as the instrument (battery 1.0.0 files)"}
        measure["allOf"] = [{"if": {"required": ["method"],
                                    "properties": {"method": {"enum": list(test.instrument)}}},
                             "then": {"not": {"required": ["instrument"]}}}]


def intake_schema() -> dict[str, Any]:
    schema = copy.deepcopy(intake_model().model_json_schema())
    q = questionnaire()
    answers = schema["$defs"]["Answers"]
    props: dict[str, Any] = answers["properties"]
    always: list[str] = []
    conditional: list[dict[str, Any]] = []
    for item in q.answerable():
        prop = props.get(item.linkId)
        if prop is None:
            continue
        prop["title"] = item.text
        if item.help:
            prop["description"] = " ".join(item.help.split())
        if item.type == "string":
            _text(prop, item.multiline)
        if item.type == "choice" and item.repeats:
            _choices(prop, item)
        if item.type == "date":
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "string":
                    option["pattern"] = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"
                    option["description"] = "a month (YYYY-MM) or a day (YYYY-MM-DD), not after the visit"
        if item.retired:
            # Read from older files only: a file for the version that retired it does not answer it.
            later = [f"{q.id}/{v}" for v in (q.version, *q.accepts) if _version(v) >= _version(item.retired)]
            conditional.append({"if": {"required": ["questionnaire"],
                                       "properties": {"questionnaire": {"enum": later}}},
                                "then": {"properties": {"answers": {"properties": {
                                    item.linkId: {"type": "null"}}}}}})
        if item.enableWhen:
            # Not asked, so not answered: a disabled item is absent or null.
            conditional.append({"if": {"properties": {"answers": {"not": _enabled(item)}}},
                                "then": {"properties": {"answers": {"properties": {
                                    item.linkId: {"type": "null"}}}}}})
        if not item.required:
            continue
        if not item.enableWhen and item.since is None:
            always.append(item.linkId)
            # Required and always asked: null is not an answer.
            options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
            if len(options) == 1:
                prop.pop("anyOf")
                prop.update(options[0])
            prop.pop("default", None)
            continue
        when: list[dict[str, Any]] = []
        if item.enableWhen:
            when.append({"properties": {"answers": _enabled(item)}})
        older = [f"{q.id}/{v}" for v in (q.version, *q.accepts)
                 if item.since and _version(v) < _version(item.since)]
        if older:
            # A file that names no version, or an older one, may leave out later items.
            when.append({"required": ["questionnaire"],
                         "properties": {"questionnaire": {"not": {"enum": older}}}})
        conditional.append({"if": {"allOf": when},
                            "then": {"properties": {"answers": {"required": [item.linkId]}}}})
    answers["required"] = always
    schema["allOf"] = conditional
    _legacy_methods(schema)
    for key in ("clinician", "clinician_contact"):
        _text(schema["properties"][key], multiline=False)
    for measure in (d for name, d in schema["$defs"].items() if name.startswith("Measurement_")):
        _text(measure["properties"]["note"], multiline=True)
    for row in (d for name, d in schema["$defs"].items() if name.endswith("Row")):
        for link, prop in row["properties"].items():
            if prop.get("type") == "string":
                _text(prop, multiline=False)
                prop["title"] = link.replace("_", " ").capitalize()
    limits = q.dateRange
    schema["properties"]["date"]["description"] = (
        f"YYYY-MM-DD, from {limits.earliest} to {limits.daysAhead} days after today")
    for option in schema["properties"]["date"].get("anyOf", []):
        if option.get("type") == "string":
            # The earliest year as a pattern; "days after today" cannot be written in a schema.
            option["pattern"] = rf"^(?:{limits.earliest.year // 100}\d\d|2\d\d\d)-"
    schema["title"] = f"{q.title} ({q.id} {q.version})"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
