"""Portfolio batches over the API: submit many applications, follow progress, read results.

Submitting stores the batch and every item (as received) in one transaction and defers
one job per chunk of items. A job evaluates its chunk and stores each item's
recommendation while moving the item from ``pending`` to ``done`` — guarded by its status,
in the same transaction — so every item is stored exactly once, even when a worker dies
halfway and another takes the job over. Items spend the tenant's quota like single
requests; when it runs out the remaining items fail with that reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import orjson

from cde import __version__
from cde.domain.application import InvalidApplicationError
from cde.domain.engine import evaluate
from cde.domain.text import Lang
from cde.errors import InvalidBodyError
from cde.policies.model import Policy
from cde.service.jobs import BATCH_CHUNK, JobQueue
from cde.service.ports import Caller, Clock, StoredRecommendation

__all__ = [
    "Batch",
    "BatchError",
    "BatchProgress",
    "BatchService",
    "BatchStore",
    "ItemResult",
    "parse_items",
]

CHUNK_ITEMS = 200

log = logging.getLogger("cde.batches")

# An item the engine failed on (a bug, not bad input): the item fails, its chunk goes on.
_INTERNAL_ERROR = orjson.dumps(
    {"message": "internal error: the engine could not evaluate this application"}
).decode()
_JSONL_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/jsonlines"})


class BatchError(InvalidBodyError):
    """A batch that cannot be accepted (empty, too many items, not JSONL or an array)."""

    message_key = "batch_invalid"


@dataclass(frozen=True, slots=True)
class Batch:
    id: str
    tenant_id: str
    created_at: datetime
    as_of: date
    lang: str
    total: int
    caller: Caller
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Item:
    seq: int
    payload: str
    loan_id: str | None
    customer_id: str | None
    error: str | None = None  # set when the item could not even be read as JSON


@dataclass(frozen=True, slots=True)
class ItemResult:
    seq: int
    status: Literal["done", "failed"]
    record: StoredRecommendation | None = None
    outcome: str | None = None
    grade: str | None = None
    plafon: int | None = None
    error: str | None = None


@dataclass(slots=True)
class BatchProgress:
    batch: Batch
    pending: int
    done: int
    failed: int
    outcomes: Counter[str] = field(default_factory=Counter)
    grades: Counter[str] = field(default_factory=Counter)
    total_plafon: int = 0

    @property
    def status(self) -> str:
        if self.pending == 0:
            return "done"
        return "running" if self.done or self.failed else "queued"


class BatchStore(Protocol):
    def create(self, batch: Batch, items: list[Item]) -> None:
        """Store the batch and all its items in one transaction."""

    def get(self, batch_id: str, tenant_id: str | None) -> Batch | None: ...

    def progress(self, batch: Batch) -> BatchProgress: ...

    def pending(self, batch_id: str, first: int, last: int) -> list[Item]: ...

    def complete(self, batch: Batch, results: list[ItemResult], now: datetime) -> None:
        """Move each item from pending to done/failed and store its recommendation, in one
        transaction; items no longer pending are left alone (a job that ran twice)."""

    def finish_if_complete(self, batch_id: str, now: datetime) -> bool: ...

    def results(self, batch: Batch) -> Iterator[bytes]:
        """One JSON line per item, in order."""

    def unfinished(self, older_than: datetime, now: datetime) -> list[tuple[str, int, int]]:
        """(batch id, first, last pending seq) of batches not touched since ``older_than``;
        marks them touched at ``now``."""


def _refuse_single_document(text: bytes) -> None:
    """A body that is not an array but one JSON document as a whole is JSON lines only when
    it is a single object on a single line (a batch of one). A lone scalar (``5``,
    ``"x"``, ``null``) or an object spread over several lines (a pretty-printed
    application) is neither JSON lines nor an array: refused, rather than accepted as
    one failed item per line."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return  # several documents (JSON lines) or unreadable ones: read line by line
    if not isinstance(value, dict):
        raise BatchError("expected a JSON array or JSON lines, not a single JSON value")
    if len([line for line in text.splitlines() if line.strip()]) > 1:
        raise BatchError(
            "expected a JSON array or JSON lines (one application per line), "
            "not a single JSON object spread over several lines"
        )


def parse_items(body: bytes, max_items: int, media_type: str | None = None) -> list[Item]:
    """Read a JSON array or JSONL body into items. Unreadable lines become failed items;
    a body that is neither (a single JSON scalar, an object over several lines, a broken
    array, nothing) is a :class:`BatchError`.

    ``application/json`` must be an array; ``application/x-ndjson`` (or ``application/jsonl``)
    is JSON lines; with any other or no media type, a body starting with ``[`` is an array.
    """
    text = body.lstrip()
    raw_items: list[tuple[str, Any]] = []
    kind = (media_type or "").split(";", 1)[0].strip().lower()
    if kind == "application/json" and not text.startswith(b"["):
        raise BatchError("an application/json batch must be a JSON array of applications")
    if kind not in _JSONL_TYPES and text.startswith(b"["):
        try:
            values = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BatchError(f"the body is not a valid JSON array: {exc}") from None
        if not isinstance(values, list):
            raise BatchError("expected a JSON array or JSON lines")
        raw_items = [(orjson.dumps(v).decode("utf-8"), v) for v in values]
    else:
        _refuse_single_document(text)
        for line in body.splitlines():
            if not line.strip():
                continue
            try:
                raw_items.append((line.decode("utf-8"), orjson.loads(line)))
            except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
                raw_items.append((line.decode("utf-8", errors="replace"), exc))
    if not raw_items:
        raise BatchError("the batch has no applications")
    if len(raw_items) > max_items:
        raise BatchError(f"the batch has {len(raw_items)} items; at most {max_items} are accepted")
    items = []
    for seq, (payload, value) in enumerate(raw_items, 1):
        if isinstance(value, Exception):
            items.append(Item(seq, payload, None, None, f"invalid JSON: {value}"))
            continue
        loan = value.get("loan_id") if isinstance(value, dict) else None
        customer = value.get("customer_id") if isinstance(value, dict) else None
        items.append(
            Item(
                seq,
                payload,
                str(loan)[:255] if loan is not None else None,
                str(customer)[:255] if customer is not None else None,
            )
        )
    return items


class BatchService:
    def __init__(
        self,
        store: BatchStore,
        queue: JobQueue,
        policy: Policy,
        clock: Clock,
        zone: ZoneInfo,
        new_id: Callable[[], str],
        max_items: int,
        observe: Callable[[dict[str, Any]], None] | None = None,
        policies: Callable[[str], Policy] | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.policy = policy
        # The batch's tenant's policy (its active stored version, read when a chunk runs);
        # None: ``policy`` decides for every tenant.
        self.policies = policies
        self.clock = clock
        self.zone = zone
        self.new_id = new_id
        self.max_items = max_items
        self.observe = observe  # told of every result (metrics)

    def submit(
        self,
        body: bytes,
        tenant_id: str,
        caller: Caller,
        lang: Lang,
        media_type: str | None = None,
    ) -> Batch:
        items = parse_items(body, self.max_items, media_type)
        now = self.clock()
        batch = Batch(
            id=self.new_id(),
            tenant_id=tenant_id,
            created_at=now,
            as_of=now.astimezone(self.zone).date(),
            lang=lang,
            total=len(items),
            caller=caller,
        )
        chunks = [
            (first, min(first + CHUNK_ITEMS - 1, len(items)))
            for first in range(1, len(items) + 1, CHUNK_ITEMS)
        ]
        self.store.create(batch, items)
        self.defer_chunks(batch.id, chunks)
        return batch

    def defer_chunks(self, batch_id: str, chunks: list[tuple[int, int]]) -> None:
        for first, last in chunks:
            self.queue.defer(BATCH_CHUNK, {"batch_id": batch_id, "first": first, "last": last})

    def get(self, batch_id: str, tenant_id: str) -> BatchProgress | None:
        batch = self.store.get(batch_id, tenant_id)
        return self.store.progress(batch) if batch is not None else None

    def results(self, batch_id: str, tenant_id: str) -> Iterator[bytes] | None:
        batch = self.store.get(batch_id, tenant_id)
        return self.store.results(batch) if batch is not None else None

    def process_chunk(self, batch_id: str, first: int, last: int) -> int:
        """Evaluate and store the chunk's pending items; how many it moved. Idempotent."""
        batch = self.store.get(batch_id, None)
        if batch is None:
            return 0
        policy = self.policies(batch.tenant_id) if self.policies is not None else self.policy
        results = [
            self._evaluate_or_fail(batch, item, policy)
            for item in self.store.pending(batch_id, first, last)
        ]
        if results:
            self.store.complete(batch, results, self.clock())
        self.store.finish_if_complete(batch_id, self.clock())
        return len(results)

    def _evaluate_or_fail(self, batch: Batch, item: Item, policy: Policy) -> ItemResult:
        """Evaluating is pure (no I/O): an exception other than an invalid application is
        the engine failing on this input, and would fail again on every retry. It fails
        the item alone; otherwise the whole chunk's job would fail until its attempts run
        out and its items would stay pending for ever (re-deferred by every housekeeping
        pass, the batch never done)."""
        try:
            return self._evaluate(batch, item, policy)
        except Exception:
            log.exception("batch %s item %s: the evaluation failed", batch.id, item.seq)
            return ItemResult(item.seq, "failed", error=_INTERNAL_ERROR)

    def _evaluate(self, batch: Batch, item: Item, policy: Policy) -> ItemResult:
        if item.error is not None:
            return ItemResult(
                item.seq, "failed", error=orjson.dumps({"message": item.error}).decode()
            )
        raw = orjson.loads(item.payload)
        lang: Lang = "en" if batch.lang == "en" else "id"
        try:
            result = evaluate(raw, policy=policy, today=batch.as_of, lang=lang)
        except InvalidApplicationError as exc:
            error = {
                "message": "invalid application",
                "errors": [e.as_dict(lang) for e in exc.errors],
            }
            return ItemResult(item.seq, "failed", error=orjson.dumps(error).decode())
        if self.observe is not None:
            self.observe(result)
        decision = result["decision"]
        record = StoredRecommendation(
            id=self.new_id(),
            created_at=self.clock(),
            loan_id=str(raw["loan_id"]),
            customer_id=str(raw["customer_id"]),
            status="success",
            payload=item.payload,
            result=orjson.dumps(result).decode("utf-8"),
            error=None,
            lang=lang,
            policy_name=policy.name,
            policy_version=policy.version,
            engine_version=__version__,
            caller=batch.caller,
            tenant_id=batch.tenant_id,
        )
        return ItemResult(
            item.seq,
            "done",
            record=record,
            outcome=decision["outcome"],
            grade=result["assessment"]["grade"],
            plafon=decision["plafon"],
        )

    def resume_stale(self, older_than: datetime) -> int:
        """Re-defer the pending chunks of batches nobody has touched for a while (their jobs
        were lost or their workers died); harmless if the jobs still exist."""
        stale = self.store.unfinished(older_than, self.clock())
        for batch_id, first, last in stale:
            chunks = [
                (start, min(start + CHUNK_ITEMS - 1, last))
                for start in range(first, last + 1, CHUNK_ITEMS)
            ]
            self.defer_chunks(batch_id, chunks)
        return len(stale)
