"""The tamper-evident audit trail: one entry per request, accepted or refused.

Each entry's hash covers its content and the hash of the entry before it (a hash chain
starting from :data:`GENESIS`). Changing an entry changes its hash; deleting one breaks the
link of the next; truncating the end is caught by comparing with the stored head.
:func:`verify` walks the chain and names the first entry that does not hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditLog",
    "StoredEntry",
    "Verification",
    "entry_hash",
    "verify",
]

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    request_id: str
    tenant_id: str | None
    user_id: str | None
    user_name: str | None  # masked before it gets here
    user_role: str | None
    claimed_ip: str | None
    remote_addr: str | None
    method: str
    route: str
    status_code: int
    outcome: str
    record_id: str | None
    body_sha256: str | None

    def canonical(self) -> bytes:
        data = asdict(self)
        data["at"] = self.at.isoformat(timespec="microseconds")
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat(timespec="microseconds")
        return data


@dataclass(frozen=True, slots=True)
class StoredEntry:
    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"|" + entry.canonical()).hexdigest()


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None:
        """Chain and store durably; returns once committed."""

    def submit(self, entry: AuditEntry) -> Future[None]:
        """Chain and store durably; the future is done once committed (the HTTP layer
        awaits it without holding a thread)."""

    def entries(self, since: datetime | None = None) -> Iterator[StoredEntry]:
        """In chain order."""

    def head(self) -> str:
        """The hash of the last entry (GENESIS when empty), kept apart from the entries."""


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head: str = GENESIS


def verify(entries: Iterable[StoredEntry], head: str) -> Verification:
    expected_prev = GENESIS
    last_seq = 0
    checked = 0
    for stored in entries:
        checked += 1
        if stored.prev_hash != expected_prev:
            missing = "an entry before it was deleted or altered"
            if stored.seq != last_seq + 1:
                missing = f"entries {last_seq + 1}–{stored.seq - 1} were deleted"
            return Verification(False, checked, stored.seq, f"chain broken: {missing}", head)
        if entry_hash(stored.prev_hash, stored.entry) != stored.hash:
            return Verification(
                False,
                checked,
                stored.seq,
                "entry altered: its content no longer matches its hash",
                head,
            )
        expected_prev = stored.hash
        last_seq = stored.seq
    if expected_prev != head:
        return Verification(
            False,
            checked,
            last_seq + 1,
            "the trail ends before the recorded head: the last entries were deleted",
            head,
        )
    return Verification(True, checked, head=head)
