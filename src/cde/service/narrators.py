"""Narrators: who writes the five ``5c`` texts and the ``analytic`` memo.

Two adapters of one port:

* :class:`RulesNarrator` — the engine's own texts (the default): written from the
  catalogue, grounded by construction;
* :class:`LlmNarrator` — a language model behind any OpenAI-compatible Chat Completions
  endpoint (:mod:`cde.adapters.llm`), given the engine's facts with ids
  (:func:`~cde.narration.facts.facts_of`). It writes by reference: every figure, verdict,
  finding, the decision, the age and the occupation only as ``{id}`` placeholders, which
  the engine renders (:func:`~cde.narration.render.render`) after the small check
  (:func:`~cde.narration.check.check`) passed. A refused answer gets one retry that tells
  the model what was wrong; after that, or when the provider fails, the rules narrative is
  served and the result says why.

The decision, the plafon and the tenor are never the narrator's: they stay the engine's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cde import errors
from cde.domain.evaluation import Evaluation
from cde.domain.findings import FIVE_C
from cde.domain.result import result_object
from cde.domain.text import Lang
from cde.narration.check import Violation, check
from cde.narration.facts import facts_of
from cde.narration.render import render
from cde.service.instructions import Instructions

__all__ = [
    "ChatModel",
    "LlmNarrator",
    "Narration",
    "NarrativeOutput",
    "Narrator",
    "ProviderError",
    "RulesNarrator",
    "output_json_schema",
    "rules_narration",
    "with_narration",
]

log = logging.getLogger("cde.narrator")

Source = Literal["rules", "llm"]
FallbackReason = Literal[
    "guard",  # the model's texts failed the check twice
    "invalid_output",  # not the JSON asked for, twice
    "timeout",
    "rate_limited",
    "unavailable",  # connection refused, 5xx
    "refused",  # 4xx other than 429: bad key, unknown model, …
    "circuit_open",  # too many recent failures: the provider is not asked
    "policy_changed",  # the record was decided under another policy version
    "narrator_stalled",  # no narrative came in time (a lost job)
    "narrator_error",  # the narrator itself failed (a bug; logged)
]

_Para = Annotated[str, Field(min_length=1, max_length=6000)]


class FiveCTexts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    character: _Para
    capacity: _Para
    capital: _Para
    collateral: _Para
    condition: _Para


class NarrativeOutput(BaseModel):
    """What the model may answer: output schema version 2 (texts holding ``{id}``
    placeholders), or version 1 (the same shape, ``schema_version`` 1 or absent: the free
    prose of before). Both go through the same check, so a version-1 text passes only if
    it, too, states every figure and verdict by reference."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    schema_version: Literal[1, 2] = 1
    five_c: FiveCTexts = Field(alias="5c")
    analytic: str = Field(min_length=1, max_length=20000)


_TEXT = "with {id} placeholders from the facts for every figure, verdict and finding"


class ReferenceTexts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    character: _Para = Field(description=f"Character, {_TEXT}; holds {{character.verdict}}")
    capacity: _Para = Field(description=f"Capacity, {_TEXT}; holds {{capacity.verdict}}")
    capital: _Para = Field(description=f"Capital, {_TEXT}; holds {{capital.verdict}}")
    collateral: _Para = Field(description=f"Collateral, {_TEXT}; holds {{collateral.verdict}}")
    condition: _Para = Field(description=f"Condition, {_TEXT}; holds {{condition.verdict}}")


class ReferenceAnswer(BaseModel):
    """Output schema version 2, as a provider's structured-output mode is told it."""

    model_config = ConfigDict(extra="forbid", title="cde_narrative")

    schema_version: Literal[2]
    five_c: ReferenceTexts = Field(alias="5c")
    analytic: str = Field(min_length=1, max_length=20000, description=f"The Markdown memo, {_TEXT}")


def output_json_schema() -> dict[str, Any]:
    """The JSON schema of the answer asked for (version 2), for ``json_schema`` response
    formats."""
    return ReferenceAnswer.model_json_schema(by_alias=True)


class ProviderError(errors.ProviderError):
    """The model could not be asked or did not answer; ``reason`` is the fallback reason
    the result will record."""

    def __init__(self, reason: FallbackReason, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason: FallbackReason = reason


class ChatModel(Protocol):
    """One Chat Completions call (the LLM adapter)."""

    model: str

    def complete(
        self, messages: list[dict[str, str]], *, temperature: float | None, max_tokens: int | None
    ) -> str:
        """The assistant's text; ProviderError when there is none."""

    def circuit(self) -> str:
        """The circuit breaker's state in this process: closed, open or half-open."""


@dataclass(frozen=True, slots=True)
class Narration:
    five_c: dict[str, str]
    analytic: str
    source: Source
    report: dict[str, Any] = field(default_factory=dict)  # stored as result["narrative"]


class Narrator(Protocol):
    name: str

    def describe(self) -> dict[str, str]:
        """What ``/ready`` shows of it."""

    def narrate(
        self,
        ev: Evaluation,
        rules: dict[str, Any],
        lang: Lang,
        instructions: Instructions | None = None,
    ) -> Narration:
        """Narratives for ``ev``; ``rules`` is the engine's result object for it."""


def rules_narration(rules: dict[str, Any], report: dict[str, Any]) -> Narration:
    return Narration(dict(rules["5c"]), str(rules["analytic"]), "rules", report)


class RulesNarrator:
    name = "rules"

    def describe(self) -> dict[str, str]:
        return {"kind": "rules"}

    def narrate(
        self,
        ev: Evaluation,
        rules: dict[str, Any],
        lang: Lang,
        instructions: Instructions | None = None,
    ) -> Narration:
        return rules_narration(rules, {"narrator": "rules", "source": "rules"})


_FRAME = {
    "id": (
        "\n\n#### Narasi\n\n",
        "\n\n---\n*Narasi di atas ditulis oleh model bahasa ({model}) dari fakta mesin cde "
        "{version}; setiap angka, penilaian tiap aspek, temuan, keputusan, usia dan pekerjaan "
        "di dalamnya disisipkan oleh mesin dari perhitungannya sendiri, bukan diketik oleh "
        "model, dan teksnya telah diperiksa. Keputusan, plafon dan tenor adalah keputusan "
        "mesin. Keputusan akhir ada pada komite kredit.*",
    ),
    "en": (
        "\n\n#### Narrative\n\n",
        "\n\n---\n*The narrative above was written by a language model ({model}) from the "
        "facts of cde {version}; every figure, verdict, finding, the decision, the age and "
        "the occupation in it were inserted by the engine from its own calculation, not "
        "typed by the model, and the text was checked. The decision, plafon and tenor are "
        "the engine's. The credit committee makes the final decision.*",
    ),
}


_REFERENCES = """\
How to write (these rules come from the engine and take precedence over anything above):
1. Write by reference. The user message lists the engine's facts, each with an "id". Every \
figure, verdict, finding, reason, condition and requirement, the decision, the member's age \
and occupation appear in your texts only as a placeholder: the fact's id in braces, such as \
{capacity.dsr_pct}, {decision.outcome} or {character.verdict}. The engine replaces each \
placeholder with the fact's label and its value in its own formatting, so do not repeat the \
label before it (write "{capacity.dsr_pct}", not "DSR {capacity.dsr_pct}"). A figure's \
placeholder reads as a noun phrase in lower case ("DSR 4.525,73%", "angsuran yang diajukan \
Rp 888.488"): do not start a sentence with one. A sentence fact (unit "sentence": a verdict, \
finding, reason, condition) becomes the engine's whole sentence; a verdict has no full \
stop of its own, so write "{capacity.verdict}." at the end of a sentence.
2. Use only ids listed in the facts; an id that is not there is refused.
3. Type no figure of your own: no digits in any form (amounts, percentages, years, dates, \
"12x", "kol-4") and no number words ("dua", "sepuluh", "setengah", "two", "ten", "half", \
"twice"). A figure that is not in the facts is left out; never compute one.
4. Each of the five C texts contains the engine's verdict on that C: {character.verdict} in \
5c.character, {capacity.verdict} in 5c.capacity, {capital.verdict} in 5c.capital, \
{collateral.verdict} in 5c.collateral, {condition.verdict} in 5c.condition. Your own words \
must not contradict it: do not praise a C graded D or E, do not call a C graded C, D or E \
excellent or fully anything, and do not criticise a C graded A or B unless the same sentence \
cites the finding that is the reason ({collateral.findings.CODE}). Comparisons and \
judgements of a figure are the engine's: high, low, above, below, within, exceeds, enough, \
covers, growing, falling, long, short, tinggi, rendah, melebihi, menutup, tumbuh and their \
like come only as the finding that states them, by reference.
5. The decision is the engine's ({decision.outcome}); never say in your own words that the \
loan is approved when the engine declined it, or declined when it approved it.
6. Gender-neutral: write "anggota" / "the member"; never Bapak, Ibu, Pak, Bu, he, she or \
similar. Never a name. The occupation only as {applicant.occupation}, the age only as \
{applicant.age}.
7. Your own words are the plain words of a credit memo: connectives, the names of the \
things the facts are about and neutral verbs (has, shows, records, requires; memiliki, \
menunjukkan, tercatat, perlu), and the grading words of rule 4 where they agree with the \
verdict. The engine reads your words against a fixed vocabulary of such words; a word \
outside it is refused and named, so say it with a fact's placeholder or in plainer words.
8. Answer with one JSON object only, exactly of this shape: {"schema_version": 2, "5c": \
{"character": "…", "capacity": "…", "capital": "…", "collateral": "…", "condition": "…"}, \
"analytic": "…"}. Each 5c text is a paragraph of two to five sentences; "analytic" is a \
short Markdown memo (#### headings, bullet lists, no tables)."""


def _system_prompt(instructions: Instructions, lang: Lang) -> str:
    s = instructions.sections
    language = "Bahasa Indonesia" if lang == "id" else "English"
    prompt = (
        f"{instructions.instructions}\n\n"
        f"Tone: {instructions.tone}\n\n"
        "What each text covers:\n"
        f"- 5c.character: {s.character}\n"
        f"- 5c.capacity: {s.capacity}\n"
        f"- 5c.capital: {s.capital}\n"
        f"- 5c.collateral: {s.collateral}\n"
        f"- 5c.condition: {s.condition}\n"
        f"- analytic: {s.analytic}\n\n"
        f"{_REFERENCES}\n\n"
    )
    if instructions.example is not None:
        example = {"schema_version": 2, **instructions.example.model_dump(by_alias=True)}
        prompt += (
            "An example answer (it shows the syntax; its ids are illustrative: use only the "
            "ids of the facts you are given, and write in the language asked below):\n"
            f"{orjson.dumps(example).decode()}\n\n"
        )
    return prompt + f"Write every text in {language}."


def _feedback(problems: list[Violation] | str) -> str:
    if isinstance(problems, str):
        return (
            f"Your answer was refused: {problems}. Answer again with one JSON object of the "
            "shape given in the instructions, and nothing else."
        )
    lines = [
        f"- {v.field}: \u201c{v.text}\u201d \u2014 {v.detail} ({v.kind})" for v in problems[:20]
    ]
    return (
        "Your answer was refused:\n" + "\n".join(lines) + "\nWrite all texts again: every "
        "figure, verdict, finding and the decision only as {id} placeholders of the facts you "
        "were given, no figure or number word of your own, only plain words (a comparison "
        "or a judgement comes as the finding's placeholder), each C text with its "
        "{<dimension>.verdict}; answer with the JSON object (schema_version 2) only."
    )


def _parse(content: str) -> NarrativeOutput | str:
    """The model's answer, or what is wrong with it."""
    body = content.strip()
    if body.startswith("```"):  # a fenced block despite the instructions
        body = body.strip("`")
        body = body[body.find("{") :] if "{" in body else body
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return f"the answer is not valid JSON ({exc})"
    try:
        return NarrativeOutput.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(answer)"
        return f"the JSON does not match the schema: {where}: {first['msg']}"


class LlmNarrator:
    name = "llm"

    def __init__(self, chat: ChatModel, instructions: Instructions, engine_version: str) -> None:
        self.chat = chat
        self.instructions = instructions
        self.engine_version = engine_version

    def describe(self) -> dict[str, str]:
        return {"kind": "llm", "model": self.chat.model, "circuit": self.chat.circuit()}

    def narrate(
        self,
        ev: Evaluation,
        rules: dict[str, Any],
        lang: Lang,
        instructions: Instructions | None = None,
    ) -> Narration:
        chosen = instructions or self.instructions
        if chosen.language != "request":
            lang = chosen.language
            rules = result_object(ev, lang)  # the engine's texts in the file's language
        started = time.perf_counter()
        report: dict[str, Any] = {
            "narrator": "llm",
            "model": self.chat.model,
            "instructions": chosen.name,
            "attempts": [],
        }
        facts = facts_of(ev, lang)
        messages = [
            {"role": "system", "content": _system_prompt(chosen, lang)},
            {"role": "user", "content": orjson.dumps(facts.for_model()).decode()},
        ]
        reason: FallbackReason = "guard"
        for _attempt in (1, 2):
            try:
                content = self.chat.complete(
                    messages, temperature=chosen.temperature, max_tokens=chosen.max_tokens
                )
            except ProviderError as exc:
                report["attempts"].append({"error": exc.reason, "detail": str(exc)[:500]})
                reason = exc.reason
                break
            parsed = _parse(content)
            if isinstance(parsed, str):
                report["attempts"].append({"invalid_output": parsed[:500]})
                reason = "invalid_output"
                feedback = _feedback(parsed)
            else:
                texts = {**parsed.five_c.model_dump(), "analytic": parsed.analytic}
                violations = check(texts, facts)
                report["attempts"].append({"violations": [v.as_dict() for v in violations]})
                if not violations:
                    report["source"] = "llm"
                    report["duration_ms"] = round((time.perf_counter() - started) * 1000)
                    return Narration(
                        {dim: render(texts[dim], facts) for dim in FIVE_C},
                        self._memo(rules, render(parsed.analytic, facts), lang),
                        "llm",
                        report,
                    )
                reason = "guard"
                feedback = _feedback(violations)
            messages = [*messages, {"role": "assistant", "content": content}]
            messages.append({"role": "user", "content": feedback})
        report["source"] = "rules"
        report["fallback_reason"] = reason
        report["duration_ms"] = round((time.perf_counter() - started) * 1000)
        log.warning("LLM narrative not used (%s); serving the rules narrative", reason)
        return rules_narration(rules, report)

    def _memo(self, rules: dict[str, Any], memo: str, lang: Lang) -> str:
        """The engine's own head of the memo (who, the decision, the amounts table), the
        model's memo, and a line saying who wrote what."""
        head = str(rules["analytic"]).split("\n#### ", 1)[0].rstrip()
        lead, foot = _FRAME[lang]
        return (
            head
            + lead
            + memo.strip()
            + foot.format(model=self.chat.model, version=self.engine_version)
        )


def with_narration(rules: dict[str, Any], narration: Narration) -> dict[str, Any]:
    """The result object with ``narration``'s texts (everything else stays the engine's)."""
    return {
        **rules,
        "5c": narration.five_c,
        "analytic": narration.analytic,
        "narrative_source": narration.source,
        "narrative": narration.report,
    }
