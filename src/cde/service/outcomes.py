"""Loan outcomes in: what became of the loans cde recommended on (the scorecard's target).

A batch of outcome records (JSON lines or a JSON array over the API; CSV with a header row
or JSON lines from ``cde outcomes import``) is read line by line
(:func:`cde.domain.outcomes.read_outcome`): a bad line is reported with its field errors
and never loses the good ones, which are stored in one transaction. An outcome is keyed by
``loan_id`` per tenant; a repeat for the same loan replaces the earlier value, which the
store keeps in the history with when and by whom it was replaced. A loan id no stored
recommendation of the tenant carries yet is accepted and reported (``unknown_loan_ids``).

The store also yields each outcome of a tenant joined with the tenant's latest stored
application of its loan (:meth:`OutcomeStore.joined`): the book a scorecard is trained on
(:mod:`cde.service.training_book`, ``cde scorecard train --from-db``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import orjson

from cde.domain.outcomes import InvalidOutcomeError, Outcome, read_outcome
from cde.errors import FieldMessage, FieldProblem, InvalidBodyError
from cde.policies.model import Policy
from cde.service.ports import Caller, Clock
from cde.service.training_book import TrainingBook, build_training_book

__all__ = [
    "FAILED",
    "JoinedOutcome",
    "LineError",
    "OutcomeBodyError",
    "OutcomeChange",
    "OutcomePage",
    "OutcomeReport",
    "OutcomeService",
    "OutcomeStore",
    "RawLine",
    "SaveResult",
    "StoredOutcome",
    "parse_csv",
    "parse_lines",
]

# The status of a stored recommendation whose evaluation failed: no application the engine
# answered, so never joined with an outcome (the others, success and processing, are).
FAILED = "fail"

_JSONL_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/jsonlines"})


class OutcomeBodyError(InvalidBodyError):
    """A body that is not outcome records at all (not JSON lines, an array or a CSV file
    with a header row; empty; too many lines)."""

    message_key = "outcomes_invalid"


@dataclass(frozen=True, slots=True)
class RawLine:
    """One record as received: its line number (the line of the file; the position in a
    JSON array) and its decoded value, or why it could not be decoded."""

    line: int
    value: Any = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    tenant_id: str
    loan_id: str
    bad: bool
    kolektibilitas: int | None
    observed_at: date | None
    applied_at: date | None
    received_at: datetime  # when the loan's first outcome was received
    updated_at: datetime  # when this value was recorded
    revision: int  # 1, then one more at each replacement
    caller: Caller  # who recorded this value


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    """A replaced value: the outcome as it was (``revision``, ``recorded_at``, by
    ``recorded_by``) and when and by whom it was replaced."""

    tenant_id: str
    loan_id: str
    revision: int
    bad: bool
    kolektibilitas: int | None
    observed_at: date | None
    applied_at: date | None
    recorded_at: datetime
    recorded_by: Caller
    replaced_at: datetime
    replaced_by: Caller


@dataclass(frozen=True, slots=True)
class JoinedOutcome:
    """One stored outcome of a tenant with the latest stored application of its loan: of
    the tenant's recommendations the engine answered (status not :data:`FAILED`) for that loan id,
    the one created last (then the greatest id); the ``record_*`` fields are None when
    the tenant stored none."""

    loan_id: str
    bad: bool
    kolektibilitas: int | None
    applied_at: date | None  # the outcome's
    record_id: str | None
    record_created_at: datetime | None
    record_payload: str | None  # the request body exactly as received (JSON text)


@dataclass(frozen=True, slots=True)
class OutcomePage:
    items: list[StoredOutcome]
    total: int


SaveStatus = Literal["new", "replaced", "unchanged"]


@dataclass(frozen=True, slots=True)
class SaveResult:
    statuses: list[SaveStatus]  # one per outcome given, in order


class OutcomeStore(Protocol):
    def save(
        self, tenant_id: str, outcomes: Sequence[Outcome], caller: Caller, now: datetime
    ) -> SaveResult:
        """Store the outcomes in order, in one transaction: a loan without one gets it
        (``new``); a loan whose stored value differs gets the new one at the next revision
        and its old value goes to the history (``replaced``); the same value again
        changes nothing (``unchanged``)."""

    def known_loans(self, tenant_id: str, loan_ids: Collection[str]) -> set[str]:
        """Those of ``loan_ids`` that a stored recommendation of the tenant carries."""

    def get(self, tenant_id: str, loan_id: str) -> StoredOutcome | None: ...

    def history(self, tenant_id: str, loan_ids: Collection[str]) -> list[OutcomeChange]:
        """The replaced values of these loans, by loan id then revision."""

    def list(self, tenant_id: str, *, loan_id: str | None, offset: int, limit: int) -> OutcomePage:
        """The tenant's outcomes by loan id."""

    def joined(self, tenant_id: str, *, page_size: int = 1000) -> Iterator[JoinedOutcome]:
        """Every outcome of the tenant by loan id, each with the tenant's latest stored
        application of that loan, or none (:class:`JoinedOutcome`). Read ``page_size``
        outcomes at a time (keyset pages: an outcome stored meanwhile with a greater loan
        id is yielded too, none twice); no other tenant's row is read."""

    def applications_without_outcome(self, tenant_id: str) -> int:
        """How many loan ids the tenant's answered recommendations (status not
        :data:`FAILED`) carry that no outcome of the tenant has."""


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    loan_id: str | None
    errors: Sequence[FieldProblem]

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "line": self.line,
            "loan_id": self.loan_id,
            "errors": [e.as_dict(lang) for e in self.errors],
        }


@dataclass(slots=True)
class OutcomeReport:
    received: int = 0  # records read (blank lines are not records)
    accepted: int = 0  # stored: new, replaced or unchanged
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    unknown_loan_ids: list[str] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return len(self.errors)

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "new": self.new,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "unknown_loan_ids": self.unknown_loan_ids,
            "errors": [e.as_dict(lang) for e in self.errors],
        }


def _refuse_single_document(text: bytes) -> None:
    """One JSON document that is not an array is JSON lines only when it is one object
    on one line (as batches read it)."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return
    if not isinstance(value, dict):
        raise OutcomeBodyError("expected a JSON array or JSON lines, not a single JSON value")
    if len([line for line in text.splitlines() if line.strip()]) > 1:
        raise OutcomeBodyError(
            "expected a JSON array or JSON lines (one outcome per line), "
            "not a single JSON object spread over several lines"
        )


def parse_lines(body: bytes, media_type: str | None = None) -> list[RawLine]:
    """A JSON array or JSON lines, as :func:`cde.service.batches.parse_items` reads a
    batch: ``application/json`` must be an array, a JSON-lines media type is lines, any
    other reads a body starting with ``[`` as an array. An unreadable line is a
    :class:`RawLine` with its error; a body that is neither is :class:`OutcomeBodyError`."""
    text = body.lstrip()
    kind = (media_type or "").split(";", 1)[0].strip().lower()
    if kind == "application/json" and not text.startswith(b"["):
        raise OutcomeBodyError("an application/json body must be a JSON array of outcomes")
    if kind not in _JSONL_TYPES and text.startswith(b"["):
        try:
            values = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise OutcomeBodyError(f"the body is not a valid JSON array: {exc}") from None
        if not isinstance(values, list):
            raise OutcomeBodyError("expected a JSON array or JSON lines")
        return [RawLine(n, value) for n, value in enumerate(values, 1)]
    _refuse_single_document(text)
    lines = []
    for n, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            lines.append(RawLine(n, orjson.loads(line)))
        except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
            lines.append(RawLine(n, error=f"invalid JSON: {exc}"))
    return lines


def parse_csv(body: bytes) -> list[RawLine]:
    """CSV with a header row naming the fields (``loan_id,bad,kolektibilitas,…``; comma
    or semicolon separated); each row a record, numbered by its line in the file."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OutcomeBodyError(f"the CSV file is not UTF-8: {exc}") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise OutcomeBodyError("the CSV file has no header row")
        names = [h.strip().lower() for h in header]
        if "loan_id" not in names:
            raise OutcomeBodyError("the CSV header row has no loan_id column")
        lines = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) > len(names):
                lines.append(
                    RawLine(line, error=f"{len(row)} cells, the header names {len(names)}")
                )
                continue
            lines.append(RawLine(line, dict(zip(names, row, strict=False))))
    except csv.Error as exc:
        raise OutcomeBodyError(f"the CSV file cannot be read: {exc}") from None
    return lines


def _loan_id_of(value: Any) -> str | None:
    loan = value.get("loan_id") if isinstance(value, dict) else None
    return str(loan)[:255] if loan is not None and str(loan).strip() else None


class OutcomeService:
    def __init__(self, store: OutcomeStore, policy: Policy, clock: Clock, max_lines: int) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.max_lines = max_lines

    def record_body(
        self, body: bytes, tenant_id: str, caller: Caller, media_type: str | None = None
    ) -> OutcomeReport:
        """An API body (JSON lines or a JSON array)."""
        return self.record(parse_lines(body, media_type), tenant_id, caller)

    def record(self, lines: Sequence[RawLine], tenant_id: str, caller: Caller) -> OutcomeReport:
        """Read every line, store the good ones in one go, report on all of them."""
        if not lines:
            raise OutcomeBodyError("no outcome records")
        if len(lines) > self.max_lines:
            raise OutcomeBodyError(
                f"{len(lines)} outcome records; at most {self.max_lines} are accepted"
            )
        report = OutcomeReport(received=len(lines))
        good: list[Outcome] = []
        bad_from = self.policy.outcome.bad_from_kolektibilitas
        for raw in lines:
            if raw.error is not None:
                problem = FieldMessage("(line)", raw.error)
                report.errors.append(LineError(raw.line, None, [problem]))
                continue
            try:
                good.append(read_outcome(raw.value, bad_from_kolektibilitas=bad_from))
            except InvalidOutcomeError as exc:
                report.errors.append(LineError(raw.line, _loan_id_of(raw.value), exc.errors))
        if not good:
            return report
        saved = self.store.save(tenant_id, good, caller, self.clock())
        report.accepted = len(good)
        report.new = saved.statuses.count("new")
        report.replaced = saved.statuses.count("replaced")
        report.unchanged = saved.statuses.count("unchanged")
        loan_ids = list(dict.fromkeys(o.loan_id for o in good))
        known = self.store.known_loans(tenant_id, loan_ids)
        report.unknown_loan_ids = [loan for loan in loan_ids if loan not in known]
        return report

    def get(self, tenant_id: str, loan_id: str) -> StoredOutcome | None:
        return self.store.get(tenant_id, loan_id)

    def list(
        self, tenant_id: str, *, loan_id: str | None = None, page: int = 1, limit: int = 10
    ) -> OutcomePage:
        return self.store.list(tenant_id, loan_id=loan_id, offset=(page - 1) * limit, limit=limit)

    def history(self, tenant_id: str, loan_ids: Collection[str]) -> Sequence[OutcomeChange]:
        return self.store.history(tenant_id, loan_ids) if loan_ids else []

    def training_book(
        self, tenant_id: str, zone: ZoneInfo, policy: Policy | None = None
    ) -> TrainingBook:
        """The tenant's stored applications joined with its outcomes, to train a scorecard
        on (:mod:`cde.service.training_book` states the rules); ``policy`` (default: the
        service's) judges the kolektibilitas, ``zone`` dates the recommendations."""
        return build_training_book(self.store, tenant_id, policy or self.policy, zone)
