"""PostgreSQL helpers of ``scripts/cluster`` (run with the project's ``.venv/bin/python``).

    cluster_pg.py ensure-db ADMIN_DSN NAME        create database NAME unless it exists
    cluster_pg.py wait-workers DSN N TIMEOUT      wait until N procrastinate workers heartbeat
    cluster_pg.py workers DSN                     one line per live procrastinate worker

``ADMIN_DSN`` is a libpq URL of the server's maintenance database
(``postgresql://postgres@127.0.0.1:5432/postgres``); ``DSN`` one of the cluster's database.
Exit status 0 on success, 1 on failure (the reason on stderr).
"""

from __future__ import annotations

import re
import sys
import time

import psycopg
from psycopg import sql

CONNECT_TIMEOUT = 3
# A worker is live when it heartbeat within this many seconds (cde workers beat every 2 s).
LIVE_SECONDS = 10
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def ensure_db(admin_dsn: str, name: str) -> int:
    if not _NAME.match(name):
        print(f"error: database name {name!r}: letters, digits and _ only", file=sys.stderr)
        return 1
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found:
            print(f"database {name} exists")
            return 0
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"database {name} created")
    return 0


_LIVE = (
    "SELECT id, round(extract(epoch FROM now() - last_heartbeat)::numeric, 1)"
    " FROM procrastinate_workers"
    " WHERE last_heartbeat > now() - make_interval(secs => %s) ORDER BY id"
)


def _live(conn: psycopg.Connection[tuple[object, ...]]) -> list[tuple[object, ...]]:
    try:
        return conn.execute(_LIVE, (LIVE_SECONDS,)).fetchall()
    except psycopg.errors.UndefinedTable:  # not migrated yet
        conn.rollback()
        return []


def wait_workers(dsn: str, wanted: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    live: list[tuple[object, ...]] = []
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                while time.monotonic() < deadline:
                    live = _live(conn)
                    if len(live) >= wanted:
                        return 0
                    time.sleep(0.25)
        except psycopg.OperationalError:
            time.sleep(0.5)
    print(
        f"error: {len(live)} of {wanted} workers heartbeating after {timeout:g} s", file=sys.stderr
    )
    return 1


def workers(dsn: str) -> int:
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            live = _live(conn)
            queued = conn.execute(
                "SELECT count(*) FILTER (WHERE status = 'todo'),"
                " count(*) FILTER (WHERE status = 'doing'),"
                " count(*) FILTER (WHERE status = 'succeeded'),"
                " count(*) FILTER (WHERE status = 'failed')"
                " FROM procrastinate_jobs"
            ).fetchone()
    except psycopg.Error as exc:
        print(f"database: unreachable ({str(exc).strip().splitlines()[0]})")
        return 1
    print(f"procrastinate workers heartbeating: {len(live)}")
    for worker_id, age in live:
        print(f"  worker {worker_id}: last heartbeat {age} s ago")
    if queued is not None:
        todo, doing, done, failed = queued
        print(f"jobs: {todo} todo, {doing} doing, {done} succeeded, {failed} failed")
    return 0


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 3 and argv[0] == "ensure-db":
            return ensure_db(argv[1], argv[2])
        if len(argv) == 4 and argv[0] == "wait-workers":
            return wait_workers(argv[1], int(argv[2]), float(argv[3]))
        if len(argv) == 2 and argv[0] == "workers":
            return workers(argv[1])
    except psycopg.Error as exc:
        print(f"error: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
