"""The range-of-motion battery as a desk form: each test's sides, method and instrument, filled
in from the assessment's intake; the posted form back to the intake's `measurements` (then
validated by `validate_intake`, the command line's own messages), each problem beside its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assess.definitions.questionnaire import RomTest, battery
from assess.domain.errors import FieldProblem

_YES_NO = {"yes": True, "no": False}


@dataclass
class TestRow:
    """One test of the battery as the form shows it: what is recorded and what is wrong."""

    test: RomTest
    values: dict[str, str]  # side (left, right or value), method, instrument -> as typed
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def sides(self) -> tuple[str, ...]:
        return ("left", "right") if self.test.bilateral else ("value",)

    def name(self, part: str) -> str:
        return f"measurements.{self.test.id}.{part}"


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def rows_of(measurements: dict[str, Any] | None) -> list[TestRow]:
    """Every test of the battery, with what `measurements` (an intake's) holds for it."""
    given = measurements or {}
    rows = []
    for test in battery().tests:
        recorded = given.get(test.id) or {}
        parts = [*(("left", "right") if test.bilateral else ("value",)), "method", "instrument"]
        rows.append(TestRow(test, {p: _shown(recorded.get(p)) for p in parts}))
    return rows


def _typed(test: RomTest, raw: str) -> Any:
    if raw == "":
        return None
    if test.type == "boolean":
        return _YES_NO.get(raw, raw)
    if test.type == "grade":
        return raw  # normal, reduced or absent; validation names anything else
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return raw  # kept as typed: validation names it "expected a number", beside the field


def read_measurements(form: Any, old: dict[str, Any] | None) -> tuple[dict[str, Any], list[TestRow]]:
    """The intake's measurements as the form gives them (a test left wholly blank is not
    recorded; a note recorded earlier is kept) and every row as typed, to show again."""
    before = old or {}
    out: dict[str, Any] = {}
    rows = rows_of(None)
    for row in rows:
        for part in row.values:
            row.values[part] = str(form.get(row.name(part), "")).strip()
        sides = {s: _typed(row.test, row.values[s]) for s in row.sides}
        if all(v is None for v in sides.values()):
            continue
        one: dict[str, Any] = dict(sides)
        for part in ("method", "instrument"):
            if row.values[part]:
                one[part] = row.values[part]
        if (before.get(row.test.id) or {}).get("note"):
            one["note"] = before[row.test.id]["note"]
        # A side recorded earlier as taken only to a precaution's limit stays so while it is given.
        earlier = (before.get(row.test.id) or {}).get("stopped_at_limit") or []
        stopped = [s for s in earlier if sides.get(s) is not None]
        if stopped:
            one["stopped_at_limit"] = stopped
        out[row.test.id] = one
    return out, rows


def place(problems: list[FieldProblem], rows: list[TestRow]) -> list[tuple[str, str]]:
    """Put each problem beside its field; the list (field name, message) heads the page."""
    by_test = {r.test.id: r for r in rows}
    summary = []
    for p in problems:
        parts = p.path.split(".")
        row = by_test.get(parts[1]) if len(parts) > 1 and parts[0] == "measurements" else None
        message = p.message[0].upper() + p.message[1:] if p.message else p.message
        if row is None:
            summary.append(("", f"{p.path}: {message}" if p.path else message))
            continue
        part = parts[2] if len(parts) > 2 and parts[2] in row.values else row.sides[0]
        row.errors[part] = f"{row.errors.get(part, '')} {message}".strip()
        summary.append((row.name(part), f"{row.test.plain_name}, {part}: {message}"))
    return summary
