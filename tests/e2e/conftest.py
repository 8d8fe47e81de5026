"""Fixtures for the end-to-end tests: the real ``cde serve`` as a subprocess on a free
port and its own data directory, driven over real sockets with ``httpx``.

The child gets a clean environment: every ``CDE_*`` variable of the caller is dropped
(so a developer's ``CDE_API_TOKENS`` never leaks in) and it runs in the test's temporary
directory (so no ``.env`` file is picked up).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from processes import terminate  # tests/ (pytest's pythonpath)

REPO = Path(__file__).resolve().parents[2]

SEED_FILE = REPO / "examples" / "seed_request.json"
CLI = [sys.executable, "-c", "from cde.entrypoints.cli import main; main()"]
STARTUP_TIMEOUT = 20.0

# A generated token: "cde_" + secrets.token_urlsafe(32), i.e. 43 URL-safe characters.
TOKEN_RE = re.compile(r"\bcde_[A-Za-z0-9_-]{40,}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CDE_")}
    env["CDE_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "200"  # rich never wraps the token line
    env.update(overrides)
    return env


class Service:
    """One running ``cde serve`` process; its stderr is collected line by line by a
    thread, since the process keeps running."""

    def __init__(self, data_dir: Path, cwd: Path, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert self.proc.stderr is not None
        self._reader = threading.Thread(
            target=self._collect, args=(self.proc.stderr,), name="cde-stderr", daemon=True
        )
        self._reader.start()

    def _collect(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def tokens_printed(self) -> list[str]:
        return TOKEN_RE.findall(self.stderr)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                self._reader.join(timeout=2)
                pytest.fail(f"cde serve exited with {code} before answering:\n{self.stderr}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"cde serve did not answer /health in {timeout} s:\n{self.stderr}")
            time.sleep(0.05)

    def wait_exit(self, timeout: float = 10.0) -> int:
        """Wait for the process to end (and for its stderr to be read); its exit code."""
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=2)
        return code

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 10.0)
        return httpx.Client(base_url=self.base_url, **kwargs)

    def stop(self) -> None:
        terminate(self.proc, grace=5)
        self._reader.join(timeout=2)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


StartService = Callable[..., Service]
RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED_FILE.read_bytes()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _starter(default_dir: Path, cwd: Path, started: list[Service]) -> StartService:
    def start(data_dir: Path | None = None, **env: str) -> Service:
        """Start ``cde serve`` (extra ``CDE_*`` settings as keywords) and wait for it."""
        chosen = data_dir or default_dir
        service = Service(chosen, cwd, child_env(chosen, **env))
        started.append(service)
        service.wait_ready()
        return service

    return start


@pytest.fixture
def start_service(data_dir: Path, tmp_path: Path) -> Iterator[StartService]:
    """Start services on the test's data directory; all are stopped afterwards."""
    started: list[Service] = []
    try:
        yield _starter(data_dir, tmp_path, started)
    finally:
        for service in started:
            service.stop()


@pytest.fixture(scope="module")
def module_start_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartService]:
    """Like ``start_service``, for a service shared by a module's tests."""
    root = tmp_path_factory.mktemp("e2e-module")
    started: list[Service] = []
    try:
        yield _starter(root / "data", root, started)
    finally:
        for service in started:
            service.stop()


@pytest.fixture
def cli_env(data_dir: Path) -> Callable[..., dict[str, str]]:
    """The environment a child process gets (extra ``CDE_*`` settings as keywords)."""

    def make(**overrides: str) -> dict[str, str]:
        return child_env(data_dir, **overrides)

    return make


@pytest.fixture
def run_cli(data_dir: Path, tmp_path: Path) -> RunCli:
    """Run a ``cde`` command as its own process on the test's data directory."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args],
            env=child_env(data_dir, **env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    return run
