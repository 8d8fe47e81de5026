"""The credit memo of a stored recommendation as a PDF (``GET …/{id}/memo.pdf``).

The memo is printed from the stored result, in the language it was written in (its reasons
and narratives are in that language), with the tenant's name as the cooperative's (for the
default tenant, the one the static tokens act as: ``CDE_COOPERATIVE_NAME``, if set), and
"now" from the service's clock, in the service's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

import orjson

from cde.documents import render_memo_pdf, subject_of
from cde.domain.text import Lang
from cde.errors import NotFoundError, RefusedError
from cde.service.ports import Clock, RecommendationRepository
from cde.service.tenants import TenantStore

__all__ = [
    "MemoDocuments",
    "MemoPdf",
    "MemoPendingError",
    "MemoUnavailableError",
    "MemoWithoutResultError",
]


class MemoUnavailableError(RefusedError):
    """The recommendation exists but has no memo to print (yet)."""

    status = 409


class MemoPendingError(MemoUnavailableError):
    """The narrative is still being written (``processing``): the memo would change."""

    message_key = "memo_pending"


class MemoWithoutResultError(MemoUnavailableError):
    """The evaluation failed (``fail``): there is no result to print."""

    message_key = "memo_failed"


@dataclass(frozen=True, slots=True)
class MemoPdf:
    record_id: str
    lang: Lang
    content: bytes

    @property
    def filename(self) -> str:
        return f"memo-{self.record_id}.pdf"


class MemoDocuments:
    """Print the memo of a tenant's stored recommendation."""

    def __init__(
        self,
        recommendations: RecommendationRepository,
        tenants: TenantStore,
        clock: Clock,
        zone: ZoneInfo,
        *,
        default_tenant_id: str,
        default_name: str | None = None,
        render: Callable[..., bytes] = render_memo_pdf,
    ) -> None:
        self.recommendations = recommendations
        self.tenants = tenants
        self.clock = clock
        self.zone = zone
        self.default_tenant_id = default_tenant_id
        self.default_name = default_name
        self.render = render

    def cooperative(self, tenant_id: str) -> str | None:
        """The name printed on the tenant's memos: the tenant's own, or for the default
        tenant ``CDE_COOPERATIVE_NAME`` (None: the memo names no cooperative)."""
        if tenant_id == self.default_tenant_id:
            return self.default_name
        tenant = self.tenants.by_id(tenant_id)
        return tenant.name if tenant is not None else None

    def pdf(self, record_id: str, tenant_id: str) -> MemoPdf:
        """The memo of the tenant's recommendation ``record_id``. Another tenant's record is
        as absent as a missing one (NotFoundError); one without a result to print raises
        a MemoUnavailableError; without WeasyPrint, ``PdfUnavailableError``."""
        record = None
        if len(record_id) <= 64:
            record = self.recommendations.get(record_id, tenant_id)
        if record is None:
            raise NotFoundError(record_id)
        if record.status == "processing":
            raise MemoPendingError(record_id)
        if record.status != "success" or not record.result:
            raise MemoWithoutResultError(record_id)
        lang: Lang = "en" if record.lang == "en" else "id"
        content = self.render(
            orjson.loads(record.result),
            cooperative=self.cooperative(record.tenant_id),
            lang=lang,
            generated_at=self.clock().astimezone(self.zone),
            subject=subject_of(
                _application(record.payload),
                record_id=record.id,
                recommended_at=record.created_at.astimezone(self.zone),
            ),
        )
        return MemoPdf(record.id, lang, content)


def _application(payload: str) -> dict[str, Any]:
    """The stored request body (a success record's is a JSON object)."""
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return {}
    return cast(dict[str, Any], body) if isinstance(body, dict) else {}
