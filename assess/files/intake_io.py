"""Reading intake files (YAML or JSON) defensively, and writing them back.

Every way in is bounded: a byte limit on regular files, pipes, devices and standard input
alike (a device's size is 0, so the limit is on what is read, not on `stat`), and a time
limit for a pipe that never writes. YAML is read with the YAML 1.2 core schema, so `040` is
40 (not octal 32), `1:10` is text (not 70) and `2026-02-30` is text that validation names.
Every problem is bad input (exit 2), named with its line where the parser knows it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import select
import stat
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from assess.domain.errors import FieldProblem, InvalidInput

MAX_BYTES = 1_000_000  # a real intake is a few kilobytes; anything near this is not one
# A pipe or device that sends nothing for this long is not an intake (ASSESS_READ_TIMEOUT sets it).
READ_TIMEOUT_S = 10.0


def _timeout() -> float:
    try:
        return float(os.environ.get("ASSESS_READ_TIMEOUT", READ_TIMEOUT_S))
    except ValueError:
        return READ_TIMEOUT_S


def _fail(source: str, message: str) -> InvalidInput:
    return InvalidInput(source, [FieldProblem("", message)])


def _read_stream(fd: int, source: str, limit: int, timeout: float) -> bytes:
    """Read a pipe, device or terminal: at most `limit` + 1 bytes, giving up after `timeout`
    seconds without data (a FIFO nobody writes to would otherwise wait forever)."""
    os.set_blocking(fd, False)
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + timeout
    while size <= limit:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(int(left * 1000) + 1):
            raise _fail(source, f"no data arrived within {timeout:g} s (is anything writing to it?)")
        try:
            chunk = os.read(fd, min(65536, limit + 1 - size))
        except BlockingIOError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        deadline = time.monotonic() + timeout  # data is flowing: the limit is per silence
    return b"".join(chunks)


_OS_ERRORS = {
    errno.ENOENT: "no such file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ELOOP: "is a symbolic link that loops back on itself",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EACCES: "cannot be read (permission denied)",
    errno.EPERM: "cannot be read (permission denied)",
    errno.ENXIO: "is a socket or a device that cannot be read",
    errno.EISDIR: "is a folder, not a file",
}


def read_limited(path: Path | str, *, limit: int = MAX_BYTES, timeout: float | None = None) -> bytes:
    """The bytes of a file, pipe, device or standard input (`-`), within the limits."""
    timeout = _timeout() if timeout is None else timeout
    source = "standard input" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            fd = os.dup(sys.stdin.fileno())
        else:
            info = os.stat(path)
            if stat.S_ISDIR(info.st_mode):
                raise _fail(source, "is a folder, not a file")
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _fail(source, _OS_ERRORS.get(exc.errno or 0, f"cannot be read ({exc.strerror})")) from None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            data = b""
            while len(data) <= limit:
                chunk = os.read(fd, limit + 1 - len(data))
                if not chunk:
                    break
                data += chunk
        else:
            data = _read_stream(fd, source, limit, timeout)
    except OSError as exc:
        raise _fail(source, _OS_ERRORS.get(exc.errno or 0, f"cannot be read ({exc.strerror})")) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _fail(source, f"holds more than {limit} bytes; an intake is at most {limit} bytes")
    return data


# --- YAML 1.2 core schema --------------------------------------------------------------------

class _Core12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars; no aliases, no duplicate or non-text keys."""

    # Our own resolvers only (add_implicit_resolver below fills this; SafeLoader's are YAML 1.1).
    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level table

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed in an intake", problem_mark=event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                raise yaml.MarkedYAMLError(problem=f"a key must be a name, not {shown!r}",
                                           problem_mark=key_node.start_mark)
            if key_node.value in seen:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key_node.value!r}",
                                           problem_mark=key_node.start_mark)
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> int:
        text = self.construct_scalar(node)
        assert isinstance(text, str)
        sign = -1 if text.startswith("-") else 1
        body = text.lstrip("+-")
        if body.startswith("0o"):
            return sign * int(body[2:], 8)
        if body.startswith("0x"):
            return sign * int(body[2:], 16)
        return sign * int(body, 10)  # "040" is forty: YAML 1.2 has no implicit octal


_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_Core12Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                    ["~", "n", "N", ""])
_Core12Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Core12Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Core12Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
_Core12Loader.add_constructor("tag:yaml.org,2002:int", _Core12Loader.construct_yaml_int)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"duplicate key {dupes[0]!r}")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number an intake can hold")


def _yaml_message(exc: yaml.YAMLError) -> str:
    """A YAML error as "line L, column C: what", without the parser's own wording of where."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())


def parse_intake_text(text: str, *, source: str, as_json: bool) -> object:
    """Parse the text of an intake; raise InvalidInput with the reason on failure."""
    if not text.strip():
        raise _fail(source, "the file is empty")
    try:
        if as_json:
            return json.loads(text, object_pairs_hook=_json_pairs, parse_constant=_no_constant)
        return yaml.load(text, Loader=_Core12Loader)  # a SafeLoader subclass: no object tags
    except RecursionError:
        raise _fail(source, "the document is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise _fail(source, f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        raise _fail(source, f"not valid YAML: {_yaml_message(exc)}") from None
    except ValueError as exc:
        kind = "JSON" if as_json else "YAML"
        raise _fail(source, f"not valid {kind}: {' '.join(str(exc).split())[:300]}") from None


def line_numbers(text: str) -> dict[tuple[str, ...], int]:
    """Dotted path -> line, for naming the line of a validation problem (YAML and JSON alike)."""
    lines: dict[tuple[str, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return lines

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                lines[(*path, str(i))] = value.start_mark.line + 1
                walk(value, (*path, str(i)))

    walk(root, ())
    return lines


def looks_like_json(path: Path | str, text: str) -> bool:
    return str(path).lower().endswith(".json") or (str(path) == "-" and text.lstrip().startswith(("{", "[")))


def decode(raw: bytes, source: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(source, f"is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise _fail(source, "is binary, not a text intake")
    return text


def read_document(path: Path | str) -> tuple[object, str]:
    """Read and parse an intake file (or `-`): the document and its text (for line numbers)."""
    source = "standard input" if str(path) == "-" else str(path)
    text = decode(read_limited(path), source)
    return parse_intake_text(text, source=source, as_json=looks_like_json(path, text)), text


def read_intake_file(path: Path | str) -> object:
    """Read and parse an intake file (.json as JSON, anything else as YAML; `-`: standard input)."""
    return read_document(path)[0]


class _Core12Dumper(yaml.SafeDumper):
    """SafeDumper that also quotes text the YAML 1.2 reader above would read as a number, a
    boolean or null ("0E0", "1e3"): PyYAML's dumper knows only YAML 1.1's rules, so without
    this an activity named "1e3" would come back from its own file as the number 1000."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        # The loader's table is keyed by first character ("" for the empty scalar).
        for _tag, pattern in _Core12Loader.yaml_implicit_resolvers.get(data[:1], ()):
            if pattern.match(data):
                return self.represent_scalar("tag:yaml.org,2002:str", data, style="'")
        return super().represent_str(data)


_Core12Dumper.add_representer(str, _Core12Dumper.represent_str)


def dump_intake(data: dict[str, Any]) -> str:
    """YAML text of an intake, in the questionnaire's order (keys are not sorted), that the
    intake reader reads back to the same values."""
    return yaml.dump(data, Dumper=_Core12Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False)
