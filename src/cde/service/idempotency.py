"""Idempotency-Key: a repeated POST with the same key and body returns the first result.

The first request reserves ``(tenant, key)`` together with the SHA-256 of its body and the
id its record will have, *before* evaluating. A repeat with the same body waits (briefly)
for that record and returns it; a repeat with another body is refused (422). Concurrent
repeats race on the reservation's primary key, so exactly one of them evaluates. A
reservation whose record never arrived within ``stale_after`` (the process died) is taken
over by the next repeat, which stores the record under the same id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from cde.errors import IdempotencyConflictError, IdempotencyPendingError
from cde.service.ports import Clock, StoredRecommendation

__all__ = ["Claim", "Idempotency", "IdempotencyConflictError", "IdempotencyStore"]


@dataclass(frozen=True, slots=True)
class Reservation:
    body_sha256: str
    record_id: str
    created_at: datetime


class IdempotencyStore(Protocol):
    def reserve(
        self, tenant_id: str, key: str, body_sha256: str, record_id: str, now: datetime
    ) -> Reservation | None:
        """Reserve the key; None when this call made the reservation, else the existing one."""

    def take_over(self, tenant_id: str, key: str, old_created_at: datetime, now: datetime) -> bool:
        """Refresh a stale reservation for a new attempt; False if someone else did first."""

    def release(self, tenant_id: str, key: str, record_id: str) -> None:
        """Drop a reservation whose request stored nothing (invalid input, no quota)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """What to do with a POST: evaluate and store under ``record_id`` (``fresh``), or answer
    with the existing ``record``."""

    kind: Literal["fresh", "replay"]
    record_id: str
    record: StoredRecommendation | None = None


class Idempotency:
    def __init__(
        self,
        store: IdempotencyStore,
        find: Callable[[str, str], StoredRecommendation | None],
        clock: Clock,
        new_id: Callable[[], str],
        wait_seconds: float = 10.0,
        stale_after: timedelta = timedelta(seconds=60),
    ) -> None:
        self.store = store
        self.find = find  # (record_id, tenant_id) -> record
        self.clock = clock
        self.new_id = new_id
        self.wait_seconds = wait_seconds
        self.stale_after = stale_after

    def claim(self, tenant_id: str, key: str, body_sha256: str) -> Claim:
        record_id = self.new_id()
        existing = self.store.reserve(tenant_id, key, body_sha256, record_id, self.clock())
        if existing is None:
            return Claim("fresh", record_id)
        if existing.body_sha256 != body_sha256:
            raise IdempotencyConflictError(key)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            record = self.find(existing.record_id, tenant_id)
            if record is not None:
                return Claim("replay", record.id, record)
            now = self.clock()
            if now - existing.created_at > self.stale_after and self.store.take_over(
                tenant_id, key, existing.created_at, now
            ):
                return Claim("fresh", existing.record_id)
            if time.monotonic() > deadline:
                raise IdempotencyPendingError(
                    "the first request with this Idempotency-Key is still running"
                )
            time.sleep(0.05)

    def release(self, tenant_id: str, key: str, record_id: str) -> None:
        self.store.release(tenant_id, key, record_id)
