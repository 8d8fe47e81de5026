"""Fixtures for the HTTP integration tests: settings on the test's own database, a
bootstrapped container, and a TestClient over ``create_app(container)`` (used as a
context manager, so the app's lifespan runs).

Two databases
-------------
Every test that uses the database (through ``backend``, ``database_url``,
``make_settings``, ``settings``, ``container``, ``client`` or ``make_client``) runs twice:
``[sqlite]`` on a fresh SQLite file in its temporary ``data_dir``, and ``[postgresql]`` on a
PostgreSQL database ``cde_t_<random hex>`` created through psycopg on the server's
``postgres`` database and dropped (``WITH (FORCE)``) at the end (``tests/pg.py``). Every
container a test builds with ``make_client`` shares that one database, like several
processes of one deployment.

- One PostgreSQL database per test module (and xdist worker), migrated once; before each
  test its other connections are ended, every table emptied, every sequence restarted
  (``audit_log.seq`` starts at 1 again) and the rows the migrations wrote (the
  ``default`` tenant) put back (``pg.reset``; DELETE with the foreign keys off rather than
  TRUNCATE, which costs ~0.3 s here). A database per test costs ~0.3-0.45 s to create,
  migrate and drop, the reset ~0.03 s: with one database per test, the [postgresql] half
  of these tests ran ~3.5 times as long as the [sqlite] half.
- ``@pytest.mark.own_database`` gives a test a fresh database of its own instead: for a
  test that drops it, or needs it empty (no migrations run: ``test_migrations.py``).
- PostgreSQL unreachable: the ``[postgresql]`` variants are skipped with the reason, except
  on CI (``CI=true``), where they fail: CI must run both.
- ``@pytest.mark.sqlite_only("why")`` on a test that is about SQLite itself (its file, its
  directory) gives it no ``[postgresql]`` variant; a test that needs to act differently on
  PostgreSQL asks for ``backend`` and branches, saying why.
- The variants carry the ``postgresql`` mark: ``-m "not postgresql"`` runs SQLite only.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

import pg  # tests/pg.py: tests/ is no package, but on pytest's pythonpath (pyproject.toml)
from cde.adapters.db.engine import create_db_engine, migrate
from cde.bootstrap import Container, bootstrap
from cde.entrypoints import cli
from cde.entrypoints.http.app import create_app
from cde.settings import Settings
from clocks import TestClock

with warnings.catch_warnings():
    # starlette warns that plain httpx (rather than httpx2) is deprecated for its TestClient
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
SEED_FILE = REPO / "examples" / "seed_request.json"

TOKEN = "t1"
# The socket address the test client appears to come from (distinct from the `IP` header).
PEER = ("203.0.113.7", 51000)

KOCEK_HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "User-ID": "123",
    "User-Name": "Samehada",
    "User-Role": "Eksekutif",
    "IP": "127.0.0.1",
    "Content-Type": "application/json",
}

PEER_HOST = PEER[0]

MakeSettings = Callable[..., Settings]
MakeClient = Callable[..., tuple[Container, TestClient]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test is about SQLite itself; it gets no [postgresql] variant",
    )
    config.addinivalue_line(
        "markers", "postgresql: the [postgresql] variant of a test (on a PostgreSQL database)"
    )
    config.addinivalue_line(
        "markers",
        "own_database: on PostgreSQL, a fresh empty database for the test alone (not migrated)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``backend`` for every test that (through its fixtures) uses the database: sqlite and
    postgresql, or sqlite alone for ``@pytest.mark.sqlite_only``."""
    if "backend" not in metafunc.fixturenames:
        return
    params = [pytest.param("sqlite", id="sqlite")]
    if metafunc.definition.get_closest_marker("sqlite_only") is None:
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql))
    # module scope: a module's tests are grouped by backend, so that one PostgreSQL
    # database serves all of them (``module_database``)
    metafunc.parametrize("backend", params, scope="module")


def _no_traceback(response: httpx.Response) -> None:
    """Every response seen by any test client: no body ever leaks a Python traceback."""
    response.read()
    assert "Traceback" not in response.text, response.text


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    """The seed application, byte for byte as shipped in ``examples/``."""
    return SEED_FILE.read_bytes()


@pytest.fixture(scope="session")
def seed_file() -> Path:
    return SEED_FILE


@pytest.fixture
def kocek_headers() -> dict[str, str]:
    """All the headers the Kocek platform sends, with a valid bearer token."""
    return dict(KOCEK_HEADERS)


@pytest.fixture(scope="session")
def peer_host() -> str:
    return PEER_HOST


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@dataclass(frozen=True)
class SharedDatabase:
    name: str
    url: str
    migrated: pg.Contents  # what the tables hold right after the migrations


@pytest.fixture(scope="module")
def module_database(backend: str) -> Iterator[SharedDatabase]:
    """PostgreSQL: the module's database, migrated once (see the module's docstring)."""
    assert backend == "postgresql"
    pg.require_postgres()
    with pg.fresh_database() as url:
        engine = create_db_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        name = str(make_url(url).database)
        yield SharedDatabase(name, url, pg.contents(name))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> Iterator[str | None]:
    """The test's database: None on SQLite (the settings' default, ``<data_dir>/cde.db``);
    on PostgreSQL the URL of the module's database, reset to just-migrated, or with
    ``own_database`` of a fresh empty one, dropped when the test ends (FORCE ends any
    connection still open)."""
    if backend == "sqlite":
        yield None
        return
    pg.require_postgres()
    if request.node.get_closest_marker("own_database") is not None:
        with pg.fresh_database() as url:
            yield url
        return
    shared: SharedDatabase = request.getfixturevalue("module_database")
    pg.reset(shared.name, shared.migrated)
    yield shared.url


@pytest.fixture
def database_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment that points the CLI (or a child process) at the test's database."""
    env = {"CDE_DATA_DIR": str(data_dir)}
    if database_url is not None:
        env["CDE_DATABASE_URL"] = database_url
    return env


@pytest.fixture
def make_settings(data_dir: Path, database_url: str | None) -> MakeSettings:
    """Settings built directly (no environment, no .env file) on the test's database."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "database_url": database_url,
            "api_tokens": (TOKEN,),
            "service_enabled": True,
            "timezone": "Asia/Jakarta",
            "policy_file": None,
            "max_body_bytes": 1_048_576,
            "bench_routes": False,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    return make_settings()


@pytest.fixture
def clock() -> TestClock:
    """The test's clock: every container of the test reads "now" from it (never the
    machine's date), starting at ``clocks.TEST_NOW``."""
    return TestClock()


@pytest.fixture(autouse=True)
def _cli_clock(clock: TestClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands run in-process (typer's CliRunner) read the same clock as the
    test's services."""
    monkeypatch.setattr(cli, "clock", clock)


@pytest.fixture
def make_client(make_settings: MakeSettings, clock: TestClock) -> Iterator[MakeClient]:
    """Build further containers and clients (other settings, or a second process on the
    same database); all are closed at the end of the test."""
    with ExitStack() as stack:

        def make(
            *, raise_server_exceptions: bool = True, **overrides: Any
        ) -> tuple[Container, TestClient]:
            container = bootstrap(make_settings(**overrides), clock=clock)
            stack.callback(container.close)
            client = TestClient(
                create_app(container),
                client=PEER,
                raise_server_exceptions=raise_server_exceptions,
            )
            client.event_hooks = {"request": [], "response": [_no_traceback]}
            stack.enter_context(client)
            return container, client

        yield make


@pytest.fixture
def container(settings: Settings, clock: TestClock) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), client=PEER) as test_client:
        test_client.event_hooks = {"request": [], "response": [_no_traceback]}
        yield test_client
