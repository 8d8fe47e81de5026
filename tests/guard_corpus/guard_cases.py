"""The grounding guard's corpus: hand-written narratives, faithful and unfaithful, about a few
fixed applications (``corpus.json`` next to this file), a held-out set written the same way
(``holdout.json``) that the guard was later fixed on, and a blind set (``holdout2.json``)
written without seeing the guard's rules and run once, never tuned on.

Shared by ``tests/unit/test_guard_corpus.py``, ``tests/integration/test_bench_guard_smoke.py``
and ``benchmarks/bench_guard.py``. The tests import it from ``tests/`` (on pytest's
``pythonpath``, pyproject.toml); the benchmark script, run on its own, puts this folder on
``sys.path`` first::

    from guard_corpus import guard_cases  # a test
    import guard_cases  # benchmarks/bench_guard.py

A case names its application: ``"seed"`` is ``examples/seed_request.json``, any other name
``applications/<name>.json`` here (saved once from ``benchmarks/generate_applications.py``,
so that the corpus does not move when the generator does). The as-of date is always
2026-11-23 and the policy the default one.

``load_cases()`` loads the tuning corpus, ``load_cases(HOLDOUT_FILE)`` the held-out set,
``load_cases(HOLDOUT2_FILE)`` … ``load_cases(HOLDOUT5_FILE)`` the blind sets; ``SETS``
lists them all with their first-run figures. The files have the same format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, get_args

from cde.domain.application import parse_application
from cde.domain.evaluation import Evaluation, assess
from cde.domain.guard import Grounds, Violation, ViolationKind, check, grounds
from cde.domain.result import result_object
from cde.domain.text import Lang
from cde.policies import default_policy

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS_FILE = HERE / "corpus.json"  # the corpus the guard was tuned on
HOLDOUT_FILE = HERE / "holdout.json"  # held out: written after tuning, the guard fixed after
HOLDOUT2_FILE = HERE / "holdout2.json"  # blind: written without the guard's rules, fixed after
HOLDOUT3_FILE = HERE / "holdout3.json"  # blind: written without the guard's rules, fixed after
HOLDOUT4_FILE = HERE / "holdout4.json"  # blind: written without the guard's rules, fixed after
HOLDOUT5_FILE = HERE / "holdout5.json"  # blind: written without the guard's rules, fixed after
APPLICATIONS = HERE / "applications"
SEED_FILE = REPO / "examples" / "seed_request.json"
TODAY = date(2026, 11, 23)

KINDS: tuple[str, ...] = get_args(ViolationKind)
FIELDS = frozenset({"character", "capacity", "capital", "collateral", "condition", "analytic"})


@dataclass(frozen=True)
class CaseSet:
    """One corpus file and how it was used."""

    name: str  # "tuning", "held out", "blind", "blind 3", "blind 4"
    path: Path
    prefix: str  # every case id starts with it
    first_run: str | None  # the figures of its first run (faithful, unfaithful caught)


# In the order they were written. Each set after the first was written without seeing the
# guard's rules, run once (its first-run figures are kept here and in docs/benchmarks.md),
# and the guard then fixed on it: only the newest set's first run measures the guard as it
# is on texts it has not seen.
SETS: tuple[CaseSet, ...] = (
    CaseSet("tuning", CORPUS_FILE, "", None),
    CaseSet("held out", HOLDOUT_FILE, "h-", "46/46, 33/47"),
    CaseSet("blind", HOLDOUT2_FILE, "h2-", "41/42, 32/62"),
    CaseSet("blind 3", HOLDOUT3_FILE, "h3-", "40/45, 36/55"),
    CaseSet("blind 4", HOLDOUT4_FILE, "h4-", "38/45, 44/55"),
    CaseSet("blind 5", HOLDOUT5_FILE, "h5-", "35/45, 44/55"),
)


class CorpusError(ValueError):
    """The corpus file cannot be read or a case is malformed."""


@dataclass(frozen=True)
class Case:
    id: str
    application: str
    lang: Lang
    faithful: bool
    texts: dict[str, str]
    kind: str | None  # the violation an unfaithful case must be caught as
    note: str


@dataclass(frozen=True)
class Verdict:
    case: Case
    violations: list[Violation]

    @property
    def kinds(self) -> set[str]:
        return {v.kind for v in self.violations}

    @property
    def refused(self) -> bool:
        return bool(self.violations)

    @property
    def correct(self) -> bool:
        """Faithful: passed. Unfaithful: caught as its kind."""
        if self.case.faithful:
            return not self.violations
        return self.case.kind in self.kinds


def application_file(name: str) -> Path:
    return SEED_FILE if name == "seed" else APPLICATIONS / f"{name}.json"


def _case(raw: Any, where: str) -> Case:
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: a case must be an object")
    try:
        case = Case(
            id=str(raw["id"]),
            application=str(raw["application"]),
            lang=raw["lang"],
            faithful=raw["faithful"],
            texts=dict(raw["texts"]),
            kind=raw["kind"],
            note=str(raw["note"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CorpusError(f"{where}: {exc!r}") from None
    where = f"{where} ({case.id})"
    if case.lang not in ("id", "en") or not isinstance(case.faithful, bool):
        raise CorpusError(f"{where}: lang must be id/en and faithful a boolean")
    if not case.texts or not set(case.texts) <= FIELDS:
        raise CorpusError(f"{where}: texts must hold some of {sorted(FIELDS)}")
    if not all(isinstance(t, str) and t.strip() for t in case.texts.values()):
        raise CorpusError(f"{where}: every text must be a non-empty string")
    if case.faithful != (case.kind is None) or (case.kind is not None and case.kind not in KINDS):
        raise CorpusError(f"{where}: kind is null for a faithful case, else one of {KINDS}")
    if not application_file(case.application).is_file():
        raise CorpusError(f"{where}: no application file for {case.application!r}")
    return case


def load_cases(path: Path = CORPUS_FILE) -> list[Case]:
    """Every case of a corpus file (by default the tuning corpus; ``HOLDOUT_FILE`` for the
    held-out set, ``HOLDOUT2_FILE`` for the blind set), checked for shape (CorpusError when it
    cannot be used)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{path}: {exc}") from None
    if not isinstance(data, list) or not data:
        raise CorpusError(f"{path}: the corpus must be a non-empty list of cases")
    cases = [_case(raw, f"{path.name}[{i}]") for i, raw in enumerate(data)]
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CorpusError(f"{path}: duplicate case ids {duplicates}")
    return cases


@cache
def evaluation(name: str) -> Evaluation:
    raw = json.loads(application_file(name).read_text("utf-8"))
    return assess(parse_application(raw), default_policy(), TODAY)


@cache
def grounds_for(name: str, lang: Lang) -> Grounds:
    ev = evaluation(name)
    return grounds(ev, result_object(ev, lang), lang)


def judge(case: Case) -> Verdict:
    """Run the guard over one case's texts."""
    return Verdict(case, check(case.texts, grounds_for(case.application, case.lang), case.lang))
