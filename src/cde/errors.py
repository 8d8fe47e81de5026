"""Every error cde raises on purpose, in one tree.

::

    CdeError
    ├── InvalidInputError            the caller's input cannot be used          (400 / 422)
    │   ├── InvalidApplicationError  an application, every bad field named      (422)
    │   ├── InvalidBodyError         the body is not JSON                       (400)
    │   │   ├── BodyTooDeepError     nested deeper than CDE_MAX_JSON_DEPTH      (400)
    │   │   ├── BadIdempotencyKeyError  an Idempotency-Key that is no key       (400)
    │   │   ├── BatchError           not a batch of applications                (400)
    │   │   └── OutcomeBodyError     not outcome records (JSONL, array, CSV)    (400)
    │   ├── InvalidOutcomeError      an outcome record, every bad field named (a report line)
    │   ├── IdempotencyConflictError a key used before with another body        (422)
    │   ├── InstructionFileError     a system-instruction file refused          (400)
    │   ├── PolicyError              a policy file unreadable or invalid
    │   ├── LoanTermsError           loan terms the loan math cannot use
    │   ├── TenantError              a tenant command that cannot be done
    │   ├── ScorecardError           a scorecard file unreadable, invalid or inconsistent
    │   ├── ForbiddenFeatureError    a scorecard asked to use a protected attribute
    │   └── TrainingError            outcomes that cannot train a scorecard
    ├── RefusedError                 understood, and refused         (401, 403, 409, 429)
    │   ├── UnauthenticatedError     no valid token                             (401)
    │   ├── ServiceOffError          the service or the tenant switched off     (403)
    │   ├── RoleRefusedError         the caller's role may not do this          (403)
    │   ├── QuotaExhaustedError      the tenant's quota is used up              (403)
    │   ├── RateLimitedError         the tenant's rate limit is spent           (429)
    │   ├── IdempotencyPendingError  the first request with the key still runs  (409)
    │   └── MemoUnavailableError     a recommendation with no memo to print     (409)
    ├── NotFoundError                nothing there (or another tenant's)        (404)
    ├── UnavailableError             a store or queue does not answer           (503)
    ├── EvaluationFailedError        an accepted application failed, unexpectedly (500)
    ├── ProviderError                the language model could not be asked
    ├── TrainingUnavailableError     scorecard training without cde[train] installed
    └── PdfUnavailableError          the memo PDF without cde[pdf] installed    (501)

The classes without a status above are not HTTP errors (a policy file, a loan schedule, a
tenant command: the CLI's). ``InvalidApplicationError``, ``BatchError``,
``InstructionFileError``, ``PolicyError``, ``LoanTermsError`` and ``TenantError`` are
defined beside the code that raises them (``cde.domain.application``,
``cde.service.batches``, ``cde.service.instructions``, ``cde.policies``,
``cde.domain.loan_math``, ``cde.service.tenants``, ``cde.service.challenger``), as are
``InvalidOutcomeError`` and
``OutcomeBodyError`` (``cde.domain.outcomes``, ``cde.service.outcomes``) and the
scorecard's (``cde.domain.scorecard.model``, ``cde.domain.scorecard.features``,
``cde.scorecard.training``), and the memo PDF's (``cde.documents.memo_pdf``,
``cde.service.memos``); the rest here. This module imports nothing of cde's, so
every layer may raise from it.

Each class says how the edges present it: ``status`` (HTTP), ``message_key`` (the API's
message catalogue, ``cde.entrypoints.http.messages``), ``audit_outcome`` (the audit
trail's word for a refused request) and, for input, ``field_errors``: each field that is
wrong by its path (``character.age``) and what is wrong, in the caller's language. The CLI
prints ``str(error)`` and exits 1 (an invalid application) or 2 (any other usage error).

Errors of libraries (a database that does not answer, a socket) are not wrapped: the edges
map them (SQLAlchemy's ``OperationalError`` is a 503).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

__all__ = [
    "BadIdempotencyKeyError",
    "BodyTooDeepError",
    "CdeError",
    "EvaluationFailedError",
    "FieldMessage",
    "FieldProblem",
    "IdempotencyConflictError",
    "IdempotencyPendingError",
    "InvalidBodyError",
    "InvalidInputError",
    "NotFoundError",
    "ProviderError",
    "QuotaExhaustedError",
    "RateLimitedError",
    "RefusedError",
    "RoleRefusedError",
    "ServiceOffError",
    "UnauthenticatedError",
    "UnavailableError",
]


class FieldProblem(Protocol):
    """One field that is wrong: its path (``character.age``) and what is wrong."""

    @property
    def field(self) -> str: ...

    def as_dict(self, lang: str) -> dict[str, str]:
        """``{"field": …, "message": …}`` in ``lang`` (``id`` or ``en``)."""


@dataclass(frozen=True, slots=True)
class FieldMessage:
    """A :class:`FieldProblem` whose message is the same in both languages (a parser's)."""

    field: str
    message: str

    def as_dict(self, lang: str) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class CdeError(Exception):
    """The base of every error cde raises on purpose (never a bare built-in)."""

    status: ClassVar[int] = 500
    message_key: ClassVar[str] = "internal"
    audit_outcome: ClassVar[str | None] = None

    @property
    def field_errors(self) -> Sequence[FieldProblem]:
        """The fields that are wrong, if the error is about input."""
        return ()

    @property
    def outcome(self) -> str | None:
        """The audit trail's word for the request this error refused, if it has one."""
        return self.audit_outcome


# --- invalid input ------------------------------------------------------------------------


class InvalidInputError(CdeError, ValueError):
    """The caller's input cannot be used. A ``ValueError`` too, for callers of the engine
    that catch that."""

    status = 422
    message_key = "invalid"


class InvalidBodyError(InvalidInputError):
    """The request body is not JSON (``detail`` says where it breaks)."""

    status = 400
    message_key = "bad_json"
    field: ClassVar[str] = "(body)"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def field_errors(self) -> Sequence[FieldProblem]:
        return (FieldMessage(self.field, self.detail),)


class BodyTooDeepError(InvalidBodyError):
    """The JSON body nests deeper than ``CDE_MAX_JSON_DEPTH``."""

    message_key = "too_deep"


class BadIdempotencyKeyError(InvalidBodyError):
    """An ``Idempotency-Key`` header that is not 1 to 255 printable characters."""

    message_key = "idempotency_bad"
    field = "Idempotency-Key"


class IdempotencyConflictError(InvalidInputError):
    """The Idempotency-Key was used before with a different body."""

    message_key = "idempotency_conflict"
    audit_outcome = "idempotency_conflict"


# --- refused ------------------------------------------------------------------------------


class RefusedError(CdeError):
    """Understood, and refused: who asks, or when, does not allow it."""

    status = 403


class UnauthenticatedError(RefusedError):
    """No bearer token, or none that is valid."""

    status = 401
    message_key = "unauthenticated"


class ServiceOffError(RefusedError):
    """The service is switched off (``cde service disable``), or the tenant is."""

    message_key = "service_off"

    def __init__(self, *, tenant_active: bool) -> None:
        super().__init__("the service is not active for this tenant")
        self.tenant_active = tenant_active

    @property
    def outcome(self) -> str:
        return "service_off" if self.tenant_active else "tenant_inactive"


class RoleRefusedError(RefusedError):
    """The caller's role may not request (or read) recommendations."""

    audit_outcome = "role_refused"

    def __init__(self, role: str | None, action: str) -> None:
        super().__init__(f"role {role or '-'!r}")
        self.role = role or "-"
        self.action = action  # request | read


class QuotaExhaustedError(RefusedError):
    """The tenant's quota is used up; nothing was stored or spent."""

    message_key = "quota"
    audit_outcome = "quota_exhausted"


class RateLimitedError(RefusedError):
    """The tenant's rate limit is spent; ``retry_after`` whole seconds to wait."""

    status = 429
    message_key = "rate_limited"
    audit_outcome = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class IdempotencyPendingError(RefusedError):
    """The first request with this Idempotency-Key is still running: retry later."""

    status = 409
    message_key = "idempotency_pending"


# --- not found, unavailable, provider ----------------------------------------------------


class NotFoundError(CdeError):
    """Nothing there — or another tenant's, which is as absent."""

    status = 404
    message_key = "not_found"


class UnavailableError(CdeError):
    """A store or a queue does not answer; the same request may work later."""

    status = 503
    message_key = "unavailable"


class EvaluationFailedError(CdeError):
    """An accepted application failed unexpectedly (a defect, logged with its traceback,
    the cause chained); once it is kept as a ``fail`` record, ``record_id`` names it."""

    status = 500
    message_key = "internal"

    def __init__(self, record_id: str | None = None) -> None:
        super().__init__(f"record {record_id}" if record_id else "the evaluation failed")
        self.record_id = record_id


class ProviderError(CdeError):
    """The language model could not be asked or did not answer; ``reason`` says why
    (timeout, rate_limited, unavailable, refused, circuit_open, …)."""

    status = 502

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
