"""The training book of a tenant from its own database: its stored applications joined
with its recorded outcomes, as :func:`cde.scorecard.training.train` takes them
(``cde scorecard train --from-db``).

The join (the store does it, in SQL for the SQL store: :meth:`OutcomeStore.joined`):

* **one application per loan id**: of the tenant's stored recommendations of a loan that
  the engine answered (status ``success`` or ``processing``; a ``fail`` record is not an
  application the engine read), the latest — the greatest creation time, then the
  greatest id: the one the loan was disbursed on;
* **bad**: the outcome's. An outcome with a kolektibilitas is bad when that class is the
  policy's ``[outcome] bad_from_kolektibilitas`` or worse — the rule the service already
  applied when it recorded the outcome, so the stored ``bad`` agrees unless the policy
  changed since: then the policy given here decides, and how many outcomes it turned is
  counted (``bad_changed_by_policy``). An outcome without one keeps its ``bad``;
* **applied_at**: the outcome's, else the date, in the service's time zone, the stored
  recommendation was made;
* an outcome with no stored application is left out and counted
  (``outcomes_without_application``), as are the stored applications with no outcome
  (``applications_without_outcome``, by loan id);
* only the tenant's rows are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import orjson

from cde.domain.application import Kolektibilitas
from cde.domain.outcomes import is_bad
from cde.errors import InvalidInputError
from cde.policies.model import Policy

if TYPE_CHECKING:  # types only: cde.service.outcomes imports this module
    from cde.service.outcomes import OutcomeStore

__all__ = ["StoredApplicationError", "TrainingBook", "build_training_book"]


class StoredApplicationError(InvalidInputError):
    """A stored application's payload is not a JSON object (never, for a record the engine
    answered: it read that very payload)."""


@dataclass(frozen=True, slots=True)
class TrainingBook:
    """The book: ``applications`` (decoded Kocek request bodies) and ``outcomes``
    (``loan_id``, ``bad`` 0/1, ``applied_at`` a date), one of each per loan id, in loan id
    order; and what the join left out or decided."""

    tenant_id: str
    applications: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    outcomes_without_application: int  # left out
    applications_without_outcome: int  # loan ids
    applied_at_from_recommendation: int  # outcomes without their own applied_at
    bad_changed_by_policy: int  # stored bad that the policy's kolektibilitas rule turned

    @property
    def rows(self) -> int:
        return len(self.outcomes)

    @property
    def bads(self) -> int:
        return sum(int(row["bad"]) for row in self.outcomes)

    def summary(self, tenant_name: str) -> str:
        """One line: where the data came from and what the join counted."""
        parts = [
            f"data: the database, tenant {tenant_name!r}: {self.rows} outcomes with a stored "
            f"application ({self.bads} bads)",
            f"{self.outcomes_without_application} outcomes have no stored application and "
            "were left out",
            f"{self.applications_without_outcome} stored applications have no outcome",
            f"applied_at from the recommendation's date for {self.applied_at_from_recommendation}",
        ]
        if self.bad_changed_by_policy:
            parts.append(
                f"{self.bad_changed_by_policy} outcomes' bad follows the policy's "
                "bad_from_kolektibilitas, not the value recorded"
            )
        return "; ".join(parts)


def build_training_book(
    store: OutcomeStore,
    tenant_id: str,
    policy: Policy,
    zone: ZoneInfo,
    *,
    page_size: int = 1000,
) -> TrainingBook:
    """The tenant's book by the rules of this module's docstring."""
    bad_from = policy.outcome.bad_from_kolektibilitas
    applications: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    unmatched = from_record = turned = 0
    for row in store.joined(tenant_id, page_size=page_size):
        if row.record_payload is None or row.record_created_at is None:
            unmatched += 1
            continue
        try:
            app = orjson.loads(row.record_payload)
        except orjson.JSONDecodeError:
            app = None
        if not isinstance(app, dict):
            raise StoredApplicationError(
                f"the stored recommendation {row.record_id} of loan {row.loan_id} "
                "is not a JSON object"
            )
        bad = row.bad
        if row.kolektibilitas is not None:
            bad = is_bad(Kolektibilitas(row.kolektibilitas), bad_from)
            turned += bad != row.bad
        applied_at: date | None = row.applied_at
        if applied_at is None:
            applied_at = row.record_created_at.astimezone(zone).date()
            from_record += 1
        applications.append(app)
        outcomes.append({"loan_id": row.loan_id, "bad": int(bad), "applied_at": applied_at})
    return TrainingBook(
        tenant_id=tenant_id,
        applications=applications,
        outcomes=outcomes,
        outcomes_without_application=unmatched,
        applications_without_outcome=store.applications_without_outcome(tenant_id),
        applied_at_from_recommendation=from_record,
        bad_changed_by_policy=turned,
    )
