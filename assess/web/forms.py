"""The intake questionnaire as a web form: each item's field by its type, the posted form back
to an intake document (then validated by `validate_intake`, the command line's own messages),
and each problem placed beside its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from assess.definitions.questionnaire import Item, Questionnaire, questionnaire
from assess.domain.errors import FieldProblem

PSFS_ROWS = 5  # rows offered for a repeating group (its maxRepeats, else this)


@dataclass
class Field:
    """One question as the page shows it: its item, what was typed, and what is wrong."""

    item: Item
    value: Any = None
    rows: list[dict[str, str]] = field(default_factory=list)  # a repeating group's rows
    error: str = ""

    @property
    def options(self) -> list[tuple[str, str]]:
        return self.item.options

    @property
    def enable_when(self) -> str:
        """The enableWhen conditions for the page's script: question|operator|answer;..."""
        def shown(answer: object) -> str:
            return ("yes" if answer else "no") if isinstance(answer, bool) else str(answer)

        return ";".join(f"{c.question}|{c.operator}|{shown(c.answer)}" for c in self.item.enableWhen)


def _integer(raw: str) -> int | str:
    try:
        return int(raw.strip())
    except ValueError:
        return raw  # kept as typed: validation names it "not a whole number", beside the field


def _typed(sub: Item, raw: str) -> Any:
    if not raw:
        return None
    return _integer(raw) if sub.type == "integer" else raw


def _one(item: Item, form: Any) -> tuple[Any, list[dict[str, str]]]:
    """The answer to `item` in the posted form (None when not answered) and, for a repeating
    group, its rows as typed."""
    key = item.linkId
    if item.type == "group":
        rows: list[dict[str, str]] = []
        answer: list[dict[str, Any]] = []
        for n in range(item.maxRepeats or PSFS_ROWS):
            row = {sub.linkId: str(form.get(f"{key}.{n}.{sub.linkId}", "")).strip() for sub in item.item}
            rows.append(row)
            if any(row.values()):
                answer.append({sub.linkId: _typed(sub, row[sub.linkId]) for sub in item.item})
        return (answer or None), rows
    if item.type == "choice" and item.repeats:
        chosen = [str(v) for v in form.getlist(key)]
        return (chosen or None), []
    raw = str(form.get(key, "")).strip()
    if raw == "":
        return None, []
    if item.type == "boolean":
        return {"yes": True, "no": False}.get(raw, raw), []
    if item.type in ("integer", "decimal"):
        return _integer(raw) if item.type == "integer" else raw, []
    return raw, []


def read_form(form: Any, q: Questionnaire | None = None) -> tuple[dict[str, Any], dict[str, Field]]:
    """The intake document the form gives (only the items enabled by the answers given) and
    every field with its value as typed, to show again."""
    q = q or questionnaire()
    answers: dict[str, Any] = {}
    fields: dict[str, Field] = {}
    for item in q.answerable():
        value, rows = _one(item, form)
        fields[item.linkId] = Field(item, value, rows)
        if value is not None:
            answers[item.linkId] = value
    # Hidden and not required when disabled: an answer to a question not asked is dropped.
    for item in q.answerable():
        if item.linkId in answers and not item.enabled(answers):
            del answers[item.linkId]
    # No date: the assessment takes today's from the pipeline's clock (SOURCE_DATE_EPOCH honoured).
    doc = {"questionnaire": f"{q.id}/{q.version}", "answers": answers}
    return doc, fields


def blank_fields(q: Questionnaire | None = None) -> dict[str, Field]:
    """Every field empty, as an empty form reads."""
    return read_form(FormData(), q)[1]


def _key(problem: FieldProblem) -> str:
    parts = problem.path.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "answers" else ""


def place(problems: list[FieldProblem], fields: dict[str, Field]) -> list[tuple[str, str]]:
    """Put each problem beside its field; the list (field id, message) heads the page."""
    summary = []
    order = {key: n for n, key in enumerate(fields)}  # as the questions are asked, not as found
    for p in sorted(problems, key=lambda p: order.get(_key(p), -1)):
        key = _key(p)
        where = fields.get(key)
        message = "Please answer this question" if p.message.lower() == "required" else \
            p.message[0].upper() + p.message[1:] if p.message else p.message
        if where is not None:
            where.error = f"{where.error} {message}".strip()
            summary.append((key, f"{where.item.text}: {message}"))
        else:
            summary.append(("", message))
    return summary
