"""The intake questionnaire and the range-of-motion battery as FHIR R4 Questionnaire resources:
items, types, answerOption, enableWhen, required, repeats, and min, max, maxOccurs, units and
exclusive options by HL7's standard extensions; versioned with the definition's id and version.
Choices are radio buttons or check boxes (itemControl), as on our own form."""

from __future__ import annotations

from typing import Any

from assess.definitions.questionnaire import (
    GRADES,
    NOT_SURE,
    Battery,
    EnableWhen,
    Item,
    Questionnaire,
    RomTest,
)
from assess.fhir.codes import ITEM_CODES, ITEM_CONTROL, UCUM, canonical, coding, concept, own

HL7 = "http://hl7.org/fhir/StructureDefinition"
MIN, MAX = f"{HL7}/minValue", f"{HL7}/maxValue"
MAX_OCCURS = f"{HL7}/questionnaire-maxOccurs"
UNIT = f"{HL7}/questionnaire-unit"
CONTROL = f"{HL7}/questionnaire-itemControl"
EXCLUSIVE = f"{HL7}/questionnaire-optionExclusive"


def option_system(definition_id: str, link_id: str) -> str:
    """The code system of one choice item's options: the same code ("none") means something
    else in each item, so each item has its own."""
    return own(f"{definition_id}/{link_id}")


def _typed(kind: str, value: float | int) -> dict[str, Any]:
    return {"valueInteger": int(value)} if kind == "integer" else {"valueDecimal": value}


def _control(code: str) -> dict[str, Any]:
    return {
        "url": CONTROL,
        "valueCodeableConcept": concept(ITEM_CONTROL, code, code.replace("-", " ").title()),
    }


# A yes/no question that takes "not sure" is a choice in FHIR (a boolean cannot say it): the
# answer's code for each value the intake holds.
UNSURE_CODES: dict[bool | str, str] = {True: "yes", False: "no", NOT_SURE: NOT_SURE}


def _condition(q: Questionnaire, cond: EnableWhen) -> dict[str, Any]:
    asked = q.by_id()[cond.question]
    out: dict[str, Any] = {"question": cond.question, "operator": cond.operator}
    if asked.unsure and cond.operator != "exists":
        code = UNSURE_CODES[cond.answer] if isinstance(cond.answer, bool | str) else str(cond.answer)
        out["answerCoding"] = coding(option_system(q.id, asked.linkId), code)
    elif cond.operator == "exists" or isinstance(cond.answer, bool):
        out["answerBoolean"] = cond.answer
    elif asked.type == "choice":
        out["answerCoding"] = coding(
            option_system(q.id, asked.linkId), str(cond.answer), Item.option_words(str(cond.answer))
        )
    elif asked.type == "integer":
        out["answerInteger"] = cond.answer
    elif asked.type == "decimal":
        out["answerDecimal"] = cond.answer
    else:
        out["answerString"] = str(cond.answer)
    return out


def _item(q: Questionnaire, it: Item) -> dict[str, Any]:
    kind = "text" if it.type == "string" and it.multiline else "choice" if it.unsure else it.type
    out: dict[str, Any] = {"linkId": it.linkId, "text": it.text, "type": kind}
    if it.linkId in ITEM_CODES:
        out["code"] = [coding(*ITEM_CODES[it.linkId])]
    extensions: list[dict[str, Any]] = []
    if it.minValue is not None:
        extensions.append({"url": MIN, **_typed(it.type, it.minValue)})
    if it.maxValue is not None:
        extensions.append({"url": MAX, **_typed(it.type, it.maxValue)})
    if it.maxRepeats is not None:
        extensions.append({"url": MAX_OCCURS, "valueInteger": it.maxRepeats})
    if it.type == "choice" or it.unsure:
        extensions.append(_control("check-box" if it.repeats else "radio-button"))
    if extensions:
        out["extension"] = extensions
    if it.enableWhen:
        conditions = [_condition(q, c) for c in it.enableWhen]
        if it.enableBehavior == "all":
            # Ours (and FHIR's, as we read it): "!=" holds only for a question answered otherwise.
            # Renderers differ on an unanswered one (LHC-Forms enables the item), so it is said.
            unanswered = dict.fromkeys(c.question for c in it.enableWhen if c.operator == "!=")
            conditions += [{"question": n, "operator": "exists", "answerBoolean": True} for n in unanswered]
        out["enableWhen"] = conditions
        if len(conditions) > 1:
            out["enableBehavior"] = it.enableBehavior
    out["required"] = it.required
    if it.repeats:
        out["repeats"] = True
    if it.maxLength is not None:
        out["maxLength"] = it.maxLength
    if it.answerOption:
        out["answerOption"] = [
            {
                "valueCoding": coding(option_system(q.id, it.linkId), o, words),
                **(
                    {"extension": [{"url": EXCLUSIVE, "valueBoolean": True}]}
                    if o == it.exclusiveOption
                    else {}
                ),
            }
            for o, words in it.options
        ]
    if it.unsure:
        out["answerOption"] = [{"valueCoding": coding(option_system(q.id, it.linkId), o, words)}
                               for o, words in ((c, Item.option_words(c)) for c in UNSURE_CODES.values())]
    # A retired item is read from older files, never asked.
    children = [_item(q, child) for child in it.item if child.type != "display" and child.asked_in(q.version)]
    if it.help:
        children.insert(
            0,
            {
                "linkId": f"{it.linkId}-help",
                "type": "display",
                "text": it.help,
                "extension": [_control("help")],
            },
        )
    if children:
        out["item"] = children
    return out


def _name(definition_id: str) -> str:
    """A computable name (FHIR: starts with a capital, letters and digits)."""
    return "".join(part.capitalize() for part in definition_id.replace("-", "_").split("_"))


def _resource(definition_id: str, version: str, title: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    url, _ = canonical(definition_id, version).split("|")
    return {
        "resourceType": "Questionnaire",
        "id": definition_id,
        "url": url,
        "version": version,
        "name": _name(definition_id),
        "title": title,
        "status": "active",
        "publisher": "assess",
        "item": items,
    }


def intake_questionnaire(q: Questionnaire) -> dict[str, Any]:
    """questionnaires/intake.yaml as a Questionnaire."""
    return _resource(q.id, q.version, q.title, [_item(q, it) for it in q.item if it.asked_in(q.version)])


def _side_item(b: Battery, test: RomTest, side: str) -> dict[str, Any]:
    link = f"{test.id}.{side}"
    if test.type == "grade":
        return _choice(b, link, side.capitalize() if side != "value" else test.name, {g: g for g in GRADES})
    if test.type == "boolean":
        return {
            "linkId": link,
            "text": side.capitalize() if side != "value" else test.name,
            "type": "boolean",
        }
    unit = {"url": UNIT, "valueCoding": coding(UCUM, test.unit or "deg", "degrees")}
    extensions: list[dict[str, Any]] = [unit]
    if test.min is not None:
        extensions.append({"url": MIN, "valueDecimal": test.min})
    if test.max is not None:
        extensions.append({"url": MAX, "valueDecimal": test.max})
    return {
        "linkId": link,
        "text": f"{side.capitalize()} (deg)" if side != "value" else f"{test.name} (deg)",
        "type": "decimal",
        "extension": extensions,
    }


def _choice(b: Battery, link: str, text: str, options: dict[str, str]) -> dict[str, Any]:
    return {
        "linkId": link,
        "text": text,
        "type": "choice",
        "extension": [_control("radio-button")],
        "answerOption": [
            {"valueCoding": coding(own(f"{b.id}/{link}"), code, words)} for code, words in options.items()
        ],
    }


def battery_questionnaire(b: Battery) -> dict[str, Any]:
    """questionnaires/rom_battery.yaml as a Questionnaire: a group per test, with its sides,
    the method (when it has several) and the instrument."""
    groups = []
    for test in b.tests:
        children = [
            _side_item(b, test, side) for side in (("left", "right") if test.bilateral else ("value",))
        ]
        if test.methods:
            children.append(_choice(b, f"{test.id}.method", "Method", test.method_labels))
        if test.stoppable:
            stopped = _choice(b, f"{test.id}.stopped_at_limit", "Taken only to a precaution's limit",
                              {"left": "left", "right": "right"})
            stopped["repeats"] = True
            stopped["extension"] = [_control("check-box")]
            children.append(stopped)
        children.append(_choice(b, f"{test.id}.instrument", "Instrument", {i: i for i in test.instrument}))
        groups.append({"linkId": test.id, "text": test.name, "type": "group", "item": children})
    return _resource(b.id, b.version, b.title, groups)




def checked(resource: dict[str, Any]) -> dict[str, Any]:
    """The Questionnaire, after fhir.resources' R4B model has read it without complaint."""
    from fhir.resources.R4B.questionnaire import Questionnaire as Model

    Model.model_validate(resource)
    return resource
