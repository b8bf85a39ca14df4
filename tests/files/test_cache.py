"""The cache of parsed data files: served only for the same bytes, never stale, never an error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assess.files import cache


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    where = tmp_path / "cache"
    monkeypatch.setenv("ASSESS_CACHE", str(where))
    cache.cache_dir.cache_clear()
    yield where
    cache.cache_dir.cache_clear()


def _counting() -> tuple[list[bytes], Callable[[bytes], Any]]:
    seen: list[bytes] = []

    def parse(raw: bytes) -> dict[str, str]:
        seen.append(raw)
        return {"text": raw.decode()}

    return seen, parse


def test_the_same_bytes_are_parsed_once_and_an_edit_is_parsed_again(folder: Path, tmp_path: Path) -> None:
    data = tmp_path / "rules.yaml"
    data.write_text("one")
    seen, parse = _counting()
    assert cache.parsed(data, parse, "test") == {"text": "one"}
    assert cache.parsed(data, parse, "test") == {"text": "one"}
    assert seen == [b"one"]
    data.write_text("two")
    assert cache.parsed(data, parse, "test") == {"text": "two"}
    assert seen == [b"one", b"two"]
    # Another parser of the same bytes has its own entry.
    assert cache.parsed(data, parse, "another") == {"text": "two"}
    assert len(seen) == 3


def test_a_damaged_entry_is_parsed_again(folder: Path, tmp_path: Path) -> None:
    data = tmp_path / "rules.yaml"
    data.write_text("one")
    seen, parse = _counting()
    cache.parsed(data, parse, "test")
    for entry in (folder / "parsed").iterdir():
        entry.write_bytes(b"\x80\x05 not a pickle")
    assert cache.parsed(data, parse, "test") == {"text": "one"}
    assert len(seen) == 2


def test_a_parse_that_fails_is_not_cached(folder: Path, tmp_path: Path) -> None:
    data = tmp_path / "rules.yaml"
    data.write_text("one")

    def broken(raw: bytes) -> object:
        raise ValueError("duplicate key")

    with pytest.raises(ValueError, match="duplicate key"):
        cache.parsed(data, broken, "test")
    assert not (folder / "parsed").exists() or not any((folder / "parsed").iterdir())


def test_a_cache_that_cannot_be_made_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("ASSESS_CACHE", str(blocker / "cache"))  # under a file: cannot be made
    cache.cache_dir.cache_clear()
    try:
        data = tmp_path / "rules.yaml"
        data.write_text("one")
        seen, parse = _counting()
        assert cache.parsed(data, parse, "test") == {"text": "one"}
        assert cache.parsed(data, parse, "test") == {"text": "one"}
        assert len(seen) == 2 and cache.template_folder() is None
    finally:
        cache.cache_dir.cache_clear()


def test_the_knowledge_base_loads_the_same_from_the_cache(folder: Path) -> None:
    from assess.definitions.knowledge import _load, rules_folder

    _load.cache_clear()
    first = _load(rules_folder())
    _load.cache_clear()
    second = _load(rules_folder())  # every file now from the cache
    _load.cache_clear()
    assert any((folder / "parsed").iterdir())
    assert first.model_dump() == second.model_dump()
