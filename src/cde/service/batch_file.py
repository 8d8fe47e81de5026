"""Batch evaluation of a JSONL stream: one output line per input line, never aborting.

Lines are read and written as bytes, in chunks, with a bounded number of chunks in flight,
so memory stays flat whatever the size of the input. With ``workers > 1`` the chunks are
evaluated in worker processes (one policy load per process) and written back in input
order.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import orjson

from cde.domain.application import InvalidApplicationError
from cde.domain.engine import evaluate
from cde.domain.text import Lang
from cde.policies import Policy, attach_scorecard, default_policy, load_policy
from cde.service.pool import run_in_order

__all__ = ["BatchSummary", "evaluate_line", "run_batch"]

CHUNK_LINES = 256


@dataclass(slots=True)
class BatchSummary:
    lines: int = 0
    evaluated: int = 0
    errors: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    grades: Counter[str] = field(default_factory=Counter)
    total_plafon: int = 0
    seconds: float = 0.0

    def add(self, other: BatchSummary) -> None:
        self.lines += other.lines
        self.evaluated += other.evaluated
        self.errors += other.errors
        self.outcomes.update(other.outcomes)
        self.grades.update(other.grades)
        self.total_plafon += other.total_plafon

    @property
    def per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0


def _error(number: int, loan_id: Any, message: str, errors: list[dict[str, str]] | None) -> bytes:
    error: dict[str, Any] = {"line": number, "message": message}
    if errors:
        error["errors"] = errors
    return orjson.dumps({"loan_id": loan_id, "error": error})


def evaluate_line(
    line: bytes, number: int, policy: Policy, today: date, lang: Lang, summary: BatchSummary
) -> bytes:
    """Evaluate one JSONL line into one output line (a result or an error, never raising)."""
    summary.lines += 1
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        summary.errors += 1
        what = "baris kosong" if not line.strip() else f"JSON tidak valid: {exc}"
        if lang == "en":
            what = "empty line" if not line.strip() else f"invalid JSON: {exc}"
        return _error(number, None, what, None)
    loan_id = raw.get("loan_id") if isinstance(raw, dict) else None
    customer_id = raw.get("customer_id") if isinstance(raw, dict) else None
    try:
        result = evaluate(raw, policy=policy, today=today, lang=lang)
    except InvalidApplicationError as exc:
        summary.errors += 1
        message = "Data permohonan tidak valid" if lang == "id" else "Invalid application"
        return _error(number, loan_id, message, [e.as_dict(lang) for e in exc.errors])
    except Exception as exc:  # the batch never aborts on one bad line
        summary.errors += 1
        return _error(number, loan_id, f"internal error: {type(exc).__name__}", None)
    summary.evaluated += 1
    decision = result["decision"]
    summary.outcomes[decision["outcome"]] += 1
    summary.grades[result["assessment"]["grade"]] += 1
    summary.total_plafon += decision["plafon"]
    return orjson.dumps({"loan_id": loan_id, "customer_id": customer_id, "result": result})


# --- worker processes ----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(
    policy_file: str | None, scorecard_file: str | None, today: date, lang: Lang
) -> None:
    policy = load_policy(policy_file) if policy_file else default_policy()
    _WORKER["policy"] = attach_scorecard(policy, scorecard_file)
    _WORKER["today"] = today
    _WORKER["lang"] = lang


def _run_chunk(chunk: tuple[int, list[bytes], int]) -> tuple[list[bytes], BatchSummary]:
    first, lines, _ = chunk
    summary = BatchSummary()
    policy, today, lang = _WORKER["policy"], _WORKER["today"], _WORKER["lang"]
    out = [
        evaluate_line(line, first + i, policy, today, lang, summary) for i, line in enumerate(lines)
    ]
    return out, summary


def _chunks(source: Iterable[bytes]) -> Iterator[tuple[int, list[bytes], int]]:
    """(first line number, lines without their newline, bytes consumed)."""
    number = 1
    chunk: list[bytes] = []
    consumed = 0
    for raw in source:
        consumed += len(raw)
        chunk.append(raw.rstrip(b"\r\n"))
        if len(chunk) == CHUNK_LINES:
            yield number, chunk, consumed
            number += len(chunk)
            chunk, consumed = [], 0
    if chunk:
        yield number, chunk, consumed


def run_batch(
    source: IO[bytes],
    sink: IO[bytes],
    *,
    policy_file: str | None,
    scorecard_file: str | None = None,
    today: date,
    lang: Lang,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Evaluate every line of ``source`` into ``sink``; ``progress(lines, bytes)`` after
    each chunk. Returns the summary. ``scorecard_file`` replaces the policy's scorecard."""
    started = time.perf_counter()
    summary = BatchSummary()

    def emit(chunk: tuple[int, list[bytes], int], done: tuple[list[bytes], BatchSummary]) -> None:
        lines, part = done
        sink.write(b"\n".join(lines) + b"\n")
        summary.add(part)
        if progress is not None:
            progress(part.lines, chunk[2])

    run_in_order(
        _chunks(source),
        _run_chunk,
        emit,
        workers=workers,
        initializer=_init_worker,
        initargs=(policy_file, scorecard_file, today, lang),
    )
    sink.flush()
    summary.seconds = time.perf_counter() - started
    return summary
