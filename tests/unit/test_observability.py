"""Structured logs: JSON lines from stdlib and structlog loggers alike, the request id on
every line of a request, NIKs masked in messages, fields and tracebacks."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest
import structlog
from fastapi import FastAPI
from pydantic import ValidationError

from cde.entrypoints.http.middleware import RequestId
from cde.observability.logging_config import MaskingFilter, logging_config
from cde.observability.logs import (
    RequestContext,
    configure_logging,
    configure_structlog,
    formatter,
)
from cde.settings import Settings

with warnings.catch_warnings():
    # starlette warns that plain httpx (rather than httpx2) is deprecated for its TestClient
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NIK = "5171011004840001"
MASKED = "5171********0001"
LOGGER = "cde.test_observability"


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A handler as ``logging_config`` builds it (formatter and masking filter) on a
    logger of our own, writing into a buffer."""
    configure_structlog()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter(json=True))
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger(LOGGER)
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        structlog.contextvars.clear_contextvars()


def test_a_stdlib_line_is_one_json_object_with_the_standard_fields(
    captured: io.StringIO,
) -> None:
    logging.getLogger(LOGGER + ".http").warning("disk at %d%%", 91)
    [line] = _lines(captured)
    assert list(line)[:4] == ["timestamp", "level", "logger", "message"]
    assert line["level"] == "warning"
    assert line["logger"] == LOGGER + ".http"
    assert line["message"] == "disk at 91%"
    assert "request_id" not in line  # none bound
    assert line["timestamp"].endswith("Z")
    moment = datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00"))
    assert moment.tzinfo is not None
    assert abs((datetime.now(UTC) - moment).total_seconds()) < 60


def test_a_structlog_line_has_the_same_shape_and_its_fields(captured: io.StringIO) -> None:
    structlog.stdlib.get_logger(LOGGER + ".jobs").info("job done", kind="batch", items=3)
    [line] = _lines(captured)
    assert list(line)[:4] == ["timestamp", "level", "logger", "message"]
    assert line["level"] == "info"
    assert line["logger"] == LOGGER + ".jobs"
    assert line["message"] == "job done"
    assert line["kind"] == "batch"
    assert line["items"] == 3


def test_the_bound_request_id_is_on_lines_of_both_kinds(captured: io.StringIO) -> None:
    with structlog.contextvars.bound_contextvars(request_id="req-42"):
        logging.getLogger(LOGGER).info("from stdlib")
        structlog.stdlib.get_logger(LOGGER).info("from structlog")
    logging.getLogger(LOGGER).info("after")
    first, second, after = _lines(captured)
    assert first["request_id"] == "req-42"
    assert second["request_id"] == "req-42"
    assert "request_id" not in after


def test_levels_apply_to_structlog_loggers_too(captured: io.StringIO) -> None:
    logging.getLogger(LOGGER).setLevel(logging.WARNING)
    structlog.stdlib.get_logger(LOGGER).info("hidden")
    structlog.stdlib.get_logger(LOGGER).warning("shown")
    assert [line["message"] for line in _lines(captured)] == ["shown"]


def test_a_nik_is_masked_in_messages_and_fields(captured: io.StringIO) -> None:
    logging.getLogger(LOGGER).info("nik %s tidak cocok", NIK)
    logging.getLogger(LOGGER).info(f"nik {NIK} langsung")
    structlog.stdlib.get_logger(LOGGER).info(
        f"event {NIK}", nik=NIK, as_number=int(NIK), nested={"list": [NIK]}
    )
    written = captured.getvalue()
    assert NIK not in written
    one, two, three = _lines(captured)
    assert one["message"] == f"nik {MASKED} tidak cocok"
    assert two["message"] == f"nik {MASKED} langsung"
    assert three["message"] == f"event {MASKED}"
    assert three["nik"] == MASKED
    assert three["as_number"] == MASKED
    assert three["nested"] == {"list": [MASKED]}


def _fail_with_nik() -> None:
    raise RuntimeError(f"NIK {NIK} tidak cocok")


def test_a_nik_in_a_traceback_is_masked_for_both_kinds(captured: io.StringIO) -> None:
    try:
        _fail_with_nik()
    except RuntimeError:
        logging.getLogger(LOGGER).exception("evaluation failed")
        structlog.stdlib.get_logger(LOGGER).exception("evaluation failed again")
    assert NIK not in captured.getvalue()
    for line in _lines(captured):
        assert line["level"] == "error"
        assert "Traceback (most recent call last)" in line["exception"]
        assert "_fail_with_nik" in line["exception"]
        assert f"RuntimeError: NIK {MASKED} tidak cocok" in line["exception"]


def test_the_text_format_is_one_readable_line_and_masked() -> None:
    configure_structlog()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter(json=False))
    logger = logging.getLogger(LOGGER + ".text")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with structlog.contextvars.bound_contextvars(request_id="r-7"):
            logger.warning("nik %s", NIK)
            try:
                _fail_with_nik()
            except RuntimeError:
                logger.exception("boom")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    written = buffer.getvalue()
    assert NIK not in written
    first = written.splitlines()[0]
    assert first.endswith(f"WARNING  {LOGGER}.text [r-7]: nik {MASKED}")
    assert f"RuntimeError: NIK {MASKED} tidak cocok" in written


# --- logging_config and configure_logging ----------------------------------------------------

_NAMES = ("cde", "uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def restored_loggers() -> Iterator[None]:
    saved = {
        name: (lg.handlers[:], lg.level, lg.propagate, lg.disabled)
        for name in _NAMES
        for lg in [logging.getLogger(name)]
    }
    try:
        yield
    finally:
        for name, (handlers, level, propagate, disabled) in saved.items():
            lg = logging.getLogger(name)
            for handler in lg.handlers[:]:
                if handler not in handlers:
                    lg.removeHandler(handler)
                    handler.close()
            for handler in handlers:
                if handler not in lg.handlers:
                    lg.addHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
            lg.disabled = disabled


class _Stream(io.StringIO):
    """A stream that is, or is not, a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("env", "terminal", "is_json"),
    [
        ({}, True, False),  # a person watching `make run`: readable lines
        ({}, False, True),  # a pipe, a file, a log shipper: JSON
        ({"CDE_LOG_FORMAT": "auto"}, True, False),
        ({"CDE_LOG_FORMAT": "json"}, True, True),  # set: it decides, terminal or not
        ({"CDE_LOG_FORMAT": "text"}, False, False),
    ],
)
def test_log_lines_are_text_on_a_terminal_and_json_otherwise_unless_cde_log_format_says(
    env: dict[str, str],
    terminal: bool,
    is_json: bool,
    monkeypatch: pytest.MonkeyPatch,
    restored_loggers: None,
) -> None:
    monkeypatch.delenv("CDE_LOG_FORMAT", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stream = _Stream(terminal)
    config = logging_config("info", json=Settings(_env_file=None).log_json(stream))
    assert config["formatters"]["structured"]["json"] is is_json
    config["handlers"]["stderr"]["stream"] = stream
    logging.config.dictConfig(config)
    logging.getLogger("uvicorn.error").info("Started server process")
    line = stream.getvalue().strip()
    if is_json:
        assert json.loads(line)["logger"] == "uvicorn.error"
    else:
        assert line.endswith("INFO     uvicorn.error: Started server process")


def test_an_unknown_log_format_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDE_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="log_format"):
        Settings(_env_file=None)


def test_configure_logging_sets_up_both_kinds_on_stderr(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    restored_loggers: None,
) -> None:
    configure_logging("debug")
    logging.getLogger("cde.http").debug("stdlib %s", NIK)
    structlog.stdlib.get_logger("cde.jobs").info("structlog", nik=NIK)
    logging.getLogger("uvicorn.access").info("not at info")  # the access log is off
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(x["logger"], x["level"]) for x in lines] == [
        ("cde.http", "debug"),
        ("cde.jobs", "info"),
    ]
    assert NIK not in err


# --- the request id, per request ------------------------------------------------------------


def test_every_line_logged_while_serving_a_request_carries_its_id(
    captured: io.StringIO,
) -> None:
    app = FastAPI()
    app.add_middleware(RequestContext)
    app.add_middleware(RequestId)  # added last: outermost, so its id is there first

    @app.get("/async")
    async def in_the_loop() -> dict[str, str]:
        logging.getLogger(LOGGER).info("in the event loop")
        await anyio.to_thread.run_sync(lambda: structlog.get_logger(LOGGER).info("in a thread"))
        return {}

    @app.get("/sync")
    def in_the_pool() -> dict[str, str]:
        logging.getLogger(LOGGER).info("in the thread pool")
        return {}

    with TestClient(app) as client:
        given = client.get("/async", headers={"X-Request-ID": "abc-123"})
        fresh = client.get("/sync")
    logging.getLogger(LOGGER).info("outside any request")
    lines = _lines(captured)
    assert [line.get("request_id") for line in lines] == [
        "abc-123",
        "abc-123",
        fresh.headers["x-request-id"],
        None,
    ]
    assert given.headers["x-request-id"] == "abc-123"


def test_configure_logging_writes_text_when_told(
    capsys: pytest.CaptureFixture[str], restored_loggers: None
) -> None:
    configure_logging("info", json=False)
    logging.getLogger("cde.http").info("as text")
    assert capsys.readouterr().err.rstrip().endswith("INFO     cde.http: as text")
    configure_logging("info", json=True)
    logging.getLogger("cde.http").info("as json")
    assert json.loads(capsys.readouterr().err)["message"] == "as json"
