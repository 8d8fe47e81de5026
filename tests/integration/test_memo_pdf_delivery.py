"""The credit memo as a PDF, delivered: ``GET /kocek/cde/credit-recommendation/{id}/memo.pdf``
(ours, not in the Kocek contract) under the same rules as reading the recommendation — the
token, the service switch, the read roles, the tenant (another's record is a 404) — and
``cde evaluate FILE --format pdf --output FILE``.

The PDFs are read back with pypdf. "Now" is the test's clock (``clocks.TEST_NOW``, 10:00 in
Jakarta on 23 November 2026, running at the real pace), in the service and in the CLI.
"""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from cde.entrypoints.cli import app

ROUTE = "/kocek/cde/credit-recommendation"
STATIC_TOKEN = "t1"  # the conftest's CDE_API_TOKENS: the default tenant
NOT_FOUND = {"message": "Data not found.", "status": "fail"}
UNAUTHENTICATED = {"code": 401, "message": "Unauthenticated", "status": False}
SERVICE_OFF_TEXT = "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia"
# The test clock's first minutes, as the memo prints them.
PRINTED_ID = re.compile(r"Dicetak 23 November 2026, 10\.\d\d WIB")
PRINTED_EN = re.compile(r"Printed November 23, 2026, 10:\d\d WIB")
MAIN = (sys.executable, "-c", "from cde.entrypoints.cli import main; main()")


def headers(token: str | None = STATIC_TOKEN, **extra: str) -> dict[str, str]:
    sent = {"User-ID": "123", "User-Name": "Samehada", "User-Role": "Eksekutif", "IP": "127.0.0.1"}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    for name, value in extra.items():
        sent[name.replace("_", "-")] = value
    return sent


def posted(client: Any, body: bytes, token: str = STATIC_TOKEN, **extra: str) -> str:
    response = client.post(ROUTE, content=body, headers=headers(token, **extra))
    assert response.status_code == 200, response.text
    record_id: str = response.json()["data"]["id"]
    return record_id


def memo(client: Any, record_id: str, token: str | None = STATIC_TOKEN, **extra: str) -> Any:
    return client.get(f"{ROUTE}/{record_id}/memo.pdf", headers=headers(token, **extra))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def assert_pdf(response: httpx.Response, record_id: str, lang: str) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="memo-{record_id}.pdf"'
    assert response.headers["content-language"] == lang
    assert response.content.startswith(b"%PDF-")
    return text_of(response.content)


# --- the route ------------------------------------------------------------------------------


def test_the_memo_of_a_recommendation_is_a_pdf_attachment(
    make_client: Any, seed_bytes: bytes
) -> None:
    _, client = make_client(cooperative_name="KSP Induk Sejahtera")
    record_id = posted(client, seed_bytes)

    text = assert_pdf(memo(client, record_id), record_id, "id")

    assert text.splitlines()[0] == "KSP Induk Sejahtera"  # the default tenant's setting
    assert "DITOLAK" in text
    assert "Skor keseluruhan 31/100 (grade E)" in text
    assert record_id.replace("-", "") in re.sub(r"[\s-]", "", text)  # the memo's number
    assert "Tanggal analisis 23 November 2026" in text
    assert PRINTED_ID.search(text)
    assert re.search(r"Halaman 1 dari \d", text)
    assert "KEPUTUSAN KOMITE KREDIT" in text


def test_the_memo_is_in_the_language_of_the_recommendation(client: Any, seed_bytes: bytes) -> None:
    english = posted(client, seed_bytes, Accept_Language="en")
    indonesian = posted(client, seed_bytes)

    # Accept-Language of the GET does not change the words the result was written in.
    text = assert_pdf(memo(client, english, Accept_Language="id"), english, "en")
    assert "DECLINE" in text
    assert PRINTED_EN.search(text)
    assert "Page 1 of" in text
    text = assert_pdf(memo(client, indonesian, Accept_Language="en"), indonesian, "id")
    assert "DITOLAK" in text


def test_an_unknown_or_garbage_id_is_data_not_found(client: Any, seed_bytes: bytes) -> None:
    posted(client, seed_bytes)
    for record_id in (str(uuid.uuid4()), "not-a-uuid", "x" * 300, "%27%20OR%201%3D1%20--"):
        response = memo(client, record_id)
        assert response.status_code == 404, record_id
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == NOT_FOUND


def test_a_tenant_gets_its_own_memo_under_its_name_and_never_anothers(
    make_client: Any, seed_bytes: bytes
) -> None:
    container, client = make_client(cooperative_name="KSP Induk")
    _, key_a = container.tenant_admin.create("KSP Amanah", None)
    _, key_b = container.tenant_admin.create("KSP Bersama", None)
    id_a = posted(client, seed_bytes, key_a)
    id_default = posted(client, seed_bytes)

    text = assert_pdf(memo(client, id_a, key_a), id_a, "id")
    assert text.splitlines()[0] == "KSP Amanah"

    # Another tenant's record is as absent as a missing one, byte for byte.
    for reader, foreign in ((key_b, id_a), (STATIC_TOKEN, id_a), (key_a, id_default)):
        cross = memo(client, foreign, reader)
        missing = memo(client, str(uuid.uuid4()), reader)
        assert cross.status_code == missing.status_code == 404
        assert cross.json() == NOT_FOUND
        assert cross.content == missing.content


def test_the_memo_needs_a_valid_token_and_the_service_switched_on(
    client: Any, container: Any, seed_bytes: bytes
) -> None:
    record_id = posted(client, seed_bytes)

    for token in (None, "wrong"):
        refused = memo(client, record_id, token)
        assert refused.status_code == 401
        assert refused.json() == UNAUTHENTICATED

    container.switch.set(False)
    off = memo(client, record_id)
    assert off.status_code == 403
    assert off.json() == {"error": SERVICE_OFF_TEXT, "message": SERVICE_OFF_TEXT, "status": "fail"}
    container.switch.set(True)
    assert memo(client, record_id).status_code == 200


def test_the_read_roles_apply_to_the_memo(make_client: Any, seed_bytes: bytes) -> None:
    _, client = make_client(read_roles=("Eksekutif", "Auditor"))
    record_id = posted(client, seed_bytes)

    teller = memo(client, record_id, User_Role="Teller")
    assert teller.status_code == 403
    assert teller.json()["message"] == "Peran Teller tidak diizinkan melihat rekomendasi kredit"
    assert memo(client, record_id, User_Role="Auditor").status_code == 200


def test_a_failed_recommendation_has_no_memo_409(
    client: Any, container: Any, seed_bytes: bytes
) -> None:
    from cde.service.ports import Caller

    failed = container.recommender.record_failure(
        seed_bytes, orjson.loads(seed_bytes), Caller(), "id", "boom"
    )

    response = memo(client, failed.id)
    assert response.status_code == 409
    assert response.json() == {
        "status": "fail",
        "message": "Rekomendasi ini gagal diproses; tidak ada hasil untuk dicetak",
        "error": failed.id,
    }
    english = memo(client, failed.id, Accept_Language="en")
    assert english.json()["message"] == "This recommendation failed; there is no result to print"


def test_without_weasyprint_the_memo_is_a_501_envelope_never_a_traceback(
    client: Any, seed_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_id = posted(client, seed_bytes)
    # As on a server installed without the extra cde[pdf]: importing it fails.
    monkeypatch.setitem(sys.modules, "weasyprint", None)

    response = memo(client, record_id)
    assert response.status_code == 501
    body = response.json()
    assert body["status"] == "fail"
    assert body["message"] == (
        "Pembuatan PDF tidak tersedia di server ini (WeasyPrint belum terpasang)"
    )
    assert "cde[pdf]" in body["error"]
    assert "Traceback" not in response.text


def test_the_openapi_document_declares_the_pdf_and_json_failures(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][f"{ROUTE}/{{record_id}}/memo.pdf"]["get"]
    responses = operation["responses"]
    assert responses["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    assert set(responses["200"]["headers"]) == {"Content-Disposition", "Content-Language"}
    for status in ("401", "403", "404", "409", "429", "500", "501", "503"):
        assert list(responses[status]["content"]) == ["application/json"], status
    assert operation["security"] == [{"bearer": []}]


# --- the command line -----------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result


def test_cde_evaluate_writes_the_memo_pdf(seed_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "memo.pdf"
    done = cli(
        "evaluate",
        str(seed_file),
        "--format",
        "pdf",
        "--output",
        str(out),
        "--cooperative",
        "KSP Tani Makmur",
        "--today",
        "2026-11-23",
    )

    assert done.exit_code == 0, done.stderr
    assert done.stdout_bytes == b""
    text = text_of(out.read_bytes())
    assert text.splitlines()[0] == "KSP Tani Makmur"
    assert "DITOLAK" in text
    assert "Tanggal analisis 23 November 2026" in text
    assert PRINTED_ID.search(text)  # printed "now", by the command's clock
    assert "Anggota fulan" in text
    assert "No. memo" not in text  # nothing stored: no record id


def test_cde_evaluate_pdf_in_english_with_the_name_from_the_settings(
    seed_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "memo-en.pdf"
    done = cli(
        "evaluate",
        str(seed_file),
        "--format",
        "pdf",
        "-o",
        str(out),
        "--lang",
        "en",
        "--today",
        "2026-11-23",
        env={"CDE_COOPERATIVE_NAME": "KSP Dari Pengaturan"},
    )

    assert done.exit_code == 0, done.stderr
    text = text_of(out.read_bytes())
    assert text.splitlines()[0] == "KSP Dari Pengaturan"
    assert "DECLINE" in text
    assert "Analysis date November 23, 2026" in text
    assert PRINTED_EN.search(text)


def test_cde_evaluate_pdf_goes_to_a_redirected_stdout(seed_file: Path) -> None:
    done = cli("evaluate", str(seed_file), "--format", "pdf", "--today", "2026-11-23")

    assert done.exit_code == 0, done.stderr
    assert done.stdout_bytes.startswith(b"%PDF-")
    assert "DITOLAK" in text_of(done.stdout_bytes)


def test_cde_evaluate_pdf_to_a_terminal_is_a_usage_error(seed_file: Path) -> None:
    main, terminal = pty.openpty()
    try:
        proc = subprocess.run(
            [*MAIN, "evaluate", str(seed_file), "--format", "pdf", "--today", "2026-11-23"],
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(main)
    assert proc.returncode == 2
    stderr = " ".join(proc.stderr.decode("utf-8").split())
    assert "--format pdf writes a binary file: give --output FILE" in stderr
    assert "Traceback" not in stderr


def test_cde_evaluate_output_problems_are_usage_errors(seed_file: Path, tmp_path: Path) -> None:
    bad_format = cli("evaluate", str(seed_file), "--format", "docx")
    assert bad_format.exit_code == 2
    assert "--format must be json, markdown or pdf" in " ".join(bad_format.stderr.split())

    nowhere = tmp_path / "missing-dir" / "memo.pdf"
    unwritable = cli("evaluate", str(seed_file), "--format", "pdf", "--output", str(nowhere))
    assert unwritable.exit_code == 2
    assert "cannot write" in " ".join(unwritable.stderr.split())


def test_cde_evaluate_writes_json_and_markdown_to_output_too(
    seed_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "result.json"
    done = cli("evaluate", str(seed_file), "--output", str(out), "--today", "2026-11-23")
    assert done.exit_code == 0, done.stderr
    assert orjson.loads(out.read_bytes())["decision"]["outcome"] == "decline"


def test_cde_evaluate_pdf_without_weasyprint_is_a_usage_error(
    seed_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    done = cli("evaluate", str(seed_file), "--format", "pdf", "-o", str(tmp_path / "m.pdf"))
    assert done.exit_code == 2
    assert "cde[pdf]" in " ".join(done.stderr.split())
    assert not (tmp_path / "m.pdf").exists()
