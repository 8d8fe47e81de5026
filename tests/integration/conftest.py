"""Fixtures for the HTTP integration tests: settings on a temporary SQLite database, a
bootstrapped container, and a TestClient over ``create_app(container)`` (used as a
context manager, so the app's lifespan runs)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from cde.bootstrap import Container, bootstrap
from cde.entrypoints.http.app import create_app
from cde.settings import Settings

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


@pytest.fixture
def make_settings(data_dir: Path) -> MakeSettings:
    """Settings built directly (no environment, no .env file) on the test's database."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "database_url": None,
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
def make_client(make_settings: MakeSettings) -> Iterator[MakeClient]:
    """Build further containers and clients (other settings, or a second process on the
    same database); all are closed at the end of the test."""
    with ExitStack() as stack:

        def make(
            *, raise_server_exceptions: bool = True, **overrides: Any
        ) -> tuple[Container, TestClient]:
            container = bootstrap(make_settings(**overrides))
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
def container(settings: Settings) -> Iterator[Container]:
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), client=PEER) as test_client:
        test_client.event_hooks = {"request": [], "response": [_no_traceback]}
        yield test_client
