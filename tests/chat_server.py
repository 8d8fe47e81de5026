"""A real HTTP server on loopback that speaks the OpenAI Chat Completions protocol.

It stands in for a hosted LLM in tests and benchmarks: the real ``openai`` SDK talks to it
unchanged (``OpenAI(base_url=server.base_url, api_key="test")``). Each test scripts the
replies (a JSON answer, an HTTP error, a slow answer, a broken body, a dropped connection)
and afterwards reads back every request the server received.

Stdlib only: ``http.server.ThreadingHTTPServer`` on ``127.0.0.1`` with an OS-chosen port,
served from a daemon thread.

Routes (everything under ``/v1``):

* ``POST /v1/chat/completions``: a ``chat.completion`` object built from the next scripted
  :class:`Reply` (or the ``default``). ``stream=true`` is refused with a 400.
* ``GET /v1/models``: a list holding one model.
* anything else: 404 with an OpenAI-style ``Invalid URL`` error.

Every route but an unknown one requires ``Authorization: Bearer <something>`` (401 without
it); a chat body that is not a JSON object gets a 400. Only a request that passes those
checks takes a scripted reply; every request (including refused ones) is recorded in
:attr:`ChatServer.requests`.

The tests import it by name (``tests/`` is on pytest's ``pythonpath``, pyproject.toml)::

    import chat_server
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeAlias
from urllib.parse import urlsplit

__all__ = ["DEFAULT_MODEL", "ChatServer", "Reply", "ReplySource", "Request"]

DEFAULT_MODEL = "chat-server-test"
"""The model ``GET /v1/models`` lists (``ChatServer(model=...)`` changes it)."""

_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    # status: (error.type, error.code), as the hosted API sends them
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", None),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", None),
    408: ("timeout", None),
    409: ("invalid_request_error", None),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", None),
    503: ("server_error", "overloaded"),
    504: ("server_error", None),
}


# --- what the client sent ------------------------------------------------------------------


@dataclass
class Request:
    """One HTTP request the server received."""

    path: str
    """The request path, query string included (e.g. ``/v1/chat/completions``)."""
    headers: dict[str, str]
    """The request headers, names lower-cased (``request.headers["authorization"]``)."""
    body: dict[str, Any]
    """The decoded JSON body (``{}`` when there was none or it was not a JSON object)."""
    method: str = "POST"
    raw_body: bytes = b""
    """The body exactly as received."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages = self.body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    def user_json(self) -> Any:
        """``json.loads`` of the content of the last user message."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return json.loads(_text_of(message.get("content")))
        raise LookupError("the request holds no user message")

    def system_text(self) -> str:
        """The content of the system message(s) (``developer`` ones too), joined by newlines."""
        return "\n".join(
            _text_of(message.get("content"))
            for message in self.messages
            if message.get("role") in ("system", "developer")
        )


def _text_of(content: Any) -> str:
    """A message's content as text: a string as is, content parts' text joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


# --- what the server answers ---------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer. Which kind it is, in order of precedence:

    * ``disconnect``: close the connection without answering (the client sees a
      connection error);
    * ``raw_body``: send exactly these bytes with ``status`` and ``content_type``;
    * ``status`` >= 400: an OpenAI-style error body
      ``{"error": {"message", "type", "param", "code"}}``;
    * otherwise: a 200 ``chat.completion`` whose message content is ``content``.

    ``delay``, ``retry_after`` and ``headers`` apply to every kind.
    """

    content: str | None = None
    status: int = 200
    delay: float = 0.0
    """Seconds to wait before answering (interrupted by :meth:`ChatServer.stop`)."""
    retry_after: float | None = None
    """Sets the ``Retry-After`` header (seconds; the SDK accepts fractions)."""
    raw_body: bytes | None = None
    finish_reason: str = "stop"
    message: str | None = None
    """The error message of an error reply (a stock one when ``None``)."""
    content_type: str = "application/json"
    """The ``Content-Type`` of a ``raw_body`` reply."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers (e.g. ``x-should-retry``, ``retry-after-ms``)."""
    disconnect: bool = False

    @staticmethod
    def json(obj: Any, **kw: Any) -> Reply:
        """A completion whose content is ``json.dumps(obj, ensure_ascii=False)``."""
        return Reply(content=json.dumps(obj, ensure_ascii=False), **kw)

    @staticmethod
    def error(
        status: int,
        message: str = "The server had an error while processing your request. Sorry about that!",
        retry_after: float | None = None,
        **kw: Any,
    ) -> Reply:
        """An HTTP error ``status`` with an OpenAI-style error body."""
        return Reply(status=status, message=message, retry_after=retry_after, **kw)


ReplySource: TypeAlias = Reply | Callable[[Request], Reply]
"""A reply, or a function of the request that builds one."""


# --- the server ----------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    chat: ChatServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that hung up (a timeout test) is no error; others are recorded."""
        error = sys.exc_info()[1]
        if error is None or isinstance(error, OSError):
            return
        self.chat.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChatServer/1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server: _HTTPServer

    # -- plumbing

    def setup(self) -> None:
        super().setup()
        self.server.chat._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.chat._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """No request logging to stderr."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # -- routing

    def _dispatch(self) -> None:
        chat = self.server.chat
        raw = self._read_body()
        try:
            decoded: Any = json.loads(raw) if raw else {}
        except (ValueError, UnicodeDecodeError):
            decoded = None
        request = Request(
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=decoded if isinstance(decoded, dict) else {},
            method=self.command,
            raw_body=raw,
        )
        chat._record(request)

        route = (self.command, urlsplit(self.path).path.rstrip("/"))
        if route not in (("POST", "/v1/chat/completions"), ("GET", "/v1/models")):
            self._send_error(404, f"Invalid URL ({self.command} {urlsplit(self.path).path})")
            return
        if not _bearer(request.headers.get("authorization", "")):
            self._send_error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
            return
        if route == ("GET", "/v1/models"):
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": chat.model, "object": "model", "created": 0, "owned_by": "system"}
                    ],
                },
            )
            return
        if not isinstance(decoded, dict):
            self._send_error(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
                "but what was sent was not valid JSON.)",
            )
            return
        if decoded.get("stream"):
            self._send_error(400, "ChatServer does not stream; send stream=false.", param="stream")
            return
        self._answer(request, chat._next_reply(request))

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            return self.rfile.read(int(length))
        except ValueError:
            return b""

    # -- answers

    def _answer(self, request: Request, reply: Reply) -> None:
        chat = self.server.chat
        if reply.delay > 0 and chat._stopping.wait(reply.delay):
            # stop() interrupted the wait: hang up without an answer
            self.close_connection = True
            return
        if reply.disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        headers = dict(reply.headers)
        if reply.retry_after is not None:
            headers["Retry-After"] = _seconds(reply.retry_after)
        if reply.raw_body is not None:
            self._send(reply.status, reply.raw_body, reply.content_type, headers)
        elif reply.status >= 400:
            self._send_error(
                reply.status, reply.message or "ChatServer scripted error", headers=headers
            )
        else:
            self._send_json(reply.status, chat._completion(request, reply), headers)

    def _send_error(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        kind, code = _ERROR_KINDS.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", None)
        )
        body = {
            "error": {
                "message": message,
                "type": kind,
                "param": param,
                "code": code,
            }
        }
        self._send_json(status, body, headers)

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._send(status, data, "application/json", headers)

    def _send(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.send_header("openai-processing-ms", "1")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _bearer(authorization: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _tokens(text: str) -> int:
    return len(text) // 4


class ChatServer:
    """A Chat Completions endpoint on 127.0.0.1, scripted per test.

    ::

        with ChatServer(default=Reply.json({"ok": True})) as server:
            client = OpenAI(base_url=server.base_url, api_key="test")
            server.script(Reply.error(500), Reply.json({"answer": 42}))
            ...
            assert len(server.requests) == 2
    """

    def __init__(self, default: ReplySource | None = None, *, model: str = DEFAULT_MODEL) -> None:
        self.default = default
        self.model = model
        self.requests: list[Request] = []
        """Every request received, in order."""
        self.errors: list[BaseException] = []
        """Exceptions raised while answering (e.g. by a reply callable), in order."""
        self._queue: deque[ReplySource] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = 0
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    @property
    def base_url(self) -> str:
        """The SDK's ``base_url``, e.g. ``http://127.0.0.1:54321/v1``."""
        if self._httpd is None:
            raise RuntimeError("ChatServer is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ChatServer is not started")
        return int(self._httpd.server_address[1])

    def start(self) -> ChatServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.chat = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"chat-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns promptly even while a handler sleeps in a ``delay``."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # wake handlers blocked reading a keep-alive socket
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=1.0)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- scripting

    def script(self, *replies: ReplySource) -> None:
        """Queue replies: each chat request takes the next one; when the queue is empty,
        ``default`` answers (if there is no default: a 500 error reply)."""
        with self._lock:
            self._queue.extend(replies)

    def clear(self) -> None:
        """Drop the queued replies and the recorded requests (and errors)."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.errors.clear()

    @property
    def pending(self) -> int:
        """How many scripted replies are still queued."""
        with self._lock:
            return len(self._queue)

    # -- used by the handler

    def _track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, request: Request) -> Reply:
        with self._lock:
            source = self._queue.popleft() if self._queue else self.default
        if source is None:
            return Reply.error(500, "ChatServer: no scripted reply left and no default")
        if isinstance(source, Reply):
            return source
        try:
            reply = source(request)
        except Exception as error:
            self.errors.append(error)
            return Reply.error(500, f"ChatServer: the reply callable raised {error!r}")
        if not isinstance(reply, Reply):
            self.errors.append(TypeError(f"a reply callable returned {reply!r}, not a Reply"))
            return Reply.error(500, "ChatServer: the reply callable returned no Reply")
        return reply

    def _completion(self, request: Request, reply: Reply) -> dict[str, Any]:
        with self._lock:
            self._ids += 1
            number = self._ids
        prompt = "".join(_text_of(message.get("content")) for message in request.messages)
        prompt_tokens = _tokens(prompt)
        completion_tokens = _tokens(reply.content or "")
        return {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.model or self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": reply.content,
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": "fp_chatserver",
        }
