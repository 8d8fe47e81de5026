"""PostgreSQL for the tests: a throw-away database per test (or per module), created and
dropped through psycopg on the server's ``postgres`` database.

The server is the one at ``TEST_POSTGRES_DSN`` (default: ``127.0.0.1:5432`` as
``postgres``, trust authentication, as on the developers' machines and on CI). When it
cannot be reached, :func:`require_postgres` skips the test with the reason, except on CI
(``CI=true``), where the PostgreSQL variants must run and so fail instead.

Import it by name (``import pg``): ``tests/`` is on pytest's ``pythonpath``
(pyproject.toml).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from processes import terminate

__all__ = [
    "DATABASE_PREFIX",
    "Contents",
    "WorkerProcess",
    "admin_dsn",
    "contents",
    "create_database",
    "drop_database",
    "dsn",
    "fresh_database",
    "missing_database_url",
    "on_ci",
    "postgres_available",
    "require_postgres",
    "reset",
    "sqlalchemy_url",
    "unavailable_reason",
]

# Every database the tests create is named so, never anything else (so a person can find
# and drop the leftovers of a killed run: `\l cde_t_*`).
DATABASE_PREFIX = "cde_t_"
_DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
_CONNECT_TIMEOUT = 3  # seconds: an unreachable server must not stall the suite


def admin_dsn() -> str:
    """libpq URL of the maintenance database (``postgres``) the databases are made on."""
    return os.environ.get("TEST_POSTGRES_DSN") or _DEFAULT_DSN


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    # CREATE/DROP DATABASE cannot run inside a transaction block: autocommit.
    return psycopg.connect(admin_dsn(), autocommit=True, connect_timeout=_CONNECT_TIMEOUT)


@functools.cache
def unavailable_reason() -> str | None:
    """Why the server cannot be used (None: it can). Asked once per process."""
    try:
        with _admin() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {_redacted(admin_dsn())} is unreachable: {first_line}"
    return None


def postgres_available() -> bool:
    """Whether the test PostgreSQL server answers (checked once per process)."""
    return unavailable_reason() is None


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is unreachable; on CI (``CI=true``) fail it
    instead, since CI must run every test on both databases."""
    reason = unavailable_reason()
    if reason is None:
        return
    if on_ci():
        pytest.fail(f"{reason} (CI=true: the PostgreSQL variants must run on CI)")
    pytest.skip(reason)


def sqlalchemy_url(database: str) -> str:
    """The SQLAlchemy URL (psycopg 3 driver) of ``database`` on the test server."""
    url = make_url(admin_dsn()).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


def missing_database_url() -> str:
    """A URL on the test server naming a database that does not exist (and never will:
    the suffix is random), for "the database is unreachable" tests."""
    return sqlalchemy_url(f"{DATABASE_PREFIX}missing_{uuid.uuid4().hex}")


def create_database() -> str:
    """Create a new empty database ``cde_t_<random hex>``; its name."""
    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex}"
    with _admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(name: str) -> None:
    """Drop ``name`` even while clients are still connected to it (``WITH (FORCE)``
    terminates them); a database that is gone already is fine."""
    if not name.startswith(DATABASE_PREFIX):  # never anything the tests did not create
        raise ValueError(f"refusing to drop {name!r}: not a test database")
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new database for the duration of the block; yields its SQLAlchemy URL."""
    name = create_database()
    try:
        yield sqlalchemy_url(name)
    finally:
        drop_database(name)


def dsn(database: str) -> str:
    """The libpq URL (for psycopg) of ``database`` on the test server."""
    url = make_url(admin_dsn()).set(database=database)
    return url.render_as_string(hide_password=False)


_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    " AND tablename <> 'alembic_version' ORDER BY tablename"
)


@dataclass(frozen=True)
class Contents:
    """The rows a database's tables hold (all but ``alembic_version``), to reset it to."""

    rows: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]


def contents(database: str) -> Contents:
    """Read every table of ``database``'s public schema (but ``alembic_version``): e.g.
    right after migrating it, the rows the migrations themselves inserted."""
    with psycopg.connect(dsn(database), connect_timeout=_CONNECT_TIMEOUT) as conn:
        tables = [str(t) for (t,) in conn.execute(_TABLES)]
        rows: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {}
        for table in tables:
            cursor = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
            found = cursor.fetchall()
            if found:
                columns = tuple(c.name for c in cursor.description or ())
                rows[table] = (columns, found)
    return Contents(rows)


def reset(database: str, to: Contents) -> None:
    """Put ``database`` back to ``to``, in one transaction: every other connection to it is
    ended, every table there is now emptied (those created since ``to`` was read too, e.g.
    by the service at start), every sequence starts again at 1, and the saved rows are
    written back.

    Emptied with DELETE, foreign keys and triggers off for the transaction
    (``session_replication_role = replica``, a superuser's right, as the tests' ``postgres``
    is): ~0.03 s for the tiny tables of a test, where TRUNCATE (new files for every table
    and index, each synced) takes ~0.3 s. Without superuser rights, TRUNCATE it is."""
    with psycopg.connect(dsn(database), connect_timeout=_CONNECT_TIMEOUT) as conn:
        # A connection left open (idle in a transaction, say) would hold locks.
        conn.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        tables = [sql.Identifier(str(t)) for (t,) in conn.execute(_TABLES)]
        superuser = conn.execute("SELECT current_setting('is_superuser')").fetchone()
        if superuser is not None and superuser[0] == "on":
            conn.execute("SET LOCAL session_replication_role = replica")
            for table in tables:
                conn.execute(sql.SQL("DELETE FROM {}").format(table))
            for (sequence,) in conn.execute(
                "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
                " WHERE schemaname = 'public'"
            ).fetchall():
                conn.execute("SELECT setval(%s::regclass, 1, false)", (sequence,))
        elif tables:
            conn.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(sql.SQL(", ").join(tables))
            )
        for table_name, (columns, rows) in to.rows.items():
            statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(table_name),
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                sql.SQL(", ").join(sql.Placeholder() for _ in columns),
            )
            with conn.cursor() as cursor:
                cursor.executemany(statement, rows)


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


_CLI = "from cde.entrypoints.cli import main; main()"


class WorkerProcess:
    """``cde worker`` as a process on a PostgreSQL database (procrastinate)."""

    def __init__(
        self, url: str, cwd: Path, concurrency: int = 2, env: dict[str, str] | None = None
    ) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.upper().startswith("CDE_")}
        environ.update({"CDE_DATABASE_URL": url, "CDE_DATA_DIR": str(cwd / "data")})
        environ.update(env or {})
        environ["PYTHONUNBUFFERED"] = "1"
        self.log = cwd / f"worker-{uuid.uuid4().hex[:8]}.log"
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CLI, "worker", "--concurrency", str(concurrency)],
            env=environ,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        terminate(self.proc)
        self._out.close()
