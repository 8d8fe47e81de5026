"""Logging for the service: one format, and personal data masked in every line.

:func:`logging_config` is the ``logging.config.dictConfig`` that ``cde serve`` gives
uvicorn: the ``cde`` and ``uvicorn`` loggers write to stderr through the structlog
formatter of :mod:`cde.observability.logs` — one JSON object per line for a log shipper,
or a readable line for a person (``Settings.log_json``: ``CDE_LOG_FORMAT``, by default
text on a terminal and JSON otherwise) — and structlog loggers are routed into the same
handler. See ``docs/operations.md``.

:class:`MaskingFilter` rewrites each record's message so that NIK-like digit runs are
masked (``5171********0001``); names never reach the logs (the audit keeps them masked).
The formatter masks every value of a line again (traceback and extra fields included).
"""

from __future__ import annotations

import logging
from typing import Any

from cde.domain.masking import mask_text

__all__ = ["MaskingFilter", "logging_config"]


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            # A structlog event on its way to the ProcessorFormatter: it masks the event.
            return True
        try:
            text = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        masked = mask_text(text)
        if masked != text:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            # Handlers run filters before formatting: render the traceback now to mask it.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def logging_config(level: str, *, json: bool) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn and cde, with masking on every handler;
    ``json`` chooses JSON lines (True) or readable text (False)."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask": {"()": "cde.observability.logging_config.MaskingFilter"}},
        "formatters": {
            "structured": {
                "()": "cde.observability.logs.formatter_for_dictconfig",
                "json": json,
            },
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "filters": ["mask"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "cde": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }
