"""Shared fixtures: the examples, a fixed clock, and a one-line intake builder."""

from __future__ import annotations

import copy
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

# CI runs the default profile; `HYPOTHESIS_PROFILE=long` digs deeper outside CI.
settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# CI explores the same examples on every run (derandomized), so a red build is reproducible;
# the long profile explores afresh each time.
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True,
                          database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))


def load_example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "examples" / f"{name}.yaml").read_text())
    return data


@pytest.fixture
def intake() -> Any:
    """Build an intake in one line: intake(answers={...}, measurements={...})."""

    def build(answers: dict[str, Any] | None = None, measurements: dict[str, Any] | None = None,
              base: str = "nothing_wrong", drop: tuple[str, ...] = ()) -> dict[str, Any]:
        doc = copy.deepcopy(load_example(base))
        doc["answers"].update(answers or {})
        for key in drop:
            doc["answers"].pop(key, None)
        if measurements is not None:
            doc["measurements"] = measurements
        return doc

    return build


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-snapshots", action="store_true", help="Rewrite HTML snapshots.")
