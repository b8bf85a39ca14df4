"""A cache of what is costly to build from our own data files and the same every run: parsed
YAML, keyed by the file's bytes, and jinja2's compiled templates, keyed by their source.

It lives in the user's cache folder (ASSESS_CACHE, else $XDG_CACHE_HOME/assess, else
~/.cache/assess). An entry is found by the sha256 of the file's content and of how it was
parsed, so an edited file is parsed again and never served stale; entries are written to a
temporary file and renamed into place, so a reader never sees half of one. A cache folder that
cannot be made or written is no error: everything is then built as if there were no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

# Part of every key: a new Python or a new parser never reads an entry another one wrote.
_FORMAT = f"assess-cache-1 python-{sys.version_info[0]}.{sys.version_info[1]}"


@cache
def cache_dir() -> Path | None:
    """The cache folder, made if needed; None if it cannot be made."""
    chosen = os.environ.get("ASSESS_CACHE")
    if chosen == "":
        return None  # ASSESS_CACHE= (empty) turns the cache off
    base = Path(chosen) if chosen else (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assess")
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return base if os.access(base, os.W_OK | os.X_OK) else None


def _store(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()


def parsed(path: Path, parse: Callable[[bytes], Any], how: str) -> Any:
    """`parse(bytes of path)`, from the cache when this content was parsed the same way before.
    `how` names the parser (its version included); a parse that raises is never cached."""
    raw = path.read_bytes()
    folder = cache_dir()
    if folder is None:
        return parse(raw)
    key = hashlib.sha256(f"{_FORMAT}\0{how}\0".encode() + raw).hexdigest()
    entry = folder / "parsed" / f"{key}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        # Only this user's own cache folder is read: the same trust as their own files.
        return pickle.loads(entry.read_bytes())
    value = parse(raw)
    with contextlib.suppress(OSError):
        entry.parent.mkdir(exist_ok=True, mode=0o700)
        _store(entry, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def named_text(raw: bytes, path: Path) -> io.StringIO:
    """The decoded text as a stream that carries the file's name, so a parser's error still
    says which file (and line) is wrong."""
    stream = io.StringIO(raw.decode("utf-8"))
    stream.name = str(path)
    return stream


def template_folder() -> str | None:
    """Where jinja2 keeps compiled templates, or None for no cache."""
    folder = cache_dir()
    if folder is None:
        return None
    templates = folder / "templates"
    try:
        templates.mkdir(exist_ok=True, mode=0o700)
    except OSError:
        return None
    return str(templates)
