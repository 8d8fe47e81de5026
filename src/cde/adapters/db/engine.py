"""Creating the SQLAlchemy engine and bringing the schema up to date (Alembic)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

__all__ = ["create_db_engine", "migrate", "schema_lock", "sqlite_path"]

_MIGRATIONS = Path(__file__).with_name("migrations")


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_db_engine(url: str, *, sqlite_synchronous: str = "FULL") -> Engine:
    """An engine; for SQLite, the data directory is created and every connection runs in
    WAL mode with foreign keys on and a busy timeout."""
    path = sqlite_path(url)
    kwargs: dict[str, Any] = {}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        synchronous = sqlite_synchronous

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


_ADVISORY_KEY = 0x43444531  # "CDE1": the PostgreSQL advisory lock of schema changes


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """One process at a time, across the machine (SQLite: a lock file beside the database)
    or the cluster (PostgreSQL: an advisory lock): for migrations and first-start set-up."""
    path = sqlite_path(str(engine.url))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                conn.commit()
        return
    yield


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema (idempotent; safe on every start, and
    safe when several processes start at once: they take turns)."""
    with schema_lock(engine):
        command.upgrade(alembic_config(engine), "head")
