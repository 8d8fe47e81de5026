"""The narration corpus (tests/narration_corpus) is well-formed."""

from __future__ import annotations

from collections import Counter

from narration_corpus.cases import BLIND2_KINDS, DIMENSIONS, KINDS, TEXT_KEYS, load, references


def test_blind_corpus_is_well_formed() -> None:
    cases = load("blind")
    assert len(cases) >= 120
    kinds = Counter(c["kind"] for c in cases)
    assert kinds[None] >= 45
    assert set(kinds) - {None} == set(KINDS)
    langs = Counter(c["lang"] for c in cases)
    assert abs(langs["id"] - langs["en"]) <= 2
    assert len({c["application"] for c in cases}) >= 6


def test_reference_corpus_covers_every_text_in_both_languages() -> None:
    cases = load("reference")
    assert len(cases) >= 40
    assert all(c["faithful"] and c["kind"] is None for c in cases)
    covered = {(c["application"], c["lang"], k) for c in cases for k in c["texts"]}
    apps = {c["application"] for c in cases}
    assert "seed" in apps
    assert len(apps) >= 7
    assert covered == {(a, lang, k) for a in apps for lang in ("id", "en") for k in TEXT_KEYS}


def test_faithful_five_c_texts_carry_their_verdict() -> None:
    for name in ("blind", "reference"):
        for case in load(name):
            if not case["faithful"]:
                continue
            for key, text in case["texts"].items():
                assert references(text), case["id"]
                if key in DIMENSIONS:
                    assert f"{key}.verdict" in references(text), (case["id"], key)


def test_second_blind_set_is_well_formed() -> None:
    cases = load("blind2")
    assert len(cases) >= 100
    kinds = Counter(c["kind"] for c in cases)
    assert kinds[None] >= 40
    assert set(kinds) - {None} == set(BLIND2_KINDS)
    assert len({c["application"] for c in cases}) == 6
    for case in cases:
        for key, text in case["texts"].items():
            if case["faithful"] and key in DIMENSIONS:
                assert f"{key}.verdict" in references(text), (case["id"], key)
