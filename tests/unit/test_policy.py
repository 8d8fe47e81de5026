"""The credit policy as data (cde.policies): the shipped default, loading a cooperative's
own file, and the validation that names every wrong setting."""

from __future__ import annotations

import copy
import json
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from cde.domain.catalogue import CONDITION_TEXT, CONDITIONS, MESSAGES, REQUIREMENTS
from cde.domain.findings import Severity
from cde.policies import Policy, PolicyError, default_policy, load_policy, parse_policy


def default_data() -> dict[str, Any]:
    """The shipped policy file as plain data (TOML types: ints, floats, strings)."""
    text = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    return tomllib.loads(text)


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data, "test-policy")
    assert caught.value.problems, "a PolicyError names at least one problem"
    assert caught.value.source == "test-policy"
    return caught.value.problems


def settings_of(data: dict[str, Any]) -> list[str]:
    return [where for where, _ in problems_of(data)]


def edited(**sections: dict[str, Any]) -> dict[str, Any]:
    data = default_data()
    for name, settings in sections.items():
        data[name] = {**data[name], **settings}
    return data


# --- the default -------------------------------------------------------------------------


def test_the_default_policy_loads_and_validates() -> None:
    policy = default_policy()
    assert isinstance(policy, Policy)
    assert policy.name == "cde-default"
    assert policy.version
    assert policy.weights.total > 0


def test_the_default_policy_is_loaded_once() -> None:
    assert default_policy() is default_policy()


def test_the_default_policy_holds_the_sourced_defaults() -> None:
    p = default_policy()
    assert p.interest.legal_ceiling_pct == 24  # Permenkop UKM 8/2023
    assert p.character.max_age_at_maturity == 65
    assert p.character.min_age == 21
    assert p.capacity.dsr_healthy_pct == 30
    assert p.capacity.dsr_acceptable_pct == 40
    assert p.capacity.dsr_watch_pct == 50
    assert p.capacity.rpc_share_pct == 60
    assert p.interest.method_codes == {"1": "flat", "2": "efektif", "3": "anuitas"}
    recognition = {code: t.recognition_pct for code, t in p.collateral.types.items()}
    assert recognition["CASH"] == recognition["DEPOSITO"] == recognition["EMAS"] == 100
    assert recognition["PERHIASAN"] == 85
    assert recognition["LAND"] == 80
    assert recognition["SKMHT"] == 60
    assert recognition["GIRIK"] == 50
    assert recognition["MBL"] == recognition["MTR"] == 50
    assert recognition["KUASA_JUAL"] == 30
    assert "KOLEK_NON_PERFORMING" in p.decision.knockouts
    assert p.tenor.step_months == 6  # extensions land on 24, 30, 36 … months


def test_the_default_policy_file_and_the_loaded_default_agree(tmp_path: Path) -> None:
    file = tmp_path / "default.toml"
    file.write_text(
        resources.files("cde.policies").joinpath("default.toml").read_text("utf-8"), "utf-8"
    )
    assert load_policy(file) == default_policy()


@pytest.mark.parametrize(
    ("code", "canonical"),
    [("land", "LAND"), ("SHM", "LAND"), ("mobil", "MBL"), (" Tanah ", "LAND"), ("LM", "EMAS")],
)
def test_collateral_codes_and_aliases_are_looked_up_case_insensitively(
    code: str, canonical: str
) -> None:
    found = default_policy().collateral.lookup(code)
    assert found is not None
    assert found[0] == canonical


def test_an_unknown_collateral_code_is_not_found() -> None:
    assert default_policy().collateral.lookup("KAPAL") is None
    assert default_policy().collateral.lookup(None) is None


@pytest.mark.parametrize(
    ("purpose", "category"),
    [
        ("Konsumtif", "konsumtif"),
        ("Modal Kerja", "modal_kerja"),
        ("modal_kerja", "modal_kerja"),
        ("Investasi", "investasi"),
        ("Modal usaha warung", "modal_kerja"),
        ("Renovasi rumah", "konsumtif"),
        ("liburan", None),
        (None, None),
        ("Lainnya", "lainnya"),
        ("other", "lainnya"),
        # negated productive purposes are consumption
        ("Non Produktif", "konsumtif"),
        ("non-produktif", "konsumtif"),
        ("Tidak untuk usaha", "konsumtif"),
        ("bukan modal kerja", "konsumtif"),
        ("Pinjaman non produktif", "konsumtif"),
        # phrases match whole words only
        ("Unproductive", None),
        ("Usahawan", None),
        ("Produktif", "produktif"),
        ("Usaha dagang", "produktif"),
    ],
)
def test_a_free_text_purpose_is_read_into_its_category(
    purpose: str | None, category: str | None
) -> None:
    assert default_policy().condition.category(purpose) == category


# --- loading files ------------------------------------------------------------------------


def test_a_policy_file_in_toml_is_loaded(tmp_path: Path) -> None:
    text = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    text = text.replace('name = "cde-default"', 'name = "ksp-sejahtera"')
    text = text.replace("legal_ceiling_pct = 24", "legal_ceiling_pct = 18")
    file = tmp_path / "ksp.toml"
    file.write_text(text, "utf-8")

    policy = load_policy(file)

    assert policy.name == "ksp-sejahtera"
    assert policy.interest.legal_ceiling_pct == 18
    assert policy.reasons == default_policy().reasons


def test_a_policy_file_in_json_is_loaded(tmp_path: Path) -> None:
    data = default_data()
    data["name"] = "ksp-json"
    data["version"] = "2025.1"
    data["grades"] = {"A": 85, "B": 70, "C": 55, "D": 40}
    file = tmp_path / "ksp.json"
    file.write_text(json.dumps(data), "utf-8")

    policy = load_policy(str(file))

    assert (policy.name, policy.version) == ("ksp-json", "2025.1")
    assert policy.grades.grade(84) == "B"
    assert policy.grades.grade(85) == "A"
    assert policy.grades.grade(39) == "E"


def test_a_missing_policy_file_is_a_policy_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(PolicyError) as caught:
        load_policy(missing)
    assert [where for where, _ in caught.value.problems] == ["(file)"]
    assert str(missing) in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.toml", 'name = "x"\n[weights\ncharacter = 30\n'),
        ("broken.json", '{"name": "x", "weights": {'),
        ("latin1.toml", b'name = "\xe9"\n'),
    ],
)
def test_a_policy_file_with_a_syntax_error_is_a_policy_error(
    tmp_path: Path, name: str, content: str | bytes
) -> None:
    file = tmp_path / name
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        file.write_text(content, "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    assert [where for where, _ in caught.value.problems] == ["(syntax)"]


def test_a_json_policy_that_is_not_an_object_is_a_policy_error(tmp_path: Path) -> None:
    file = tmp_path / "list.json"
    file.write_text("[1, 2, 3]", "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    assert [where for where, _ in caught.value.problems] == ["(top level)"]


def test_a_policy_error_message_names_the_file_and_every_problem(tmp_path: Path) -> None:
    data = edited(grades={"A": 50, "B": 65}, weights={"character": -1})
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(data), "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(file)
    message = str(caught.value)
    assert str(file) in message
    assert "grades" in message
    assert "weights.character" in message


# --- invalid policies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "grades",
    [
        {"A": 60, "B": 65, "C": 50, "D": 35},
        {"A": 80, "B": 65, "C": 65, "D": 35},
        {"A": 80, "B": 65, "C": 30, "D": 35},
    ],
)
def test_grade_bands_that_do_not_descend_are_refused(grades: dict[str, int]) -> None:
    problems = problems_of(edited(grades=grades))
    assert [where for where, _ in problems] == ["grades"]
    assert "descend" in problems[0][1]


@pytest.mark.parametrize(
    "bands",
    [
        {"dsr_healthy_pct": 45},
        {"dsr_acceptable_pct": 55},
        {"dsr_watch_pct": 35},
    ],
)
def test_dsr_bands_out_of_order_are_refused(bands: dict[str, int]) -> None:
    problems = problems_of(edited(capacity=bands))
    assert [where for where, _ in problems] == ["capacity"]
    assert "DSR" in problems[0][1]


def test_equal_dsr_bands_are_allowed() -> None:
    policy = parse_policy(
        edited(capacity={"dsr_healthy_pct": 40, "dsr_acceptable_pct": 40, "dsr_watch_pct": 40})
    )
    assert policy.capacity.dsr_watch_pct == 40


def test_an_unknown_knock_out_code_is_refused_and_named() -> None:
    problems = problems_of(edited(decision={"knockouts": ["KOLEK_NON_PERFORMING", "NO_SUCH"]}))
    assert len(problems) == 1
    where, message = problems[0]
    assert where == "decision"
    assert "knockouts" in message
    assert "NO_SUCH" in message
    assert "KOLEK_NON_PERFORMING" not in message


def test_an_unknown_knock_out_code_is_reported_on_the_decision_setting() -> None:
    assert settings_of(edited(decision={"knockouts": ["NO_SUCH"]})) == ["decision"]


def test_an_unknown_knock_out_is_reported_beside_the_other_problems() -> None:
    data = edited(decision={"knockouts": ["NO_SUCH"]}, grades={"A": 50})
    assert set(settings_of(data)) == {"decision", "grades"}


@pytest.mark.parametrize("step", [0, 61])
def test_a_tenor_step_outside_1_to_60_months_is_named(step: int) -> None:
    data = default_data()
    data["tenor"]["step_months"] = step
    assert settings_of(data) == ["tenor.step_months"]


def test_a_policy_without_a_tenor_step_is_refused() -> None:
    data = default_data()
    del data["tenor"]["step_months"]
    assert settings_of(data) == ["tenor.step_months"]


def test_a_purpose_missing_from_the_tenor_limits_is_refused() -> None:
    data = default_data()
    del data["tenor"]["max_months"]["investasi"]
    problems = problems_of(data)
    assert [where for where, _ in problems] == ["tenor"]
    assert "investasi" in problems[0][1]


def test_a_tenor_limit_below_the_minimum_term_is_refused() -> None:
    data = default_data()
    data["tenor"]["min_months"] = 12
    data["tenor"]["max_months"]["lainnya"] = 6
    assert settings_of(data) == ["tenor"]


def test_an_unknown_purpose_category_in_the_tenor_limits_is_refused() -> None:
    data = default_data()
    data["tenor"]["max_months"]["liburan"] = 12
    assert all(where.startswith("tenor.max_months") for where in settings_of(data))


@pytest.mark.parametrize("weight", ["character", "capacity", "capital", "collateral", "condition"])
def test_a_negative_weight_is_refused(weight: str) -> None:
    assert settings_of(edited(weights={weight: -5})) == [f"weights.{weight}"]


def test_all_weights_zero_is_refused() -> None:
    zero = dict.fromkeys(("character", "capacity", "capital", "collateral", "condition"), 0)
    assert settings_of(edited(weights=zero)) == ["weights"]


def test_a_collateral_alias_used_by_two_types_is_refused() -> None:
    data = default_data()
    data["collateral"]["types"]["MBL"]["aliases"] = ["MOBIL", "SHM"]  # SHM is a LAND alias
    problems = problems_of(data)
    assert [where for where, _ in problems] == ["collateral"]
    assert "SHM" in problems[0][1]


def test_a_collateral_alias_that_repeats_another_code_in_other_case_is_refused() -> None:
    data = default_data()
    data["collateral"]["types"]["MBL"]["aliases"] = ["land"]
    assert settings_of(data) == ["collateral"]


def test_an_unknown_top_level_key_is_refused() -> None:
    data = default_data()
    data["thresholds"] = {"dsr": 30}
    assert settings_of(data) == ["thresholds"]


def test_an_unknown_key_inside_a_section_is_refused_with_its_path() -> None:
    assert settings_of(edited(capacity={"dsr_max_pct": 50})) == ["capacity.dsr_max_pct"]


def test_a_missing_section_is_refused_with_its_name() -> None:
    data = default_data()
    del data["capital"]
    assert settings_of(data) == ["capital"]


@pytest.mark.parametrize(
    ("section", "setting", "value"),
    [
        ("decision", "approve_min_grade", "F"),
        ("decision", "plafon_step", 0),
        ("interest", "default_method", "bunga-bunga"),
        ("capacity", "rpc_share_pct", 0),
        ("collateral", "unverified_factor_pct", 150),
        ("character", "min_age", 10),
        ("grades", "A", 101),
    ],
)
def test_a_setting_outside_its_allowed_values_is_named(
    section: str, setting: str, value: object
) -> None:
    assert settings_of(edited(**{section: {setting: value}})) == [f"{section}.{setting}"]


def test_min_plafon_above_max_plafon_is_refused() -> None:
    assert settings_of(edited(decision={"min_plafon": 10_000_000, "max_plafon": 5_000_000})) == [
        "decision"
    ]


def test_an_unknown_severity_for_a_reason_is_named() -> None:
    data = default_data()
    data["reasons"]["KYC_DONE"] = {"severity": "terrible", "points": 0}
    assert settings_of(data) == ["reasons.KYC_DONE.severity"]


def test_every_problem_in_a_policy_is_reported_at_once() -> None:
    data = edited(
        grades={"A": 50},
        capacity={"dsr_healthy_pct": 60},
        weights={"character": -1},
    )
    data["surprise"] = True
    settings = settings_of(data)
    assert set(settings) == {"grades", "capacity", "weights.character", "surprise"}


def test_a_validated_policy_is_not_changed_by_editing_the_data_it_came_from() -> None:
    data = default_data()
    policy = parse_policy(copy.deepcopy(data))
    data["grades"]["A"] = 10
    assert policy.grades.A == 80


# --- the policy and the catalogue agree ----------------------------------------------------


def test_every_reason_in_the_catalogue_has_a_policy_entry_and_vice_versa() -> None:
    reasons = set(default_policy().reasons)
    assert set(MESSAGES) - reasons == set(), "catalogue codes without a policy entry"
    assert reasons - set(MESSAGES) == set(), "policy entries without a catalogue message"


def test_every_condition_maps_a_known_reason_to_a_condition_text() -> None:
    for reason, condition in CONDITIONS.items():
        assert reason in MESSAGES, reason
        assert condition in CONDITION_TEXT, f"{reason} -> {condition}"


def test_every_requirement_maps_a_known_reason_to_a_condition_text() -> None:
    assert REQUIREMENTS == {
        "COLLATERAL_BIND_HT": "BIND_HAK_TANGGUNGAN",
        "COLLATERAL_BIND_FIDUCIA": "BIND_FIDUCIA",
    }
    for reason, requirement in REQUIREMENTS.items():
        assert reason in MESSAGES, reason
        assert requirement in CONDITION_TEXT, f"{reason} -> {requirement}"


def test_binding_collateral_is_a_requirement_and_never_a_condition() -> None:
    assert not set(REQUIREMENTS) & set(CONDITIONS)
    assert not set(REQUIREMENTS.values()) & set(CONDITIONS.values())


def test_every_condition_text_is_used_by_a_reason_or_by_the_data_quality_rule() -> None:
    used = set(CONDITIONS.values()) | set(REQUIREMENTS.values()) | {"CLARIFY_DATA"}
    assert set(CONDITION_TEXT) == used


def test_every_knock_out_is_a_reason_that_is_critical() -> None:
    policy = default_policy()
    for code in policy.decision.knockouts:
        assert code in policy.reasons, code
        assert code in MESSAGES, code
        assert policy.reasons[code].severity is Severity.CRITICAL, code


def test_positive_findings_cost_no_points() -> None:
    for code, reason in default_policy().reasons.items():
        if reason.severity is Severity.POSITIVE:
            assert reason.points == 0, code


def test_decision_reasons_cost_no_points() -> None:
    decision_codes = [
        "DECLINE_KNOCKOUT",
        "DECLINE_SCORE_LOW",
        "DECLINE_BELOW_MIN_PLAFON",
        "APPROVE_AS_REQUESTED",
        "APPROVE_WITH_CONDITIONS",
        "PLAFON_REDUCED",
        "TENOR_EXTENDED",
        "TENOR_CAPPED",
        "GRADE_BELOW_APPROVAL",
    ]
    reasons = default_policy().reasons
    assert {code: reasons[code].points for code in decision_codes} == dict.fromkeys(
        decision_codes, 0
    )


def test_a_changed_copy_never_keeps_what_was_cached_from_the_old_settings() -> None:
    """Thresholds, ranks and points are cached on the policy (read for every evaluation);
    a copy with other settings computes its own."""
    policy = default_policy()
    assert policy.capacity.thresholds["dsr_healthy_pct"] == float(policy.capacity.dsr_healthy_pct)
    assert policy.reason_points["KYC_NOT_DONE"] == policy.reasons["KYC_NOT_DONE"].points
    capacity = policy.capacity.model_copy(update={"dsr_healthy_pct": Decimal("12.5")})
    assert capacity.thresholds["dsr_healthy_pct"] == 12.5
    reasons = dict(policy.reasons)
    reasons["KYC_NOT_DONE"] = reasons["KYC_NOT_DONE"].model_copy(update={"points": 99})
    changed = policy.model_copy(update={"reasons": reasons})
    assert changed.reason_points["KYC_NOT_DONE"] == 99
    assert policy.reason_points["KYC_NOT_DONE"] != 99
    same = policy.model_copy()
    assert same.reason_points is policy.reason_points  # nothing changed: kept
