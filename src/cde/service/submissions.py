"""One application submitted through the API: the use case behind
``POST /kocek/cde/credit-recommendation``.

The steps, in order: read the body (JSON, not nested too deep), check the
``Idempotency-Key`` and claim it (a repeat answers with the first request's record),
evaluate and store while spending one unit of quota, keep an application whose evaluation
failed as a ``fail`` record, count the result in the metrics, defer the narrative (with a
narrator that writes after the answer) and defer the challenger's decision (for a loan the
challenger shadows: :mod:`cde.service.challenger`). What goes wrong is raised from the
error tree (:mod:`cde.errors`); the HTTP route only maps the outcome and the errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import orjson

from cde.domain.application import InvalidApplicationError
from cde.domain.text import Lang
from cde.errors import (
    BadIdempotencyKeyError,
    BodyTooDeepError,
    EvaluationFailedError,
    InvalidBodyError,
    QuotaExhaustedError,
)
from cde.service.audit import AuditEntry
from cde.service.challenger import ChallengerService
from cde.service.idempotency import Idempotency
from cde.service.narrative_jobs import NarrationService
from cde.service.ports import Caller, StoredRecommendation
from cde.service.recommendations import Recommended, Recommender

__all__ = ["Pending", "Submission", "Submissions", "Submitted"]

log = logging.getLogger("cde.service")


@dataclass(frozen=True, slots=True)
class Submission:
    """What the caller sent: the body as received and who sends it."""

    body: bytes
    caller: Caller
    lang: Lang
    tenant_id: str
    request_id: str
    idempotency_key: str | None = None
    body_sha256: str | None = None  # when the edge already hashed the body
    instruction_file: str | None = None  # already checked against the configured directory


@dataclass(frozen=True, slots=True)
class Submitted:
    """The stored answer: ``status`` ``success``, or ``processing`` while a narrator writes
    the narrative (``result`` then holds the rules one), or ``fail`` (a replayed failure)."""

    record_id: str
    status: str
    result: dict[str, Any]
    replay: bool = False  # the first answer to this Idempotency-Key, not a new record
    # ``result`` as stored, serialised once (empty when not at hand): the answer embeds it
    result_json: bytes = b""
    audited: bool = False  # its audit entry was written with the record

    @property
    def narrating(self) -> bool:
        return self.status == "processing"


@dataclass(frozen=True, slots=True)
class Pending:
    """A submission evaluated and handed to the store, not yet known to be committed:
    ``committed`` is done once it is (:meth:`Submissions.start`, then
    :meth:`Submissions.finish`)."""

    submission: Submission
    done: Recommended
    committed: Future[None]
    audited: bool


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether JSON nesting goes deeper than ``limit`` (iterative: no recursion to abuse).
    Only containers are stacked: the leaves of a parsed body are most of it."""
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


class Submissions:
    def __init__(
        self,
        recommender: Recommender,
        idempotency: Idempotency,
        narration: NarrationService,
        max_json_depth: int,
        observe: Callable[[dict[str, Any]], None] | None = None,
        challenger: ChallengerService | None = None,
    ) -> None:
        self.recommender = recommender
        self.challenger = challenger  # shadows a share of the new records (after storing)
        self.idempotency = idempotency
        self.narration = narration
        self.max_json_depth = max_json_depth
        self.observe = observe

    def inline(self, s: Submission) -> bool:
        """Whether :meth:`start` and :meth:`finish` do no blocking I/O for ``s`` but the
        store's write, awaited through :attr:`Pending.committed` (a caller on an event loop
        runs them there; the others go through :meth:`submit` in a thread): no
        Idempotency-Key to claim and no narrative to defer. (An engine defect still stores
        its ``fail`` record at once; a shadowed loan's challenger job is deferred by
        :meth:`finish`, which :meth:`shadowed` tells.)"""
        return s.idempotency_key is None and not self.narration.deferred

    def shadowed(self, pending: Pending) -> bool:
        """Whether :meth:`finish` defers the challenger's job (a write) for ``pending``."""
        record = pending.done.record
        return self.challenger is not None and self.challenger.shadows(
            record.tenant_id, record.loan_id
        )

    def start(self, s: Submission, audit: AuditEntry | None = None) -> Pending:
        """Read, evaluate and hand the record to the store without waiting for its commit;
        with ``audit`` (the entry of a successful answer, its ``record_id`` and time filled
        in here) the entry is written in the same transaction, only if the record is
        stored. Raises what :meth:`submit` raises before storing; the quota's verdict comes
        with the commit (:meth:`finish`). A submission with an Idempotency-Key goes through
        :meth:`submit` (the key is claimed first)."""
        if s.idempotency_key is not None:
            raise ValueError("start() takes no Idempotency-Key: use submit()")
        raw = self._read(s.body)
        deferred = self.narration.deferred
        try:
            done = self.recommender.prepare(
                s.body, raw, s.caller, s.lang, tenant_id=s.tenant_id, processing=deferred
            )
        except EvaluationFailedError:
            raise self._failed(s, raw, None) from None
        entry = None
        if audit is not None:
            entry = dataclasses.replace(audit, record_id=done.record.id, at=done.record.created_at)
        committed = self.recommender.repository.submit(done.record, audit=entry)
        return Pending(s, done, committed, entry is not None)

    def finish(self, pending: Pending) -> Submitted:
        """Once ``pending.committed`` is done: raise its error (QuotaExhaustedError: nothing
        was stored), or count the result, defer the narrative and the challenger's job, and
        answer."""
        pending.committed.result()
        return self._stored(pending.submission, pending.done, pending.audited)

    def submit(self, s: Submission) -> Submitted:
        """Evaluate and store one application (see the module's docstring).

        Raises :class:`~cde.errors.InvalidBodyError` (not JSON, too deep, a bad key),
        :class:`~cde.errors.IdempotencyConflictError`,
        :class:`~cde.errors.IdempotencyPendingError`,
        :class:`~cde.domain.application.InvalidApplicationError`,
        :class:`~cde.errors.QuotaExhaustedError` (nothing stored or spent) and
        :class:`~cde.errors.EvaluationFailedError` (kept as a ``fail`` record).
        """
        raw = self._read(s.body)
        key = s.idempotency_key
        if key is not None and not (0 < len(key) <= 255 and key.isprintable()):
            raise BadIdempotencyKeyError("1 to 255 printable characters")
        record_id = None
        if key is not None:
            digest = s.body_sha256 or hashlib.sha256(s.body).hexdigest()
            claim = self.idempotency.claim(s.tenant_id, key, digest)
            if claim.record is not None:
                return _replayed(claim.record)
            record_id = claim.record_id
        deferred = self.narration.deferred
        try:
            done = self.recommender.recommend(
                s.body,
                raw,
                s.caller,
                s.lang,
                tenant_id=s.tenant_id,
                record_id=record_id,
                processing=deferred,
            )
        except (InvalidApplicationError, QuotaExhaustedError):
            if key is not None and record_id is not None:
                self.idempotency.release(s.tenant_id, key, record_id)
            raise
        except EvaluationFailedError:
            raise self._failed(s, raw, record_id) from None
        return self._stored(s, done, audited=False)

    def _failed(self, s: Submission, raw: Any, record_id: str | None) -> EvaluationFailedError:
        """Keep an application whose evaluation failed as a ``fail`` record; the error to
        raise, naming it."""
        log.exception("evaluation failed (request %s)", s.request_id)
        failed = self.recommender.record_failure(
            s.body,
            raw,
            s.caller,
            s.lang,
            f"internal error; request id {s.request_id}",
            tenant_id=s.tenant_id,
            record_id=record_id,
        )
        return EvaluationFailedError(failed.id)

    def _stored(self, s: Submission, done: Recommended, audited: bool) -> Submitted:
        """After the commit: count the result, defer the narrative and the challenger."""
        if self.observe is not None:
            self.observe(done.result)
        if self.narration.deferred:
            try:
                self.narration.defer(done.record.id, s.instruction_file)
            except Exception:  # the stale sweep gives it the rules narrative later
                log.exception("deferring the narrative of %s failed", done.record.id)
        if self.challenger is not None:
            self.challenger.shadow(done.record)  # never raises: the answer is the champion's
        return Submitted(
            done.record.id,
            done.record.status,
            done.result,
            result_json=done.result_json,
            audited=audited,
        )

    def finished(self, record_id: str) -> Submitted | None:
        """The record once its narrative is written; None while it is still processing."""
        latest = self.recommender.get(record_id)
        if latest is None or latest.status == "processing" or not latest.result:
            return None
        return Submitted(latest.id, latest.status, orjson.loads(latest.result))

    def _read(self, body: bytes) -> dict[str, Any] | Any:
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise InvalidBodyError(str(exc)) from None
        if depth_exceeds(raw, self.max_json_depth):
            raise BodyTooDeepError(f"nesting deeper than {self.max_json_depth} levels")
        return raw


def _replayed(record: StoredRecommendation) -> Submitted:
    result = orjson.loads(record.result) if record.result else {}
    return Submitted(record.id, record.status, result, replay=True)
