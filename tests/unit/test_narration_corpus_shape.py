"""The narration corpus (tests/narration_corpus) is well-formed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from narration_corpus import cases
from narration_corpus.cases import (
    BLIND2_KINDS,
    DIMENSIONS,
    FILES,
    KINDS,
    TEXT_KEYS,
    load,
    references,
)


@pytest.mark.parametrize(
    ("name", "size", "faithful", "kinds", "applications"),
    [
        ("blind", 120, 45, set(KINDS), 7),
        ("blind2", 100, 40, set(BLIND2_KINDS), 6),
        ("blind3", 80, 30, set(KINDS) - {"missing_verdict"}, 5),
        ("blind4", 100, 35, set(BLIND2_KINDS), 5),
        ("blind5", 90, 30, set(BLIND2_KINDS), 5),
    ],
)
def test_blind_set_is_well_formed(
    name: str, size: int, faithful: int, kinds: set[str], applications: int
) -> None:
    cases = load(name)
    assert len(cases) >= size
    found = Counter(c["kind"] for c in cases)
    assert found[None] >= faithful
    assert set(found) - {None} == kinds
    langs = Counter(c["lang"] for c in cases)
    assert abs(langs["id"] - langs["en"]) <= 10
    assert len({c["application"] for c in cases}) == applications
    for case in cases:
        for key, text in case["texts"].items():
            if case["faithful"] and key in DIMENSIONS:
                assert f"{key}.verdict" in references(text), (case["id"], key)


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
    for name in FILES:
        for case in load(name):
            if not case["faithful"]:
                continue
            for key, text in case["texts"].items():
                assert references(text), case["id"]
                if key in DIMENSIONS:
                    assert f"{key}.verdict" in references(text), (case["id"], key)


def test_an_application_name_two_sets_share_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sets' applications of one name would silently be one (the first found)."""
    for where in ("applications", "blindx/applications"):
        (tmp_path / where).mkdir(parents=True)
        (tmp_path / where / "dup.json").write_text("{}")
    (tmp_path / "blindx" / "applications" / "own.json").write_text("{}")
    monkeypatch.setattr(cases, "HERE", tmp_path)
    monkeypatch.setattr(cases, "APPLICATIONS", tmp_path / "applications")
    monkeypatch.setattr(cases, "LATER", ("blindx",))
    assert cases.application_path("own") == tmp_path / "blindx" / "applications" / "own.json"
    with pytest.raises(cases.CorpusError, match="more than one set"):
        cases.application_path("dup")
