"""The scorecard's pure parts: features, the file (validated) and scoring. No optbinning:
the training is tested in tests/integration/test_scorecard_training.py."""

from __future__ import annotations

import copy
import math
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from cde.domain.application import parse_application
from cde.domain.evaluation import features_of
from cde.domain.scorecard.features import (
    FEATURES,
    FORBIDDEN,
    ForbiddenFeatureError,
    check_allowed,
)
from cde.domain.scorecard.model import (
    ScorecardError,
    load_scorecard,
    parse_scorecard,
)
from cde.domain.scorecard.scoring import bin_of, score
from cde.errors import InvalidInputError
from cde.policies import default_policy
from scorecards import small_scorecard

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"
TODAY = date(2024, 10, 21)


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(ScorecardError) as caught:
        parse_scorecard(data, "test.json")
    assert isinstance(caught.value, InvalidInputError)
    return str(caught.value)


# --- features ---------------------------------------------------------------------------


def test_the_features_of_the_seed_application() -> None:
    app = parse_application(orjson.loads(SEED.read_bytes()))
    features = features_of(app, default_policy(), TODAY)
    assert set(features) == set(FEATURES)
    assert features["kolektibilitas"] == 4.0  # the seed is "Diragukan"
    assert features["interest_method"] in ("flat", "efektif", "anuitas")
    assert isinstance(features["dsr_pct"], float)
    assert not set(features) & FORBIDDEN


def test_forbidden_attributes_are_refused_by_name() -> None:
    check_allowed(["dsr_pct", "age"])
    with pytest.raises(ForbiddenFeatureError) as caught:
        check_allowed(["dsr_pct", "gender", "NIK"])
    assert "gender" in str(caught.value)
    assert "NIK" in str(caught.value)
    assert isinstance(caught.value, InvalidInputError)


# --- the file -----------------------------------------------------------------------------


def test_a_consistent_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_bytes(orjson.dumps(small_scorecard()))
    loaded = load_scorecard(path)
    assert [f.name for f in loaded.features] == ["dsr_pct", "purpose_category"]


def test_edited_points_are_refused() -> None:
    data = small_scorecard()
    data["features"][0]["bins"][2]["points"] += 25  # a friendlier DSR bin, by hand
    message = refused(data)
    assert "features.0(dsr_pct).bins.2" in message
    assert "do not follow from the WoE" in message


def test_unordered_bins_are_refused() -> None:
    data = small_scorecard()
    bins = data["features"][0]["bins"]
    bins[0]["upper"], bins[1]["upper"] = 60.0, 30.0
    assert "not in ascending order" in refused(data)


def test_a_closed_last_bin_is_refused() -> None:
    data = small_scorecard()
    data["features"][0]["bins"][2]["upper"] = 500.0
    assert "the last bin must be open" in refused(data)


def test_a_forbidden_feature_in_a_file_is_refused() -> None:
    data = small_scorecard()
    data["features"][1]["name"] = "gender"
    assert "protected or identifying attributes may not be used: gender" in refused(data)


def test_an_unknown_format_is_refused() -> None:
    data = small_scorecard()
    data["format"] = "cde-scorecard/9"
    assert "expected 'cde-scorecard/1'" in refused(data)


def test_counts_that_do_not_add_up_are_refused() -> None:
    data = small_scorecard()
    data["features"][0]["bins"][0]["count"] = 41
    assert "the bins count 101 rows, training.rows is 100" in refused(data)


def test_a_category_in_two_bins_is_refused() -> None:
    data = small_scorecard()
    data["features"][1]["bins"][1]["categories"] = ["konsumtif", "investasi"]
    assert "categories in two bins: investasi" in refused(data)


def test_bands_and_calibration_are_checked() -> None:
    data = small_scorecard()
    data["bands"] = [{"name": "A", "pd_upper": 0.5}, {"name": "B", "pd_upper": 0.2}]
    data["calibration"]["slope"] = 0.01
    message = refused(data)
    assert "bands" in message
    assert "the last band must end at pd_upper 1" in message
    assert "more points, less risk" in message


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_bytes(b"{not json")
    with pytest.raises(ScorecardError, match="not JSON"):
        load_scorecard(path)
    extra = small_scorecard()
    extra["pickle"] = "gASV"
    assert "pickle" in refused(extra)


# --- scoring ------------------------------------------------------------------------------


def test_bins_are_upper_exclusive_and_unknowns_are_missing() -> None:
    sc = parse_scorecard(small_scorecard())
    dsr = sc.features[0]
    assert score({"dsr_pct": 29.99, "purpose_category": "investasi"}, sc).points == round(
        dsr.bins[0].points + sc.features[1].bins[0].points, 4
    )
    at_30 = score({"dsr_pct": 30.0, "purpose_category": "investasi"}, sc)
    assert at_30.points == round(dsr.bins[1].points + sc.features[1].bins[0].points, 4)
    high = score({"dsr_pct": 1e9, "purpose_category": "lainnya"}, sc)  # an unseen category
    assert high.points == round(dsr.bins[2].points + sc.features[1].missing.points, 4)
    none = score({"dsr_pct": None}, sc)
    assert none.points == round(dsr.missing.points + sc.features[1].missing.points, 4)


@pytest.mark.parametrize(
    "dsr",
    [
        None,
        True,
        False,
        "45",
        -1.0,
        0,
        29.999,
        30,
        30.0,
        30.001,
        59.99,
        60,
        61,
        1e9,
        float("inf"),
        float("-inf"),
        float("nan"),
    ],
)
@pytest.mark.parametrize(
    "purpose", [None, "investasi", "modal_kerja", "konsumtif", "lainnya", "", 3, True]
)
def test_scoring_reads_the_bins_as_bin_of_does(dsr: Any, purpose: Any) -> None:
    sc = parse_scorecard(small_scorecard())
    features = {"dsr_pct": dsr, "purpose_category": purpose}
    by_bins = sum(bin_of(f, features[f.name]).points for f in sc.features)
    assert score(features, sc).points == round(by_bins, 4)


def test_pd_band_and_adverse_attributes() -> None:
    sc = parse_scorecard(small_scorecard())
    good = score({"dsr_pct": 10.0, "purpose_category": "modal_kerja"}, sc)
    bad = score({"dsr_pct": 90.0, "purpose_category": "konsumtif"}, sc)
    assert good.points > bad.points
    assert good.pd < bad.pd
    expected = 1 / (1 + math.exp(-(20.8 - 0.0346574 * bad.points)))
    assert bad.pd == pytest.approx(expected, abs=1e-6)
    assert good.adverse == ()
    assert [a.feature for a in bad.adverse] == ["dsr_pct", "purpose_category"]
    dsr = sc.features[0]
    assert bad.adverse[0].value == 90.0
    assert bad.adverse[0].points_lost == pytest.approx(dsr.bins[0].points - dsr.bins[2].points)
    assert bad.band == ("A" if bad.pd <= 0.05 else "B")


def test_scoring_does_not_change_the_file() -> None:
    data = small_scorecard()
    before = copy.deepcopy(data)
    sc = parse_scorecard(data)
    score({"dsr_pct": 45.0, "purpose_category": "konsumtif"}, sc)
    assert data == before


# --- the generated loan book (benchmarks/generate_loan_book.py) --------------------------


def test_the_loan_book_is_reproducible(tmp_path: Path) -> None:
    from generate_loan_book import NO_SIGNAL_RATE, loan_book, main

    one, two = loan_book(150, seed=4), loan_book(150, seed=4)
    assert one.outcomes_csv() == two.outcomes_csv()
    assert one.applications_jsonl() == two.applications_jsonl()
    assert one.outcomes_csv().splitlines()[0] == "loan_id,bad,applied_at"
    assert loan_book(150, seed=5).outcomes_csv() != one.outcomes_csv()
    flat = loan_book(150, seed=4, signal=False)
    assert set(flat.pd) == {NO_SIGNAL_RATE}
    assert main(["40", str(tmp_path / "a"), "--seed", "2"]) == 0
    assert main(["40", str(tmp_path / "b"), "--seed", "2"]) == 0
    for name in ("applications.jsonl", "outcomes.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
