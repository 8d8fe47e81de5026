"""Narratives written after the answer (:class:`NarrationService`) on the in-memory fakes,
no database: a fake narrator (or the LLM narrator over a fake chat model), the fake job
queue and the fake repository. The ``narrate`` job writes once, falls back to the rules
narrative and says why, and the stale sweep finishes what never came."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from cde import __version__
from cde.policies import default_policy
from cde.policies.model import Policy
from cde.service.instructions import InstructionFileError, Instructions, default_instructions
from cde.service.jobs import NARRATE
from cde.service.narrative_jobs import PENDING_FIELDS, NarrationService, public_result
from cde.service.narrators import LlmNarrator, Narrator, ProviderError, RulesNarrator
from cde.service.ports import Caller
from cde.service.recommendations import Recommender
from clocks import TestClock
from fakes import FakeChat, FakeJobQueue, FakeNarrator, FakeRecommendations, sequential_ids

SEED = (Path(__file__).resolve().parents[2] / "examples" / "seed_request.json").read_bytes()
ZONE = ZoneInfo("Asia/Jakarta")
CUSTOM = default_instructions().model_copy(update={"name": "custom"})


def named_instructions(name: str) -> Instructions:
    if name == "custom.json":
        return CUSTOM
    raise InstructionFileError(f"{name}: not in the instruction directory")


class World:
    def __init__(self, narrator: Narrator, policy: Policy | None = None) -> None:
        self.clock = TestClock()
        self.repository = FakeRecommendations()
        self.queue = FakeJobQueue()
        self.reports: list[dict[str, Any]] = []
        self.recommender = Recommender(
            self.repository, default_policy(), self.clock, ZONE, sequential_ids("rec")
        )
        self.narration = NarrationService(
            self.repository,
            narrator,
            policy or default_policy(),
            ZONE,
            self.queue,
            named_instructions,
            observe=self.reports.append,
        )

    def processing(self, lang: str = "id") -> str:
        """A record as the API stores it with a deferred narrator: processing, the rules
        narrative in its result."""
        done = self.recommender.recommend(
            SEED, orjson.loads(SEED), Caller(), "en" if lang == "en" else "id", processing=True
        )
        return done.record.id

    def result(self, record_id: str) -> tuple[str, dict[str, Any]]:
        record = self.repository.get(record_id)
        assert record is not None
        assert record.result is not None
        return record.status, orjson.loads(record.result)

    def run_jobs(self) -> int:
        def handle(kind: str, args: dict[str, Any]) -> None:
            assert kind == NARRATE
            self.narration.run(str(args["record_id"]), args["instructions"])

        return self.queue.run_all(handle)


def test_a_deferred_narrative_is_written_by_the_job() -> None:
    narrator = FakeNarrator()
    world = World(narrator)
    assert world.narration.deferred
    record_id = world.processing()
    world.narration.defer(record_id, None)
    assert [(j.kind, j.args) for j in world.queue.deferred] == [
        (NARRATE, {"record_id": record_id, "instructions": None})
    ]
    _, rules = world.result(record_id)

    assert world.run_jobs() == 1
    status, final = world.result(record_id)
    assert status == "success"
    assert final["narrative_source"] == "llm"
    assert final["5c"]["character"] == "character: written by the fake narrator"
    assert final["analytic"] == "memo written by the fake narrator"
    assert final["narrative"] == {"narrator": "fake", "source": "llm"}
    assert {k: v for k, v in final.items() if k not in PENDING_FIELDS} == {
        k: v for k, v in rules.items() if k not in PENDING_FIELDS
    }  # the decision and everything else stay the engine's
    assert world.reports == [{"narrator": "fake", "source": "llm"}]
    assert [(lang, file) for _, lang, file in narrator.calls] == [("id", None)]


def test_a_job_that_runs_twice_writes_once() -> None:
    narrator = FakeNarrator()
    world = World(narrator)
    record_id = world.processing()
    world.narration.run(record_id, None)
    world.narration.run(record_id, None)
    assert len(narrator.calls) == 1
    assert len(world.reports) == 1
    world.narration.run("purged-meanwhile", None)  # nothing to do
    assert len(narrator.calls) == 1


def test_a_named_instruction_file_is_given_to_the_narrator() -> None:
    narrator = FakeNarrator()
    world = World(narrator)
    record_id = world.processing(lang="en")
    world.narration.run(record_id, "custom.json")
    assert [(lang, file) for _, lang, file in narrator.calls] == [("en", CUSTOM)]


def test_an_instruction_file_refused_by_now_falls_back_to_the_default() -> None:
    narrator = FakeNarrator()
    world = World(narrator)
    record_id = world.processing()
    world.narration.run(record_id, "gone.json")
    assert [file for _, _, file in narrator.calls] == [None]
    assert world.result(record_id)[0] == "success"


def test_a_record_decided_under_another_policy_gets_the_rules_narrative() -> None:
    narrator = FakeNarrator()
    newer = default_policy().model_copy(update={"version": "changed"})
    world = World(narrator, policy=newer)
    record_id = world.processing()
    _, rules = world.result(record_id)
    world.narration.run(record_id, None)
    assert narrator.calls == []
    status, final = world.result(record_id)
    assert status == "success"
    assert final["narrative_source"] == "rules"
    assert final["narrative"]["fallback_reason"] == "policy_changed"
    assert (final["5c"], final["analytic"]) == (rules["5c"], rules["analytic"])


def test_a_narrator_that_fails_leaves_the_rules_narrative_and_says_why() -> None:
    world = World(FakeNarrator(fail=RuntimeError("a bug in the narrator")))
    record_id = world.processing()
    world.narration.run(record_id, None)
    status, final = world.result(record_id)
    assert status == "success"
    assert final["narrative"] == {
        "narrator": "fake",
        "source": "rules",
        "fallback_reason": "narrator_error",
    }


def test_the_stale_sweep_finishes_only_records_processing_since_before() -> None:
    narrator = FakeNarrator()
    world = World(narrator)
    old = [world.processing(), world.processing()]
    world.clock.advance(120)
    cut = world.clock()
    world.clock.advance(1)
    recent = world.processing()

    assert world.narration.finish_stale(cut) == 2
    for record_id in old:
        status, final = world.result(record_id)
        assert status == "success"
        assert final["narrative"]["fallback_reason"] == "narrator_stalled"
    assert world.result(recent)[0] == "processing"
    assert world.narration.finish_stale(cut) == 0  # nothing left before the cut
    assert world.narration.finish_stale(cut, limit=0) == 0
    assert narrator.calls == []


def test_public_result_hides_the_narrative_while_processing() -> None:
    world = World(FakeNarrator())
    record_id = world.processing()
    _, result = world.result(record_id)
    shown = public_result("processing", result)
    assert not PENDING_FIELDS & shown.keys()
    assert shown["decision"] == result["decision"]
    assert public_result("success", result) is result


def test_the_rules_narrator_does_not_defer() -> None:
    world = World(RulesNarrator())
    assert not world.narration.deferred


# --- the LLM narrator over a fake chat model ----------------------------------------------------


@pytest.mark.parametrize(
    ("replies", "reason", "calls"),
    [
        (("not json", "still not json"), "invalid_output", 2),
        ((ProviderError("timeout", "no answer in 2 s"),), "timeout", 1),
        ((), "unavailable", 1),  # the fake's script used up: an unreachable provider
    ],
    ids=["invalid-twice", "timeout", "unavailable"],
)
def test_the_llm_narrator_falls_back_to_the_rules_narrative(
    replies: tuple[Any, ...], reason: str, calls: int
) -> None:
    chat = FakeChat(*replies, model="fake-model")
    narrator = LlmNarrator(chat, default_instructions(), __version__)
    assert narrator.describe() == {"kind": "llm", "model": "fake-model", "circuit": "closed"}
    world = World(narrator)
    record_id = world.processing()
    world.narration.defer(record_id, None)
    world.run_jobs()

    status, final = world.result(record_id)
    assert status == "success"
    assert final["narrative_source"] == "rules"
    report = final["narrative"]
    assert (report["narrator"], report["model"], report["fallback_reason"]) == (
        "llm",
        "fake-model",
        reason,
    )
    assert len(report["attempts"]) == calls
    assert len(chat.calls) == calls
    system, user = chat.calls[0][:2]
    assert system["role"] == "system"
    assert "fulan" not in user["content"]  # the facts the model gets are masked
    if calls == 2:  # the retry tells the model what was wrong with its first answer
        assert chat.calls[1][2] == {"role": "assistant", "content": "not json"}
        assert chat.calls[1][3]["role"] == "user"
