"""Use cases of the credit-recommendation API: recommend, read one, list; the service
switch; the bearer tokens the service generates for itself."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from cde import __version__
from cde.domain.application import InvalidApplicationError
from cde.domain.engine import evaluate
from cde.domain.text import Lang
from cde.errors import EvaluationFailedError
from cde.policies.model import Policy
from cde.service.ports import (
    Caller,
    Clock,
    Page,
    QuotaExhaustedError,
    RecommendationRepository,
    ServiceSettings,
    StoredRecommendation,
    TokenStore,
)
from cde.service.tenants import AUTH_CACHE_SECONDS, LookupCache

__all__ = [
    "SERVICE_ENABLED",
    "QuotaExhaustedError",
    "Recommender",
    "ServiceSwitch",
    "Tokens",
    "token_digest",
]

log = logging.getLogger("cde.service")

SERVICE_ENABLED = "service_enabled"


@dataclass(frozen=True, slots=True)
class Recommended:
    record: StoredRecommendation
    result: dict[str, Any]
    # The result as stored, serialised once (``record.result`` is its text): the HTTP
    # answer embeds these bytes instead of serialising the result again.
    result_json: bytes = b""


class Recommender:
    """Evaluate an application and store it, answering only once it is committed."""

    def __init__(
        self,
        repository: RecommendationRepository,
        policy: Policy,
        clock: Clock,
        zone: ZoneInfo,
        new_id: Callable[[], str],
        policies: Callable[[str], Policy] | None = None,
    ) -> None:
        self.repository = repository
        self.policy = policy
        self.clock = clock
        self.zone = zone
        self.new_id = new_id
        # A tenant's policy (its active stored version: ``service/policy_versions.py``);
        # None: ``policy`` decides for every tenant.
        self.policies = policies

    def policy_for(self, tenant_id: str) -> Policy:
        return self.policies(tenant_id) if self.policies is not None else self.policy

    def recommend(
        self,
        body: bytes,
        raw: dict[str, Any],
        caller: Caller,
        lang: Lang,
        *,
        tenant_id: str = "default",
        record_id: str | None = None,
        processing: bool = False,
    ) -> Recommended:
        """Evaluate, then store while spending one unit of the tenant's quota in the same
        transaction; answer once committed. With ``processing`` the record is stored as
        ``processing`` (a narrator writes its narrative later; the stored result already
        holds the rules one).

        Raises InvalidApplicationError for unreadable input and QuotaExhaustedError when
        the quota is used up; in both cases nothing is stored or spent. An unexpected
        failure of the evaluation is an EvaluationFailedError (its cause chained), and
        nothing is stored either: ``record_failure`` keeps the application.
        """
        done = self.prepare(
            body,
            raw,
            caller,
            lang,
            tenant_id=tenant_id,
            record_id=record_id,
            processing=processing,
        )
        self.repository.add(done.record)
        return done

    def prepare(
        self,
        body: bytes,
        raw: dict[str, Any],
        caller: Caller,
        lang: Lang,
        *,
        tenant_id: str = "default",
        record_id: str | None = None,
        processing: bool = False,
    ) -> Recommended:
        """What :meth:`recommend` stores, evaluated and not stored yet (the caller stores
        it: ``repository.submit``); raises as :meth:`recommend` does before storing."""
        now = self.clock()
        policy = self.policy_for(tenant_id)
        try:
            result = evaluate(raw, policy=policy, today=now.astimezone(self.zone).date(), lang=lang)
        except InvalidApplicationError:
            raise
        except Exception as exc:  # a defect of the engine: the caller keeps the application
            raise EvaluationFailedError() from exc
        result_json = orjson.dumps(result)
        record = StoredRecommendation(
            id=record_id or self.new_id(),
            created_at=now,
            loan_id=str(raw["loan_id"]),
            customer_id=str(raw["customer_id"]),
            status="processing" if processing else "success",
            payload=body.decode("utf-8"),
            result=result_json.decode("utf-8"),
            error=None,
            lang=lang,
            policy_name=policy.name,
            policy_version=policy.version,
            engine_version=__version__,
            caller=caller,
            tenant_id=tenant_id,
        )
        return Recommended(record, result, result_json)

    def record_failure(
        self,
        body: bytes,
        raw: dict[str, Any],
        caller: Caller,
        lang: Lang,
        error: str,
        tenant_id: str = "default",
        record_id: str | None = None,
    ) -> StoredRecommendation:
        """Keep an accepted application whose evaluation failed unexpectedly (under the id
        an Idempotency-Key reserved, if any, so that repeats find it)."""
        policy = self.policy_for(tenant_id)
        record = StoredRecommendation(
            id=record_id or self.new_id(),
            created_at=self.clock(),
            loan_id=str(raw.get("loan_id", "")),
            customer_id=str(raw.get("customer_id", "")),
            status="fail",
            payload=body.decode("utf-8", errors="replace"),
            result=None,
            error=error,
            lang=lang,
            policy_name=policy.name,
            policy_version=policy.version,
            engine_version=__version__,
            caller=caller,
            tenant_id=tenant_id,
        )
        self.repository.add(record, spend_quota=False)
        return record

    def get(self, record_id: str, tenant_id: str | None = None) -> StoredRecommendation | None:
        return self.repository.get(record_id, tenant_id)

    def purge(self, before: datetime) -> int:
        """Delete recommendations created before ``before`` (data retention)."""
        return self.repository.purge(before)

    def list(
        self,
        *,
        tenant_id: str | None = None,
        loan_id: str | None,
        customer_id: str | None,
        status: str | None,
        page: int,
        limit: int,
        outcome: str | None = None,
        grade: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        with_decision: bool = False,
    ) -> Page:
        """Newest first; the API filters by loan, customer and status, the analyst's
        workspace also by outcome, grade and creation time, and reads each item's
        decision (``RecommendationRepository.list``)."""
        return self.repository.list(
            tenant_id=tenant_id,
            loan_id=loan_id,
            customer_id=customer_id,
            status=status,
            offset=(page - 1) * limit,
            limit=limit,
            outcome=outcome,
            grade=grade,
            created_from=created_from,
            created_to=created_to,
            with_decision=with_decision,
        )


class ServiceSwitch:
    """On when both the configured default and the stored switch say so. The stored switch
    (``cde service disable|enable``) is read again at most every ``seconds`` of the clock
    (:data:`~cde.service.tenants.AUTH_CACHE_SECONDS`; 0: on every call), so a change made
    by another process takes effect here within that bound; one made through this switch,
    at once."""

    def __init__(
        self,
        store: ServiceSettings,
        configured: bool,
        clock: Clock,
        seconds: float = AUTH_CACHE_SECONDS,
    ) -> None:
        self.store = store
        self.configured = configured
        self.clock = clock
        self._stored: LookupCache[str, bool | None] = LookupCache(seconds, clock)

    def enabled(self) -> bool:
        if not self.configured:
            return False
        stored = self._stored.get(SERVICE_ENABLED, self.store.get_flag)
        return True if stored is None else stored

    def set(self, enabled: bool) -> None:
        try:
            self.store.set_flag(SERVICE_ENABLED, enabled, self.clock())
        finally:
            self._stored.clear()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tokens:
    """Bearer tokens: the configured ones (``CDE_API_TOKENS``) and the ones the service
    generated (stored as SHA-256 only; their list is read again at most every ``seconds``
    of the clock, and at once after this process generated one). Comparison is
    constant-time."""

    def __init__(
        self,
        store: TokenStore,
        configured: tuple[str, ...],
        clock: Clock,
        seconds: float = AUTH_CACHE_SECONDS,
    ) -> None:
        self.store = store
        self.configured = frozenset(token_digest(t) for t in configured)
        self.clock = clock
        self._generated: LookupCache[None, frozenset[str]] = LookupCache(seconds, clock)

    def _generated_hashes(self) -> frozenset[str]:
        return self._generated.get(None, lambda _: self.store.token_hashes())

    def valid_configured(self, token: str) -> bool:
        """Whether ``token`` is one of CDE_API_TOKENS (no database read)."""
        digest = token_digest(token)
        found = False
        for candidate in self.configured:
            found |= hmac.compare_digest(digest, candidate)
        return found

    def valid(self, token: str) -> bool:
        digest = token_digest(token)
        known = self.configured | self._generated_hashes()
        found = False
        for candidate in known:  # no early exit: timing does not reveal which matched
            found |= hmac.compare_digest(digest, candidate)
        return found

    def any_configured(self) -> bool:
        return bool(self.configured) or bool(self.store.token_hashes())

    def generate(self, label: str, new_id: Callable[[], str]) -> str:
        token = "cde_" + secrets.token_urlsafe(32)
        try:
            self.store.add_token(new_id(), token_digest(token), label, self.clock())
        finally:
            self._generated.clear()
        return token
