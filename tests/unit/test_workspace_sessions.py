"""The workspace's sign-in (``cde.service.sessions``) on the fakes, and its application
form (``cde.entrypoints.web.forms``): what a session holds and when it ends; how the
form's inputs become the API's body, rows added and removed, errors placed."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from cde.entrypoints.web.forms import ApplicationForm
from cde.errors import RoleRefusedError, ServiceOffError, UnauthenticatedError
from cde.service.auth import Authenticator
from cde.service.recommendations import Tokens
from cde.service.sessions import Session, WorkspaceSessions, role_allowed
from cde.service.tenants import TenantAdmin
from clocks import TEST_NOW, TestClock
from fakes import DEFAULT_TENANT_ID, FakeTenants, FakeTokenStore, sequential_ids

SEED_FILE = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"


@pytest.fixture
def parts() -> tuple[WorkspaceSessions, TenantAdmin, TestClock, str]:
    clock = TestClock()
    tenants = FakeTenants()
    tokens = Tokens(FakeTokenStore(), ("static-token",), clock)
    admin = TenantAdmin(tenants, clock, sequential_ids("t"))
    _, key = admin.create("KSP A", None)
    sessions = WorkspaceSessions(
        Authenticator(tenants, tokens, DEFAULT_TENANT_ID),
        tenants,
        tokens,
        clock,
        timedelta(minutes=60),
        request_roles=("Eksekutif",),
        read_roles=("Eksekutif", "Auditor"),
    )
    return sessions, admin, clock, key


def test_a_key_gives_a_session_that_holds_its_digest_never_the_key(
    parts: tuple[WorkspaceSessions, TenantAdmin, TestClock, str],
) -> None:
    sessions, _, _, key = parts
    session, principal = sessions.sign_in(
        f"  {key} ", user_id="u1", user_name="  Ana   Analis ", role="Auditor"
    )
    assert principal.tenant.name == "KSP A"
    assert (session.via, session.user_name, session.role) == ("key", "Ana Analis", "Auditor")
    assert session.digest == hashlib.sha256(key.encode()).hexdigest()
    assert session.expires_at - TEST_NOW == pytest.approx(timedelta(minutes=60), abs=timedelta(5))
    assert key not in orjson.dumps(session.as_dict()).decode()
    restored = Session.from_dict(session.as_dict())
    assert restored == dataclasses.replace(
        session, expires_at=session.expires_at.replace(microsecond=0)
    )
    assert sessions.may_read("auditor")
    assert not sessions.may_request("Auditor")


def test_what_signs_nobody_in(parts: tuple[WorkspaceSessions, TenantAdmin, TestClock, str]) -> None:
    sessions, admin, _, key = parts
    for credential in ("", "   ", key + "x", "cde_unknown"):
        with pytest.raises(UnauthenticatedError):
            sessions.sign_in(credential, role="Eksekutif")
    with pytest.raises(RoleRefusedError):
        sessions.sign_in(key, role="Tamu")
    with pytest.raises(RoleRefusedError):
        sessions.sign_in(key)  # roles are configured: none is no role
    admin.set_active("KSP A", False)
    with pytest.raises(ServiceOffError):
        sessions.sign_in(key, role="Eksekutif")


def test_a_session_ends_with_its_lifetime_its_tenant_or_its_key(
    parts: tuple[WorkspaceSessions, TenantAdmin, TestClock, str],
) -> None:
    sessions, admin, clock, key = parts
    session, _ = sessions.sign_in(key, role="Eksekutif")
    assert sessions.resume(session).principal is not None
    clock.advance(59 * 60)
    assert sessions.resume(session).principal is not None
    clock.advance(60)
    assert sessions.resume(session).ended == "expired"

    session, _ = sessions.sign_in(key, role="Eksekutif")
    admin.set_active("KSP A", False)
    assert sessions.resume(session).ended == "revoked"
    admin.set_active("KSP A", True)
    assert sessions.resume(session).principal is not None
    admin.rotate_key("KSP A")
    assert sessions.resume(session).ended == "revoked"


def test_a_static_token_acts_for_the_default_tenant_while_it_is_configured(
    parts: tuple[WorkspaceSessions, TenantAdmin, TestClock, str],
) -> None:
    sessions, _, clock, _ = parts
    session, principal = sessions.sign_in("static-token", role="Eksekutif")
    assert (principal.tenant.id, session.via) == (DEFAULT_TENANT_ID, "token")
    assert sessions.resume(session).principal is not None
    other = WorkspaceSessions(
        Authenticator(sessions.tenants, Tokens(FakeTokenStore(), (), clock), DEFAULT_TENANT_ID),
        sessions.tenants,
        Tokens(FakeTokenStore(), (), clock),
        clock,
        timedelta(minutes=60),
    )
    assert other.resume(session).ended == "revoked"  # the token is no longer configured


def test_a_cookie_that_is_no_session_reads_as_none() -> None:
    for content in (None, "x", {}, {"tenant": 1, "via": "key", "exp": 1}, {"tenant": "t"}):
        assert Session.from_dict(content) is None
    assert Session.from_dict({"tenant": "t", "via": "nope", "exp": 1}) is None


def test_roles_compare_as_on_the_api() -> None:
    assert role_allowed((), None)
    assert role_allowed(("Eksekutif",), " eksekutif ")
    assert not role_allowed(("Eksekutif",), None)
    assert not role_allowed(("Eksekutif",), "Auditor")


# --- the application form ------------------------------------------------------------------------


def test_the_seed_goes_through_the_form_and_back_to_the_same_application() -> None:
    seed = orjson.loads(SEED_FILE.read_bytes())
    form = ApplicationForm.from_payload(seed)
    assert form.rows == {"income": 2, "expenses": 2, "collaterals": 2}
    body = form.payload()
    assert list(body) == [
        "customer_id",
        "loan_id",
        "character",
        "income",
        "expenses",
        "collaterals",
        "application",
        "internal_data",
    ]
    assert body["income"] == seed["income"]
    assert body["character"]["kyc_status"] is False
    assert body["character"]["age"] == "40"
    assert body["internal_data"]["collectability"] == 4
    assert body["application"]["loan_interest_method"] == 3
    assert "behaviour_pattern_avg_growth_balance" not in body["internal_data"]  # null: left out
    assert body["collaterals"][1]["estimated_price"] == "10000000000-20000000000"
    assert body["collaterals"][0]["is_verified"] is False
    assert "is_verified" not in body["collaterals"][1]


def test_rows_are_added_and_removed_and_later_rows_move_up() -> None:
    form = ApplicationForm()
    assert form.rows["collaterals"] == 1
    assert form.apply("add:collaterals")
    assert form.focus == "f-collaterals-1-name"
    form.values.update(
        {"collaterals[0].name": "A", "collaterals[1].name": "B", "collaterals[1].value": "5"}
    )
    assert form.apply("add:collaterals")
    form.values["collaterals[2].name"] = "C"
    assert form.apply("remove:collaterals:1")
    assert form.rows["collaterals"] == 2
    assert [c.get("name") for c in form.payload()["collaterals"]] == ["A", "C"]
    assert form.focus == "add-collaterals"
    for nonsense in ("remove:collaterals:9", "remove:collaterals:x", "add:nothing", "submit"):
        assert not form.apply(nonsense)
    for _ in range(30):
        form.apply("add:income")
    assert form.rows["income"] == 20  # at most


def test_a_range_is_joined_and_errors_find_their_inputs() -> None:
    form = ApplicationForm()
    form.values.update({"income[0].value.from": "100000", "income[0].value.to": "200000"})
    form.values["expenses[0].value.to"] = "50000"
    body = form.payload()
    assert body["income"] == [{"value": "100000-200000"}]
    assert body["expenses"] == [{"value": "50000"}]
    form.report(
        [
            {"field": "income[0].value", "message": "bad"},
            {"field": "character.age", "message": "bad age"},
            {"field": "(body)", "message": "whole"},
        ]
    )
    assert form.field_errors("character.age") == ["bad age"]
    assert form.anchor("income[0].value") == "f-income-0-value-from"
    assert form.anchor("character.age") == "f-character-age"
    assert form.anchor("(body)") is None
    assert form.label_of("income[0].value") == ("field.income.value", "income", 0)
    assert form.label_of("character.age") == ("field.character.age", None, None)
    assert form.label_of("collaterals[5].name") is None  # no such row on the form
    assert form.unplaced() == [("(body)", "whole")]


def test_the_form_reads_only_its_own_inputs() -> None:
    form = ApplicationForm.from_form(
        {
            "loan_id": "L1",
            "collaterals.rows": "999",
            "income.rows": "x",
            "not_a_field": "ignored",
            "idempotency_key": "short",
            "character.age": "   ",
        }
    )
    assert form.rows == {"income": 1, "expenses": 1, "collaterals": 20}
    assert form.values == {"loan_id": "L1"}
    assert len(form.idempotency_key) >= 8  # a fresh one: "short" is no key


def test_every_input_of_the_form_has_its_words() -> None:
    from cde.entrypoints.web.forms import LISTS, SECTIONS
    from cde.entrypoints.web.i18n import MESSAGES

    keys = []
    for section, specs in SECTIONS:
        keys.append(f"section.{section or 'top'}")
        for spec in specs:
            label = f"field.{section or 'top'}.{spec.name}"
            keys += [label, *(f"{label}.{choice}" for choice in spec.choices)]
    for name, (specs, _) in LISTS.items():
        keys += [f"section.{name}", f"row.{name}", f"item.{name}"]
        for spec in specs:
            label = f"field.{name}.{spec.name}"
            keys += [label, *(f"{label}.{choice}" for choice in spec.choices)]
    keys += [f"outcome.{o}" for o in ("approve", "approve_with_conditions", "decline")]
    keys += [f"status.{s}" for s in ("success", "fail", "processing")]
    keys += [f"five_c.{c}" for c in ("character", "capacity", "capital", "collateral", "condition")]
    keys += [f"severity.{s}" for s in ("critical", "high", "medium", "low", "info", "positive")]
    keys += [f"method.{m}" for m in ("flat", "efektif", "anuitas")]
    keys += [f"batch.status.{s}" for s in ("queued", "running", "done")]
    keys += [f"notice.{n}" for n in ("expired", "revoked", "signed_out", "signin_needed")]
    assert sorted(k for k in keys if k not in MESSAGES) == []
