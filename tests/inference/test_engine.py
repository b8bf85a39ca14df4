"""The engine as a server meets it: one compiled knowledge base, many threads at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import EXAMPLES, NOW

from assess.inference.engine import default_engine
from assess.services.pipeline import assess_file


def _json(path: Path) -> str:
    return assess_file(path, now=NOW).to_json()


def test_concurrent_assessments_match_serial_ones() -> None:
    serial = {p: _json(p) for p in EXAMPLES}
    work = [p for _ in range(3) for p in EXAMPLES]  # every example, three times, interleaved
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(_json, work))
    for path, got in zip(work, concurrent, strict=True):
        assert got == serial[path], f"{path.name} differs when assessed alongside others"


def test_each_thread_has_its_own_engine_instance() -> None:
    engine = default_engine()
    mine = engine._instance()
    both = threading.Barrier(2)

    def theirs(_: int) -> object:
        both.wait()  # two threads at once, so neither can be handed the other's instance
        return engine._instance()

    with ThreadPoolExecutor(max_workers=2) as pool:
        got = list(pool.map(theirs, range(2)))
    assert got[0] is not got[1] and mine not in got
