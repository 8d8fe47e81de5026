"""Champion–challenger on live traffic: a second policy decides a share of the POSTs beside
the one that answers, and the two are compared later (``cde report challenger``,
``GET /kocek/cde/reports/challenger``).

- **The champion answers**, exactly as without a challenger: nothing of the challenger is in
  any Kocek response, and it costs the POST one job insert at most.
- **Which applications are shadowed** is decided by a hash, not at random
  (:func:`shadowed`): a loan (tenant and ``loan_id``) is always in or always out of the
  shadow at a given share, and raising the share only adds loans.
- **The challenger decides in a job** (``challenger``, after the POST has answered; the
  embedded queue on SQLite, procrastinate on PostgreSQL), on the stored payload and on the
  champion's evaluation date (the record's ``created_at`` in the service's zone). The job
  stores one row per recommendation (:class:`ChallengerResult`): both compact decisions —
  the champion's read from its stored result, what the client was told — and the two
  policies' names and versions. A job that runs twice stores once.
- **A challenger that fails** (an application it cannot read, a defect) is logged,
  counted (``cde_challenger_total{result="failed"}``) and stored as a row with its
  ``error`` and no challenger decision; the job is not retried, and the champion's record
  is never touched.
- **The report** pairs the stored rows of one champion and one challenger decided in a
  period and computes their swap set with :func:`cde.portfolio.simulate.simulate`, with the
  tenant's recorded outcomes as the bads.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

import orjson

from cde.errors import FieldMessage, FieldProblem, InvalidInputError
from cde.policies.model import Policy
from cde.portfolio.book import Replayed, replay_one
from cde.portfolio.simulate import simulate
from cde.service.jobs import CHALLENGER, JobQueue
from cde.service.ports import Clock, RecommendationRepository, StoredRecommendation

__all__ = [
    "BUCKETS",
    "ChallengerResult",
    "ChallengerService",
    "ChallengerStore",
    "PolicyId",
    "ReportPeriodError",
    "Shadowed",
    "bucket",
    "compact_of_replayed",
    "compact_of_result",
    "shadowed",
]

log = logging.getLogger("cde.challenger")

BUCKETS = 10_000  # a share is read to 0.01 %

# What ``observe`` is told of each challenger job.
STORED = "stored"
FAILED = "failed"

# ``note`` of a report with nothing to compare.
NO_CHALLENGER = "no_challenger"  # none configured and none stored in the period
NONE_SHADOWED = "none_shadowed"  # configured, but no result stored in the period


def bucket(tenant_id: str, loan_id: str) -> int:
    """The loan's bucket, 0 to 9,999: the first 8 bytes of
    SHA-256(``tenant_id:loan_id``), big-endian, modulo 10,000."""
    digest = hashlib.sha256(f"{tenant_id}:{loan_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def shadowed(tenant_id: str, loan_id: str, share: float) -> bool:
    """Whether the challenger decides this loan at ``share`` percent (0-100): its bucket is
    below ``round(share × 100)``. Deterministic: the same loan of the same tenant is
    always in or always out, and a higher share keeps every loan a lower one had."""
    return bucket(tenant_id, loan_id) < round(share * 100)


@dataclass(frozen=True, slots=True)
class PolicyId:
    """A policy as a result names it: name and version, and its scorecard's if it has one."""

    name: str
    version: str
    scorecard_name: str | None = None
    scorecard_version: str | None = None

    @classmethod
    def of(cls, policy: Policy) -> PolicyId:
        card = policy.scorecard_model
        return cls(
            policy.name,
            policy.version,
            card.name if card is not None else None,
            card.version if card is not None else None,
        )

    def as_dict(self) -> dict[str, Any]:
        card = (
            {"name": self.scorecard_name, "version": self.scorecard_version or ""}
            if self.scorecard_name is not None
            else None
        )
        return {"name": self.name, "version": self.version, "scorecard": card}

    def label(self) -> str:
        card = (
            f" + scorecard {self.scorecard_name} {self.scorecard_version}"
            if self.scorecard_name is not None
            else ""
        )
        return f"{self.name} {self.version}{card}"


@dataclass(frozen=True, slots=True)
class ChallengerResult:
    """One shadowed application: the champion's and the challenger's compact decisions
    (:func:`compact_of_result`; ``challenger`` None and ``error`` set when the challenger
    failed). ``decided_at`` is the champion record's ``created_at``."""

    recommendation_id: str
    tenant_id: str
    loan_id: str
    decided_at: datetime
    created_at: datetime
    champion_policy: PolicyId
    challenger_policy: PolicyId
    champion: dict[str, Any] | None
    challenger: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Shadowed:
    """A stored result with the tenant's recorded outcome of its loan (None: none yet)."""

    result: ChallengerResult
    bad: bool | None


class ChallengerStore(Protocol):
    """Where challenger results live (``challenger_results``:
    :class:`cde.adapters.db.challenger.SqlChallengerResults`)."""

    def add(self, result: ChallengerResult) -> bool:
        """Store ``result``; False (and nothing changed) when a result of that
        recommendation is stored already."""

    def between(
        self, tenant_id: str, start: datetime | None, end: datetime | None
    ) -> list[Shadowed]:
        """The tenant's results with ``start <= decided_at < end`` (None: unbounded), by
        ``decided_at`` then recommendation id, each with the tenant's outcome of its loan."""

    def purge(self, before: datetime) -> int:
        """Delete the results decided before ``before``; how many."""


class ReportPeriodError(InvalidInputError):
    """A report period whose first day is after its last."""

    message_key = "invalid_query"
    field: ClassVar[str] = "from"

    def __init__(self, first: date, last: date) -> None:
        super().__init__(f"from {first.isoformat()} is after to {last.isoformat()}")
        self.detail = str(self)

    @property
    def field_errors(self) -> Sequence[FieldProblem]:
        return (FieldMessage(self.field, self.detail),)


def compact_of_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """The compact decision of a stored result object: outcome, plafon, the overall score
    and grade, the scorecard's PD and band (None without one), the decision's reason codes
    (most decisive first) and its knock-outs."""
    decision = result["decision"]
    assessment = result["assessment"]
    card = assessment.get("scorecard") or {}
    return {
        "outcome": str(decision["outcome"]),
        "plafon": int(decision["plafon"]),
        "score": int(assessment["score"]),
        "grade": str(assessment["grade"]),
        "pd": card.get("pd"),
        "band": card.get("band"),
        "reasons": [str(r["code"]) for r in decision["reasons"]],
        "knockouts": [str(k) for k in decision["knockouts"]],
    }


def compact_of_replayed(r: Replayed) -> dict[str, Any]:
    """The compact decision of a replay (the same members as :func:`compact_of_result`)."""
    return {
        "outcome": r.outcome,
        "plafon": r.plafon,
        "score": r.score,
        "grade": r.grade,
        "pd": r.pd,
        "band": r.band,
        "reasons": list(r.reasons),
        "knockouts": list(r.knockouts),
    }


def _replayed(compact: Mapping[str, Any] | None, loan_id: str, day: date) -> Replayed:
    if compact is None:
        return Replayed(loan_id, day, None)
    return Replayed(
        loan_id=loan_id,
        day=day,
        outcome=str(compact["outcome"]),
        plafon=int(compact["plafon"]),
        score=int(compact["score"]),
        grade=str(compact["grade"]),
        pd=compact.get("pd"),
        band=compact.get("band"),
        reasons=tuple(compact["reasons"]),
        knockouts=tuple(compact["knockouts"]),
    )


def _champion_id(record: StoredRecommendation, result: Mapping[str, Any] | None) -> PolicyId:
    assessment = result.get("assessment") if result is not None else None
    card = assessment.get("scorecard") if isinstance(assessment, Mapping) else None
    return PolicyId(
        record.policy_name or "",
        record.policy_version or "",
        str(card["name"]) if isinstance(card, Mapping) and "name" in card else None,
        str(card["version"]) if isinstance(card, Mapping) and "version" in card else None,
    )


class ChallengerService:
    """Shadow a share of the POSTs with the challenger, decide them in a job, report."""

    def __init__(
        self,
        store: ChallengerStore,
        repository: RecommendationRepository,
        jobs: JobQueue,
        champion: Policy,
        challenger: Policy | None,
        share: float,
        zone: ZoneInfo,
        clock: Clock,
        observe: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.repository = repository
        self.jobs = jobs
        self.champion = champion
        self.challenger = challenger
        self.share = share
        self.zone = zone
        self.clock = clock
        self.observe = observe

    @property
    def on(self) -> bool:
        """Whether live traffic is shadowed (a challenger and a share above 0)."""
        return self.challenger is not None and self.share > 0

    def shadows(self, tenant_id: str, loan_id: str) -> bool:
        return self.on and shadowed(tenant_id, loan_id, self.share)

    def shadow(self, record: StoredRecommendation) -> bool:
        """After the champion's record is stored: defer the challenger's job when the loan
        is shadowed. Never raises (a queue that fails is logged and counted)."""
        if not self.shadows(record.tenant_id, record.loan_id):
            return False
        try:
            self.jobs.defer(CHALLENGER, {"record_id": record.id})
        except Exception:
            log.exception("deferring the challenger of %s failed", record.id)
            self._observe(FAILED)
            return False
        return True

    def run(self, record_id: str) -> str | None:
        """The ``challenger`` job: decide one stored application with the challenger and
        store both decisions. ``stored``; ``failed`` (counted, logged) when the challenger
        could not decide it — stored with its error — or when this process has no
        challenger (a worker not configured like the API: nothing stored); None when there
        is nothing to do (the record is gone or failed, or this job ran before)."""
        record = self.repository.get(record_id)
        if record is None or record.result is None or record.status == "fail":
            return None
        if self.challenger is None:
            log.warning(
                "challenger job for %s, but this process has no challenger "
                "(CDE_CHALLENGER_POLICY): nothing stored",
                record_id,
            )
            self._observe(FAILED)
            return FAILED
        day = record.created_at.astimezone(self.zone).date()
        result: dict[str, Any] | None = None
        champion: dict[str, Any] | None = None
        challenger: dict[str, Any] | None = None
        error: str | None = None
        try:
            loaded = orjson.loads(record.result)
            if not isinstance(loaded, dict):
                raise ValueError("the champion's stored result is not an object")
            result = loaded
            champion = compact_of_result(result)
            decided = replay_one(orjson.loads(record.payload), self.challenger, day)
            if decided.outcome is None:
                raise ValueError(f"the challenger cannot read the application: {decided.error}")
            challenger = compact_of_replayed(decided)
        except Exception as exc:
            log.exception("the challenger failed on %s", record_id)
            error = f"{type(exc).__name__}: {exc}"[:1000]
            challenger = None
        row = ChallengerResult(
            recommendation_id=record.id,
            tenant_id=record.tenant_id,
            loan_id=record.loan_id,
            decided_at=record.created_at,
            created_at=self.clock(),
            champion_policy=_champion_id(record, result),
            challenger_policy=PolicyId.of(self.challenger),
            champion=champion,
            challenger=challenger,
            error=error,
        )
        if not self.store.add(row):
            return None
        outcome = FAILED if error is not None else STORED
        self._observe(outcome)
        return outcome

    def _observe(self, outcome: str) -> None:
        if self.observe is not None:
            self.observe(outcome)

    def purge(self, before: datetime) -> int:
        return self.store.purge(before)

    # --- the report ------------------------------------------------------------------------

    def _moment(self, day: date) -> datetime | None:
        """The start of ``day`` in the service's zone, in UTC; None past the calendar."""
        try:
            return datetime.combine(day, time(), self.zone).astimezone(UTC)
        except OverflowError:
            return None

    def _bounds(self, first: date, last: date) -> tuple[datetime | None, datetime | None]:
        start = self._moment(first) if first > date.min else None
        end = self._moment(last + timedelta(days=1)) if last < date.max else None
        return start, end

    def _pair(self, rows: Sequence[Shadowed]) -> tuple[PolicyId, PolicyId] | None:
        """The challenger compared: the configured one, else the latest stored result's;
        its champion: that of its latest stored result (a tenant's own active policy
        version is its champion), else — nothing stored — the service's policy."""
        challenger = PolicyId.of(self.challenger) if self.challenger is not None else None
        if challenger is None and rows:
            challenger = rows[-1].result.challenger_policy
        if challenger is None:
            return None
        theirs = [s.result for s in rows if s.result.challenger_policy == challenger]
        champion = theirs[-1].champion_policy if theirs else PolicyId.of(self.champion)
        return champion, challenger

    def report(self, tenant_id: str, first: date, last: date) -> dict[str, Any]:
        """The swap set between the champion and the challenger on the tenant's
        applications decided from ``first`` to ``last`` (both included, in the service's
        zone). The challenger compared is the configured one, else that of the latest
        stored result in the period; the champion, that of its latest result. Results of
        other pairs in the period (a policy changed) are counted in ``other_pairs``, never
        mixed in.

        Raises :class:`ReportPeriodError` when ``first`` is after ``last``."""
        if first > last:
            raise ReportPeriodError(first, last)
        start, end = self._bounds(first, last)
        rows = self.store.between(tenant_id, start, end)
        pairs = Counter((s.result.champion_policy, s.result.challenger_policy) for s in rows)
        pair = self._pair(rows)
        chosen = [
            s
            for s in rows
            if pair is not None and (s.result.champion_policy, s.result.challenger_policy) == pair
        ]
        before = [_replayed(s.result.champion, s.result.loan_id, self._day(s)) for s in chosen]
        after = [_replayed(s.result.challenger, s.result.loan_id, self._day(s)) for s in chosen]
        bads = {s.result.loan_id: int(s.bad) for s in chosen if s.bad is not None}
        note = None
        if pair is None:
            note = NO_CHALLENGER
        elif not chosen:
            note = NONE_SHADOWED
        return {
            "tenant_id": tenant_id,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": self.zone.key,
            "configured": self.challenger is not None,
            "share": self.share if self.challenger is not None else 0.0,
            "champion": pair[0].as_dict() if pair is not None else None,
            "challenger": pair[1].as_dict() if pair is not None else None,
            "shadowed": len(chosen),
            "failed": sum(s.result.error is not None for s in chosen),
            "with_outcome": sum(s.bad is not None for s in chosen),
            "note": note,
            "swap_set": simulate(before, after, bads if bads else None),
            "other_pairs": [
                {"champion": c.as_dict(), "challenger": d.as_dict(), "shadowed": n}
                for (c, d), n in sorted(pairs.items(), key=lambda item: -item[1])
                if (c, d) != pair
            ],
        }

    def _day(self, s: Shadowed) -> date:
        return s.result.decided_at.astimezone(self.zone).date()
