"""Opening the store: which database (`--db URL`, else ASSESS_DB, else a SQLite file in the
user's data folder), its connection settings, and its schema brought up to date."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from assess.domain.errors import UsageError

MIGRATIONS = Path(__file__).parent / "migrations"


def default_path() -> Path:
    """The SQLite file used when no URL is given: $XDG_DATA_HOME/assess/assess.db."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "assess" / "assess.db"


def resolve_url(given: str | None) -> str:
    """The URL to open: `--db`, else ASSESS_DB, else the default SQLite file. A PostgreSQL
    URL without a driver uses psycopg 3."""
    url = given or os.environ.get("ASSESS_DB") or f"sqlite:///{default_path()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"--db: {url!r} is not a database URL (sqlite:///FILE or "
                         "postgresql://USER@HOST/NAME)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername not in ("sqlite", "postgresql+psycopg"):
        raise UsageError(f"--db: {parsed.drivername} is not supported; use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def _sqlite_settings(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers and one writer work at once; foreign keys are off unless asked for;
    # a busy database is waited for rather than failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_store(url: str) -> Engine:
    """An engine on the store at `url` (from resolve_url), its schema upgraded to the newest
    migration. One per URL and process: a forked worker must not share its parent's
    connections."""
    return _open(url, os.getpid())


@cache
def _open(url: str, pid: int) -> Engine:
    parsed = make_url(url)
    shown = parsed.render_as_string()
    if parsed.drivername == "sqlite" and parsed.database:
        try:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--db: cannot open {shown}: its folder cannot be made "
                             f"({exc.strerror})") from None
    engine = create_engine(url, pool_pre_ping=True)
    if parsed.drivername == "sqlite":
        event.listen(engine, "connect", _sqlite_settings)
    try:
        _upgrade(engine)
    except OperationalError as exc:
        # The driver's message spans lines; one line reads better after "error:".
        raise UsageError(f"--db: cannot open {shown}: {' '.join(str(exc.orig).split())}") from None
    return engine


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as conn:
        if inspect(conn).has_table("alembic_version") and \
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head:
            return
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
