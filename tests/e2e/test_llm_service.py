"""The LLM narrator in the real service: ``cde serve`` configured from the environment,
talking to a Chat Completions server on loopback, over real sockets. One model invents
an income (the stored narrative is the rules one and the record says why); one is
faithful (its text is served); invalid settings stop the start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from chat_server import ChatServer, Reply, Request  # tests/ (pytest's pythonpath)

if TYPE_CHECKING:
    from conftest import RunCli, StartService

pytestmark = pytest.mark.e2e

ROUTE = "/kocek/cde/credit-recommendation"
TOKEN = "e2e-llm-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "User-ID": "1", "User-Role": "Eksekutif"}


FIVE_C = ("character", "capacity", "capital", "collateral", "condition")


def _facts(request: Request) -> list[dict[str, Any]]:
    first = next(m for m in request.messages if m["role"] == "user")
    facts: list[dict[str, Any]] = orjson.loads(first["content"])["facts"]
    return facts


def _answer(request: Request, extra: str = "") -> Reply:
    """An answer by reference (output schema version 2): ``{fact.id}`` placeholders."""
    ids = [f["id"] for f in _facts(request)]
    five = {
        dim: f"{{{dim}.verdict}} "
        + " ".join(f"{{{i}}}" for i in ids if i.startswith(f"{dim}.findings."))
        + extra
        for dim in FIVE_C
    }
    memo = "#### Ringkasan\n\n{decision.outcome}\n\n" + "\n".join(
        f"- {{{i}}}" for i in ids if i.startswith("decision.reasons.")
    )
    return Reply.json({"schema_version": 2, "5c": five, "analytic": memo})


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


def test_the_service_serves_a_faithful_model_and_refuses_an_invented_income(
    start_service: StartService, chat: ChatServer, seed_bytes: bytes
) -> None:
    service = start_service(
        CDE_API_TOKENS=TOKEN,
        CDE_NARRATOR="llm",
        CDE_LLM_BASE_URL=chat.base_url,
        CDE_LLM_MODEL="loopback",
        CDE_LLM_MAX_RETRIES="0",
    )
    with service.client() as client:
        chat.default = _answer
        faithful: dict[str, Any] = client.post(
            f"{ROUTE}?wait=20", content=seed_bytes, headers=HEADERS
        ).json()["data"]
        assert faithful["status"] == "success"
        assert faithful["narrative_source"] == "llm"
        verdict = next(f for f in _facts(chat.requests[0]) if f["id"] == "capacity.verdict")
        assert faithful["5c"]["capacity"].startswith(verdict["text"])
        assert "{" not in faithful["5c"]["capacity"]  # rendered by the engine

        chat.default = lambda r: _answer(r, " Penghasilan bersih anggota Rp 7.500.000 per bulan.")
        invented = client.post(f"{ROUTE}?wait=20", content=seed_bytes, headers=HEADERS).json()
        record = client.get(f"{ROUTE}/{invented['data']['id']}", headers=HEADERS).json()["data"]
    assert record["status"] == "success"
    result = record["result"]
    assert result["narrative_source"] == "rules"
    assert result["narrative"]["fallback_reason"] == "guard"
    assert "7.500.000" not in orjson.dumps(result["5c"]).decode()
    texts = [v["text"] for a in result["narrative"]["attempts"] for v in a["violations"]]
    caught = [t for t in texts if "7.500.000" in t]
    assert len(caught) >= 2  # caught on the first answer and on the retry
    assert len(chat.requests) == 3  # one faithful answer; the invented one and its retry


def test_the_llm_narrator_without_an_endpoint_stops_the_start(
    start_service: StartService, run_cli: RunCli
) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"exited with 2(?s:.*)CDE_LLM_BASE_URL"):
        start_service(CDE_API_TOKENS=TOKEN, CDE_NARRATOR="llm")
    done = run_cli("service", "status", CDE_NARRATOR="llm", CDE_LLM_MODEL="m")
    assert done.returncode == 2
    assert "CDE_NARRATOR=llm needs CDE_LLM_BASE_URL and CDE_LLM_MODEL" in done.stderr
