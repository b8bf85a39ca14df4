"""An intake's answers as a FHIR QuestionnaireResponse, and back. Items nest as the
questionnaire's groups do; a repeating group (the PSFS) is one item per row. The intake's own
fields ride on the response: the date as `authored`, the clinician as its author, and the
questionnaire's and the battery's versions as canonical URLs."""

from __future__ import annotations

from typing import Any

from assess.definitions.questionnaire import NOT_SURE, Item, Questionnaire
from assess.domain.errors import FieldProblem
from assess.fhir.codes import canonical, coding, extension
from assess.fhir.questionnaires import UNSURE_CODES, option_system

VALUE_KEY = {
    "boolean": "valueBoolean",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "string": "valueString",
    "choice": "valueCoding",
    "date": "valueDate",
}
WORDS = {
    "valueBoolean": "true or false",
    "valueInteger": "a whole number",
    "valueDecimal": "a number",
    "valueString": "text",
    "valueCoding": "one of the item's answerOption codes",
    "valueDate": "a date (YYYY-MM or YYYY-MM-DD)",
}
CONTACT, BATTERY = extension("clinician-contact"), extension("battery")


def _answer(q: Questionnaire, it: Item, value: Any) -> dict[str, Any]:
    if it.unsure:
        code = UNSURE_CODES[value]
        return {"valueCoding": coding(option_system(q.id, it.linkId), code, Item.option_words(code))}
    if it.type == "choice":
        code = str(value)
        return {"valueCoding": coding(option_system(q.id, it.linkId), code, Item.option_words(code))}
    return {VALUE_KEY[it.type]: value}


def _leaf(q: Questionnaire, it: Item, value: Any) -> list[dict[str, Any]]:
    if it.type == "group":  # a repeating group: one item per row
        return [
            {
                "linkId": it.linkId,
                "item": [
                    r for child in it.item if child.linkId in row for r in _leaf(q, child, row[child.linkId])
                ],
            }
            for row in value or []
        ]
    out: dict[str, Any] = {"linkId": it.linkId, "text": it.text}
    values = value if isinstance(value, list) else [] if value is None else [value]
    if values:
        out["answer"] = [_answer(q, it, v) for v in values]
    return [out]


def _items(q: Questionnaire, items: tuple[Item, ...], answers: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for it in items:
        if it.type == "group" and not it.repeats:
            inner = _items(q, it.item, answers)
            if inner:
                out.append({"linkId": it.linkId, "text": it.text, "item": inner})
        elif it.type != "display" and it.linkId in answers:
            out += _leaf(q, it, answers[it.linkId])
    return out


def _version(doc: dict[str, Any], key: str) -> tuple[str, str] | None:
    named = doc.get(key)
    if isinstance(named, str) and "/" in named:
        definition, version = named.split("/", 1)
        return definition, version
    return None


def response_of(q: Questionnaire, doc: dict[str, Any]) -> dict[str, Any]:
    """The intake document's answers (and date, clinician, versions) as a QuestionnaireResponse."""
    named = _version(doc, "questionnaire")
    out: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": canonical(*named) if named else canonical(q.id, "").rstrip("|"),
        "status": "completed",
    }
    extensions = []
    if (battery := _version(doc, "battery")) is not None:
        extensions.append({"url": BATTERY, "valueCanonical": canonical(*battery)})
    if doc.get("clinician_contact") is not None:
        extensions.append({"url": CONTACT, "valueString": doc["clinician_contact"]})
    if extensions:
        out["extension"] = extensions
    if doc.get("date") is not None:
        out["authored"] = str(doc["date"])
    if doc.get("clinician") is not None:
        out["author"] = {"display": doc["clinician"]}
    out["item"] = _items(q, q.item, doc.get("answers") or {})
    return out


class _Reader:
    """Reads a response's items back into answers, noting each problem by its linkId."""

    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self.groups = {g.linkId: g for g in _groups(q.item)}
        self.items = q.by_id()
        self.problems: list[FieldProblem] = []

    def problem(self, link_id: str, message: str) -> None:
        self.problems.append(FieldProblem(f"item {link_id}", message))

    def value(self, it: Item, answer: Any) -> Any:
        if not isinstance(answer, dict):
            self.problem(it.linkId, "an answer must be an object")
            return None
        wanted = "valueCoding" if it.unsure else VALUE_KEY[it.type]
        given = [k for k in answer if k.startswith("value")]
        if it.unsure and given == ["valueBoolean"]:
            wanted = "valueBoolean"  # from a Questionnaire before "not sure" was offered
        if it.type == "decimal" and given == ["valueInteger"]:
            wanted = "valueInteger"  # a whole number is a number
        if given != [wanted]:
            got = ", ".join(given) or "no value"
            self.problem(it.linkId, f"expected {wanted} ({WORDS[wanted]}), got {got}")
            return None
        value = answer[wanted]
        if it.unsure and wanted == "valueCoding":
            code = value.get("code") if isinstance(value, dict) else None
            back = {c: v for v, c in UNSURE_CODES.items()}
            if code not in back:
                self.problem(it.linkId, f"{code!r} is not one of its codes: yes, no, {NOT_SURE}")
                return None
            return back[code]
        if it.type == "choice":
            code = value.get("code") if isinstance(value, dict) else None
            if code not in (it.answerOption or ()):
                self.problem(
                    it.linkId, f"{code!r} is not one of its codes: {', '.join(it.answerOption or ())}"
                )
                return None
            return code
        return value

    def leaf(self, it: Item, entry: dict[str, Any]) -> Any:
        answers = entry.get("answer") or []
        if not isinstance(answers, list):
            self.problem(it.linkId, "answer must be a list")
            return None
        values = [self.value(it, a) for a in answers]
        if it.repeats:
            return values
        if len(values) > 1:
            self.problem(it.linkId, f"takes one answer, got {len(values)}")
        return values[0] if values else None

    def read(self, entries: Any, into: dict[str, Any], group: Item | None = None) -> None:
        if not isinstance(entries, list):
            return
        children = {c.linkId: c for c in group.item} if group is not None else None
        for entry in entries:
            link_id = entry.get("linkId") if isinstance(entry, dict) else None
            if not isinstance(link_id, str):
                self.problem("?", "every item needs a linkId")
                continue
            it = children.get(link_id) if children is not None else self.items.get(link_id)
            if link_id in self.groups and group is None:
                self.read(entry.get("item"), into)
            elif it is None:
                where = f"group {group.linkId}" if group is not None else f"questionnaire {self.q.id}"
                self.problem(link_id, f"is not an item of {where}")
            elif it.type == "group":
                row: dict[str, Any] = {}
                self.read(entry.get("item"), row, it)
                into.setdefault(link_id, []).append(row)
            else:
                into[link_id] = self.leaf(it, entry)


def _groups(items: tuple[Item, ...]) -> list[Item]:
    out = []
    for it in items:
        if it.type == "group" and not it.repeats:
            out += [it, *_groups(it.item)]
    return out


def intake_of(q: Questionnaire, qr: dict[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The intake document a QuestionnaireResponse holds, with the problems of its items."""
    reader = _Reader(q)
    answers: dict[str, Any] = {}
    reader.read(qr.get("item"), answers)
    doc: dict[str, Any] = {}
    named = str(qr.get("questionnaire") or "")
    if "|" in named:
        url, version = named.split("|", 1)
        doc["questionnaire"] = f"{url.rsplit('/', 1)[-1]}/{version}"
    for ext in qr.get("extension") or []:
        if ext.get("url") == BATTERY and "|" in str(ext.get("valueCanonical")):
            url, version = ext["valueCanonical"].split("|", 1)
            doc["battery"] = f"{url.rsplit('/', 1)[-1]}/{version}"
        elif ext.get("url") == CONTACT:
            doc["clinician_contact"] = ext.get("valueString")
    if qr.get("authored"):
        doc["date"] = str(qr["authored"])[:10]  # the day: an intake's date has no time
    author = qr.get("author")
    if isinstance(author, dict) and author.get("display"):
        doc["clinician"] = author["display"]
    doc["answers"] = answers
    return doc, reader.problems
