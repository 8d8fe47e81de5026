"""Bodies over the limit against the real ``cde serve``, over real sockets, with the
clients that write the whole body before reading (``urllib.request``): they get their 413
(the server reads and drops the rest of the body before it closes) up to the drain bound;
a client that sends ``Expect: 100-continue`` gets it before sending any body; far above
the bound the server answers and closes at once (a reset, or the 413 if the client read
it in time), and it goes on answering. See docs/api.md, "Bodies over the limit"."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from cde.entrypoints.http.middleware import DRAIN_FLOOR_BYTES

if TYPE_CHECKING:  # the fixtures' types; at run time pytest provides the fixtures
    from conftest import Service, StartService

pytestmark = pytest.mark.e2e

ROUTE = "/kocek/cde/credit-recommendation"
LIMIT = 4096
ENVELOPE = {
    "status": "fail",
    "message": "Badan permintaan terlalu besar",
    "error": f"limit {LIMIT} bytes (CDE_MAX_BODY_BYTES)",
}
# More than the socket buffers hold (a few MB on loopback: a smaller body can slip into
# them whole and the client may read the 413 anyway), less than the drain bound (16 MiB).
UNDER_THE_DRAIN_BOUND = 12 * 1024 * 1024
OVER_THE_DRAIN_BOUND = 40 * 1024 * 1024


@pytest.fixture(scope="module")
def service(module_start_service: StartService) -> Service:
    return module_start_service(CDE_API_TOKENS="secret1", CDE_MAX_BODY_BYTES=str(LIMIT))


def _post(service: Service, data: bytes | Iterator[bytes]) -> tuple[int, dict[str, str], bytes]:
    """POST with ``urllib.request``: it writes the whole body, then reads (and it asks the
    server to close the connection afterwards). Status, headers (lower-case), body."""
    request = urllib.request.Request(
        service.base_url + ROUTE,
        data=data,
        method="POST",
        headers={"Authorization": "Bearer secret1", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return status, {k.lower(): v for k, v in headers.items()}, body


def _chunks(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, size, chunk):
        yield b" " * min(chunk, size - start)


def _assert_413(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 413, body[:500]
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert orjson.loads(body) == ENVELOPE


def _assert_still_serving(service: Service) -> None:
    assert service.proc.poll() is None, service.stderr
    with urllib.request.urlopen(service.base_url + "/health", timeout=5) as response:
        assert response.status == 200
    assert "Traceback" not in service.stderr
    assert "Exception in ASGI application" not in service.stderr


def test_a_write_first_client_gets_its_413_for_an_announced_body(service: Service) -> None:
    start = time.monotonic()

    _assert_413(*_post(service, b" " * UNDER_THE_DRAIN_BOUND))

    assert time.monotonic() - start < 5
    _assert_still_serving(service)


def test_a_write_first_client_gets_its_413_for_a_chunked_body(service: Service) -> None:
    _assert_413(*_post(service, _chunks(UNDER_THE_DRAIN_BOUND)))
    _assert_still_serving(service)


def test_expect_100_continue_gets_the_413_before_sending_any_body(service: Service) -> None:
    head = (
        f"POST {ROUTE} HTTP/1.1\r\nHost: 127.0.0.1:{service.port}\r\n"
        "Authorization: Bearer secret1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {UNDER_THE_DRAIN_BOUND}\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as sock:
        sock.sendall(head)  # and never a byte of the body
        received = b""
        while chunk := sock.recv(65536):  # until the server closes the connection
            received += chunk

    assert received.startswith(b"HTTP/1.1 413 "), received[:200]  # and no "100 Continue"
    raw_head, _, body = received.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")[1:]
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    _assert_413(413, headers, body)
    _assert_still_serving(service)


@pytest.mark.parametrize("chunked", [False, True], ids=["announced", "chunked"])
def test_far_above_the_drain_bound_the_server_answers_and_closes_and_keeps_serving(
    service: Service, chunked: bool
) -> None:
    assert OVER_THE_DRAIN_BOUND > DRAIN_FLOOR_BYTES  # 16 MiB: 4 x 4096 is less
    body = _chunks(OVER_THE_DRAIN_BOUND) if chunked else b" " * OVER_THE_DRAIN_BOUND
    start = time.monotonic()

    outcome: Any
    try:
        outcome = _post(service, body)
    except (urllib.error.URLError, ConnectionError) as error:  # reset or broken pipe
        outcome = error
    elapsed = time.monotonic() - start

    if isinstance(outcome, tuple):  # the client happened to read the 413 before the reset
        _assert_413(*outcome)
    else:
        reason = getattr(outcome, "reason", outcome)
        assert isinstance(reason, ConnectionError), repr(outcome)
    assert elapsed < 10  # not hung: at most the drain bound (16 MiB, 5 s) was read
    _assert_still_serving(service)
    _assert_413(*_post(service, b" " * UNDER_THE_DRAIN_BOUND))  # and the next one is fine
