"""The POST's hot path (issue 15), against the real application on SQLite and PostgreSQL:
``POST /kocek/cde/credit-recommendation`` without a query string is answered past
FastAPI's routing (``DirectRoutes``) and must answer exactly as the routed POST does (the
same request with ``?wait=0``); its record, quota unit and audit entry are one write, so
each request has exactly one audit entry; the metrics and the audit trail name the route
as before."""

from __future__ import annotations

from typing import Any

import orjson
from prometheus_client.parser import text_string_to_metric_families

from cde.bootstrap import Container
from cde.service.audit import verify

ROUTE = "/kocek/cde/credit-recommendation"


def _without_id(body: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(body)
    parsed["data"].pop("id")
    return parsed


def _count(text: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "cde_http_requests_total" and all(
                s.labels.get(k) == v for k, v in labels.items()
            ):
                return float(s.value)
    return 0.0


def test_the_direct_post_answers_as_the_routed_one(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    for extra in ({}, {"Accept-Language": "en"}):
        headers = {**kocek_headers, **extra}
        direct = client.post(ROUTE, content=seed_bytes, headers=headers)
        routed = client.post(f"{ROUTE}?wait=0", content=seed_bytes, headers=headers)
        assert direct.status_code == routed.status_code == 200
        assert _without_id(direct.content) == _without_id(routed.content)
        ignore = {"x-request-id", "content-length"}
        assert {k: v for k, v in direct.headers.items() if k not in ignore} == {
            k: v for k, v in routed.headers.items() if k not in ignore
        }
        # the body is the envelope orjson writes, serialised once around the stored result
        assert direct.content == orjson.dumps(orjson.loads(direct.content))


def test_the_direct_post_refuses_as_the_routed_one(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    cases: list[tuple[dict[str, str], bytes]] = [
        ({**kocek_headers, "Authorization": "Bearer wrong"}, seed_bytes),
        ({k: v for k, v in kocek_headers.items() if k != "Authorization"}, seed_bytes),
        (kocek_headers, b"{not json"),
        (kocek_headers, orjson.dumps({"loan_id": "x"})),
        ({**kocek_headers, "Idempotency-Key": ""}, seed_bytes),
    ]
    for headers, body in cases:
        direct = client.post(ROUTE, content=body, headers=headers)
        routed = client.post(f"{ROUTE}?wait=0", content=body, headers=headers)
        assert direct.status_code == routed.status_code != 200
        assert direct.json() == routed.json()


def test_each_post_has_one_audit_entry_with_its_record(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    before = len(list(container.audit.entries()))
    made = [client.post(ROUTE, content=seed_bytes, headers=kocek_headers) for _ in range(3)]
    refused = client.post(ROUTE, content=b"[]", headers=kocek_headers)
    assert [m.status_code for m in made] == [200, 200, 200]
    assert refused.status_code == 422
    entries = [s.entry for s in list(container.audit.entries())[before:]]
    assert [(e.status_code, e.outcome, e.route) for e in entries] == [
        (200, "ok", ROUTE),
        (200, "ok", ROUTE),
        (200, "ok", ROUTE),
        (422, "invalid", ROUTE),
    ]
    assert [e.record_id for e in entries[:3]] == [m.json()["data"]["id"] for m in made]
    assert [e.request_id for e in entries[:3]] == [m.headers["x-request-id"] for m in made]
    assert all(e.tenant_id == "default" and e.body_sha256 for e in entries)
    assert verify(container.audit.entries(), container.audit.head()).ok


def test_the_metrics_name_the_direct_post_by_its_route(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    labels = {"route": ROUTE, "method": "POST", "status": "200"}
    before = _count(client.get("/metrics").text, **labels)
    assert client.post(ROUTE, content=seed_bytes, headers=kocek_headers).status_code == 200
    after = _count(client.get("/metrics").text, **labels)
    assert after - before == 1
