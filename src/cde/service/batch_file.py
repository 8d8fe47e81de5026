"""Batch evaluation of a JSONL stream: one output line per input line, never aborting.

The parent process only moves bytes, so that it does not slow its workers down (on 2
cores it shares them): it reads the input in blocks of about :data:`CHUNK_BYTES`, cuts
them after their last line end into chunks of whole lines, hands each chunk to a worker
as one ``bytes``, and writes each chunk's output lines with one call, in input order. It
never decodes, re-encodes or even splits a line. A worker splits its chunk, evaluates
every line and puts the output lines, joined, into the chunk's *slot*: a shared memory
buffer the parent writes from, so that megabytes of results are not pickled through a
pipe (a chunk's output that does not fit, or a worker that was not forked, returns the
bytes instead). A bounded number of chunks is in flight, so memory stays flat whatever
the size of the input. With ``workers <= 1`` the chunks are evaluated in this process.
"""

from __future__ import annotations

import mmap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import orjson

from cde.domain.application import InvalidApplicationError
from cde.domain.engine import evaluate
from cde.domain.text import Lang
from cde.policies import Policy, attach_scorecard, default_policy, load_policy
from cde.service.pool import in_flight, run_in_order

__all__ = ["BatchSummary", "evaluate_line", "run_batch"]

CHUNK_BYTES = 256 * 1024  # input read per chunk: ≈ 170 applications, ≈ 2.3 MB of results
SLOT_BYTES = 16 * 1024 * 1024  # a chunk's output in shared memory (pages used as written)


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
# The slots of the run under way, made before its workers are forked (they inherit them);
# chunk i writes its output into slot i mod len(_SLOTS). Empty: every output as bytes.
# One run with workers at a time in a process, so that no pool forks with another's slots.
_SLOTS: list[mmap.mmap] = []
_SLOTS_LOCK = threading.Lock()

Chunk = tuple[int, bytes, int]  # (first line number, whole lines as read, slot)


def _init_worker(
    policy_file: str | None, scorecard_file: str | None, today: date, lang: Lang
) -> None:
    policy = load_policy(policy_file) if policy_file else default_policy()
    _WORKER["policy"] = attach_scorecard(policy, scorecard_file)
    _WORKER["today"] = today
    _WORKER["lang"] = lang


def _run_chunk(chunk: Chunk) -> tuple[bytes | int, BatchSummary]:
    """A chunk's output, one line (with its newline) per line of the chunk: its length
    when it was put in the chunk's slot, else the bytes."""
    first, data, slot = chunk
    summary = BatchSummary()
    policy, today, lang = _WORKER["policy"], _WORKER["today"], _WORKER["lang"]
    lines = data.split(b"\n")
    if not lines[-1]:  # the chunk ends with a line end (all but maybe the input's last do)
        lines.pop()
    out = [
        evaluate_line(line.rstrip(b"\r\n"), first + i, policy, today, lang, summary)
        for i, line in enumerate(lines)
    ]
    out.append(b"")  # the last line's newline
    written = b"\n".join(out)
    if slot < len(_SLOTS) and len(written) <= len(_SLOTS[slot]):
        _SLOTS[slot][: len(written)] = written
        return len(written), summary
    return written, summary


def _chunks(source: IO[bytes], size: int, slots: int) -> Iterator[Chunk]:
    """``source`` read ``size`` bytes at a time and cut after the last line end of what
    was read: every chunk ends with a newline but the input's last, which may lack it (a
    final line without one). A line longer than ``size`` makes a chunk of its own. Chunk
    *i* gets the slot *i* mod ``slots``."""
    number, index = 1, 0
    pending: list[bytes] = []  # read, but after the last line end seen so far
    while block := source.read(size):
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            pending.append(block)
            continue
        if pending:
            pending.append(block[:cut])
            chunk = b"".join(pending)
            pending.clear()
        else:
            chunk = block[:cut] if cut < len(block) else block
        if cut < len(block):
            pending.append(block[cut:])
        yield number, chunk, index % slots
        number += chunk.count(b"\n")
        index += 1
    if pending:
        yield number, b"".join(pending), index % slots


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
    window = in_flight(workers)
    slots = [mmap.mmap(-1, SLOT_BYTES) for _ in range(window)] if workers > 1 else []

    def emit(chunk: Chunk, done: tuple[bytes | int, BatchSummary]) -> None:
        written, part = done
        if isinstance(written, int):
            _write_slot(sink, slots[chunk[2]], written)
        else:
            sink.write(written)
        summary.add(part)
        if progress is not None:
            progress(part.lines, len(chunk[1]))

    def run() -> None:
        run_in_order(
            _chunks(source, CHUNK_BYTES, window),
            _run_chunk,
            emit,
            workers=workers,
            initializer=_init_worker,
            initargs=(policy_file, scorecard_file, today, lang),
        )

    if not slots:
        run()
    else:
        with _SLOTS_LOCK:
            _SLOTS[:] = slots
            try:
                run()
            finally:
                _SLOTS.clear()
                for slot in slots:
                    slot.close()
    sink.flush()
    summary.seconds = time.perf_counter() - started
    return summary


def _write_slot(sink: IO[bytes], slot: mmap.mmap, length: int) -> None:
    """Write the first ``length`` bytes of ``slot`` (a chunk's output) to ``sink``."""
    with memoryview(slot) as whole, whole[:length] as part:
        sink.write(part)
