"""Reading intake files (YAML or JSON) defensively, and writing them back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from assess.errors import FieldProblem, InvalidInput

MAX_BYTES = 1_000_000  # a real intake is a few kilobytes; anything near this is not one


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (no alias bombs) and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed in an intake", problem_mark=event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"duplicate key {dupes[0]!r}")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number an intake can hold")


def parse_intake_text(text: str, *, source: str, as_json: bool) -> object:
    """Parse the text of an intake; raise InvalidInput with the reason on failure."""
    def fail(message: str) -> InvalidInput:
        return InvalidInput(source, [FieldProblem("", message)])

    if not text.strip():
        raise fail("the file is empty")
    try:
        if as_json:
            return json.loads(text, object_pairs_hook=_json_pairs, parse_constant=_no_constant)
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no object tags
    except RecursionError:
        raise fail("the document is nested too deeply") from None
    except (yaml.YAMLError, ValueError) as exc:
        kind = "JSON" if as_json else "YAML"
        raise fail(f"not valid {kind}: {_one_line(exc)}") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def read_intake_file(path: Path) -> object:
    """Read and parse an intake file (.json as JSON, anything else as YAML)."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidInput(source, [FieldProblem("", f"the file is {size} bytes; an intake "
                                                         f"is at most {MAX_BYTES} bytes")])
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InvalidInput(source, [FieldProblem("", "is a folder, not a file")]) from None
    except FileNotFoundError:
        raise InvalidInput(source, [FieldProblem("", "no such file")]) from None
    except PermissionError:
        raise InvalidInput(source, [FieldProblem("", "cannot be read (permission denied)")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            source, [FieldProblem("", f"is not UTF-8 text (byte {exc.start})")]
        ) from None
    if "\x00" in text:
        raise InvalidInput(source, [FieldProblem("", "is binary, not a text intake")])
    return parse_intake_text(text, source=source, as_json=path.suffix.lower() == ".json")


def dump_intake(data: dict[str, Any]) -> str:
    """YAML text of an intake, in the questionnaire's order (keys are not sorted)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
