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


# --- the store's two back ends ---------------------------------------------------------------
# A real PostgreSQL server, started once per test process on 127.0.0.1 from Debian's
# binaries (initdb and pg_ctl; as the postgres user when the tests run as root), and a real
# SQLite file per test. No mock database.
PG_BIN = Path(os.environ.get("ASSESS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_server() -> Any:
    import shutil
    import subprocess
    import tempfile

    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not installed ({PG_BIN}/initdb); .ci/run installs it")
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}/initdb): the store's PostgreSQL tests "
                    "did not run")
    # Not under pytest's own temporary folder: the postgres user cannot enter root's.
    base = Path(tempfile.mkdtemp(prefix="assess-pg-"))
    data = base / "data"
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the server runs as the postgres user.
        shutil.chown(base, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*as_postgres, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o",
                    f"-k {base} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store on each back end."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    import uuid

    import psycopg

    server: str = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
