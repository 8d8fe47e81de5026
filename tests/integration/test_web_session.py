"""The analyst's workspace (``/ui``), its security: signing in with what the API accepts,
the session cookie (flags, content, lifetime on the test clock, its secret), signing out,
a disabled tenant or a rotated key ending the session, CSRF on every POST, the roles of
the API, tenant isolation, the audit trail of who looked at what, the language switch and
the catalogue of words. Each test runs on SQLite and on PostgreSQL (``conftest.py``)."""

from __future__ import annotations

import hashlib
import re
import stat
import time
from pathlib import Path
from typing import Any

import jwt
import orjson
import pytest

from cde.bootstrap import Container
from cde.entrypoints.web import i18n
from cde.entrypoints.web.cookies import SECRET_FILE, SESSION_COOKIE, CookieCodec, session_secret
from clocks import TEST_NOW, TestClock
from web_client import Browser, cookie_flags

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"
TEMPLATES = (
    Path(__file__).resolve().parents[2] / "src" / "cde" / "entrypoints" / "web" / "templates"
)
API = "/kocek/cde/credit-recommendation"


def api_headers(key: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {key}",
        "User-Role": "Eksekutif",
        "Content-Type": "application/json",
    }


def stored_through_api(client: Any, key: str, loan_id: str = "L-1") -> str:
    raw = orjson.loads(SEED.read_bytes())
    raw["loan_id"] = loan_id
    response = client.post(API, content=orjson.dumps(raw), headers=api_headers(key))
    assert response.status_code == 200, response.text
    record_id: str = response.json()["data"]["id"]
    return record_id


@pytest.fixture
def workspace(make_client: Any) -> tuple[Container, Any, str]:
    container, client = make_client()
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    return container, client, key


def session_content(container: Container, response: Any) -> dict[str, Any]:
    flags = cookie_flags(response, SESSION_COOKIE)
    assert flags, "no session cookie was set"
    return CookieCodec(session_secret(container.settings)).loads(str(flags["value"]))


# --- signing in ---------------------------------------------------------------------------------


def test_a_page_asks_to_sign_in_and_comes_back_after(workspace: tuple[Container, Any, str]) -> None:
    _container, client, key = workspace
    browser = Browser(client)
    home = browser.get("/ui")
    assert (home.status_code, home.headers["location"]) == (303, "/ui/signin")
    page = browser.get("/ui/recommendations?status=success")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/ui/signin?next=")
    browser.get(page.headers["location"])
    assert browser.page is not None
    assert 'name="next" value="/ui/recommendations?status=success"' in browser.page.text
    answer = browser.submit(
        "signin-form", {"credential": key, "role": "Eksekutif", "user_name": "Ana Analis"}
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/ui/recommendations?status=success",
    )
    listing = browser.get("/ui/recommendations")
    assert listing.status_code == 200
    assert "<h1" in listing.text
    assert "Rekomendasi kredit" in listing.text
    assert 'id="who"' in listing.text
    assert "KSP Sejahtera" in listing.text


def test_a_wrong_key_is_refused_and_signs_nobody_in(workspace: tuple[Container, Any, str]) -> None:
    container, client, key = workspace
    browser = Browser(client)
    browser.get("/ui/signin")
    refused = browser.submit("signin-form", {"credential": key + "x", "role": "Eksekutif"})
    assert refused.status_code == 401
    assert 'data-testid="signin-error"' in refused.text
    assert "Kunci atau token tidak dikenal" in refused.text
    if cookie_flags(refused, SESSION_COOKIE):  # a cookie, if any, holds no session
        assert "session" not in session_content(container, refused)
    assert browser.get("/ui/recommendations").status_code == 303
    # the refusal is in the audit trail, with no tenant
    entry = [e.entry for e in container.audit.entries() if e.entry.route == "/ui/signin"][-1]
    assert (entry.method, entry.status_code, entry.outcome, entry.tenant_id) == (
        "POST",
        401,
        "unauthenticated",
        None,
    )


def test_a_next_address_off_the_workspace_is_not_followed(
    workspace: tuple[Container, Any, str],
) -> None:
    _, client, key = workspace
    browser = Browser(client)
    for evil in ("https://evil.example/", "//evil.example/ui", "/kocek/quota", "/ui\\..\\x"):
        browser.get("/ui/signin")
        answer = browser.submit(
            "signin-form", {"credential": key, "role": "Eksekutif", "next": evil}
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui", evil
        browser.get("/ui/recommendations")
        browser.submit("signout-form")


def test_the_session_cookie_is_httponly_lax_scoped_signed_and_holds_no_key(
    workspace: tuple[Container, Any, str],
) -> None:
    container, client, key = workspace
    browser = Browser(client)
    answer = browser.sign_in(key, follow=False)
    flags = cookie_flags(answer, SESSION_COOKIE)
    assert flags["httponly"] is True
    assert str(flags["samesite"]).lower() == "lax"
    assert flags["path"] == "/ui"
    assert flags["max-age"] == str(480 * 60)  # CDE_UI_SESSION_MINUTES
    assert "secure" not in flags  # plain http here: see the https test
    assert key not in str(flags["value"])
    content = session_content(container, answer)
    assert set(content) == {"csrf", "session"}
    session = content["session"]
    tenant = container.tenants.by_name("KSP Sejahtera")
    assert tenant is not None
    assert session["tenant"] == tenant.id
    assert session["via"] == "key"
    assert session["digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert (session["name"], session["role"], session["uid"]) == (
        "Ana Analis",
        "Eksekutif",
        "analis-1",
    )
    assert session["exp"] == pytest.approx(TEST_NOW.timestamp() + 480 * 60, abs=120)
    assert key not in orjson.dumps(content).decode()
    # The secret was made in the data directory, readable by its owner only.
    secret_file = container.settings.data_dir / SECRET_FILE
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    # A cookie altered by hand is no session.
    # (the test client keeps cookies of the host "testserver" as "testserver.local")
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, str(flags["value"]), domain="testserver.local", path="/ui")
    assert browser.get("/ui/recommendations").status_code == 200
    client.cookies.clear()
    altered = str(flags["value"])[:-2] + ("xx" if not str(flags["value"]).endswith("xx") else "yy")
    client.cookies.set(SESSION_COOKIE, altered, domain="testserver.local", path="/ui")
    assert browser.get("/ui/recommendations").status_code == 303


def test_over_tls_the_cookie_is_secure(make_client: Any) -> None:
    container, _ = make_client()
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    from fastapi.testclient import TestClient

    from cde.entrypoints.http.app import create_app

    with TestClient(create_app(container), base_url="https://testserver") as client:
        browser = Browser(client)
        page = browser.get("/ui/signin")
        assert cookie_flags(page, SESSION_COOKIE)["secure"] is True
        answer = browser.sign_in(key, follow=False)
        assert cookie_flags(answer, SESSION_COOKIE)["secure"] is True
    # behind a proxy uvicorn does not trust, CDE_UI_COOKIE_SECURE says so
    _, plain = make_client(ui_cookie_secure=True)
    assert cookie_flags(Browser(plain).get("/ui/signin"), SESSION_COOKIE)["secure"] is True


def test_a_configured_secret_signs_the_cookie_and_processes_share_it(make_client: Any) -> None:
    secret = "s" * 40
    first, client = make_client(ui_session_secret=secret)
    _, key = first.tenant_admin.create("KSP Sejahtera", None)
    browser = Browser(client)
    browser.sign_in(key)
    assert not (first.settings.data_dir / SECRET_FILE).exists()
    # a second process with the same secret (and database) knows the session
    _, other = make_client(ui_session_secret=secret)
    other.cookies = client.cookies
    assert Browser(other).get("/ui/recommendations").status_code == 200
    # a process with another secret does not
    _, stranger = make_client(ui_session_secret="t" * 40)
    stranger.cookies = client.cookies
    assert Browser(stranger).get("/ui/recommendations").status_code == 303


def test_sign_out_ends_the_session(workspace: tuple[Container, Any, str]) -> None:
    container, client, key = workspace
    browser = Browser(client)
    browser.sign_in(key)
    browser.get("/ui/recommendations")
    answer = browser.submit("signout-form")
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/ui/signin?notice=signed_out",
    )
    assert "session" not in session_content(container, answer)
    page = browser.open("/ui/signin?notice=signed_out")
    assert "Anda telah keluar" in page.text
    assert browser.get("/ui/recommendations").status_code == 303
    outcomes = [
        e.entry.outcome for e in container.audit.entries() if e.entry.route == "/ui/signout"
    ]
    assert outcomes == ["signed_out"]


def test_the_session_ends_when_its_lifetime_is_over_on_the_service_clock(
    make_client: Any, clock: TestClock
) -> None:
    container, client = make_client(ui_session_minutes=30)
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    browser = Browser(client)
    browser.sign_in(key)
    clock.advance(29 * 60)
    assert browser.get("/ui/recommendations").status_code == 200
    clock.advance(2 * 60)
    expired = browser.get("/ui/recommendations?page=2")
    assert expired.status_code == 303
    assert expired.headers["location"] == (
        "/ui/signin?next=%2Fui%2Frecommendations%3Fpage%3D2&notice=expired"
    )
    assert "session" not in session_content(container, expired)
    page = browser.open(expired.headers["location"])
    assert "Sesi Anda telah berakhir" in page.text
    # htmx asking for a fragment is told to move the whole page
    fragment = browser.get(
        "/ui/batches/x/progress",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/ui/batches/x"},
    )
    assert fragment.status_code == 204
    assert fragment.headers["hx-redirect"] == (
        "/ui/signin?next=%2Fui%2Fbatches%2Fx&notice=signin_needed"
    )


@pytest.mark.parametrize("how", ["disable the tenant", "rotate its key"])
def test_a_disabled_tenant_or_a_replaced_key_signs_the_session_out(
    workspace: tuple[Container, Any, str], how: str
) -> None:
    container, client, key = workspace
    browser = Browser(client)
    browser.sign_in(key)
    assert browser.get("/ui/recommendations").status_code == 200
    if how == "disable the tenant":
        container.tenant_admin.set_active("KSP Sejahtera", False)
    else:
        container.tenant_admin.rotate_key("KSP Sejahtera")
    ended = browser.get("/ui/recommendations")
    assert ended.status_code == 303
    assert ended.headers["location"].endswith("notice=revoked")
    if how == "disable the tenant":  # and it cannot sign in again
        browser.get("/ui/signin")
        again = browser.submit("signin-form", {"credential": key, "role": "Eksekutif"})
        assert again.status_code == 403
        assert "tidak aktif" in again.text


def test_a_static_token_signs_in_for_the_default_tenant(make_client: Any) -> None:
    _container, client = make_client()
    browser = Browser(client)
    browser.sign_in("t1")  # the conftest's CDE_API_TOKENS
    assert browser.page is not None
    assert browser.page.status_code == 200
    assert 'id="who"' in browser.page.text
    assert "default" in browser.page.text


def test_a_jwt_signs_in_with_its_own_person_role_and_end(make_client: Any) -> None:
    secret = "k" * 40
    container, client = make_client(jwt_secret=secret, jwt_audience="cde")
    container.tenant_admin.create("KSP A", None)
    # valid by the machine's clock (PyJWT) and by the test's (the session)
    exp = int(max(time.time(), TEST_NOW.timestamp())) + 3600
    token = jwt.encode(
        {
            "tenant": "KSP A",
            "sub": "u-77",
            "name": "Siti Aminah",
            "role": "Eksekutif",
            "aud": "cde",
            "exp": exp,
        },
        secret,
        algorithm="HS256",
    )
    browser = Browser(client)
    assert "JWT" in browser.get("/ui/signin").text
    answer = browser.submit("signin-form", {"credential": token, "role": "Admin", "user_name": "x"})
    assert answer.status_code == 303
    session = session_content(container, answer)["session"]
    assert (
        session["via"],
        session["digest"],
        session["uid"],
        session["name"],
        session["role"],
    ) == (
        "jwt",
        None,
        "u-77",
        "Siti Aminah",
        "Eksekutif",
    )
    assert session["exp"] <= exp
    assert browser.get("/ui/recommendations").status_code == 200


# --- CSRF ----------------------------------------------------------------------------------------


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_does_nothing(
    workspace: tuple[Container, Any, str],
) -> None:
    container, client, key = workspace
    browser = Browser(client)
    browser.sign_in(key)
    browser.get("/ui/applications/new?example=seed")
    form = browser.form("application-form").values()
    form["action"] = "submit"
    for token in (None, "", "x" * 43, browser.csrf + "x"):
        sent = dict(form)
        if token is None:
            del sent["csrf_token"]
        else:
            sent["csrf_token"] = token
        refused = client.post("/ui/applications/new", data=sent, follow_redirects=False)
        assert refused.status_code == 403, token
        assert 'data-testid="error-title"' in refused.text
        assert "tidak ada yang dilakukan" in refused.text
    tenant = container.tenants.by_name("KSP Sejahtera")
    assert tenant is not None
    found = container.recommender.list(
        tenant_id=tenant.id, loan_id=None, customer_id=None, status=None, page=1, limit=10
    )
    assert found.total == 0
    refusals = [e.entry for e in container.audit.entries() if e.entry.outcome == "csrf_refused"]
    assert len(refusals) == 4
    assert {e.tenant_id for e in refusals} == {tenant.id}
    # the token of the page, sent back, is accepted
    accepted = client.post("/ui/applications/new", data=form, follow_redirects=False)
    assert accepted.status_code == 303


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/ui/signin", {"credential": "t1"}),
        ("/ui/signout", {}),
        ("/ui/lang", {"lang": "en"}),
        ("/ui/batches", {}),
    ],
)
def test_every_form_needs_the_token(
    workspace: tuple[Container, Any, str], path: str, fields: dict[str, str]
) -> None:
    _, client, key = workspace
    browser = Browser(client)
    browser.sign_in(key)
    refused = client.post(path, data=fields, follow_redirects=False)
    assert refused.status_code == 403
    assert cookie_flags(refused, "cde_ui_lang") == {}
    assert browser.get("/ui/recommendations").status_code == 200  # still signed in


def test_the_token_changes_at_sign_in(workspace: tuple[Container, Any, str]) -> None:
    _, client, key = workspace
    browser = Browser(client)
    browser.get("/ui/signin")
    before = browser.csrf
    browser.sign_in(key)
    assert browser.csrf != before


# --- roles ---------------------------------------------------------------------------------------


def test_a_role_that_may_only_read_cannot_submit(make_client: Any) -> None:
    container, client = make_client(
        request_roles=("Eksekutif",), read_roles=("Eksekutif", "Auditor")
    )
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    writer = Browser(client)
    writer.sign_in(key, role="Eksekutif")
    writer.get("/ui/applications/new?example=seed")
    seed_form = writer.form("application-form").values()
    writer.get("/ui/recommendations")
    writer.submit("signout-form")

    reader = Browser(client)
    page = reader.sign_in(key, role="Auditor")
    assert page.status_code == 200
    assert 'id="nav-new"' not in page.text  # no link to what it may not do
    refused = reader.get("/ui/applications/new")
    assert refused.status_code == 403
    assert "Peran Auditor tidak diizinkan meminta rekomendasi kredit" in refused.text
    seed_form["csrf_token"] = reader.csrf
    seed_form["action"] = "submit"
    posted = client.post("/ui/applications/new", data=seed_form, follow_redirects=False)
    assert posted.status_code == 403
    assert reader.get("/ui/batches").status_code == 403
    tenant = container.tenants.by_name("KSP Sejahtera")
    assert tenant is not None
    assert (
        container.recommender.list(
            tenant_id=tenant.id, loan_id=None, customer_id=None, status=None, page=1, limit=1
        ).total
        == 0
    )
    outcomes = [
        e.entry.outcome for e in container.audit.entries() if e.entry.user_role == "Auditor"
    ]
    assert "role_refused" in outcomes
    # a role that may neither read nor request cannot sign in
    reader.get("/ui/recommendations")
    reader.submit("signout-form")
    stranger = Browser(client)
    assert '<select id="role"' in stranger.get("/ui/signin").text  # the configured roles
    denied = stranger.submit("signin-form", {"credential": key, "role": "Tamu"})
    assert denied.status_code == 403
    assert stranger.get("/ui/recommendations").status_code == 303


def test_a_role_that_may_only_request_lands_on_the_form_and_reads_nothing(
    make_client: Any,
) -> None:
    container, client = make_client(request_roles=("Kasir",), read_roles=("Eksekutif",))
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    browser = Browser(client)
    landed = browser.sign_in(key, role="Kasir")
    assert landed.status_code == 200
    assert str(landed.url).endswith("/ui/applications/new")
    assert 'id="nav-new"' in landed.text
    assert browser.get("/ui/recommendations").status_code == 403


def test_the_service_switched_off_refuses_the_pages(workspace: tuple[Container, Any, str]) -> None:
    container, client, key = workspace
    browser = Browser(client)
    browser.sign_in(key)
    container.switch.set(False)
    refused = browser.get("/ui/recommendations")
    assert refused.status_code == 403
    assert "sedang tidak tersedia" in refused.text
    container.switch.set(True)
    assert browser.get("/ui/recommendations").status_code == 200


# --- tenants and the audit trail -----------------------------------------------------------------


def test_a_tenant_sees_none_of_another_tenants_records(make_client: Any) -> None:
    container, client = make_client()
    _, key_a = container.tenant_admin.create("KSP A", None)
    _, key_b = container.tenant_admin.create("KSP B", None)
    record_id = stored_through_api(client, key_a)
    a = Browser(client)
    a.sign_in(key_a)
    assert 'data-testid="recommendation-row"' in a.get("/ui/recommendations").text
    assert a.get(f"/ui/recommendations/{record_id}").status_code == 200
    a.submit("signout-form")

    b = Browser(client)
    listing = b.sign_in(key_b)
    assert 'data-testid="recommendation-row"' not in listing.text
    assert 'data-total="0"' in listing.text
    for path in (
        f"/ui/recommendations/{record_id}",
        f"/ui/recommendations/{record_id}/memo.pdf",
        f"/ui/batches/{record_id}",
    ):
        missing = b.get(path)
        assert missing.status_code == 404, path
        assert "Tidak ditemukan" in missing.text
        assert "21bef131" not in missing.text


def test_the_audit_trail_says_who_looked_at_which_record(
    workspace: tuple[Container, Any, str],
) -> None:
    container, client, key = workspace
    record_id = stored_through_api(client, key)
    browser = Browser(client)
    browser.sign_in(key, name="Ana Analis", role="Eksekutif", user_id="analis-1")
    assert browser.get(f"/ui/recommendations/{record_id}").status_code == 200
    tenant = container.tenants.by_name("KSP Sejahtera")
    assert tenant is not None
    entries = [e.entry for e in container.audit.entries()]
    viewed = [e for e in entries if e.route == "/ui/recommendations/{record_id}"]
    assert len(viewed) == 1
    (entry,) = viewed
    assert (entry.tenant_id, entry.record_id, entry.method, entry.status_code, entry.outcome) == (
        tenant.id,
        record_id,
        "GET",
        200,
        "ok",
    )
    assert (entry.user_id, entry.user_name, entry.user_role) == (
        "analis-1",
        "A*a A****s",
        "Eksekutif",
    )
    signed_in = [e for e in entries if e.route == "/ui/signin" and e.method == "POST"]
    assert [(e.outcome, e.tenant_id) for e in signed_in] == [("signed_in", tenant.id)]
    # the style sheet is not audited
    before = len(entries)
    assert browser.get("/ui/static/workspace.css").status_code == 200
    assert len(list(container.audit.entries())) == before


# --- language, pages, catalogue ------------------------------------------------------------------


def test_the_language_switch_sets_a_cookie_and_the_pages_follow(
    workspace: tuple[Container, Any, str],
) -> None:
    _, client, key = workspace
    browser = Browser(client)
    page = browser.sign_in(key)
    assert '<html lang="id">' in page.text
    assert "Rekomendasi kredit" in page.text
    browser.get("/ui/recommendations?grade=E")
    answer = browser.submit("lang-form")
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui/recommendations?grade=E")
    flags = cookie_flags(answer, "cde_ui_lang")
    assert flags["value"] == "en"
    assert flags["httponly"] is True
    assert flags["path"] == "/ui"
    english = browser.get("/ui/recommendations")
    assert '<html lang="en">' in english.text
    assert "Credit recommendations" in english.text
    assert "Sign out" in english.text
    assert 'lang="id">Bahasa Indonesia</button>' in english.text
    browser.submit("lang-form")
    assert '<html lang="id">' in browser.get("/ui/recommendations").text
    # before signing in too
    browser.submit("signout-form")
    anonymous = Browser(client)
    anonymous.get("/ui/signin")
    anonymous.submit("lang-form", follow=True)
    assert anonymous.page is not None
    assert "Sign in to the analyst" in anonymous.page.text


def test_pages_carry_their_security_headers_and_stay_out_of_the_openapi(
    workspace: tuple[Container, Any, str],
) -> None:
    _, client, _key = workspace
    browser = Browser(client)
    page = browser.get("/ui/signin")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert '<meta name="viewport"' in page.text
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/ui")]
    found = re.search(r'src="(/ui/static/htmx\.min\.js[^"]*)"', page.text)
    assert found is not None
    script = browser.get(found.group(1))
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "max-age" in script.headers["cache-control"]
    assert browser.get("/ui/static/../settings.py").status_code == 404
    assert browser.get("/ui/static/nothing.js").status_code == 404
    lost = browser.get("/ui/no/such/page")  # a page, not the API's JSON
    assert lost.status_code == 404
    assert lost.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-title"' in lost.text


def test_every_word_is_in_both_languages_and_every_key_a_template_names_exists() -> None:
    for key, (indonesian, english) in i18n.MESSAGES.items():
        assert indonesian.strip(), key
        assert english.strip(), key
        placeholders = sorted(re.findall(r"{(\w+)}", indonesian))
        assert placeholders == sorted(re.findall(r"{(\w+)}", english)), key
    named = set()
    for template in TEMPLATES.glob("*.html"):
        # literal keys only: t("outcome." ~ x) builds its key (checked by the pages' tests)
        named |= set(re.findall(r"""\bt\(\s*["']([\w.]*\w)["']""", template.read_text()))
    missing = sorted(k for k in named if k not in i18n.MESSAGES)
    assert missing == []
