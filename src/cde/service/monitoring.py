"""Monitoring over live traffic: the stability and fairness report of a tenant's stored
decisions, a current period against a baseline (``cde report stability``,
``GET /kocek/cde/reports/stability``; the report itself: :mod:`cde.portfolio.stability`).

What is read, per period (days in the service's time zone, both ends included): every
stored recommendation of the tenant the engine answered — status ``success``, and
``processing`` (the decision is stored; only an LLM narrative is pending) — never a
``fail`` record, never another tenant's. Of each (:class:`Observed`):

* from the stored result, what was decided then: ``decision.outcome``,
  ``decision.plafon``, ``assessment.score``, ``assessment.grade``,
  ``assessment.scorecard.pd`` (when a scorecard scored it) and the age the character
  assessment used (``assessment.dimensions.character.metrics.age``);
* from the stored payload, the gender the application states, and the scorecard
  features (:func:`cde.domain.evaluation.features_of`): the application re-assessed under
  the tenant's policy as it is now (its active version, else the service's) on the
  record's own day — one evaluation per record (about 0.3 ms:
  a few seconds for ten thousand). A payload today's reader refuses (or whose
  re-assessment fails, logged) keeps its decision and has no features (counted in
  ``not_reassessed``);
* the loan's recorded outcome, if any: ``bad`` as recorded, or by the policy's
  ``bad_from_kolektibilitas`` when the outcome has a kolektibilitas (as the training book
  reads it).

A record whose stored result has no decision is left out and counted (``unreadable``).
Every stored decision counts, so a loan submitted twice counts twice.

Each report computed sets the ``cde_score_psi`` / ``cde_pd_psi`` gauges of the tenant
(the ``observe`` callable the bootstrap gives): the latest report asked for, not a
continuous computation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import orjson

from cde.domain.application import InvalidApplicationError, Kolektibilitas, parse_application
from cde.domain.evaluation import features_of
from cde.domain.outcomes import is_bad
from cde.policies.model import Policy
from cde.portfolio.stability import Observed, Period, stability_report
from cde.service.tenants import Tenant

__all__ = [
    "DashboardRow",
    "DecisionRow",
    "Monitoring",
    "MonitoringStore",
    "ObserveStability",
    "bounds",
    "dashboard_row",
]

log = logging.getLogger("cde.service")

# ``observe(tenant_name, score_psi, pd_psi)``: None for a PSI the report could not compute.
ObserveStability = Callable[[str, float | None, float | None], None]


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One stored recommendation the engine answered, with its loan's recorded outcome
    (``bad`` and ``kolektibilitas`` None when the tenant recorded none)."""

    record_id: str
    created_at: datetime
    loan_id: str
    payload: str  # the request body exactly as received (JSON text)
    result: str | None  # the result object (JSON text)
    bad: bool | None
    kolektibilitas: int | None


@dataclass(frozen=True, slots=True)
class DashboardRow:
    """What the dashboard (:mod:`cde.service.dashboard`) reads of one stored recommendation,
    any status: the decision its stored result holds (``outcome``, ``grade``, ``score``,
    ``plafon``: None for a failed record or a result that holds no decision) and its loan's
    recorded outcome (``bad`` and ``kolektibilitas`` None when the tenant recorded none, and
    for a failed record). Made by :func:`dashboard_row`, in every store alike."""

    created_at: datetime
    loan_id: str
    status: str  # success | processing | fail
    outcome: str | None
    grade: str | None
    score: int | None
    plafon: int | None
    bad: bool | None
    kolektibilitas: int | None


class MonitoringStore(Protocol):
    def decisions(
        self,
        tenant_id: str,
        start: datetime | None,
        end: datetime | None,
        *,
        page_size: int = 1000,
    ) -> Iterator[DecisionRow]:
        """The tenant's stored recommendations whose status is not ``fail``, created at
        or after ``start`` and before ``end`` (None: unbounded), oldest first (by
        ``created_at``, then id), each with its loan's outcome if the tenant recorded one.
        Read ``page_size`` at a time (keyset pages); no other tenant's row is read."""

    def dashboard_rows(
        self,
        tenant_id: str,
        start: datetime | None,
        end: datetime | None,
        *,
        page_size: int = 1000,
    ) -> Iterator[DashboardRow]:
        """The tenant's stored recommendations of every status created at or after
        ``start`` and before ``end`` (None: unbounded), oldest first (by ``created_at``,
        then id), each read by :func:`dashboard_row` (the outcome of a failed record is
        never joined). Read ``page_size`` at a time (keyset pages); no other tenant's row is
        read."""


def bounds(p: Period, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The UTC instants of a period in ``zone``: its first day's midnight (included) and
    the midnight after its last day (excluded); None past the calendar's ends."""
    try:
        start: datetime | None = datetime.combine(p.first, time(), zone).astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC
        start = None
    try:
        after = p.last + timedelta(days=1)
        end: datetime | None = datetime.combine(after, time(), zone).astimezone(UTC)
    except OverflowError:  # 9999-12-31
        end = None
    return start, end


def _dig(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def dashboard_row(
    created_at: datetime,
    loan_id: str,
    status: str,
    result: str | None,
    bad: bool | None,
    kolektibilitas: int | None,
) -> DashboardRow:
    """One stored recommendation as the dashboard reads it: the decision of its stored
    ``result`` (JSON text) when it holds one (``decision.outcome`` a text and
    ``assessment.score`` a whole number; else every member of the decision is None), the
    loan's outcome unless the record failed."""
    failed = status == "fail"
    loaded: Any = None
    if result is not None and not failed:
        try:
            loaded = orjson.loads(result)
        except orjson.JSONDecodeError:
            loaded = None
    found = _dig(loaded, "decision", "outcome")
    score = _int(_dig(loaded, "assessment", "score"))
    outcome: str | None = None
    grade: str | None = None
    plafon: int | None = None
    if isinstance(found, str) and score is not None:
        outcome = found
        named = _dig(loaded, "assessment", "grade")
        grade = named if isinstance(named, str) else None
        plafon = _int(_dig(loaded, "decision", "plafon"))
    else:
        score = None
    return DashboardRow(
        created_at=created_at,
        loan_id=loan_id,
        status=status,
        outcome=outcome,
        grade=grade,
        score=score,
        plafon=plafon,
        bad=None if failed else bad,
        kolektibilitas=None if failed else kolektibilitas,
    )


@dataclass(slots=True)
class _Counts:
    unreadable: int = 0
    not_reassessed: int = 0


class Monitoring:
    """The stability report of a tenant (see the module's docstring)."""

    def __init__(
        self,
        store: MonitoringStore,
        policy: Policy,
        zone: ZoneInfo,
        *,
        observe: ObserveStability | None = None,
        policies: Callable[[str], Policy] | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.zone = zone
        self.observe = observe
        # A tenant's policy (its active stored version); None: ``policy`` for every tenant.
        self.policies = policies

    def policy_for(self, tenant_id: str) -> Policy:
        return self.policies(tenant_id) if self.policies is not None else self.policy

    def _observed(self, row: DecisionRow, policy: Policy, counts: _Counts) -> Observed | None:
        """What the report reads of one stored decision; None when its stored result
        holds no decision."""
        try:
            result = orjson.loads(row.result) if row.result is not None else None
        except orjson.JSONDecodeError:
            result = None
        outcome = _dig(result, "decision", "outcome")
        score = _int(_dig(result, "assessment", "score"))
        if not isinstance(outcome, str) or score is None:
            counts.unreadable += 1
            return None
        day = row.created_at.astimezone(self.zone).date()
        gender, features = self._application(row.payload, policy, day, counts)
        age = _int(_dig(result, "assessment", "dimensions", "character", "metrics", "age"))
        bad = row.bad
        if row.kolektibilitas is not None:
            threshold = policy.outcome.bad_from_kolektibilitas
            bad = is_bad(Kolektibilitas(row.kolektibilitas), threshold)
        return Observed(
            loan_id=row.loan_id,
            day=day,
            outcome=outcome,
            plafon=_int(_dig(result, "decision", "plafon")) or 0,
            score=score,
            grade=str(_dig(result, "assessment", "grade") or ""),
            pd=_float(_dig(result, "assessment", "scorecard", "pd")),
            gender=gender,
            age=age,
            features=features,
            bad=None if bad is None else int(bad),
        )

    def _application(
        self, payload: str, policy: Policy, day: date, counts: _Counts
    ) -> tuple[str | None, dict[str, Any]]:
        try:
            raw = orjson.loads(payload)
            app = parse_application(raw)
        except (orjson.JSONDecodeError, InvalidApplicationError):
            counts.not_reassessed += 1
            return None, {}
        gender = app.character.gender.value if app.character.gender is not None else None
        try:
            features = dict(features_of(app, policy, day))
        except Exception:  # a defect of the engine must not cost the whole report
            log.warning("monitoring: features of a stored application failed", exc_info=True)
            counts.not_reassessed += 1
            return gender, {}
        return gender, features

    def _period(self, tenant_id: str, p: Period, policy: Policy, counts: _Counts) -> list[Observed]:
        start, end = bounds(p, self.zone)
        found = []
        for row in self.store.decisions(tenant_id, start, end):
            observed = self._observed(row, policy, counts)
            if observed is not None:
                found.append(observed)
        return found

    def stability(self, tenant: Tenant, baseline: Period, current: Period) -> dict[str, Any]:
        """The report (:func:`cde.portfolio.stability.stability_report`) of the tenant's
        decisions in ``current`` against those in ``baseline``, with ``tenant`` and what
        could not be read (``unreadable``, ``not_reassessed``) in ``read``; sets the
        tenant's PSI gauges."""
        counts = _Counts()
        policy = self.policy_for(tenant.id)
        report = stability_report(
            self._period(tenant.id, baseline, policy, counts),
            self._period(tenant.id, current, policy, counts),
            baseline,
            current,
        )
        report = {
            "tenant": tenant.name,
            "read": {"unreadable": counts.unreadable, "not_reassessed": counts.not_reassessed},
            **report,
        }
        if counts.unreadable:
            report["warnings"].append(
                f"{counts.unreadable} stored results hold no decision and were left out"
            )
        if counts.not_reassessed:
            report["warnings"].append(
                f"{counts.not_reassessed} stored applications cannot be read by this version: "
                "their decisions count, their characteristics are missing"
            )
        if self.observe is not None:
            score, pd = report["score"], report["pd"]
            self.observe(
                tenant.name,
                None if score is None else score["psi"],
                None if pd is None else pd["psi"],
            )
        return report
