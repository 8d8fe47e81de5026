"""A scorecard in every decision: the policy's ``[scorecard]``, the PD in the result, the
memo and the narration facts, the PD cut-offs beside the knock-outs and the sizing, and the
narration check.

The scorecard is :func:`builders.small_scorecard` (DSR in three bins, the purpose in two).
Hand-worked for :func:`builders.clean_application` (income Rp 8–10 juta, no other debt,
Rp 20 juta over 24 months at 12 % anuitas: DSR 11.8 %, purpose modal kerja), with
``factor = 20/ln 2 = 28.853901`` and ``offset = 600 − factor·ln 50 = 487.122876``, each bin
``−(coefficient·WoE + intercept/2)·factor + offset/2``:

- DSR below 30 % (WoE 0.8):   ``(0.72 + 1)·28.853901 + 243.561438 = 293.1901``
- modal kerja (WoE 0.2):      ``(0.14 + 1)·28.853901 + 243.561438 = 276.4549``
- points 569.645; PD ``1/(1+exp(−(20.8 − 0.0346574·569.645))) = 0.742229``, band B.

With income Rp 2–2,5 juta the DSR is 47 % (WoE 0): ``28.853901 + 243.561438 = 272.4153``,
points 548.8702, PD 0.855399, and the DSR costs ``293.1901 − 272.4153 = 20.7748`` points.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest
from builders import TODAY, clean_application

from cde.domain.application import parse_application
from cde.domain.engine import evaluate
from cde.domain.evaluation import assess
from cde.domain.scorecard.model import parse_scorecard
from cde.domain.text import Lang
from cde.narration import check, facts_of, render
from cde.policies import Policy, PolicyError, attach_scorecard, default_policy, parse_policy
from scorecards import small_scorecard

HIGH_DSR = {"income": ["2000000-2500000"], "expenses": ["500000-600000"]}


def _default_data() -> dict[str, Any]:
    text = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    return tomllib.loads(text)


def scoring_policy(
    folder: Path,
    *,
    approve_below: float | None = None,
    decline_above: float | None = None,
    grades: dict[str, int] | None = None,
    **decision: Any,
) -> Policy:
    """The default policy naming ``small_scorecard()`` (written to ``folder``), with PD
    cut-offs when given and ``[decision]`` (and ``[grades]``) settings replaced."""
    (folder / "card.json").write_bytes(orjson.dumps(small_scorecard()))
    data = _default_data()
    section: dict[str, Any] = {"file": "card.json"}
    if approve_below is not None:
        section["approve_below_pd"] = approve_below
    if decline_above is not None:
        section["decline_above_pd"] = decline_above
    data["scorecard"] = section
    data["decision"].update(decision)
    data["grades"].update(grades or {})
    return parse_policy(data, "test-policy", folder)


def run(policy: Policy, lang: Lang = "id", **app: Any) -> dict[str, Any]:
    return evaluate(clean_application(**app), policy=policy, today=TODAY, lang=lang)


def codes(result: dict[str, Any], part: str) -> list[str]:
    return [x["code"] for x in result["decision"][part]]


# --- the policy names a scorecard ----------------------------------------------------------


def test_the_scorecard_file_is_read_relative_to_the_policy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    scoring_policy(folder)  # writes card.json beside the policy
    data = _default_data()
    data["scorecard"] = {"file": "card.json", "decline_above_pd": 0.3}
    text = (folder / "card.json").read_bytes()
    (folder / "policy.json").write_bytes(orjson.dumps(data))
    monkeypatch.chdir(tmp_path)  # not the policy's folder
    from cde.policies import load_policy

    policy = load_policy(folder / "policy.json")
    assert policy.scorecard is not None
    assert policy.scorecard.decline_above_pd == 0.3
    assert policy.scorecard_model == parse_scorecard(orjson.loads(text))


def test_a_missing_or_tampered_scorecard_file_is_a_policy_error(tmp_path: Path) -> None:
    data = _default_data()
    data["scorecard"] = {"file": "nowhere.json"}
    with pytest.raises(PolicyError) as missing:
        parse_policy(data, "p.toml", tmp_path)
    assert "scorecard.file" in str(missing.value)
    assert "nowhere.json" in str(missing.value)

    tampered = small_scorecard()
    tampered["features"][0]["bins"][0]["points"] += 5  # edited by hand
    (tmp_path / "card.json").write_bytes(orjson.dumps(tampered))
    data["scorecard"] = {"file": "card.json"}
    with pytest.raises(PolicyError) as refused:
        parse_policy(data, "p.toml", tmp_path)
    assert "do not follow from the WoE" in str(refused.value)


def test_cut_offs_must_be_ordered_probabilities(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as crossed:
        scoring_policy(tmp_path, approve_below=0.3, decline_above=0.1)
    assert "approve_below_pd must not be above decline_above_pd" in str(crossed.value)
    with pytest.raises(PolicyError) as out_of_range:
        scoring_policy(tmp_path, decline_above=1.5)
    assert "scorecard.decline_above_pd" in str(out_of_range.value)


def test_cut_offs_need_their_reasons_in_the_policy(tmp_path: Path) -> None:
    (tmp_path / "card.json").write_bytes(orjson.dumps(small_scorecard()))
    data = _default_data()
    del data["reasons"]["DECLINE_PD_HIGH"]
    data["scorecard"] = {"file": "card.json", "decline_above_pd": 0.2}
    with pytest.raises(PolicyError) as refused:
        parse_policy(data, "p.toml", tmp_path)
    assert "DECLINE_PD_HIGH" in str(refused.value)
    data["scorecard"] = {"file": "card.json"}  # no cut-off: the reasons are not needed
    assert parse_policy(data, "p.toml", tmp_path).scorecard_model is not None


def test_an_override_replaces_the_scorecard_and_keeps_the_cut_offs(tmp_path: Path) -> None:
    policy = scoring_policy(tmp_path, decline_above=0.5)
    other = small_scorecard()
    other["name"], other["version"] = "other", "7"
    (tmp_path / "other.json").write_bytes(orjson.dumps(other))
    replaced = attach_scorecard(policy, tmp_path / "other.json")
    assert replaced.scorecard_model is not None
    assert replaced.scorecard_model.name == "other"
    assert replaced.scorecard == policy.scorecard
    assert policy.scorecard_model is not None
    assert policy.scorecard_model.name == "unit"
    assert attach_scorecard(policy, None) is policy


# --- the PD in the result ---------------------------------------------------------------------


def test_without_a_scorecard_the_result_has_no_trace_of_one() -> None:
    result = run(default_policy())
    assert "scorecard" not in result["assessment"]
    assert set(result["decision"]["thresholds"]) == {
        "decline_below_score",
        "min_plafon",
        "max_plafon",
        "plafon_step",
    }
    assert "Scorecard" not in result["analytic"]
    assert "PD" not in result["analytic"]


def test_the_hand_worked_points_pd_and_band(tmp_path: Path) -> None:
    result = run(scoring_policy(tmp_path))
    card = result["assessment"]["scorecard"]
    assert card == {
        "name": "unit",
        "version": "1",
        "points": 569.65,  # 569.645 to two decimals
        "pd": 0.742229,
        "band": "B",
        "adverse": [],  # both attributes are in their best bin
    }


def test_the_adverse_attributes_say_what_cost_the_points(tmp_path: Path) -> None:
    result = run(scoring_policy(tmp_path), **HIGH_DSR)
    card = result["assessment"]["scorecard"]
    assert card["points"] == 548.87
    assert card["pd"] == 0.855399
    dsr = result["assessment"]["dimensions"]["capacity"]["metrics"]["dsr_pct"]
    assert card["adverse"] == [
        {
            "feature": "dsr_pct",
            "value": dsr,
            "points_lost": 20.77,  # 293.1901 − 272.4153
            "message": f"DSR {str(round(dsr, 1)).replace('.', ',')}%: −20,8 poin",
        }
    ]
    english = run(scoring_policy(tmp_path), lang="en", **HIGH_DSR)
    assert english["assessment"]["scorecard"]["adverse"][0]["message"] == (
        f"DSR {round(dsr, 1)}%: −20.8 points"
    )


def test_in_the_shadow_the_pd_is_stated_and_decides_nothing(tmp_path: Path) -> None:
    shadow = scoring_policy(tmp_path)  # a scorecard, no cut-off
    plain = run(default_policy(), **HIGH_DSR)
    scored = run(shadow, **HIGH_DSR)
    assert scored["decision"]["outcome"] == plain["decision"]["outcome"]
    assert scored["decision"]["reasons"] == plain["decision"]["reasons"]
    assert scored["decision"]["conditions"] == plain["decision"]["conditions"]
    assert scored["recommendation"] == plain["recommendation"]
    assert scored["decision"]["thresholds"]["approve_below_pd"] is None
    assert scored["decision"]["thresholds"]["decline_above_pd"] is None
    assert "PD ini sebagai informasi" in scored["analytic"]
    # everything but the scorecard's additions is the result without one
    stripped = {**scored["assessment"]}
    del stripped["scorecard"]
    assert stripped == plain["assessment"]


# --- the PD decides ---------------------------------------------------------------------------


def test_a_pd_above_the_decline_cut_off_declines(tmp_path: Path) -> None:
    result = run(scoring_policy(tmp_path, decline_above=0.5))
    assert result["decision"]["outcome"] == "decline"
    assert result["decision"]["plafon"] == 0
    first = result["decision"]["reasons"][0]
    assert first["code"] == "DECLINE_PD_HIGH"
    assert first["severity"] == "critical"
    assert first["message"] == (
        "Ditolak: probabilitas gagal bayar (PD) 74,22% (kelas risiko B, scorecard unit 1) "
        "di atas batas 50,00%."
    )
    assert result["decision"]["thresholds"]["decline_above_pd"] == 0.5
    assert "ditolak bila PD di atas 50,00%" in result["analytic"]


def test_a_pd_between_the_cut_offs_asks_the_committee(tmp_path: Path) -> None:
    result = run(scoring_policy(tmp_path, approve_below=0.5, decline_above=0.9))
    assert result["decision"]["outcome"] == "approve_with_conditions"
    assert "PD_ABOVE_APPROVAL" in codes(result, "reasons")
    assert codes(result, "conditions") == ["COMMITTEE_REVIEW_PD"]
    assert result["decision"]["conditions"][0]["message"] == (
        "Putusan komite kredit dengan memperhatikan PD 74,22% dan atribut yang paling "
        "mengurangi poin scorecard."
    )


def test_a_pd_below_the_approval_cut_off_adds_nothing(tmp_path: Path) -> None:
    result = run(scoring_policy(tmp_path, approve_below=0.8, decline_above=0.9))
    assert result["decision"]["outcome"] == "approve"
    assert not {"PD_ABOVE_APPROVAL", "DECLINE_PD_HIGH"} & set(codes(result, "reasons"))


def test_with_cut_offs_the_pd_takes_the_overall_scores_place(tmp_path: Path) -> None:
    # the high-DSR application scores 84/100 (grade A) under the default policy
    strict = {"decline_below_score": 90}
    shadow = run(scoring_policy(tmp_path, **strict), **HIGH_DSR)  # no cut-off: the score rules
    assert shadow["assessment"]["score"] == 84
    assert shadow["decision"]["reasons"][0]["code"] == "DECLINE_SCORE_LOW"
    by_pd = run(
        scoring_policy(tmp_path, approve_below=0.9, decline_above=0.95, **strict), **HIGH_DSR
    )
    assert by_pd["decision"]["outcome"] == "approve_with_conditions"  # its term is extended
    assert "DECLINE_SCORE_LOW" not in codes(by_pd, "reasons")


def test_with_cut_offs_the_pd_takes_the_grades_place(tmp_path: Path) -> None:
    only_a = {"approve_min_grade": "A"}
    grades = {"A": 90}  # 84 is a B
    shadow = run(scoring_policy(tmp_path, grades=grades, **only_a), **HIGH_DSR)
    assert shadow["assessment"]["grade"] == "B"
    assert "GRADE_BELOW_APPROVAL" in codes(shadow, "reasons")
    assert "COMMITTEE_REVIEW" in codes(shadow, "conditions")
    by_pd = run(scoring_policy(tmp_path, approve_below=0.9, grades=grades, **only_a), **HIGH_DSR)
    assert "GRADE_BELOW_APPROVAL" not in codes(by_pd, "reasons")
    assert not {"COMMITTEE_REVIEW", "COMMITTEE_REVIEW_PD"} & set(codes(by_pd, "conditions"))


def test_knock_outs_and_the_sizing_still_apply(tmp_path: Path) -> None:
    lenient = scoring_policy(tmp_path, approve_below=0.95, decline_above=0.99)
    knocked = run(lenient, kolek="Macet")
    assert knocked["decision"]["outcome"] == "decline"
    assert knocked["decision"]["reasons"][0]["code"] == "DECLINE_KNOCKOUT"
    assert knocked["assessment"]["scorecard"]["pd"] > 0  # scored all the same
    sized = run(lenient, plafon=200_000_000)
    assert sized["decision"]["plafon"] < 200_000_000
    assert "PLAFON_REDUCED" in codes(sized, "reasons")


# --- the memo, the narration facts and the check ----------------------------------------------


def test_the_memo_states_the_scorecard(tmp_path: Path) -> None:
    policy = scoring_policy(tmp_path, approve_below=0.05, decline_above=0.9)
    memo = run(policy, **HIGH_DSR)["analytic"]
    assert "PD 85,54% (kelas risiko B)." in memo
    assert "| unit 1 | 549 | 85,54% | B |" in memo
    assert "tanpa syarat bila PD di bawah 5,00%; ditolak bila PD di atas 90,00%." in memo
    assert "- DSR " in memo
    assert ": −20,8 poin" in memo
    assert "dan scorecard unit 1" in memo
    english = run(policy, lang="en", **HIGH_DSR)["analytic"]
    assert "PD 85.54% (risk band B)." in english
    assert "The attributes that cost the most points:" in english


def test_the_narration_facts_carry_the_scorecard(tmp_path: Path) -> None:
    policy = scoring_policy(tmp_path, decline_above=0.9)
    ev = assess(parse_application(clean_application(**HIGH_DSR)), policy, TODAY)
    by = facts_of(ev, "id").by_id
    assert (by["scorecard.pd"].value, by["scorecard.pd"].text) == (0.855399, "85,54%")
    assert by["scorecard.points"].text == "549"
    assert by["scorecard.risk_band"].text == "B"
    assert by["scorecard.adverse.1"].text.startswith("DSR")
    assert "scorecard.adverse.2" not in by
    plain = assess(parse_application(clean_application()), default_policy(), TODAY)
    assert not [i for i in facts_of(plain, "id").by_id if i.startswith("scorecard.")]


def test_the_check_takes_the_pd_by_reference_only(tmp_path: Path) -> None:
    policy = scoring_policy(tmp_path, approve_below=0.05, decline_above=0.9)
    ev = assess(parse_application(clean_application(**HIGH_DSR)), policy, TODAY)
    facts = facts_of(ev, "id")
    good = "Menurut scorecard, {scorecard.pd} ({scorecard.risk_band}). {scorecard.adverse.1}"
    assert check({"analytic": good}, facts) == []
    assert "PD 85,54%" in render(good, facts)
    typed = "Probabilitas gagal bayar anggota 85,54%, kelas risiko B."  # even when right
    found = check({"analytic": typed}, facts)
    assert [(v.kind, v.text) for v in found if v.kind != "unlisted"] == [("figure", "85,54%")]
    assert ("unlisted", "B") in [(v.kind, v.text) for v in found]  # a risk band typed by hand
