"""What the API writes: the Kocek envelopes and the shape of each resource.

Bodies are written with orjson directly (the pydantic models in ``schemas.py`` only
document them in ``/openapi.json``); keys follow the seed document's order.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from babel.dates import format_datetime
from fastapi import Request
from fastapi.responses import JSONResponse

from cde.domain.text import Lang
from cde.entrypoints.http.messages import message
from cde.service.auth import Principal
from cde.service.batches import BatchProgress
from cde.service.narrative_jobs import public_result
from cde.service.outcomes import OutcomeChange, StoredOutcome
from cde.service.ports import Caller, RecommendationSummary, StoredRecommendation
from cde.service.tenants import Tenant

__all__ = [
    "UNAUTHENTICATED",
    "JSONBytes",
    "batch_view",
    "caller_of",
    "detail_view",
    "fail",
    "json_response",
    "listed_view",
    "outcome_view",
    "quota_view",
    "success",
]

UNAUTHENTICATED = orjson.dumps({"code": 401, "message": "Unauthenticated", "status": False})


class JSONBytes(JSONResponse):
    """JSON written by orjson (bytes pass through). A JSONResponse subclass, so FastAPI
    documents each route's ``response_model`` as its 200 body."""

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else orjson.dumps(content)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONBytes:
    return JSONBytes(orjson.dumps(body), status_code=status, headers=headers)


def success(status: int, data: Any, key: str, lang: Lang) -> JSONBytes:
    """The Kocek success envelope, keys in the seed document's order."""
    return json_response(status, {"data": data, "message": message(key, lang), "status": "success"})


def fail(status: int, msg: str, error: str | None = None, **extra: Any) -> JSONBytes:
    """The failure envelope: ``status``, ``message``, ``error`` and any ``errors``."""
    body: dict[str, Any] = {"status": "fail", "message": msg}
    if error is not None:
        body["error"] = error
    body.update(extra)
    return json_response(status, body)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def words(moment: datetime, zone: ZoneInfo) -> str:
    """``Senin 21 Oktober 2024 00:15``: the Kocek ``date``, in Indonesian, in ``zone``."""
    return str(format_datetime(moment, "EEEE d MMMM yyyy HH:mm", tzinfo=zone, locale="id"))


def caller_of(request: Request, principal: Principal) -> Caller:
    """Who acts: with a JWT the person in its claims; otherwise the platform's headers."""
    h = request.headers
    jwt = principal.via == "jwt"
    return Caller(
        user_id=principal.user_id if jwt else h.get("user-id"),
        user_name=principal.user_name if jwt else h.get("user-name"),
        user_role=principal.user_role if jwt else h.get("user-role"),
        claimed_ip=h.get("ip"),
        remote_addr=request.client.host if request.client else None,
    )


def created_view(record_id: str, status: str, result: dict[str, Any]) -> dict[str, Any]:
    """A POST's ``data``: the id and status, and the result (both seed shapes at once;
    while the narrative is being written, without its pending fields)."""
    return {"id": record_id, "status": status, **public_result(status, result)}


def created_body(
    record_id: str, status: str, result: dict[str, Any], result_json: bytes, lang: Lang
) -> bytes:
    """The whole 200 answer to a POST — ``success(200, created_view(...), "created", lang)``
    byte for byte — around the result as it was serialised for storing (``result_json``,
    orjson's bytes of ``result``), so the result is serialised once. Built the slow way when
    the result is not at hand as such bytes, is being narrated (its pending fields are
    hidden) or has keys of its own that ``created_view`` would merge."""
    if (
        status == "processing"
        or len(result_json) < 3
        or result_json[:1] != b"{"
        or "id" in result
        or "status" in result
    ):
        return bytes(success(200, created_view(record_id, status, result), "created", lang).body)
    return b"".join(
        (
            b'{"data":{"id":',
            orjson.dumps(record_id),
            b',"status":',
            orjson.dumps(status),
            b",",
            result_json[1:-1],
            b'},"message":',
            orjson.dumps(message("created", lang)),
            b',"status":"success"}',
        )
    )


def detail_view(record: StoredRecommendation, zone: ZoneInfo) -> dict[str, Any]:
    result: Any = None
    if record.result and record.status == "processing":
        result = public_result(record.status, orjson.loads(record.result))
    elif record.result:
        result = orjson.Fragment(record.result.encode("utf-8"))
    return {
        "id": record.id,
        "status": record.status,
        "date": words(record.created_at, zone),
        "datetime": iso(record.created_at),
        "payload": orjson.Fragment(record.payload.encode("utf-8")),
        "result": result,
    }


def listed_view(summary: RecommendationSummary, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": summary.id,
        "date": words(summary.created_at, zone),
        "datetime": iso(summary.created_at),
        "status": summary.status,
        "loan_id": summary.loan_id,
        "customer_id": summary.customer_id,
    }


def batch_view(progress: BatchProgress, zone: ZoneInfo) -> dict[str, Any]:
    batch = progress.batch
    view: dict[str, Any] = {
        "id": batch.id,
        "status": progress.status,
        "date": words(batch.created_at, zone),
        "datetime": iso(batch.created_at),
        "as_of": batch.as_of.isoformat(),
        "total": batch.total,
        "done": progress.done,
        "failed": progress.failed,
        "pending": progress.pending,
        "summary": None,
    }
    if progress.pending == 0:
        view["summary"] = {
            "outcomes": dict(sorted(progress.outcomes.items())),
            "grades": dict(sorted(progress.grades.items())),
            "total_plafon": progress.total_plafon,
        }
    return view


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _who(caller: Caller) -> dict[str, str | None]:
    return {"user_id": caller.user_id, "user_name": caller.user_name, "user_role": caller.user_role}


def outcome_view(outcome: StoredOutcome, history: list[OutcomeChange]) -> dict[str, Any]:
    """One loan's outcome and the values it replaced (oldest first)."""
    return {
        "loan_id": outcome.loan_id,
        "bad": outcome.bad,
        "kolektibilitas": outcome.kolektibilitas,
        "observed_at": _day(outcome.observed_at),
        "applied_at": _day(outcome.applied_at),
        "received_at": iso(outcome.received_at),
        "updated_at": iso(outcome.updated_at),
        "revision": outcome.revision,
        "history": [
            {
                "revision": change.revision,
                "bad": change.bad,
                "kolektibilitas": change.kolektibilitas,
                "observed_at": _day(change.observed_at),
                "applied_at": _day(change.applied_at),
                "recorded_at": iso(change.recorded_at),
                "recorded_by": _who(change.recorded_by),
                "replaced_at": iso(change.replaced_at),
                "replaced_by": _who(change.replaced_by),
            }
            for change in history
        ],
    }


def quota_view(tenant: Tenant, service_on: bool) -> dict[str, Any]:
    """The tenant's ``cde_feature``, as the Kocek platform names it."""
    return {
        "feature": "cde_feature",
        "is_active": tenant.active and service_on,
        "total_quota": tenant.total_quota,
        "used_quota": tenant.used_quota,
        "remaining_quota": tenant.remaining_quota,
        "unlimited": tenant.total_quota is None,
    }
