"""The analyst's workspace (``/ui``), its pages: a new application (field errors beside
their inputs, values kept, rows of collateral added and removed without JavaScript, the
seed declined with its reasons), the list (every filter, paging, newest first), one
recommendation (decision, the five Cs, data quality, the scorecard, the schedule, the memo,
the payload, the PDF), a batch upload followed to its summary, and the dashboard. Each
test runs on SQLite and on PostgreSQL (``conftest.py``)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import orjson
import pytest

from cde.bootstrap import Container
from cde.domain.text import number
from clocks import TEST_TODAY, TestClock
from scorecards import small_scorecard
from web_client import Browser

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "seed_request.json"
CORPUS = REPO / "tests" / "narration_corpus" / "applications"
API = "/kocek/cde/credit-recommendation"


def application(name: str = "seed", **changes: Any) -> dict[str, Any]:
    path = SEED if name == "seed" else CORPUS / f"{name}.json"
    raw: dict[str, Any] = orjson.loads(path.read_bytes())
    raw.update(changes)
    return raw


def through_api(client: Any, key: str, raw: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        API,
        content=orjson.dumps(raw),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.fixture
def signed_in(make_client: Any) -> tuple[Container, Any, str, Browser]:
    container, client = make_client()
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    browser = Browser(client)
    browser.sign_in(key)
    return container, client, key, browser


def rows(html: str) -> list[str]:
    """The record ids of the list's rows, in order."""
    return re.findall(r'data-testid="recommendation-row" data-id="([^"]+)"', html)


def text_of(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>(.*?)</', html, re.S)
    assert match, testid
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


# --- a new application --------------------------------------------------------------------------


def test_a_bad_field_is_shown_beside_its_input_values_stay_then_the_seed_is_declined(
    signed_in: tuple[Container, Any, str, Browser],
) -> None:
    container, _, _, browser = signed_in
    form_page = browser.get("/ui/applications/new?example=seed")
    assert form_page.status_code == 200
    assert '<h1 id="page-title">Permohonan kredit baru</h1>' in form_page.text
    seed_values = browser.form("application-form").values()
    assert seed_values["loan_id"] == "21bef131-7ef0-405f-bb80-bcc2a53b34ef"
    assert seed_values["income[1].value.from"] == "200000"
    assert seed_values["income[1].value.to"] == "300000"
    assert seed_values["collaterals[1].code"] == "LAND"
    assert seed_values["internal_data.collectability"] == "4"  # "Diragukan"
    assert seed_values["character.kyc_status"] == "false"

    bad = browser.submit(
        "application-form",
        {"character.age": "empat puluh", "application.tenure": "0"},
        button=("action", "submit"),
    )
    assert bad.status_code == 422
    html = bad.text
    assert 'data-testid="form-problem"' in html
    assert "2 bidang perlu diperbaiki" in html
    # each error sits in its field's block, between the label and the input it describes
    age = re.search(r'data-testid="field-character\.age">(.*?)</div>', html, re.S)
    assert age is not None
    block = age.group(1)
    assert 'data-testid="error-character.age"' in block
    assert "tidak dapat dibaca" in text_of(block, "error-character.age")
    assert 'aria-invalid="true"' in block
    assert 'aria-describedby="f-character-age-error"' in block
    assert 'value="empat puluh"' in block
    assert "error-application.tenure" in html
    assert 'href="#f-character-age"' in html  # the summary links to the input
    # everything typed is still there
    kept = browser.form("application-form").values()
    for name, value in seed_values.items():
        if name not in ("character.age", "application.tenure", "csrf_token"):
            assert kept[name] == value, name
    assert kept["idempotency_key"] == seed_values["idempotency_key"]
    tenant = container.tenants.by_name("KSP Sejahtera")
    assert tenant is not None
    assert (
        container.recommender.list(
            tenant_id=tenant.id, loan_id=None, customer_id=None, status=None, page=1, limit=1
        ).total
        == 0
    )

    good = browser.submit(
        "application-form",
        {"character.age": "40", "application.tenure": "12"},
        button=("action", "submit"),
    )
    assert good.status_code == 303
    location = good.headers["location"]
    assert location.startswith("/ui/recommendations/")
    result = browser.get(location)
    assert result.status_code == 200
    page = result.text
    assert text_of(page, "decision-outcome") == "Ditolak"
    codes = re.findall(r'data-testid="reason" data-code="([A-Z_]+)"', page)
    assert codes[:3] == ["DECLINE_KNOCKOUT", "KOLEK_NON_PERFORMING", "CAPACITY_NO_ROOM"]
    assert "Kolektibilitas Diragukan (kol-4)" in page
    # stored under the tenant, with the person who submitted it
    record_id = location.rsplit("/", 1)[1]
    stored = container.recommender.get(record_id, tenant.id)
    assert stored is not None
    assert (stored.caller.user_name, stored.caller.user_role) == ("Ana Analis", "Eksekutif")
    assert orjson.loads(stored.payload)["character"]["nik"] == "12121212121212"
    # the same form sent again (a double click) makes no second record
    again = browser.client.post(
        "/ui/applications/new",
        data={**kept, "character.age": "40", "application.tenure": "12", "action": "submit"},
        follow_redirects=False,
    )
    assert again.headers["location"] == location


def test_collateral_rows_are_added_and_removed_without_javascript(
    signed_in: tuple[Container, Any, str, Browser],
) -> None:
    _, _, _, browser = signed_in
    browser.get("/ui/applications/new?example=seed")
    assert browser.page is not None
    assert 'data-rows="2"' in browser.page.text
    added = browser.submit(
        "application-form",
        {"loan_id": "typed before adding"},
        button=("action", "add:collaterals"),
    )
    assert added.status_code == 200
    values = browser.form("application-form").values()
    assert values["collaterals.rows"] == "3"
    assert values["collaterals[2].name"] == ""
    assert values["collaterals[1].name"] == "Sertifikat Tanah"
    assert values["loan_id"] == "typed before adding"
    assert 'id="f-collaterals-2-name"' in added.text
    assert re.search(r'id="f-collaterals-2-name"[^>]*autofocus', added.text)
    # the buttons work with htmx too: it swaps the form the server renders
    assert 'hx-post="/ui/applications/new"' in added.text
    assert 'hx-select="#application-form"' in added.text

    removed = browser.submit(
        "application-form",
        {"collaterals[2].name": "Emas"},
        button=("action", "remove:collaterals:0"),
        headers={"HX-Request": "true"},
    )
    assert removed.status_code == 200
    values = browser.form("application-form").values()
    assert values["collaterals.rows"] == "2"
    assert values["collaterals[0].name"] == "Sertifikat Tanah"
    assert values["collaterals[1].name"] == "Emas"
    assert values["loan_id"] == "typed before adding"
    # nothing was submitted
    assert browser.get("/ui/recommendations").text.count('data-testid="recommendation-row"') == 0


# --- the list ------------------------------------------------------------------------------------


def test_the_list_filters_pages_and_is_newest_first(
    signed_in: tuple[Container, Any, str, Browser], clock: TestClock
) -> None:
    container, client, key, browser = signed_in
    made = []
    for n in range(22):
        raw = application("seed", loan_id=f"L-{n:02d}", customer_id=f"C-{n % 2}")
        made.append(through_api(client, key, raw))
    kinds = ["g9_033_tenor_capped", "gen039_no_gender_no_age", "g5_026_decline_kolek_macet"]
    for n, name in enumerate(kinds):
        made.append(through_api(client, key, application(name, loan_id=f"X-{n}")))
    clock.advance(3 * 24 * 3600)  # one more, three days later
    made.append(through_api(client, key, application("gen011_plafon_and_tenor", loan_id="LATE")))
    browser.sign_in(key)  # the session of three days ago has ended
    # another tenant's record never shows
    _, other_key = container.tenant_admin.create("KSP Lain", None)
    through_api(client, other_key, application("seed", loan_id="L-00"))

    ids = [m["id"] for m in made]
    page1 = browser.get("/ui/recommendations")
    assert 'data-total="26"' in page1.text
    assert rows(page1.text) == ids[::-1][:20]  # newest first
    assert text_of(page1.text, "page-of") == "Halaman 1 dari 2"
    page2 = browser.get("/ui/recommendations?page=2")
    assert rows(page2.text) == ids[::-1][20:]
    assert 'data-testid="page-next"' not in page2.text
    assert 'rel="prev"' in page2.text

    def listed(**query: str) -> list[str]:
        response = browser.get("/ui/recommendations", params=query)
        assert response.status_code == 200
        return rows(response.text)

    assert listed(loan_id="L-07") == [ids[7]]
    assert listed(customer_id="C-1") == [ids[n] for n in range(21, -1, -1) if n % 2]
    assert listed(status="success") == ids[::-1][:20]
    assert listed(status="fail") == []
    by_outcome: dict[str, list[str]] = {}
    by_grade: dict[str, list[str]] = {}
    for m in reversed(made):
        by_outcome.setdefault(m["decision"]["outcome"], []).append(m["id"])
        by_grade.setdefault(m["assessment"]["grade"], []).append(m["id"])
    assert set(by_outcome) == {"decline", "approve", "approve_with_conditions"}
    for outcome, expected in by_outcome.items():
        assert listed(outcome=outcome) == expected[:20], outcome
    for grade, expected in by_grade.items():
        assert listed(grade=grade) == expected[:20], grade
    assert listed(outcome="approve", grade="A", loan_id="X-1") == [ids[23]]
    later = (TEST_TODAY + timedelta(days=3)).isoformat()
    assert listed(**{"from": later}) == [ids[-1]]
    assert listed(**{"to": TEST_TODAY.isoformat(), "loan_id": "X-2"}) == [ids[24]]
    assert (
        listed(**{"from": TEST_TODAY.isoformat(), "to": TEST_TODAY.isoformat()})
        == (ids[::-1][1:21])
    )
    assert listed(**{"from": later, "to": TEST_TODAY.isoformat()}) == ids[::-1][:20]  # swapped
    # filters are kept in the form and in the pager's links
    filtered = browser.get("/ui/recommendations", params={"customer_id": "C-0", "grade": "E"})
    form = browser.form("filters").values()
    assert (form["customer_id"], form["grade"]) == ("C-0", "E")
    assert 'data-total="11"' in filtered.text
    # the row shows the decision
    decline = browser.get("/ui/recommendations", params={"loan_id": "L-00"}).text
    assert text_of(decline, "row-outcome") == "Ditolak"
    assert text_of(decline, "row-grade") == "E"
    # nonsense in the filters is ignored, not an error
    odd = browser.get("/ui/recommendations", params={"status": "x", "page": "-3", "from": "zz"})
    assert odd.status_code == 200
    assert 'data-total="26"' in odd.text


# --- one recommendation ---------------------------------------------------------------------------


def test_the_recommendation_page_shows_every_part_of_the_result(
    signed_in: tuple[Container, Any, str, Browser],
) -> None:
    _, client, key, browser = signed_in
    data = through_api(client, key, application("g9_033_tenor_capped"))
    decision = data["decision"]
    page = browser.get(f"/ui/recommendations/{data['id']}")
    assert page.status_code == 200
    html = page.text
    assert re.search(r"<h1[^>]*>Rekomendasi ", html)
    assert text_of(html, "decision-outcome") == "Disetujui dengan syarat"
    assert text_of(html, "recommended-plafon") == f"Rp {number(decision['plafon'], 'id')}"
    assert text_of(html, "recommended-tenure") == f"{decision['tenure']} bulan"
    assert text_of(html, "recommended-installment") == f"Rp {number(decision['installment'], 'id')}"
    dimensions = re.findall(r'data-testid="dimension" data-dimension="(\w+)"', html)
    assert dimensions == ["character", "capacity", "capital", "collateral", "condition"]
    for name, dim in data["assessment"]["dimensions"].items():
        section = html.split(f'data-dimension="{name}"', 1)[1].split("</article>", 1)[0]
        assert text_of(section, "dimension-grade") == dim["grade"]
        assert text_of(section, "dimension-score") == str(dim["score"])
        for finding in dim["findings"]:
            assert finding["code"] in section
    for flag in data["data_quality"]:
        assert f'data-field="{flag["field"]}"' in html
    # the schedule of the recommended loan: its first instalment is the decision's
    schedule = html.split('data-testid="schedule-table"', 1)[1]
    first = re.search(r"<tbody>\s*<tr><td[^>]*>1</td><td[^>]*>([\d.]+)</td>", schedule)
    assert first is not None
    assert first.group(1) == number(decision["installment"], "id")
    assert schedule.count("<tr><td") == decision["tenure"]
    # the memo, as HTML (its tables too), and the payload as received
    memo = html.split('data-testid="memo"', 1)[1].split("</section>", 1)[0]
    assert "<h3>Analisis Kredit" in memo
    assert "<table>" in memo
    payload = text_of(html, "payload-json")
    assert orjson.loads(payload) == application("g9_033_tenor_capped")
    # the decline of the seed has no schedule
    declined = through_api(client, key, application("seed"))
    seed_page = browser.get(f"/ui/recommendations/{declined['id']}").text
    assert 'id="schedule-none"' in seed_page
    assert 'data-field="character.nik"' in seed_page


def test_markup_in_an_application_is_shown_as_text(
    signed_in: tuple[Container, Any, str, Browser],
) -> None:
    _, client, key, browser = signed_in
    raw = application("seed", loan_id="<script>alert(1)</script>")
    raw["character"]["occupation"] = "<img src=x onerror=alert(1)>"
    data = through_api(client, key, raw)
    html = browser.get(f"/ui/recommendations/{data['id']}").text
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_scorecard_pd_and_adverse_reasons_are_shown(make_client: Any, tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    card.write_bytes(orjson.dumps(small_scorecard()))
    container, client = make_client(scorecard_file=card)
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    data = through_api(client, key, application("g9_033_tenor_capped"))
    scored = data["assessment"]["scorecard"]
    browser = Browser(client)
    browser.sign_in(key)
    html = browser.get(f"/ui/recommendations/{data['id']}").text
    assert 'data-testid="scorecard"' in html
    assert text_of(html, "scorecard-pd").endswith("%")
    for adverse in scored["adverse"]:
        assert adverse["message"] in unescape(html)


def test_the_memo_pdf_comes_through_the_session(
    signed_in: tuple[Container, Any, str, Browser],
) -> None:
    container, client, key, browser = signed_in
    pytest.importorskip("weasyprint")
    data = through_api(client, key, application("seed"))
    page = browser.get(f"/ui/recommendations/{data['id']}").text
    link = re.search(r'href="([^"]+)" id="memo-pdf"', page)
    assert link is not None
    assert link.group(1) == f"/ui/recommendations/{data['id']}/memo.pdf"
    assert f'data-api-href="/kocek/cde/credit-recommendation/{data["id"]}/memo.pdf"' in page
    pdf = browser.get(link.group(1))
    assert pdf.status_code == 200, pdf.text[:500]
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "21bef131-7ef0-405f-bb80-bcc2a53b34ef" in text.replace("\n", "")
    audited = [e.entry for e in container.audit.entries() if e.entry.route.endswith("memo.pdf")]
    assert [(e.record_id, e.status_code) for e in audited] == [(data["id"], 200)]


# --- batches -------------------------------------------------------------------------------------


def test_a_batch_upload_is_followed_to_its_summary(make_client: Any) -> None:
    # no job runs by itself here: the test works the chunks when it has seen them pending
    container, client = make_client(run_jobs_in_process=False)
    _, key = container.tenant_admin.create("KSP Sejahtera", None)
    browser = Browser(client)
    browser.sign_in(key)
    upload = browser.get("/ui/batches")
    assert upload.status_code == 200
    lines = [
        orjson.dumps(application("seed", loan_id="B-1")),
        orjson.dumps(application("gen039_no_gender_no_age", loan_id="B-2")),
        b'{"loan_id": "B-3"}',
        b"not json",
    ]
    body = b"\n".join(lines) + b"\n"
    sent = browser.submit(
        "batch-form", files={"file": ("loans.jsonl", io.BytesIO(body), "application/octet-stream")}
    )
    assert sent.status_code == 303, sent.text
    batch_id = sent.headers["location"].rsplit("/", 1)[1]
    pending = browser.get(sent.headers["location"])
    assert pending.status_code == 200
    html = pending.text
    assert 'data-status="queued"' in html
    assert f'hx-get="/ui/batches/{batch_id}/progress"' in html
    assert 'hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert re.search(r'<progress id="batch-bar" max="4" value="0"', html)

    container.batches.process_chunk(batch_id, 1, 4)
    fragment = browser.get(f"/ui/batches/{batch_id}/progress", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    done = fragment.text
    assert done.lstrip().startswith('<section id="batch-progress"')
    assert "<html" not in done
    assert 'data-status="done"' in done
    assert "hx-trigger" not in done  # the polling stops
    assert re.search(r'<progress id="batch-bar" max="4" value="4"', done)
    assert text_of(done, "batch-counts") == "2 dari 4 selesai, 2 gagal, 0 menunggu"
    assert 'data-outcome="decline"' in done
    assert 'data-outcome="approve"' in done
    assert "noscript" not in browser.get(f"/ui/batches/{batch_id}").text
    results = browser.get(f"/ui/batches/{batch_id}/results.jsonl")
    assert results.status_code == 200
    items = [orjson.loads(line) for line in results.content.splitlines()]
    assert [i["status"] for i in items] == ["done", "done", "failed", "failed"]
    listing = browser.get("/ui/recommendations").text
    assert len(rows(listing)) == 2


def test_a_file_that_is_no_batch_is_refused_on_the_page(
    signed_in: tuple[Container, Any, str, Browser],
) -> None:
    _, _, _, browser = signed_in
    browser.get("/ui/batches")
    refused = browser.submit(
        "batch-form", files={"file": ("loans.json", io.BytesIO(b'{"a": 1}'), "application/json")}
    )
    assert refused.status_code == 400
    assert 'data-testid="batch-error"' in refused.text
    browser.get("/ui/batches")
    empty = browser.submit("batch-form", files={"file": ("", io.BytesIO(b""), "text/plain")})
    assert empty.status_code == 400


# --- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_shows_the_tenants_figures_and_charts_for_a_range(
    signed_in: tuple[Container, Any, str, Browser],
) -> None:
    container, client, key, browser = signed_in
    if getattr(container, "dashboard", None) is None:
        unavailable = browser.get("/ui/dashboard")
        assert 'data-testid="dashboard-unavailable"' in unavailable.text
        return
    through_api(client, key, application("seed"))
    through_api(client, key, application("gen039_no_gender_no_age"))
    day = TEST_TODAY.isoformat()
    page = browser.get("/ui/dashboard", params={"from": day, "to": day})
    assert page.status_code == 200
    html = page.text
    assert "<h1" in html
    assert 'data-testid="dashboard-figures"' in html
    assert html.count('data-testid="dashboard-section"') >= 2
    assert "<svg" in html  # the charts, inline, not escaped
    assert "&lt;svg" not in html
    form = browser.form("dashboard-range").values()
    assert (form["from"], form["to"]) == (day, day)
    earlier = (TEST_TODAY - timedelta(days=30)).isoformat()
    empty = browser.get("/ui/dashboard", params={"from": earlier, "to": earlier})
    assert 'data-testid="dashboard-empty"' in empty.text
