"""How ``BodyLimit`` answers a body over the limit so that the client can read its 413:
at once without reading for ``Expect: 100-continue``; otherwise the 413 goes out as soon as
the limit is passed and the rest of the body is read and dropped (bounded in bytes and in
time, never kept) before the response completes and the server closes the connection.

Most tests drive the middleware alone through ASGI messages, with a scripted client; then
through the whole app (TestClient), and through uvicorn (h11 and httptools) on real
sockets. ``cde serve`` itself is in ``tests/e2e/test_body_limit_process.py``."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import tracemalloc
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import Message

from cde.entrypoints.http.middleware import DRAIN_FLOOR_BYTES, BodyLimit

ROUTE = "/kocek/cde/credit-recommendation"
BATCHES = "/kocek/cde/batches"
LIMIT = 2048
TOO_LARGE_ID = "Badan permintaan terlalu besar"
TOO_LARGE_EN = "The request body is too large"


async def _never_called(scope: Any, receive: Any, send: Any) -> None:  # the routes
    raise AssertionError("a refused body must not reach the app")


def _scope(path: str = ROUTE, **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
        "client": ("203.0.113.7", 1),
        "server": ("testserver", 80),
    }


class Client:
    """A scripted client: the body as chunks (``None`` for "the client left"), every
    message the middleware sends, and how much of the body had been read when the
    response started."""

    def __init__(self, chunks: Iterator[bytes | None]) -> None:
        self.chunks = chunks
        self.reads = 0
        self.bytes_read = 0
        self.sent: list[Message] = []
        self.read_when_answered: int | None = None
        self.exhausted = False

    async def receive(self) -> Message:
        self.reads += 1
        chunk = next(self.chunks, None)
        if chunk is None:
            self.exhausted = True
            return {"type": "http.disconnect"}
        self.bytes_read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.read_when_answered = self.bytes_read
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])

    @property
    def body(self) -> dict[str, Any]:
        raw = b"".join(m.get("body", b"") for m in self.sent[1:])
        parsed: dict[str, Any] = orjson.loads(raw)
        return parsed

    @property
    def complete(self) -> bool:
        last = self.sent[-1]
        return last["type"] == "http.response.body" and not last.get("more_body", False)


def _body(size: int, chunk: int = 512) -> Iterator[bytes | None]:
    """A body of ``size`` bytes; its last chunk says so (``more_body`` false)."""
    sent = 0
    while sent < size:
        n = min(chunk, size - sent)
        sent += n
        yield b" " * n
    yield None  # never reached when the last chunk is marked last (see ``_sized``)


def _sized(client: Client, size: int) -> Callable[[], Awaitable[Message]]:
    """``client.receive`` with the last chunk of a ``size``-byte body marked as last."""

    async def receive() -> Message:
        message = await client.receive()
        if message["type"] == "http.request" and client.bytes_read >= size:
            message["more_body"] = False
        return message

    return receive


def _run(middleware: BodyLimit, scope: dict[str, Any], client: Client, size: int) -> None:
    asyncio.run(middleware(scope, _sized(client, size), client.send))


# --- announced (Content-Length) ----------------------------------------------------------


def test_announced_over_the_limit_with_expect_100_continue_is_answered_without_reading() -> None:
    client = Client(_body(10_000))
    scope = _scope(content_length="10000", expect="100-continue")

    _run(BodyLimit(_never_called, LIMIT), scope, client, 10_000)

    assert client.reads == 0  # so the server never says "100 Continue": no body is sent
    assert client.status == 413
    assert client.headers[b"connection"] == b"close"
    assert client.body == {
        "status": "fail",
        "message": TOO_LARGE_ID,
        "error": f"limit {LIMIT} bytes (CDE_MAX_BODY_BYTES)",
    }
    assert client.complete
    assert scope["state"]["audit_outcome"] == "too_large"


def test_announced_over_the_limit_is_answered_first_then_the_body_is_read_and_dropped() -> None:
    size = 100_000
    client = Client(_body(size, chunk=4096))
    scope = _scope(content_length=str(size))

    _run(BodyLimit(_never_called, LIMIT), scope, client, size)

    assert client.read_when_answered == 0  # the 413 went out before any of the body was read
    assert client.bytes_read == size  # ... and all of it was read before the response ended
    assert client.status == 413
    assert client.headers[b"connection"] == b"close"
    assert client.body["message"] == TOO_LARGE_ID
    assert [m.get("more_body", False) for m in client.sent[1:]] == [True, False]
    assert client.complete


def test_announced_above_the_drain_bound_is_answered_at_once_without_reading() -> None:
    client = Client(_body(50_000))
    scope = _scope(content_length="50000")

    _run(BodyLimit(_never_called, LIMIT, drain_bytes=10_000), scope, client, 50_000)

    assert client.reads == 0
    assert client.status == 413
    assert client.headers[b"connection"] == b"close"
    assert client.complete


# --- streamed (chunked) -------------------------------------------------------------------


def test_a_streamed_body_is_answered_when_it_passes_the_limit_and_the_rest_is_dropped() -> None:
    size = 10 * 512
    client = Client(_body(size))
    scope = _scope(transfer_encoding="chunked")

    _run(BodyLimit(_never_called, LIMIT), scope, client, size)

    assert client.read_when_answered == 5 * 512  # 5 x 512 > 2048: answered right then
    assert client.bytes_read == size  # then the other 5 chunks were read and dropped
    assert client.status == 413
    assert client.headers[b"connection"] == b"close"
    assert client.complete


def test_a_streamed_body_that_ends_just_past_the_limit_needs_no_draining() -> None:
    client = Client(_body(LIMIT + 1, chunk=LIMIT + 1))
    scope = _scope(transfer_encoding="chunked")

    _run(BodyLimit(_never_called, LIMIT), scope, client, LIMIT + 1)

    assert client.reads == 1
    assert client.status == 413
    assert [m.get("more_body", False) for m in client.sent[1:]] == [False]


def test_a_streamed_body_past_the_drain_bound_stops_being_read() -> None:
    endless = iter(lambda: b" " * 1000, None)  # a client that never stops
    client = Client(endless)
    scope = _scope(transfer_encoding="chunked")

    asyncio.run(
        BodyLimit(_never_called, LIMIT, drain_bytes=20_000)(scope, client.receive, client.send)
    )

    assert 20_000 < client.bytes_read <= 21_000  # read up to the bound, then closed
    assert client.status == 413
    assert client.headers[b"connection"] == b"close"
    assert client.complete


def test_a_slow_body_stops_being_read_after_the_time_bound() -> None:
    client = Client(_body(LIMIT + 1, chunk=LIMIT + 1))
    stalled = asyncio.Event()  # never set: the client sends nothing more

    async def receive() -> Message:
        if client.reads == 0:
            message = await client.receive()  # the first chunk passes the limit
            return message
        client.reads += 1
        await stalled.wait()
        raise AssertionError("unreachable")

    scope = _scope(transfer_encoding="chunked")
    start = time.monotonic()
    asyncio.run(BodyLimit(_never_called, LIMIT, drain_seconds=0.2)(scope, receive, client.send))
    elapsed = time.monotonic() - start

    assert 0.2 <= elapsed < 2.0
    assert client.status == 413
    assert client.complete


def test_a_client_that_leaves_while_its_body_is_dropped_ends_the_response() -> None:
    def leaving() -> Iterator[bytes | None]:
        yield from (b" " * 1000 for _ in range(5))
        yield None  # http.disconnect

    client = Client(leaving())
    scope = _scope(transfer_encoding="chunked")

    asyncio.run(BodyLimit(_never_called, LIMIT)(scope, client.receive, client.send))

    assert client.exhausted
    assert client.status == 413
    assert client.complete


def test_dropped_chunks_are_not_kept() -> None:
    size = 48 * 1024 * 1024  # under the default drain bound (16 MiB or 4 x the limit)
    mib = 1024 * 1024

    def fresh_chunks() -> Iterator[bytes | None]:
        for _ in range(size // mib):
            yield bytes(mib)  # a new 1 MiB object each time

    client = Client(fresh_chunks())
    scope = _scope(content_length=str(size))
    tracemalloc.start()
    try:
        _run(BodyLimit(_never_called, 16 * mib), scope, client, size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert client.bytes_read == size
    assert client.status == 413
    assert peak < 8 * mib  # a few chunks at most, never the body


# --- languages, per-path limits, bounds ---------------------------------------------------


def test_the_413_keeps_its_language_and_the_batch_setting() -> None:
    client = Client(_body(100_000, chunk=10_000))
    scope = _scope(BATCHES, content_length="100000", accept_language="en")

    middleware = BodyLimit(_never_called, LIMIT, per_path={BATCHES: 50_000})
    _run(middleware, scope, client, 100_000)

    assert client.body == {
        "status": "fail",
        "message": TOO_LARGE_EN,
        "error": "limit 50000 bytes (CDE_MAX_BATCH_BYTES)",
    }
    assert client.bytes_read == 100_000


def test_the_drain_bound_is_16_mib_or_4_times_the_limit() -> None:
    middleware = BodyLimit(_never_called, LIMIT, per_path={BATCHES: 64 * 1024 * 1024})

    assert middleware.drain_cap(LIMIT) == DRAIN_FLOOR_BYTES == 16 * 1024 * 1024
    assert middleware.drain_cap(64 * 1024 * 1024) == 256 * 1024 * 1024
    assert BodyLimit(_never_called, LIMIT, drain_bytes=123).drain_cap(LIMIT) == 123


# --- through the whole app ----------------------------------------------------------------


def _requests_413(client: Any) -> float:
    """``cde_http_requests_total`` for POST answered 413, from ``/metrics``."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return sum(
        s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
        if s.name == "cde_http_requests_total"
        and s.labels.get("method") == "POST"
        and s.labels.get("status") == "413"
    )


@pytest.mark.parametrize("streamed", [False, True], ids=["announced", "streamed"])
def test_the_app_answers_413_with_connection_close_and_still_audits_and_counts_it(
    make_client: Any, kocek_headers: dict[str, str], streamed: bool
) -> None:
    container, client = make_client(max_body_bytes=2048)
    body = b'{"pad": "' + b"x" * 9000 + b'"}'
    content: Any = (
        iter([body[i : i + 1000] for i in range(0, len(body), 1000)]) if streamed else body
    )
    before = _requests_413(client)

    response = client.post(
        ROUTE, content=content, headers={**kocek_headers, "Accept-Language": "en"}
    )

    assert response.status_code == 413
    assert response.headers["connection"] == "close"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json() == {
        "status": "fail",
        "message": TOO_LARGE_EN,
        "error": "limit 2048 bytes (CDE_MAX_BODY_BYTES)",
    }
    entries = [s.entry for s in container.audit.entries()]
    assert [(e.status_code, e.outcome) for e in entries] == [(413, "too_large")]
    assert _requests_413(client) == before + 1


# --- through uvicorn, both HTTP/1.1 implementations ---------------------------------------

BIG = 12 * 1024 * 1024  # more than loopback socket buffers hold, less than the drain bound


@contextmanager
def _uvicorn(http: str) -> Iterator[int]:
    """``BodyLimit`` alone (no route accepts anything) served by uvicorn in a thread."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        BodyLimit(_never_called, LIMIT),
        host="127.0.0.1",
        port=port,
        http=http,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{http}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _urllib_post(port: int, data: bytes | Iterator[bytes]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{ROUTE}", data=data, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    error = refused.value
    return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_uvicorn_delivers_the_413_to_write_first_clients_and_to_expect_100_continue(
    http: str,
) -> None:
    expected = {
        "status": "fail",
        "message": TOO_LARGE_ID,
        "error": f"limit {LIMIT} bytes (CDE_MAX_BODY_BYTES)",
    }
    chunked = (b" " * 65536 for _ in range(BIG // 65536))
    with _uvicorn(http) as port:
        for data in (b" " * BIG, chunked):  # urllib writes it all, then reads
            status, headers, body = _urllib_post(port, data)
            assert (status, headers["connection"], orjson.loads(body)) == (413, "close", expected)

        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(
                f"POST {ROUTE} HTTP/1.1\r\nHost: x\r\nContent-Length: {BIG}\r\n"
                "Expect: 100-continue\r\n\r\n".encode()
            )  # and no body
            received = b""
            while chunk := sock.recv(65536):  # until the server closes
                received += chunk
        assert received.startswith(b"HTTP/1.1 413 "), received[:100]  # no "100 Continue"
        assert orjson.loads(received.partition(b"\r\n\r\n")[2]) == expected
