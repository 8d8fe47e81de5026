"""Replay a loan book under a policy: every application decided on its own day, in
worker processes as ``cde batch`` uses them (one policy load per process), the decisions
back in input order (``cde backtest``, ``cde simulate``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from cde.domain.application import read_identifier
from cde.domain.numbers import ParseError
from cde.domain.outcomes import InvalidOutcomeError, read_outcome
from cde.errors import InvalidInputError
from cde.policies import Policy, attach_scorecard, default_policy, load_policy
from cde.portfolio.book import Replayed, replay_one
from cde.service.outcomes import RawLine
from cde.service.pool import run_in_order

__all__ = ["CHUNK", "Book", "BookError", "read_book", "replay"]

CHUNK = 256  # applications per chunk sent to a worker

_WORKER: dict[str, Policy] = {}

Item = tuple[Any, date]  # a decoded application (None: unreadable), its day


class BookError(InvalidInputError):
    """Outcome lines that cannot be read: a backtest on a part of them would mislead.
    ``problems`` lists ``(line, field, message)``, every one found."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        shown = "\n".join(f"  line {n}: {f}: {m}" for n, f, m in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} outcome problems:\n{shown}{more}")


@dataclass(frozen=True, slots=True)
class Book:
    """A loan book to replay: each application with its day, and the outcomes by loan."""

    items: list[Item]
    bads: dict[str, int]  # loan_id -> 1 bad, 0 good
    days_from_outcomes: int = 0  # applications dated by their outcome's applied_at
    outcomes_without_application: list[str] = field(default_factory=list)


def read_book(
    applications: bytes,
    outcomes: Sequence[RawLine] | None,
    *,
    policy: Policy,
    today: date,
) -> Book:
    """The applications (JSON lines; an unreadable line is kept, to be counted as such)
    dated by their outcome's ``applied_at`` (else ``today``), and the outcomes read as
    ``cde outcomes import`` reads them (``bad``, or the kolektibilitas by the policy's
    rule). An invalid outcome line refuses the book (:class:`BookError`, every problem)."""
    bads: dict[str, int] = {}
    days: dict[str, date] = {}
    problems: list[tuple[int, str, str]] = []
    for line in outcomes or ():
        if line.error is not None:
            problems.append((line.line, "(line)", line.error))
            continue
        try:
            outcome = read_outcome(
                line.value, bad_from_kolektibilitas=policy.outcome.bad_from_kolektibilitas
            )
        except InvalidOutcomeError as exc:
            problems += [(line.line, e.field, e.message_en) for e in exc.errors]
            continue
        bads[outcome.loan_id] = int(outcome.bad)
        if outcome.applied_at is not None:
            days[outcome.loan_id] = outcome.applied_at
    if problems:
        raise BookError(problems)
    items: list[Item] = []
    seen: set[str] = set()
    for raw_line in applications.splitlines():
        if not raw_line.strip():
            continue
        try:
            raw = orjson.loads(raw_line)
        except orjson.JSONDecodeError:
            raw = None
        loan = _loan_id(raw)
        if loan is not None:
            seen.add(loan)
        items.append((raw, days.get(loan, today) if loan is not None else today))
    return Book(
        items=items,
        bads=bads,
        days_from_outcomes=sum(1 for _, d in items if d is not today),
        outcomes_without_application=sorted(set(bads) - seen),
    )


def _loan_id(raw: Any) -> str | None:
    """The application's loan id as the engine and the outcomes read it (a number or a
    padded text is the same id), or None."""
    try:
        return read_identifier(raw.get("loan_id")) if isinstance(raw, dict) else None
    except ParseError:
        return None


def _init(policy_file: str | None, scorecard_file: str | None) -> None:
    policy = load_policy(policy_file) if policy_file else default_policy()
    _WORKER["policy"] = attach_scorecard(policy, scorecard_file)


def _replay_chunk(chunk: list[Item]) -> list[Replayed]:
    policy = _WORKER["policy"]
    return [replay_one(raw, policy, day) for raw, day in chunk]


def _chunks(items: Sequence[Item]) -> Iterator[list[Item]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


def replay(
    items: Sequence[Item],
    *,
    policy_file: str | None,
    scorecard_file: str | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Replayed]:
    """The decision on every ``(application, day)`` of ``items``, in order, under the
    policy in ``policy_file`` (None: the default) with the scorecard in
    ``scorecard_file`` (None: the policy's own, if any); ``progress(n)`` after each chunk
    of ``n``. Files are named rather than passed so that each worker loads them once."""
    out: list[Replayed] = []

    def emit(chunk: list[Item], done: list[Replayed]) -> None:
        out.extend(done)
        if progress is not None:
            progress(len(done))

    run_in_order(
        _chunks(items),
        _replay_chunk,
        emit,
        workers=workers,
        initializer=_init,
        initargs=(policy_file, scorecard_file),
    )
    return out
