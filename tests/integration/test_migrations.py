"""The Alembic migrations, on SQLite and on PostgreSQL (``conftest.py`` runs each test on
both, on an empty database of its own): from nothing to the newest schema, all the way
back, and up again; the schema they build is the one the code reads and writes through
(``cde.adapters.db.tables.metadata``); and several processes starting at once on a new
database migrate it once, in turn (``schema_lock``: a lock file beside the SQLite file,
an advisory lock on PostgreSQL).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from cde.adapters.db.engine import alembic_config, create_db_engine
from cde.adapters.db.tables import metadata

# Objects in the database that are not in ``metadata``, on purpose:
# - procrastinate_*: on PostgreSQL, migration 0004 installs procrastinate's own schema (its
#   job tables, types and functions); procrastinate reads and writes them, not our code.
NOT_OURS_PREFIXES = ("procrastinate_",)

pytestmark = pytest.mark.own_database  # an empty database per test, never migrated before

PROCESSES = 4
CHILD = """
import pathlib, sys, time
from cde.adapters.db.engine import create_db_engine, migrate

url, ready, go = sys.argv[1:4]
engine = create_db_engine(url)
pathlib.Path(ready).touch()
deadline = time.monotonic() + 60
while not pathlib.Path(go).exists():  # every process is ready: all start together
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.002)
migrate(engine)
engine.dispose()
print("migrated")
"""


@pytest.fixture
def empty_url(database_url: str | None, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or a fresh PostgreSQL database."""
    return database_url or f"sqlite:///{(tmp_path / 'data' / 'cde.db').as_posix()}"


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    built = create_db_engine(empty_url)  # as the service makes it (SQLite pragmas, …)
    try:
        yield built
    finally:
        built.dispose()


def _ours(name: str | None, type_: str, *_: Any) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(NOT_OURS_PREFIXES))


def _differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match ``metadata`` (types and
    server defaults compared too); empty when the migrations build exactly that schema."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": _ours,
            },
        )
        return list(compare_metadata(context, metadata))


def _tables(engine: Engine) -> set[str]:
    return {
        name
        for name in inspect(engine).get_table_names()
        if name != "alembic_version" and not name.startswith(NOT_OURS_PREFIXES)
    }


def _head(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def _current(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _leftovers(engine: Engine, backend: str) -> list[str]:
    """Everything in the database but the (empty) ``alembic_version`` table: tables, and
    on PostgreSQL also sequences, types and functions of the public schema."""
    found = [f"table {t}" for t in inspect(engine).get_table_names() if t != "alembic_version"]
    if backend == "postgresql":
        queries = {
            "sequence": "SELECT sequence_name FROM information_schema.sequences"
            " WHERE sequence_schema = 'public'",
            "type": "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = 'public' AND t.typtype IN ('e', 'c', 'd')"
            " AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid)",
            "function": "SELECT p.proname FROM pg_proc p JOIN pg_namespace n"
            " ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
        }
        with engine.connect() as conn:
            for kind, query in queries.items():
                found += [f"{kind} {name}" for name in conn.execute(text(query)).scalars()]
    return found


def test_upgrade_downgrade_and_upgrade_again_give_the_schema_of_the_tables_module(
    engine: Engine, backend: str
) -> None:
    config = alembic_config(engine)

    command.upgrade(config, "head")
    assert _current(engine) == [_head(engine)]
    assert _tables(engine) == set(metadata.tables)
    assert _differences(engine) == []

    command.downgrade(config, "base")
    assert _current(engine) == []
    assert _leftovers(engine, backend) == []

    command.upgrade(config, "head")
    assert _current(engine) == [_head(engine)]
    assert _tables(engine) == set(metadata.tables)
    assert _differences(engine) == []
    # The data migration ran again: the static tokens' tenant exists once.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM tenants")).scalars().all() == ["default"]


def test_upgrading_an_up_to_date_database_changes_nothing(engine: Engine) -> None:
    config = alembic_config(engine)
    command.upgrade(config, "head")
    command.upgrade(config, "head")

    assert _current(engine) == [_head(engine)]
    assert _differences(engine) == []


def test_processes_starting_at_once_on_a_new_database_all_migrate_it(
    engine: Engine, empty_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CDE_")}
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(PROCESSES)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, empty_url, str(flag), str(go)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(flag.exists() for flag in ready):
            assert time.monotonic() < deadline, "the processes did not get ready"
            assert all(child.poll() is None for child in children), "a process died early"
            time.sleep(0.01)
        go.touch()
        outcomes = [(child.wait(timeout=120), *child.communicate()) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()

    for code, out, err in outcomes:
        assert code == 0, err
        assert out.strip() == "migrated", (out, err)
    assert _current(engine) == [_head(engine)]
    assert _tables(engine) == set(metadata.tables)
    assert _differences(engine) == []
