"""The LLM narrator end to end: the API, the job that writes the narrative, the openai SDK,
and a real Chat Completions server on loopback (``tests/chat_server.py``), scripted per
test — a faithful answer written by reference (output schema version 2: ``{fact.id}``
placeholders the engine renders), typed figures, a contradicted decision or verdict, an
unknown fact id, a changed age or occupation, a version-1 prose answer, invalid JSON, a
timeout, 500s, 429s.

On SQLite the API process works the ``narrate`` jobs itself; on PostgreSQL a real
``cde worker`` process does (procrastinate), and it is that process that calls the
loopback model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

import pg
from cde.bootstrap import Container
from cde.domain.findings import FIVE_C
from cde.entrypoints.http.schemas import CreatedEnvelope, DetailEnvelope
from chat_server import ChatServer, Reply, Request
from scorecards import small_scorecard

ROUTE = "/kocek/cde/credit-recommendation"
SEED_FILE = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"
SEED = SEED_FILE.read_bytes()
KOCEK_HEADERS = {  # the conftest's token (CDE_API_TOKENS) and the platform's headers
    "Authorization": "Bearer t1",
    "User-ID": "123",
    "User-Name": "Samehada",
    "User-Role": "Eksekutif",
    "IP": "127.0.0.1",
    "Content-Type": "application/json",
}
SEED_NIK = "12121212121212"
SEED_NAME = "fulan"
SEED_IDS = ("ac06b74c-6864-407a-802e-f12ee1d8ce40", "21bef131-7ef0-405f-bb80-bcc2a53b34ef")
MODEL = "loopback-model"

MakeLlm = Callable[..., tuple[Container, Any]]


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    with ChatServer(model=MODEL) as server:
        yield server


@pytest.fixture
def make_llm(
    make_client: Any, chat: ChatServer, backend: str, database_url: str | None, tmp_path: Path
) -> Iterator[MakeLlm]:
    """An API with the LLM narrator pointed at ``chat``; on PostgreSQL also a ``cde worker``
    process with the same settings (it writes the narratives)."""
    workers: list[pg.WorkerProcess] = []

    def make(**overrides: Any) -> tuple[Container, Any]:
        values: dict[str, Any] = {
            "narrator": "llm",
            "llm_base_url": chat.base_url,
            "llm_model": MODEL,
            "llm_api_key": "sk-test",
            "llm_timeout_seconds": 2,
            "llm_max_retries": 0,
            "rate_limit_per_minute": 0,
            **overrides,
        }
        container, client = make_client(**values)
        if backend == "postgresql":
            assert database_url is not None
            env = {f"CDE_{k.upper()}": _env(v) for k, v in values.items()}
            workers.append(pg.WorkerProcess(database_url, tmp_path, concurrency=1, env=env))
        return container, client

    try:
        yield make
    finally:
        for w in workers:
            alive = w.proc.poll() is None
            w.stop()
            assert alive, f"cde worker died:\n{w.output()}"


def _env(value: Any) -> str:
    """A setting as the environment spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def post(client: Any, wait: float | None = 20, **headers: str) -> dict[str, Any]:
    url = ROUTE if wait is None else f"{ROUTE}?wait={wait}"
    response = client.post(url, content=SEED, headers={**KOCEK_HEADERS, **headers})
    assert response.status_code == 200, response.text
    CreatedEnvelope.model_validate(response.json())  # the documented response schema
    data: dict[str, Any] = response.json()["data"]
    return data


def until_done(client: Any, record_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"{ROUTE}/{record_id}", headers=KOCEK_HEADERS)
        assert response.status_code == 200, response.text
        DetailEnvelope.model_validate(response.json())
        data: dict[str, Any] = response.json()["data"]
        if data["status"] != "processing":
            return data
        assert time.monotonic() < deadline, "the narrative never came"
        time.sleep(0.1)


# --- what the loopback model answers ----------------------------------------------------------


def facts_sent(request: Request) -> dict[str, Any]:
    """The facts: the first user message (a retry adds the model's answer and feedback),
    ``{"language", "facts": [{"id", "label", "unit", "value", "text"}, …]}``."""
    first = next(m for m in request.messages if m["role"] == "user")
    facts: dict[str, Any] = orjson.loads(first["content"])
    return facts


def fact(request: Request, fact_id: str) -> dict[str, Any]:
    """One fact sent, by its id."""
    found = [f for f in facts_sent(request)["facts"] if f["id"] == fact_id]
    assert len(found) == 1, fact_id
    return found[0]


def rendered(f: dict[str, Any]) -> str:
    """What the engine writes for a placeholder of ``f`` (its label and text; a sentence
    fact alone)."""
    return str(f["text"]) if f["unit"] == "sentence" else f"{f['label']} {f['text']}"


def faithful(request: Request) -> Reply:
    """A model that writes by reference (output schema version 2): each C text carries the
    engine's verdict and findings, the memo the decision and its reasons, all as ids."""
    ids = [f["id"] for f in facts_sent(request)["facts"]]
    five = {}
    for dim in FIVE_C:
        findings = " ".join(f"{{{i}}}" for i in ids if i.startswith(f"{dim}.findings."))
        five[dim] = f"{{{dim}.verdict}} Temuan mesin untuk aspek ini: {findings}"
    five["capacity"] += " Beban angsuran dinilai dari {capacity.dsr_pct}."
    reasons = "\n".join(f"- {{{i}}}" for i in ids if i.startswith("decision.reasons."))
    memo = (
        "#### Ringkasan\n\nKeputusan mesin: {decision.outcome}, dengan {assessment.score}."
        f"\n\n#### Alasan\n\n{reasons}"
    )
    return Reply.json({"schema_version": 2, "5c": five, "analytic": memo})


def prose(request: Request) -> Reply:
    """A model of before (output schema version 1, no ``schema_version``): free prose that
    copies the engine's messages, figures included."""
    facts = facts_sent(request)["facts"]
    five = {}
    for dim in FIVE_C:
        said = " ".join(f["text"] for f in facts if f["id"].startswith(f"{dim}.findings."))
        five[dim] = f"Penilaian aspek ini mengikuti temuan mesin. {said}"
    reasons = "\n".join(f"- {f['text']}" for f in facts if f["id"].startswith("decision.reasons."))
    return Reply.json({"5c": five, "analytic": f"#### Alasan\n\n{reasons}"})


def altered(change: Callable[[dict[str, Any]], None]) -> Callable[[Request], Reply]:
    """A faithful answer with one unfaithful change."""

    def reply(request: Request) -> Reply:
        answer = orjson.loads(str(faithful(request).content))
        change(answer)
        return Reply.json(answer)

    return reply


def invents_income(answer: dict[str, Any]) -> None:
    answer["5c"]["capacity"] += " Penghasilan bersih anggota Rp 7.500.000 per bulan."


def approves(answer: dict[str, Any]) -> None:
    answer["analytic"] += "\n\nKesimpulan: permohonan disetujui penuh."


def younger(answer: dict[str, Any]) -> None:
    answer["5c"]["character"] += " Anggota berusia 30 tahun."


def civil_servant(answer: dict[str, Any]) -> None:
    answer["5c"]["character"] += " Anggota bekerja sebagai PNS di kantor kecamatan."


def unknown_fact(answer: dict[str, Any]) -> None:
    answer["5c"]["capacity"] += " Penghasilan bersih anggota: {capacity.net_income}."


def strong_capacity(answer: dict[str, Any]) -> None:
    """A figure-free claim against the engine's grade E (and as version 1)."""
    del answer["schema_version"]
    answer["5c"]["capacity"] += " Kemampuan bayar anggota kuat."


def no_verdict(answer: dict[str, Any]) -> None:
    answer["5c"]["collateral"] = answer["5c"]["collateral"].replace("{collateral.verdict}", "")


# --- the model's text is served when it is faithful ---------------------------------------------


def test_a_faithful_narrative_is_served_and_the_model_never_sees_who_the_member_is(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    chat.default = faithful
    _, client = make_llm()
    data = post(client)
    assert data["status"] == "success"
    assert data["narrative_source"] == "llm"
    assert data["narrative"]["source"] == "llm"
    assert data["narrative"]["model"] == MODEL
    assert data["narrative"]["attempts"] == [{"violations": []}]
    # the texts were rendered: each placeholder became the engine's words and figures
    request = chat.requests[0]
    for dim in FIVE_C:
        assert data["5c"][dim].startswith(rendered(fact(request, f"{dim}.verdict")))
        assert "{" not in data["5c"][dim]
    assert rendered(fact(request, "capacity.dsr_pct")) in data["5c"]["capacity"]
    assert "4.525,7" in data["5c"]["capacity"]  # the engine's DSR, formatted by the engine
    assert "#### Ringkasan" in data["analytic"]
    assert "{" not in data["analytic"].split("#### Narasi", 1)[1]
    assert rendered(fact(request, "decision.outcome")) in data["analytic"]
    assert "model bahasa (loopback-model)" in data["analytic"]
    assert "disisipkan oleh mesin" in data["analytic"]
    # the model was told the reference syntax
    system = request.system_text()
    assert "{capacity.dsr_pct}" in system
    assert '"schema_version": 2' in system
    # the engine's decision is untouched
    assert data["decision"]["outcome"] == "decline"
    assert data["recommendation"] == {"plafon": "0", "tenure": "0"}
    # what left the service: the facts, never the NIK, the name or the ids
    assert len(chat.requests) == 1
    sent = orjson.dumps(chat.requests[0].body).decode()
    for secret in (SEED_NIK, SEED_NAME, *SEED_IDS, "10 April 1984"):
        assert secret not in sent
    assert chat.requests[0].model == MODEL
    assert chat.requests[0].body["response_format"] == {"type": "json_object"}
    assert facts_sent(request)["language"] == "id"
    assert fact(request, "applicant.age")["value"] == 42
    assert fact(request, "applicant.occupation")["value"] == "Pedagang"
    assert "6 tahun 3 bulan" in fact(request, "applicant.membership")["text"]
    # the stored record is what was answered
    stored = until_done(client, data["id"])
    assert stored["status"] == "success"
    assert stored["result"]["5c"] == data["5c"]
    assert stored["result"]["narrative_source"] == "llm"


def test_without_wait_the_answer_is_processing_and_the_get_brings_the_narrative(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    chat.default = lambda request: (time.sleep(0.3), faithful(request))[1]
    _, client = make_llm()
    data = post(client, wait=None)
    assert data["status"] == "processing"
    for pending in ("5c", "recommendation", "analytic", "narrative_source"):
        assert pending not in data
    assert data["decision"]["outcome"] == "decline"  # the engine's decision, at once
    listed = client.get(f"{ROUTE}?status=processing", headers=KOCEK_HEADERS).json()
    assert [x["id"] for x in listed["data"]] in ([data["id"]], [])  # may have finished
    done = until_done(client, data["id"])
    assert done["status"] == "success"
    assert done["result"]["narrative_source"] == "llm"
    assert done["result"]["recommendation"] == {"plafon": "0", "tenure": "0"}


# --- the guard: unfaithful answers get one retry, then the rules narrative -----------------------


@pytest.mark.parametrize(
    ("change", "kind", "words"),
    [
        (invents_income, "figure", "7.500.000"),
        (approves, "outcome", "disetujui"),
        (younger, "figure", "30"),
        (civil_servant, "occupation", "PNS"),
        (unknown_fact, "unknown_fact", "capacity.net_income"),
        (strong_capacity, "verdict", "kuat"),
        (no_verdict, "missing_verdict", ""),
    ],
    ids=lambda x: getattr(x, "__name__", None),
)
def test_an_unfaithful_narrative_is_retried_once_then_replaced_by_the_rules_one(
    make_llm: MakeLlm,
    chat: ChatServer,
    change: Callable[[dict[str, Any]], None],
    kind: str,
    words: str,
) -> None:
    chat.default = altered(change)
    _, client = make_llm()
    data = post(client)
    assert data["status"] == "success"
    assert data["narrative_source"] == "rules"
    report = data["narrative"]
    assert report["fallback_reason"] == "guard"
    assert len(report["attempts"]) == 2
    for attempt in report["attempts"]:
        found = [v for v in attempt["violations"] if v["kind"] == kind]
        assert found, attempt
        assert any(words in v["text"] for v in found)
    # the rules narrative, not the model's
    assert data["5c"]["character"].startswith("Karakter ")
    assert "model bahasa" not in data["analytic"]
    # the retry told the model what was wrong
    assert len(chat.requests) == 2
    feedback = chat.requests[1].messages[-1]["content"]
    assert words in feedback
    assert chat.requests[1].messages[-2]["role"] == "assistant"


def test_a_narrative_corrected_on_the_retry_is_served(make_llm: MakeLlm, chat: ChatServer) -> None:
    chat.script(altered(invents_income), faithful)
    _, client = make_llm()
    data = post(client)
    assert data["narrative_source"] == "llm"
    attempts = data["narrative"]["attempts"]
    assert [bool(a["violations"]) for a in attempts] == [True, False]
    assert "7.500.000" not in data["5c"]["capacity"]


def test_a_version_1_prose_answer_that_types_figures_is_refused(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    """Today's output schema stays a valid answer, and goes through the same check: the
    figures it copies are still typed by the model, so it is refused."""
    chat.default = prose
    _, client = make_llm()
    data = post(client)
    assert data["narrative_source"] == "rules"
    report = data["narrative"]
    assert report["fallback_reason"] == "guard"
    assert len(report["attempts"]) == 2
    for attempt in report["attempts"]:
        kinds = {v["kind"] for v in attempt["violations"]}
        assert {"figure", "missing_verdict"} <= kinds, attempt
        assert any("4.525,7" in v["text"] for v in attempt["violations"]), attempt
    assert data["5c"]["capacity"].startswith("Kapasitas ")  # the rules narrative
    assert len(chat.requests) == 2
    assert "{<dimension>.verdict}" in chat.requests[1].messages[-1]["content"]


def test_a_figure_free_version_1_text_that_contradicts_a_verdict_is_not_served(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    """The seed's Capacity is graded E with 0 of 100: "repayment capacity is strong" has no
    figure to catch, but it contradicts the engine's verdict."""

    def strong(request: Request) -> Reply:
        answer = orjson.loads(str(faithful(request).content))
        answer["schema_version"] = 1
        answer["5c"]["capacity"] = "{capacity.verdict} Repayment capacity is strong."
        return Reply.json(answer)

    chat.default = strong
    _, client = make_llm()
    data = post(client)
    assert data["narrative_source"] == "rules"
    assert data["narrative"]["fallback_reason"] == "guard"
    for attempt in data["narrative"]["attempts"]:
        assert [(v["kind"], v["field"]) for v in attempt["violations"]] == [
            ("verdict", "capacity")
        ], attempt
        assert "strong" in attempt["violations"][0]["text"]
    assert "strong" not in data["5c"]["capacity"]


def test_a_version_1_answer_written_by_reference_is_served(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    def version_1(request: Request) -> Reply:
        answer = orjson.loads(str(faithful(request).content))
        answer["schema_version"] = 1
        return Reply.json(answer)

    chat.default = version_1
    _, client = make_llm()
    data = post(client)
    assert data["narrative_source"] == "llm", data["narrative"]
    assert "{" not in data["5c"]["capacity"]
    assert "4.525,7" in data["5c"]["capacity"]


def test_invalid_json_twice_gives_the_rules_narrative(make_llm: MakeLlm, chat: ChatServer) -> None:
    chat.script(Reply(content="Berikut analisisnya: {tidak json"), Reply.json({"5c": "x"}))
    _, client = make_llm()
    data = post(client)
    assert data["narrative_source"] == "rules"
    assert data["narrative"]["fallback_reason"] == "invalid_output"
    first, second = data["narrative"]["attempts"]
    assert "not valid JSON" in first["invalid_output"]
    assert "does not match the schema" in second["invalid_output"]


# --- the provider failing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(content="{}", delay=4), "timeout"),
        (Reply.error(500, "boom"), "unavailable"),
        (Reply.error(503, "overloaded"), "unavailable"),
        (Reply.error(429, "slow down", retry_after=0.01), "rate_limited"),
        (Reply.error(401, "bad key"), "refused"),
    ],
)
def test_a_failing_provider_gives_the_rules_narrative_flagged(
    make_llm: MakeLlm, chat: ChatServer, reply: Reply, reason: str
) -> None:
    chat.default = reply
    _, client = make_llm(llm_timeout_seconds=1, llm_max_retries=1)
    data = post(client)
    assert data["status"] == "success"
    assert data["narrative_source"] == "rules"
    assert data["narrative"]["fallback_reason"] == reason
    assert data["5c"]["capacity"].startswith("Kapasitas ")
    # the SDK retried once with backoff, except for a refusal
    assert len(chat.requests) == (1 if reason == "refused" else 2)


def test_structured_output_is_asked_in_schema_version_2_and_english_is_rendered_in_english(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    chat.default = faithful
    _, client = make_llm(llm_response_format="json_schema")
    data = post(client, **{"Accept-Language": "en"})
    assert data["narrative_source"] == "llm", data["narrative"]
    asked = chat.requests[0].body["response_format"]
    assert asked["type"] == "json_schema"
    schema = asked["json_schema"]["schema"]
    assert schema["properties"]["schema_version"]["const"] == 2
    assert set(schema["required"]) == {"schema_version", "5c", "analytic"}
    assert facts_sent(chat.requests[0])["language"] == "en"
    assert data["5c"]["capacity"].startswith("Capacity: grade E")
    assert "DSR 4,525.7" in data["5c"]["capacity"]
    assert "were inserted by the engine" in data["analytic"]


def test_a_provider_that_recovers_after_a_500_is_used(make_llm: MakeLlm, chat: ChatServer) -> None:
    chat.script(Reply.error(500, "blip"), faithful)
    _, client = make_llm(llm_max_retries=1)
    assert post(client)["narrative_source"] == "llm"
    assert len(chat.requests) == 2


def test_the_circuit_opens_after_repeated_failures_and_the_provider_is_left_alone(
    make_llm: MakeLlm, chat: ChatServer, backend: str
) -> None:
    chat.default = Reply.error(503, "down")
    _, client = make_llm(llm_breaker_failures=2, llm_breaker_reset_seconds=300)
    narrator = client.get("/ready").json()["narrator"]
    assert narrator == {"kind": "llm", "model": MODEL, "circuit": "closed"}
    reasons = [post(client)["narrative"]["fallback_reason"] for _ in range(4)]
    assert reasons == ["unavailable", "unavailable", "circuit_open", "circuit_open"]
    assert len(chat.requests) == 2  # not asked again while the circuit is open
    ready = client.get("/ready")
    assert ready.status_code == 200  # a provider that is down never makes cde unready
    # the breaker is in the process that narrates: this one on SQLite, cde worker on PG
    expected = "open" if backend == "sqlite" else "closed"
    assert ready.json()["narrator"]["circuit"] == expected


# --- instruction files, and narratives that never come ----------------------------------------


def test_a_named_instruction_file_is_what_the_model_is_told(
    make_llm: MakeLlm, chat: ChatServer, tmp_path: Path
) -> None:
    from importlib.resources import files

    default = orjson.loads(files("cde.instructions").joinpath("default.json").read_bytes())
    assert default["output_schema_version"] == 2
    assert "{character.verdict}" in default["example"]["5c"]["character"]
    folder = tmp_path / "instructions"
    folder.mkdir()
    custom = {**default, "name": "ringkas", "tone": "Sangat ringkas, satu kalimat per aspek."}
    (folder / "ringkas.json").write_bytes(orjson.dumps(custom))
    # a file of before the reference syntax: no example, output schema version 1
    old = {k: v for k, v in default.items() if k != "example"}
    (folder / "lama.json").write_bytes(
        orjson.dumps({**old, "name": "lama", "output_schema_version": 1})
    )
    chat.default = faithful
    _, client = make_llm(custom_instructions_enabled=True, instruction_dir=folder)
    data = post(client, **{"X-Cde-Custom-System-Instruction-File": "ringkas.json"})
    assert data["narrative"]["instructions"] == "ringkas"
    assert "Sangat ringkas, satu kalimat per aspek." in chat.requests[0].system_text()
    assert "An example answer" in chat.requests[0].system_text()
    plain = post(client)
    assert plain["narrative"]["instructions"] == "default"
    assert "Sangat ringkas" not in chat.requests[1].system_text()
    before = post(client, **{"X-Cde-Custom-System-Instruction-File": "lama.json"})
    assert (before["narrative"]["instructions"], before["narrative_source"]) == ("lama", "llm")
    system = chat.requests[2].system_text()
    assert "An example answer" not in system
    assert "{character.verdict}" in system  # the engine's reference rules, all the same


def test_an_example_with_a_stray_brace_is_an_invalid_instruction_file() -> None:
    from importlib.resources import files

    from cde.service.instructions import InstructionFileError, read_instructions

    default = orjson.loads(files("cde.instructions").joinpath("default.json").read_bytes())
    default["example"]["5c"]["capacity"] = "{capacity.verdict} DSR {Capacity DSR}."
    with pytest.raises(InstructionFileError, match=r"example\.5c\.capacity: .*placeholder"):
        read_instructions(orjson.dumps(default), "stray.json")


def test_a_narrative_that_never_comes_is_replaced_by_the_rules_one(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    chat.default = Reply(content="{}", delay=3)  # the model hangs past the wait
    container, client = make_llm(llm_timeout_seconds=10, llm_stale_seconds=0.5)
    data = post(client, wait=0.5)
    assert data["status"] == "processing"
    time.sleep(0.6)
    container.housekeeping()
    done = until_done(client, data["id"], timeout=5)
    assert done["result"]["narrative_source"] == "rules"
    assert done["result"]["narrative"]["fallback_reason"] == "narrator_stalled"
    assert done["result"]["5c"]["character"].startswith("Karakter ")


# --- the command line ---------------------------------------------------------------------


def test_cde_evaluate_with_the_llm_narrator(chat: ChatServer, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cde.entrypoints.cli import app

    env = {"CDE_LLM_BASE_URL": chat.base_url, "CDE_LLM_MODEL": MODEL, "CDE_LLM_MAX_RETRIES": "0"}
    args = ["evaluate", str(SEED_FILE), "--narrator", "llm", "--today", "2026-11-23"]
    chat.default = faithful
    served = CliRunner().invoke(app, args, env=env)
    assert served.exit_code == 0, served.output
    result = orjson.loads(served.stdout)
    assert result["narrative_source"] == "llm"
    assert "{" not in result["5c"]["character"]

    chat.default = altered(invents_income)
    refused = CliRunner().invoke(app, args, env=env)
    assert refused.exit_code == 0
    assert orjson.loads(refused.stdout)["narrative"]["fallback_reason"] == "guard"
    assert "LLM narrative not used (guard)" in refused.stderr
    assert "attempt 2: figure in capacity: \u201c" in refused.stderr
    assert "7.500.000" in refused.stderr

    missing = CliRunner().invoke(app, [*args[:2], "--narrator", "llm"], env={"CDE_LLM_MODEL": ""})
    assert missing.exit_code == 2
    assert "needs CDE_LLM_BASE_URL and CDE_LLM_MODEL" in missing.stderr

    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1}', "utf-8")
    unfit = CliRunner().invoke(app, [*args, "--instructions", str(bad)], env=env)
    assert unfit.exit_code == 2
    assert "bad.json: name: Field required" in unfit.stderr


def test_a_narrator_that_fails_gives_the_rules_narrative_not_a_stuck_record(
    make_llm: MakeLlm, chat: ChatServer, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "postgresql":
        pytest.skip("there the narrator runs in the cde worker process, out of reach")
    container, client = make_llm()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the narrator")

    monkeypatch.setattr(container.narration.narrator, "narrate", broken)
    data = post(client)
    assert data["status"] == "success"
    assert data["narrative_source"] == "rules"
    assert data["narrative"]["fallback_reason"] == "narrator_error"
    assert chat.requests == []


def test_finished_narratives_are_counted_by_source_and_reason(
    make_llm: MakeLlm, chat: ChatServer, backend: str
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    if backend == "postgresql":
        pytest.skip("there the counter is in the cde worker process, which writes narratives")

    def count(client: Any, source: str, reason: str) -> float:
        body = client.get("/metrics").text
        for family in text_string_to_metric_families(body):
            for s in family.samples:
                if s.name == "cde_narratives_total" and s.labels == {
                    "source": source,
                    "reason": reason,
                }:
                    return float(s.value)
        return 0.0

    _, client = make_llm()
    before = (count(client, "llm", "none"), count(client, "rules", "guard"))
    chat.default = faithful
    post(client)
    chat.default = altered(approves)
    post(client)
    after = (count(client, "llm", "none"), count(client, "rules", "guard"))
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


def test_an_idempotent_repeat_answers_the_record_as_it_stands(
    make_llm: MakeLlm, chat: ChatServer
) -> None:
    chat.default = lambda request: (time.sleep(0.5), faithful(request))[1]
    _, client = make_llm()
    key = {"Idempotency-Key": "narrated-once"}
    first = post(client, wait=None, **key)
    assert first["status"] == "processing"
    again = post(client, wait=None, **key)
    assert again["id"] == first["id"]
    if again["status"] == "processing":  # the narrative may already be written
        assert "5c" not in again
    until_done(client, first["id"])
    done = post(client, wait=None, **key)
    assert (done["id"], done["status"], done["narrative_source"]) == (first["id"], "success", "llm")
    assert len(chat.requests) == 1  # one record, one narrative


# --- a scorecard: the model is told the PD and may state it, only as it is ----------------------


def states_the_pd(pd_text: str) -> Callable[[Request], Reply]:
    """A faithful answer whose memo also states the scorecard's PD (``pd_text``: a
    placeholder, or a figure typed by the model)."""

    def reply(request: Request) -> Reply:
        answer = orjson.loads(str(faithful(request).content))
        answer["analytic"] += (
            f"\n\n#### Scorecard\n\nMenurut scorecard: {pd_text}; "
            "{scorecard.risk_band}, {scorecard.points}."
        )
        return Reply.json(answer)

    return reply


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    path = tmp_path / "card.json"
    path.write_bytes(orjson.dumps(small_scorecard()))
    return path


def test_the_model_is_told_the_scorecard_and_may_state_its_pd(
    make_llm: MakeLlm, chat: ChatServer, card_file: Path
) -> None:
    chat.default = states_the_pd("{scorecard.pd}")
    _, client = make_llm(scorecard_file=card_file)
    data = post(client)
    assert data["narrative_source"] == "llm", data["narrative"]
    card = data["assessment"]["scorecard"]
    sent = fact(chat.requests[0], "scorecard.pd")
    assert float(sent["value"]) == pytest.approx(float(card["pd"]))
    assert f"Menurut scorecard: {rendered(sent)};" in data["analytic"]


def test_a_pd_the_scorecard_did_not_give_is_refused(
    make_llm: MakeLlm, chat: ChatServer, card_file: Path
) -> None:
    chat.default = states_the_pd("12,34%")
    _, client = make_llm(scorecard_file=card_file)
    data = post(client)
    assert data["narrative_source"] == "rules"
    assert data["narrative"]["fallback_reason"] == "guard"
    for attempt in data["narrative"]["attempts"]:
        assert any(v["kind"] == "figure" and "12,34" in v["text"] for v in attempt["violations"]), (
            attempt
        )
    assert "#### Scorecard" in data["analytic"]  # the rules memo states the true PD
