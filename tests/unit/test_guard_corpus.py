"""The grounding guard against its corpus (``tests/guard_corpus/corpus.json``), against a
held-out set (``tests/guard_corpus/holdout.json``) and against two blind sets
(``tests/guard_corpus/holdout2.json``, ``holdout3.json``).

Every case is a narrative text written by hand as a language model plausibly would, about
one of six fixed applications: a faithful one must pass the guard untouched, an unfaithful
one (exactly one realistic error) must be refused with a violation of its kind.

A case the guard gets wrong is kept as written and marked ``xfail(strict=True)`` with the
diagnosis, in ``MISCLASSIFIED`` (tuning corpus), ``HOLDOUT_MISCLASSIFIED`` (held-out set) or
``HOLDOUT2_MISCLASSIFIED`` (blind set): when the guard is fixed the case passes, the strict mark
turns that into a failure, and the mark is removed. The held-out texts were written once and the
guard run over them once (46/46 faithful passed, 33/47 unfaithful caught as their kind); the
guard was fixed after that run, so the set is no longer held out. The blind set was written by
someone who never read the guard's rules, from the brief and the engine's memo only, and run
once (41/42 faithful passed, 32/62 unfaithful caught as their kind, 39/62 refused at all); its
marks are diagnosed from the guard's behaviour alone. The second blind set (``holdout3.json``,
three more applications) was written the same way after the guard was fixed on the first,
and run once: 40/45 faithful passed, 36/55 unfaithful caught as their kind (37/55 refused
at all); the guard was then fixed for all 24 (``HOLDOUT3_MISCLASSIFIED`` would hold what is
left). The third blind set (``holdout4.json``, four more applications) was written and run
once after that: 38/45 faithful passed, 44/55 caught; fixed for all but two faithful texts
that compute new ratios, refused by design (``HOLDOUT4_MISCLASSIFIED``). The fourth
(``holdout5.json``), written and run once after that: 35/45 passed, 44/55 caught; fixed for
all but three misses (``HOLDOUT5_MISCLASSIFIED``).
``benchmarks/bench_guard.py`` prints the same measurement as figures, the sets apart.
"""

from __future__ import annotations

from collections import Counter

import pytest

from guard_corpus import guard_cases  # tests/guard_corpus (pytest's pythonpath: tests/)

CASES = guard_cases.load_cases()
HOLDOUT = guard_cases.load_cases(guard_cases.HOLDOUT_FILE)
BLIND = guard_cases.load_cases(guard_cases.HOLDOUT2_FILE)
BLIND3 = guard_cases.load_cases(guard_cases.HOLDOUT3_FILE)
BLIND4 = guard_cases.load_cases(guard_cases.HOLDOUT4_FILE)
BLIND5 = guard_cases.load_cases(guard_cases.HOLDOUT5_FILE)

# Cases of corpus.json the guard misclassifies today: case id -> why (which rule is wrong).
MISCLASSIFIED: dict[str, str] = {}

# Cases of holdout.json the guard misclassifies today: case id -> why (which rule is wrong).
# The first run over the held-out set missed 14 of its 47 unfaithful texts (46/46 faithful
# passed); the guard was then fixed for all 14 (docs/benchmarks.md has both figures).
HOLDOUT_MISCLASSIFIED: dict[str, str] = {}

# Cases of holdout2.json (the blind set) the guard misclassifies: case id -> why. Diagnosed from
# the behaviour only (what the text says against what the guard reported), without reading the
# guard. First run: 41/42 faithful passed, 32/62 unfaithful caught as their kind (39/62
# refused at all); the guard was then fixed for 22 of the 31, and in a later session for the
# last 9 (a true figure in the wrong role: income, repayment capacity, deficit, active
# loans, the DSR limit, the requested instalment with the recommended terms; a term in
# whole years; a name without an honorific; a cut by the complement of a percentage).
HOLDOUT2_MISCLASSIFIED: dict[str, str] = {}

# Cases of holdout3.json (the second blind set) the guard misclassifies: case id -> why. First
# run: 40/45 faithful passed (refused: derived differences and multiples, bounds such as
# "over 4,500%", "Rp 1,097 miliar" read as 1.097 trillion), 36/55 unfaithful caught as their
# kind (missed: true figures in the wrong role, indirect outcome wordings, occupations as verb
# phrases, first names alone); the guard was fixed for all of them.
HOLDOUT3_MISCLASSIFIED: dict[str, str] = {}

# Cases of holdout4.json (the third blind set, four more applications) the guard
# misclassifies. First run: 38/45 faithful passed, 44/55 unfaithful caught as their kind (44
# refused at all); the guard was then fixed for all but two faithful texts that compute a
# new ratio, which it refuses by design (the model is told to copy the engine's figures,
# and a ratio of any two of them could be anything): the narrative falls back to the rules.
_COMPUTED = "by design: a ratio the text computes is no engine fact, and is refused"
HOLDOUT4_MISCLASSIFIED: dict[str, str] = {
    "h4-g9017-f-08": f"{_COMPUTED} ('22%' of the capacity: 2.875.490 / 13.268.361)",
    "h4-g9012-f-05": f"{_COMPUTED} ('92%': own funds / the recommended plafon)",
}

# Cases of holdout5.json (the fourth blind set, three more applications). First run: 35/45
# faithful passed, 44/55 unfaithful caught as their kind (45 refused at all); fixed for all
# but these three misses.
HOLDOUT5_MISCLASSIFIED: dict[str, str] = {
    "h5-g13-028-u-02": (
        "missed: 'pinjaman tersebut ... masih berjalan' claims an active loan (0 active)"
        " without a figure; the guard reads figures and a few claims, not this one"
    ),
    "h5-g13-137-u-07": (
        "missed: 'the largest amount the engine found sound is just Rp 500,000' (the policy"
        " minimum; the sized amount is Rp 0): no rule binds the sized plafon in a decline"
    ),
    "h5-g13-137-u-12": (
        "missed, by design: 'wiraswasta' for a Nelayan passes — the guard takes a more"
        " general word for the same work as no contradiction (a fisher is self-employed)"
    ),
}


def _params(cases: list[guard_cases.Case], misclassified: dict[str, str]) -> list[object]:
    params: list[object] = []
    for case in cases:
        marks = []
        if case.id in misclassified:
            marks.append(pytest.mark.xfail(strict=True, reason=misclassified[case.id]))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def _describe(verdict: guard_cases.Verdict) -> str:
    found = "\n".join(
        f"  {v.kind} in {v.field}: {v.text!r} — {v.detail}" for v in verdict.violations
    )
    texts = "\n".join(f"  {field}: {text}" for field, text in verdict.case.texts.items())
    return f"{verdict.case.id} ({verdict.case.note})\n{texts}\nviolations:\n{found or '  none'}"


def _classifies(case: guard_cases.Case) -> None:
    verdict = guard_cases.judge(case)
    if case.faithful:
        assert not verdict.violations, "a faithful text was refused:\n" + _describe(verdict)
    else:
        assert verdict.violations, "an unfaithful text passed:\n" + _describe(verdict)
        assert case.kind in verdict.kinds, (
            f"an unfaithful text was not caught as {case.kind}:\n" + _describe(verdict)
        )


# every set with its marks, in the order written (case ids are unique across the sets)
MARKED = [
    (CASES, MISCLASSIFIED),
    (HOLDOUT, HOLDOUT_MISCLASSIFIED),
    (BLIND, HOLDOUT2_MISCLASSIFIED),
    (BLIND3, HOLDOUT3_MISCLASSIFIED),
    (BLIND4, HOLDOUT4_MISCLASSIFIED),
    (BLIND5, HOLDOUT5_MISCLASSIFIED),
]


@pytest.mark.parametrize("case", [p for cases, marks in MARKED for p in _params(cases, marks)])
def test_the_guard_classifies_the_case(case: guard_cases.Case) -> None:
    _classifies(case)


def test_the_corpus_is_large_and_varied() -> None:
    faithful = [c for c in CASES if c.faithful]
    unfaithful = [c for c in CASES if not c.faithful]
    assert len(faithful) >= 50
    assert len(unfaithful) >= 50
    assert len({c.application for c in CASES}) >= 6
    assert sum(c.lang == "en" for c in CASES) * 4 >= len(CASES)
    kinds = Counter(c.kind for c in unfaithful)
    assert kinds["number"] >= 8
    assert kinds["outcome"] >= 8
    assert kinds["plafon"] + kinds["tenure"] >= 6
    for kind in ("age", "occupation", "gender"):
        assert kinds[kind] >= 6, kind
    assert kinds["name"] >= 4


def test_the_held_out_set_is_large_and_varied() -> None:
    faithful = [c for c in HOLDOUT if c.faithful]
    unfaithful = [c for c in HOLDOUT if not c.faithful]
    assert len(faithful) >= 40
    assert len(unfaithful) >= 40
    assert len({c.application for c in HOLDOUT}) >= 6
    assert sum(c.lang == "en" for c in HOLDOUT) * 10 >= len(HOLDOUT) * 3  # about 40%
    kinds = Counter(c.kind for c in unfaithful)
    assert kinds["number"] >= 10
    for kind in ("outcome", "plafon", "tenure", "age", "occupation", "gender", "name"):
        assert kinds[kind] >= 4, kind
    assert all(c.id.startswith("h-") for c in HOLDOUT)


def test_the_blind_set_is_large_and_varied() -> None:
    faithful = [c for c in BLIND if c.faithful]
    unfaithful = [c for c in BLIND if not c.faithful]
    assert len(faithful) >= 35
    assert len(unfaithful) >= 45
    assert len({c.application for c in BLIND}) >= 6
    english = sum(c.lang == "en" for c in BLIND)
    assert len(BLIND) * 3 <= english * 10 <= len(BLIND) * 5  # about 40%
    kinds = Counter(c.kind for c in unfaithful)
    assert kinds["number"] >= 12
    for kind in ("outcome", "plafon", "tenure", "age", "occupation", "gender", "name"):
        assert kinds[kind] >= 4, kind
    assert all(c.id.startswith("h2-") for c in BLIND)


# The later blind sets: (cases, the prefix of their new applications, how many cases are
# about them at least). Each has 45 faithful and 55 unfaithful cases, about half English.
LATER_BLIND = {
    "h3-": (BLIND3, "g5_", 50),
    "h4-": (BLIND4, "g9_", 70),
    "h5-": (BLIND5, "g13_", 70),
}


@pytest.mark.parametrize("prefix", list(LATER_BLIND))
def test_each_later_blind_set_is_large_and_varied(prefix: str) -> None:
    cases, new_apps, on_new = LATER_BLIND[prefix]
    faithful = [c for c in cases if c.faithful]
    unfaithful = [c for c in cases if not c.faithful]
    assert len(faithful) >= 40
    assert len(unfaithful) >= 50
    applications = Counter(c.application for c in cases)
    assert sum(n for a, n in applications.items() if a.startswith(new_apps)) >= on_new
    english = sum(c.lang == "en" for c in cases)
    assert len(cases) * 4 <= english * 10 <= len(cases) * 6  # about half
    kinds = Counter(c.kind for c in unfaithful)
    assert kinds["number"] >= 12
    for kind in ("outcome", "plafon", "tenure", "age", "occupation", "gender", "name"):
        assert kinds[kind] >= 4, kind
    assert all(c.id.startswith(prefix) for c in cases)


def test_the_sets_name_the_files_in_order_with_their_first_runs() -> None:
    assert [cs.path for cs in guard_cases.SETS] == [
        guard_cases.CORPUS_FILE,
        guard_cases.HOLDOUT_FILE,
        guard_cases.HOLDOUT2_FILE,
        guard_cases.HOLDOUT3_FILE,
        guard_cases.HOLDOUT4_FILE,
        guard_cases.HOLDOUT5_FILE,
    ]
    for cs in guard_cases.SETS:
        assert all(c.id.startswith(cs.prefix) for c in guard_cases.load_cases(cs.path)), cs.name
        assert (cs.first_run is None) == (cs.path == guard_cases.CORPUS_FILE)


ALL_SETS = [cases for cases, _ in MARKED]


@pytest.mark.parametrize("index", range(1, len(ALL_SETS)))
def test_each_set_shares_no_case_with_the_earlier_ones(index: int) -> None:
    later = ALL_SETS[index]
    earlier = [c for cases in ALL_SETS[:index] for c in cases]
    assert not {c.id for c in later} & {c.id for c in earlier}
    earlier_texts = {text for c in earlier for text in c.texts.values()}
    assert not {text for c in later for text in c.texts.values()} & earlier_texts


def test_every_misclassified_mark_names_a_case_of_its_set() -> None:
    for cases, marks in MARKED:
        assert set(marks) <= {c.id for c in cases}
