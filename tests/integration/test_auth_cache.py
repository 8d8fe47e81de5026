"""Authentication reads no database on the hot path (issue 15): each process keeps what it
read about tenants, keys and the service switch for up to ``AUTH_CACHE_SECONDS`` of the
service's clock. A change made by ANOTHER process (here: a second container and client on
the same database, as two ``cde serve`` processes are) takes effect within that bound — a
rotated key, a disabled tenant, the service switched off — and one made by the same
process takes effect at once. The bound is crossed with the test clock
(``TestClock.advance``), on SQLite and on PostgreSQL (``conftest.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from cde.service.tenants import AUTH_CACHE_SECONDS
from clocks import TestClock
from conftest import KOCEK_HEADERS

ROUTE = "/kocek/cde/credit-recommendation"
UNAUTHENTICATED = {"code": 401, "message": "Unauthenticated", "status": False}
SERVICE_OFF_TEXT = "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia"
SERVICE_OFF = {"error": SERVICE_OFF_TEXT, "message": SERVICE_OFF_TEXT, "status": "fail"}


def _headers(token: str) -> dict[str, str]:
    return {**KOCEK_HEADERS, "Authorization": f"Bearer {token}"}


def _post(client: Any, token: str, body: bytes) -> Any:
    return client.post(ROUTE, content=body, headers=_headers(token))


def test_a_key_rotated_by_another_process_stops_working_within_the_bound(
    make_client: Any, clock: TestClock, seed_bytes: bytes
) -> None:
    admin, _ = make_client()
    _, other = make_client()
    _, old_key = admin.tenant_admin.create("KSP A", None)
    assert _post(other, old_key, seed_bytes).status_code == 200  # now kept by `other`

    new_key = admin.tenant_admin.rotate_key("KSP A")
    # The new key was never looked up by `other`: it works there at once.
    assert _post(other, new_key, seed_bytes).status_code == 200

    clock.advance(AUTH_CACHE_SECONDS)
    for response in (
        _post(other, old_key, seed_bytes),
        other.get(ROUTE, headers=_headers(old_key)),
    ):
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
    assert _post(other, new_key, seed_bytes).status_code == 200


def test_a_tenant_disabled_by_another_process_is_refused_within_the_bound(
    make_client: Any, clock: TestClock, seed_bytes: bytes
) -> None:
    admin, _ = make_client()
    _, other = make_client()
    _, key = admin.tenant_admin.create("KSP A", None)
    assert _post(other, key, seed_bytes).status_code == 200

    admin.tenant_admin.set_active("KSP A", False)
    clock.advance(AUTH_CACHE_SECONDS)
    refused = _post(other, key, seed_bytes)
    assert refused.status_code == 403
    assert refused.json() == SERVICE_OFF
    assert other.get(ROUTE, headers=_headers(key)).status_code == 403

    admin.tenant_admin.set_active("KSP A", True)
    clock.advance(AUTH_CACHE_SECONDS)
    assert _post(other, key, seed_bytes).status_code == 200


def test_the_service_switched_off_by_another_process_refuses_within_the_bound(
    make_client: Any, clock: TestClock, seed_bytes: bytes
) -> None:
    admin, _ = make_client()
    _, other = make_client()
    assert _post(other, "t1", seed_bytes).status_code == 200

    admin.switch.set(False)
    clock.advance(AUTH_CACHE_SECONDS)
    refused = _post(other, "t1", seed_bytes)
    assert refused.status_code == 403
    assert refused.json() == SERVICE_OFF

    admin.switch.set(True)
    clock.advance(AUTH_CACHE_SECONDS)
    assert _post(other, "t1", seed_bytes).status_code == 200


def test_changes_made_by_the_same_process_take_effect_at_once(
    make_client: Any, seed_bytes: bytes
) -> None:
    container, client = make_client()
    _, key = container.tenant_admin.create("KSP A", None)
    assert _post(client, key, seed_bytes).status_code == 200

    container.tenant_admin.set_active("KSP A", False)
    assert _post(client, key, seed_bytes).status_code == 403
    container.tenant_admin.set_active("KSP A", True)
    assert _post(client, key, seed_bytes).status_code == 200

    new_key = container.tenant_admin.rotate_key("KSP A")
    assert _post(client, key, seed_bytes).status_code == 401
    assert _post(client, new_key, seed_bytes).status_code == 200

    container.switch.set(False)
    assert _post(client, new_key, seed_bytes).status_code == 403
    container.switch.set(True)
    assert _post(client, new_key, seed_bytes).status_code == 200


def test_authenticated_requests_read_no_tenant_key_or_switch_within_the_bound(
    make_client: Any, seed_bytes: bytes
) -> None:
    # What a POST reads from the database: nothing of tenants, keys, tokens or the switch
    # once they are kept (the statements are counted on the engine).
    container, client = make_client()
    _, key = container.tenant_admin.create("KSP A", None)
    for token in (key, "t1", "wrong"):
        client.post(ROUTE, content=seed_bytes, headers=_headers(token))  # fills the cache
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            assert _post(client, key, seed_bytes).status_code == 200
            assert _post(client, "t1", seed_bytes).status_code == 200
            assert _post(client, "wrong", seed_bytes).status_code == 401
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    for table in ("tenant_keys", "api_tokens", "service_settings", "FROM tenants"):
        assert not [s for s in reads if table in s], (table, reads)
