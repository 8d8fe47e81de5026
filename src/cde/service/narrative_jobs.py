"""Narratives written after the answer: the LLM narrator's background path.

With the LLM narrator on, a POST stores the engine's decision at once with status
``processing`` (the stored result is the engine's whole result, rules narrative
included, so nothing is lost if the model never answers) and defers a ``narrate`` job.
The job asks the narrator, then stores the final result and moves the record to
``success`` — guarded by its status, so a job that runs twice writes once. A record
still processing after ``stale_after`` (its job was lost) gets the rules narrative.

While a record is processing, its narrative fields are not shown (:func:`public_result`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from cde.domain.application import parse_application
from cde.domain.evaluation import assess
from cde.domain.text import Lang
from cde.policies.model import Policy
from cde.service.instructions import InstructionFileError, Instructions
from cde.service.jobs import NARRATE, JobQueue
from cde.service.narrators import Narration, Narrator, rules_narration, with_narration
from cde.service.ports import RecommendationRepository, StoredRecommendation

__all__ = ["PENDING_FIELDS", "NarrationService", "public_result"]

log = logging.getLogger("cde.narration")

# Not shown while the narrative is being written: they come with the GET once ready.
PENDING_FIELDS = frozenset({"5c", "recommendation", "analytic", "narrative_source", "narrative"})


def public_result(status: str, result: dict[str, Any]) -> dict[str, Any]:
    """What a client sees of a stored result in ``status``."""
    if status != "processing":
        return result
    return {k: v for k, v in result.items() if k not in PENDING_FIELDS}


class NarrationService:
    def __init__(
        self,
        repository: RecommendationRepository,
        narrator: Narrator,
        policy: Policy,
        zone: ZoneInfo,
        jobs: JobQueue,
        instructions: Callable[[str], Instructions],
        observe: Callable[[dict[str, Any]], None] | None = None,
        policies: Callable[[str], Policy] | None = None,
    ) -> None:
        self.repository = repository
        self.narrator = narrator
        self.policy = policy
        # The record's tenant's policy (its active stored version); None: ``policy``.
        self.policies = policies
        self.zone = zone
        self.jobs = jobs
        self.instructions = instructions  # a file name (already confined) → its contents
        self.observe = observe

    @property
    def deferred(self) -> bool:
        """Whether narratives are written after the answer (the LLM narrator)."""
        return self.narrator.name != "rules"

    def defer(self, record_id: str, instruction_file: str | None) -> None:
        self.jobs.defer(NARRATE, {"record_id": record_id, "instructions": instruction_file})

    def run(self, record_id: str, instruction_file: str | None) -> None:
        """The ``narrate`` job: write the narrative of one processing record."""
        record = self.repository.get(record_id)
        if record is None or record.status != "processing" or record.result is None:
            return  # done already (a job that ran twice), or purged
        rules: dict[str, Any] = orjson.loads(record.result)
        lang: Lang = "en" if record.lang == "en" else "id"
        policy = self.policies(record.tenant_id) if self.policies is not None else self.policy
        if record.policy_version != policy.version or record.policy_name != policy.name:
            narration = self._rules(rules, "policy_changed")
        else:
            narration = self._narrate(record, rules, lang, instruction_file, policy)
        self._store(record_id, rules, narration)

    def _narrate(
        self,
        record: StoredRecommendation,
        rules: dict[str, Any],
        lang: Lang,
        instruction_file: str | None,
        policy: Policy,
    ) -> Narration:
        chosen: Instructions | None = None
        if instruction_file is not None:
            try:
                chosen = self.instructions(instruction_file)
            except InstructionFileError as exc:  # changed since the request named it
                log.warning(
                    "instruction file %s refused now (%s); default used", instruction_file, exc
                )
        today = record.created_at.astimezone(self.zone).date()
        try:
            ev = assess(parse_application(orjson.loads(record.payload)), policy, today)
            return self.narrator.narrate(ev, rules, lang, chosen)
        except Exception:  # a bug must not leave the record processing: rules, and say so
            log.exception("the narrator failed on %s; serving the rules narrative", record.id)
            return self._rules(rules, "narrator_error")

    def _rules(self, rules: dict[str, Any], reason: str) -> Narration:
        return rules_narration(
            rules, {"narrator": self.narrator.name, "source": "rules", "fallback_reason": reason}
        )

    def _store(self, record_id: str, rules: dict[str, Any], narration: Narration) -> None:
        final = with_narration(rules, narration)
        stored = self.repository.finish(record_id, orjson.dumps(final).decode())
        if stored and self.observe is not None:
            self.observe(narration.report)

    def finish_stale(self, before: datetime, limit: int = 500) -> int:
        """Give the rules narrative to records still processing since before ``before``."""
        done = 0
        for record_id in self.repository.processing_before(before, limit):
            record = self.repository.get(record_id)
            if record is None or record.status != "processing" or record.result is None:
                continue
            log.warning("narrative of %s never came; serving the rules narrative", record_id)
            rules = orjson.loads(record.result)
            self._store(record_id, rules, self._rules(rules, "narrator_stalled"))
            done += 1
        return done
