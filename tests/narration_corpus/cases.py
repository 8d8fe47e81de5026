"""The narration corpus: hand-written five-C texts and credit memos in the placeholder form
(``{fact.id}``), faithful and unfaithful, about fixed applications (README.md next to this file).

Files, same format:

- ``blind.json``: faithful and unfaithful cases written blind (before and without seeing the
  narration check); ids ``b-<application>-<f|u>-<nn>``.
- ``reference.json``: faithful reference texts, every C and the analytic for each application
  in both languages; ids ``r-<application>-<lang>-<nn>``.
- ``kept.json``: every unfaithful case of the earlier grounding guard's corpus (free prose,
  the version-1 answer schema, ids and kinds as they were there: ``number``, ``outcome``,
  ``plafon``, ``tenure``, ``age``, ``occupation``, ``gender``, ``name``; the note starts
  with the file it came from). They are what a model writes when it ignores the
  instructions, so the check must refuse them all.
- ``blind2/blind2.json``: the second blind set, written after the check was tuned on the
  first, about six new applications (``blind2/applications/``); ids
  ``b2-<application>-<f|u>-<nn>``; its kinds add ``fact_claim`` (a figure-free claim about
  one fact, which the check does not read).
- ``blind3/blind3.json``: the third blind set, written after the check was tuned on the
  second, about five more applications (``blind3/applications/``); ids ``b3-…``.
- ``blind4/blind4.json``: the fourth, written to the second contract (plain words only,
  the rules of the system prompt since decision 38) after the check had its vocabulary,
  about five more applications (``blind4/applications/``); ids ``b4-…``.
- ``blind5/blind5.json``: the fifth, written the same way after the fourth's first run,
  about five more applications (``blind5/applications/``); ids ``b5-…``.

A case names its application: ``"seed"`` is ``examples/seed_request.json``, any other name
``applications/<name>.json`` here (or ``blind<n>/applications/``).
The as-of date is 2026-11-23 and the policy the default one. ``load(name)`` loads and
validates a file (one of :data:`FILES`, with or without ``.json``) and returns its cases
as plain dicts::

    from narration_corpus.cases import load
    cases = load("blind")
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
APPLICATIONS = HERE / "applications"
SEED = ROOT / "examples" / "seed_request.json"
AS_OF = date(2026, 11, 23)

FILES = ("blind", "reference", "kept", "blind2", "blind3", "blind4", "blind5")
LATER = ("blind2", "blind3", "blind4", "blind5")  # the later blind sets, each in its own directory
KINDS = (
    "figure",
    "verdict",
    "outcome",
    "unknown_fact",
    "missing_verdict",
    "gender",
    "name",
    "occupation",
)
# the later blind sets also hold figure-free claims about one fact
BLIND2_KINDS = (*KINDS, "fact_claim")
KEPT_KINDS = ("number", "outcome", "plafon", "tenure", "age", "occupation", "gender", "name")
DIMENSIONS = ("character", "capacity", "capital", "collateral", "condition")
TEXT_KEYS = (*DIMENSIONS, "analytic")
LANGS = ("id", "en")
FIELDS = {"id", "application", "lang", "faithful", "texts", "kind", "note"}
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[A-Za-z0-9_]+)+)\}")


class CorpusError(ValueError):
    """A corpus file that is not well-formed."""


def application_path(name: str) -> Path:
    """The JSON file of a case's application (a later blind set's are in ``blind<n>/``); a
    name two sets both use is an error, not the first one found."""
    if name == "seed":
        return SEED
    dirs = (APPLICATIONS, *(HERE / later / "applications" for later in LATER))
    found = [where / f"{name}.json" for where in dirs if (where / f"{name}.json").is_file()]
    if len(found) > 1:
        raise CorpusError(f"application {name!r} is in more than one set: {found}")
    return found[0] if found else APPLICATIONS / f"{name}.json"


def _check(cases: Any, prefix: str) -> list[dict[str, Any]]:
    if not isinstance(cases, list) or not cases:
        raise CorpusError("a corpus file holds a non-empty JSON list")
    seen: set[str] = set()
    for case in cases:
        where = case.get("id", "?") if isinstance(case, dict) else "?"
        if not isinstance(case, dict) or set(case) != FIELDS:
            raise CorpusError(f"{where}: fields must be exactly {sorted(FIELDS)}")
        cid = case["id"]
        if not isinstance(cid, str) or not cid.startswith(prefix):
            raise CorpusError(f"{cid}: ids in this file start with {prefix!r}")
        if cid in seen:
            raise CorpusError(f"{cid}: duplicate id")
        seen.add(cid)
        if case["lang"] not in LANGS:
            raise CorpusError(f"{cid}: lang must be one of {LANGS}")
        if not application_path(case["application"]).is_file():
            raise CorpusError(f"{cid}: no application {case['application']!r}")
        if not isinstance(case["faithful"], bool):
            raise CorpusError(f"{cid}: faithful must be true or false")
        kind = case["kind"]
        if case["faithful"] != (kind is None):
            raise CorpusError(f"{cid}: faithful if and only if kind is null")
        allowed = KEPT_KINDS if prefix == "" else BLIND2_KINDS if prefix[1:2].isdigit() else KINDS
        if kind is not None and kind not in allowed:
            raise CorpusError(f"{cid}: unknown kind {kind!r}")
        texts = case["texts"]
        if not isinstance(texts, dict) or not texts or not set(texts) <= set(TEXT_KEYS):
            raise CorpusError(f"{cid}: texts must map some of {TEXT_KEYS} to text")
        if not all(isinstance(t, str) and t.strip() for t in texts.values()):
            raise CorpusError(f"{cid}: empty text")
        if not isinstance(case["note"], str) or not case["note"]:
            raise CorpusError(f"{cid}: a note is required")
        if prefix.startswith("b"):  # every blind set
            tag = "f" if case["faithful"] else "u"
            if not re.fullmatch(rf"{prefix}{re.escape(case['application'])}-{tag}-\d\d", cid):
                raise CorpusError(f"{cid}: id must be {prefix}<application>-{tag}-<nn>")
    return cases


@cache
def _load(name: str) -> tuple[dict[str, Any], ...]:
    stem = name.removesuffix(".json")
    if stem not in FILES:
        raise CorpusError(f"unknown corpus file {name!r}; one of {FILES}")
    path = HERE / stem / f"{stem}.json" if stem in LATER else HERE / f"{stem}.json"
    cases = json.loads(path.read_text(encoding="utf-8"))
    prefix = {"blind": "b-", "reference": "r-", "kept": ""}.get(stem, f"b{stem[-1]}-")
    checked = _check(cases, prefix)
    if stem == "reference" and not all(c["faithful"] for c in checked):
        raise CorpusError("reference cases are all faithful")
    if stem == "kept" and any(c["faithful"] for c in checked):
        raise CorpusError("kept cases are all unfaithful")
    return tuple(checked)


def load(name: str) -> list[dict[str, Any]]:
    """The validated cases of one of :data:`FILES` (fresh copies, safe to mutate)."""
    return json.loads(json.dumps(list(_load(name))))


def references(text: str) -> list[str]:
    """The placeholder ids in a text, in order."""
    return PLACEHOLDER.findall(text)
