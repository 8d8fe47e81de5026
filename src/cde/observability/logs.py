"""Structured logs: one JSON object per line, a request id on every line of a request,
personal data masked.

Both kinds of logger write the same lines through one :class:`ProcessorFormatter` on the
stdlib handler:

* stdlib loggers (``logging.getLogger("cde.http")``, uvicorn's, libraries') — their
  records pass through the formatter's ``foreign_pre_chain``;
* structlog loggers (``structlog.stdlib.get_logger("cde.jobs")``) — :func:`configure_structlog`
  routes them into stdlib logging, so they obey the same levels and handlers.

A line (``CDE_LOG_FORMAT=json``; the default when stderr is not a terminal)::

    {"timestamp": "2025-01-31T08:15:02.123456Z", "level": "error", "logger": "cde.http",
     "message": "evaluation failed (request 4f0c…)", "request_id": "4f0c…",
     "exception": "Traceback (most recent call last): …"}

``timestamp`` is ISO 8601 in UTC; ``level`` is lower-case; ``request_id`` is present when
the line was written while serving a request (:class:`RequestContext` binds it in a
contextvar; worker threads of the request inherit it); ``exception`` holds the traceback
when there is one; other key/values given to a structlog logger follow. Every value
(message, traceback, extra fields) has NIK-like digit runs masked with
:func:`cde.domain.masking.mask_text` — the request id alone is left as it is.

``CDE_LOG_FORMAT=text`` (the default on a terminal) gives the same fields as one readable
line.
"""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Mapping
from typing import Any

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send
from structlog.types import EventDict, Processor, WrappedLogger

from cde.domain.masking import mask_text

__all__ = [
    "RequestContext",
    "configure_logging",
    "configure_structlog",
    "formatter",
    "formatter_for_dictconfig",
    "mask_event",
]

# The first keys of every line, in this order; the rest follow as given.
_FIRST = ("timestamp", "level", "logger", "message", "request_id")
# Values that are never personal data (and must stay intact to correlate lines).
_UNMASKED = frozenset({"timestamp", "level", "logger", "request_id"})

_timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp")


def _shared() -> list[Processor]:
    """What every line gets, whichever logger wrote it."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        _timestamper,
    ]


def _masked(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int | float):
        text = str(value)
        masked = mask_text(text)
        return value if masked == text else masked  # a NIK given as a number
    if isinstance(value, Mapping):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v) for v in value]
    return mask_text(str(value))  # what would have been written, masked


def mask_event(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Order the keys (:data:`_FIRST` first) and mask NIK-like digit runs in every value
    but the timestamp, level, logger name and request id. Runs after the traceback has
    been rendered to text, so the traceback is masked too."""
    ordered: EventDict = {}
    for key in _FIRST:
        if key in event_dict:
            ordered[key] = event_dict[key]
    for key, value in event_dict.items():
        if key not in ordered:
            ordered[key] = value
    return {k: (v if k in _UNMASKED else _masked(v)) for k, v in ordered.items()}


def _render_text(_: WrappedLogger, __: str, event_dict: EventDict) -> str:
    """``2025-01-31T08:15:02.123456Z ERROR    cde.http [4f0c…]: message key=value``
    and the traceback, if any, on the following lines."""
    ed = dict(event_dict)
    timestamp = ed.pop("timestamp", "")
    level = str(ed.pop("level", "")).upper()
    logger = ed.pop("logger", "")
    message = ed.pop("message", "")
    request_id = ed.pop("request_id", None)
    exception = ed.pop("exception", None)
    line = f"{timestamp} {level:<8} {logger}"
    if request_id is not None:
        line += f" [{request_id}]"
    line += f": {message}"
    if ed:
        line += " " + " ".join(f"{k}={v!r}" for k, v in ed.items())
    if exception:
        line += "\n" + str(exception)
    return line


def formatter(json: bool = True) -> structlog.stdlib.ProcessorFormatter:
    """The formatter for a stdlib handler: JSON lines (or readable text) from stdlib and
    structlog records alike, masked."""
    renderer: Processor = structlog.processors.JSONRenderer() if json else _render_text
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            mask_event,
            renderer,
        ],
    )


def configure_structlog() -> None:
    """Route structlog loggers into stdlib logging (levels, handlers and the formatter
    above). Idempotent; the processors are the same on every call."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter_for_dictconfig(json: bool = True) -> structlog.stdlib.ProcessorFormatter:
    """The ``()`` factory named by :func:`~cde.observability.logging_config.logging_config`:
    configuring stdlib logging from that dict (as uvicorn does in each of its worker processes) also
    routes structlog into it, so one ``log_config`` sets up both."""
    configure_structlog()
    return formatter(json)


def configure_logging(level: str, json: bool = True) -> None:
    """Set up structlog and stdlib logging for this process (scripts): the ``cde`` and
    ``uvicorn`` loggers write JSON lines (or text with ``json=False``) to stderr, masked.
    The commands choose ``json`` by ``Settings.log_json`` (``CDE_LOG_FORMAT``)."""
    from cde.observability.logging_config import (
        logging_config,  # here: logging_config names this module
    )

    configure_structlog()
    logging.config.dictConfig(logging_config(level, json=json))


class RequestContext:
    """Bind the request id (``scope['state']['request_id']``, set by
    :class:`cde.entrypoints.http.middleware.RequestId`) into structlog's contextvars for
    the duration of the request, so that every line logged while serving it — from any
    logger, in the event loop or a worker thread — carries it; unbound afterwards.

    Must run *inside* ``RequestId`` (added to the app before it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id") if scope["type"] == "http" else None
        if request_id is None:
            await self.app(scope, receive, send)
            return
        tokens = structlog.contextvars.bind_contextvars(request_id=str(request_id))
        try:
            await self.app(scope, receive, send)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
