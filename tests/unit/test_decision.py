"""The decision on hand-built applications: one per outcome, and the sizing rules.

Every expected number is computed here from the formulas in ``DESIGN.md`` and
``cde.domain.decision`` and from the policy's own values, using ``loan_math`` for the
instalment arithmetic (tested on its own in ``test_loan_math.py``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import TODAY, age_on, clean_application, collateral, nik_for, set_path

from cde.domain.decision import _tenor_candidates
from cde.domain.engine import evaluate
from cde.domain.loan_math import InterestMethod, instalment, max_principal
from cde.domain.text import Lang
from cde.policies import Policy, default_policy, parse_policy

POLICY = default_policy()
DEFAULT_TOML = Path(__file__).resolve().parents[2] / "src" / "cde" / "policies" / "default.toml"


def run(raw: dict[str, Any], policy: Policy = POLICY, lang: Lang = "en") -> dict[str, Any]:
    return evaluate(raw, policy=policy, today=TODAY, lang=lang)


def reason_codes(r: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in r["decision"]["reasons"]]


def condition_codes(r: dict[str, Any]) -> list[str]:
    return [c["code"] for c in r["decision"]["conditions"]]


def requirement_codes(r: dict[str, Any]) -> list[str]:
    return [c["code"] for c in r["decision"]["requirements"]]


def finding_codes(r: dict[str, Any], dim: str) -> list[str]:
    return [f["code"] for f in r["assessment"]["dimensions"][dim]["findings"]]


def quality_codes(r: dict[str, Any]) -> list[str]:
    return [q["code"] for q in r["data_quality"]]


def default_toml() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_TOML.read_text("utf-8"))


def custom_policy(**sections: dict[str, Any]) -> Policy:
    """The default policy file with some settings replaced, renamed ``coop-custom``."""
    data = default_toml()
    data["name"] = "coop-custom"
    data["version"] = "2027.1.0"
    for section, settings in sections.items():
        data[section] = {**data[section], **settings}
    return parse_policy(data, "custom")


def affordable(income_low: int, expenses_high: int, existing: int = 0, p: Policy = POLICY) -> int:
    """min(RPC, sizing DSR room): the largest instalment the sizing allows."""
    c = p.capacity
    disposable = income_low - expenses_high - existing
    rpc = int(Decimal(disposable) * c.rpc_share_pct / 100) if disposable > 0 else 0
    room = int(Decimal(income_low) * c.sizing_dsr_pct / 100) - existing
    return max(0, min(rpc, room))


def tenor_candidates(start: int, longest: int, step: int) -> list[int]:
    """The terms an extension may land on (decision.py, sizing rule 3): the requested one,
    then each multiple of the policy's ``step_months`` above it, then the longest allowed."""
    out = [start, *(n for n in range(start + 1, longest) if n % step == 0)]
    return [*out, longest] if longest > start else out


def shortest_tenor(
    plafon: int,
    rate: int,
    start: int,
    longest: int,
    limit: int,
    method: InterestMethod = InterestMethod.ANUITAS,
    policy: Policy = POLICY,
) -> int:
    """The first candidate term from ``start`` to ``longest`` whose instalment is affordable."""
    for n in tenor_candidates(start, longest, policy.tenor.step_months):
        if instalment(plafon, rate, n, method) <= limit:
            return n
    return longest


def step_down(amount: int, step: int) -> int:
    return amount // step * step


def deposit(value: int) -> dict[str, Any]:
    return collateral("DEPOSITO", value, name="Deposito", is_tax_paid=None)


# --- approve as requested -----------------------------------------------------------------


def comfortable() -> dict[str, Any]:
    """Comfortable income, pledged deposit as collateral: nothing to add as a condition."""
    return clean_application(
        plafon=20_000_000, tenure=24, interest=12, collaterals=[deposit(30_000_000)]
    )


def test_a_comfortable_application_is_approved_as_requested() -> None:
    r = run(comfortable())
    d = r["decision"]

    assert d["outcome"] == "approve"
    assert (d["plafon"], d["tenure"]) == (20_000_000, 24)
    assert r["recommendation"] == {"plafon": "20000000", "tenure": "24"}
    assert d["interest_method"] == "anuitas"
    assert d["installment"] == instalment(20_000_000, 12, 24, InterestMethod.ANUITAS)
    assert d["conditions"] == []
    assert d["requirements"] == []  # a pledged deposit needs no binding
    assert reason_codes(r)[0] == "APPROVE_AS_REQUESTED"
    assert r["data_quality"] == []


def test_an_approval_as_requested_has_no_decision_adjustment_reasons() -> None:
    codes = reason_codes(run(comfortable()))

    for adjustment in ("PLAFON_REDUCED", "TENOR_EXTENDED", "TENOR_CAPPED", "GRADE_BELOW_APPROVAL"):
        assert adjustment not in codes


def test_a_small_loan_without_collateral_within_the_unsecured_limit_is_approved() -> None:
    plafon = POLICY.collateral.unsecured_limit
    r = run(clean_application(plafon=plafon, tenure=12, collaterals=[]))

    assert r["decision"]["outcome"] == "approve"
    assert r["decision"]["plafon"] == plafon
    assert "COLLATERAL_NOT_REQUIRED" in finding_codes(r, "collateral")


def test_land_adds_a_hak_tanggungan_requirement_and_leaves_a_clean_application_approved() -> None:
    r = run(clean_application())
    d = r["decision"]

    assert (d["plafon"], d["tenure"]) == (20_000_000, 24)
    assert "COLLATERAL_BIND_HT" in finding_codes(r, "collateral")
    assert requirement_codes(r) == ["BIND_HAK_TANGGUNGAN"]
    assert "Sertifikat Tanah" in d["requirements"][0]["message"]
    # standard documentation, not a condition: an otherwise clean application is an
    # outright approval
    assert d["conditions"] == []
    assert d["outcome"] == "approve"
    assert reason_codes(r)[0] == "APPROVE_AS_REQUESTED"


def test_a_vehicle_adds_a_fiducia_requirement_and_leaves_a_clean_application_approved() -> None:
    car = collateral("MBL", 60_000_000, name="Avanza")
    recognised = Decimal(60_000_000) * POLICY.collateral.types["MBL"].recognition_pct / 100
    assert recognised * 100 / 20_000_000 >= POLICY.collateral.required_coverage_pct

    r = run(clean_application(collaterals=[car]))
    d = r["decision"]

    assert "COLLATERAL_BIND_FIDUCIA" in finding_codes(r, "collateral")
    assert requirement_codes(r) == ["BIND_FIDUCIA"]
    assert "Avanza" in d["requirements"][0]["message"]
    assert d["conditions"] == []
    assert d["outcome"] == "approve"


def test_each_secured_item_is_a_requirement_of_its_own() -> None:
    items = [
        collateral("LAND", 50_000_000, name="Tanah Kebun"),
        collateral("SHM", 50_000_000, name="Rumah"),
        collateral("MTR", 10_000_000, name="Motor"),
        deposit(10_000_000),
    ]
    r = run(clean_application(collaterals=items))
    requirements = r["decision"]["requirements"]

    assert [c["code"] for c in requirements] == [
        "BIND_HAK_TANGGUNGAN",
        "BIND_HAK_TANGGUNGAN",
        "BIND_FIDUCIA",
    ]
    for requirement, name in zip(requirements, ["Tanah Kebun", "Rumah", "Motor"], strict=True):
        assert name in requirement["message"]
    assert not {"BIND_HAK_TANGGUNGAN", "BIND_FIDUCIA"} & set(condition_codes(r))


def test_requirements_stand_beside_conditions_in_a_conditional_approval() -> None:
    r = run(clean_application(kyc=False))  # KYC not done: a condition

    assert r["decision"]["outcome"] == "approve_with_conditions"
    assert "COMPLETE_KYC" in condition_codes(r)
    assert requirement_codes(r) == ["BIND_HAK_TANGGUNGAN"]
    assert "BIND_HAK_TANGGUNGAN" not in condition_codes(r)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_memo_lists_the_disbursement_requirements(lang: Lang) -> None:
    r = run(clean_application(), lang=lang)
    heading = "Persyaratan pencairan" if lang == "id" else "Disbursement requirements"

    assert f"#### {heading}" in r["analytic"]
    for requirement in r["decision"]["requirements"]:
        assert f"- {requirement['message']}" in r["analytic"]


def test_a_declined_application_has_no_requirements() -> None:
    r = run(clean_application(kolek="Macet"))

    assert r["decision"]["outcome"] == "decline"
    assert "COLLATERAL_BIND_HT" in finding_codes(r, "collateral")
    assert r["decision"]["requirements"] == []


def test_any_data_quality_flag_adds_a_clarify_data_condition() -> None:
    raw = set_path(comfortable(), "character.age", 30)  # born 1984: 42, beyond tolerance
    r = run(raw)

    assert "DQ_AGE_MISMATCH" in quality_codes(r)
    assert r["decision"]["outcome"] == "approve_with_conditions"
    assert condition_codes(r) == ["CLARIFY_DATA"]


# --- capacity cuts the plafon ---------------------------------------------------------------


def capacity_bound() -> dict[str, Any]:
    return clean_application(
        plafon=50_000_000,
        tenure=24,
        purpose="Modal Kerja",
        income=["3000000-4000000"],
        expenses=["1500000-2000000"],
        collaterals=[collateral("LAND", 200_000_000, name="Sertifikat Tanah")],
    )


def test_capacity_cuts_the_plafon_to_what_the_affordable_instalment_repays() -> None:
    limit = affordable(3_000_000, 2_000_000)
    longest = POLICY.tenor.max_months["modal_kerja"]
    step = POLICY.decision.plafon_step
    expected_plafon = step_down(max_principal(limit, 12, longest, InterestMethod.ANUITAS), step)
    expected_tenor = shortest_tenor(expected_plafon, 12, 24, longest, limit)
    assert expected_plafon < 50_000_000  # the case really is capacity-bound

    r = run(capacity_bound())
    d = r["decision"]

    assert d["outcome"] == "approve_with_conditions"
    assert d["plafon"] == expected_plafon
    assert d["tenure"] == expected_tenor
    assert d["installment"] == instalment(
        expected_plafon, 12, expected_tenor, InterestMethod.ANUITAS
    )
    assert d["installment"] <= limit
    assert "PLAFON_REDUCED" in reason_codes(r)
    assert "ACCEPT_REDUCED_PLAFON" in condition_codes(r)
    assert r["recommendation"] == {"plafon": str(expected_plafon), "tenure": str(expected_tenor)}


def test_the_decision_shows_what_each_limit_allowed_and_the_sized_plafon() -> None:
    limit = affordable(3_000_000, 2_000_000)
    longest = POLICY.tenor.max_months["modal_kerja"]
    r = run(capacity_bound())
    d = r["decision"]
    collateral_metrics = r["assessment"]["dimensions"]["collateral"]["metrics"]

    assert d["limits"] == {
        "capacity": max_principal(limit, 12, longest, InterestMethod.ANUITAS),
        "collateral": collateral_metrics["max_plafon_by_collateral"],
        "income": int(3_000_000 * 12 * POLICY.capacity.max_plafon_to_annual_income),
        "policy": POLICY.decision.max_plafon,
    }
    binding = min(v for v in d["limits"].values() if v is not None)
    assert binding == d["limits"]["capacity"]
    assert d["sized_plafon"] == step_down(binding, POLICY.decision.plafon_step) == d["plafon"]


def test_an_approval_as_requested_is_sized_at_the_requested_amount() -> None:
    d = run(comfortable())["decision"]

    assert d["sized_plafon"] == d["plafon"] == 20_000_000
    assert set(d["limits"]) == {"capacity", "collateral", "income", "policy"}
    assert all(v >= 20_000_000 for v in d["limits"].values())


def test_the_capacity_metrics_carry_the_affordable_instalment_used_for_sizing() -> None:
    m = run(capacity_bound())["assessment"]["dimensions"]["capacity"]["metrics"]
    share = POLICY.capacity.rpc_share_pct

    assert m["disposable_income"] == 3_000_000 - 2_000_000
    assert m["repayment_capacity"] == int(Decimal(1_000_000) * share / 100)
    assert m["affordable_installment"] == affordable(3_000_000, 2_000_000)


def test_the_reduced_plafon_keeps_the_dsr_within_the_sizing_limit() -> None:
    r = run(capacity_bound())
    income = r["assessment"]["dimensions"]["capacity"]["metrics"]["income_low"]

    assert r["decision"]["installment"] * 100 <= income * POLICY.capacity.sizing_dsr_pct


def test_the_reduced_plafon_message_names_the_requested_and_the_recommended_amounts() -> None:
    r = run(capacity_bound(), lang="en")
    reduced = next(x for x in r["decision"]["reasons"] if x["code"] == "PLAFON_REDUCED")

    assert "Rp 50,000,000" in reduced["message"]
    assert f"Rp {r['decision']['plafon']:,}" in reduced["message"]
    assert "repayment capacity" in reduced["message"]


# --- tenor extended -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "longest", "expected"),
    [(12, 36, [12, 18, 24, 30, 36]), (13, 36, [13, 18, 24, 30, 36]), (36, 36, [36])],
)
def test_the_tenor_candidates_helper_follows_the_sizing_rule(
    start: int, longest: int, expected: list[int]
) -> None:
    assert tenor_candidates(start, longest, 6) == expected


def needs_longer_term() -> dict[str, Any]:
    return clean_application(
        plafon=30_000_000,
        tenure=12,
        purpose="Modal Kerja",
        income=["5000000-6000000"],
        expenses=["2500000-3000000"],
        collaterals=[collateral("LAND", 100_000_000, name="Sertifikat Tanah")],
    )


def test_a_plafon_affordable_only_over_a_longer_term_keeps_the_amount_and_extends_the_term() -> (
    None
):
    limit = affordable(5_000_000, 3_000_000)
    longest = POLICY.tenor.max_months["modal_kerja"]
    assert max_principal(limit, 12, longest, InterestMethod.ANUITAS) >= 30_000_000
    assert instalment(30_000_000, 12, 12, InterestMethod.ANUITAS) > limit
    expected = shortest_tenor(30_000_000, 12, 12, longest, limit)

    r = run(needs_longer_term())
    d = r["decision"]

    assert d["plafon"] == 30_000_000
    assert d["tenure"] == expected
    assert d["tenure"] > 12
    candidates = tenor_candidates(12, longest, POLICY.tenor.step_months)
    shorter = candidates[: candidates.index(expected)]
    assert all(instalment(30_000_000, 12, n, InterestMethod.ANUITAS) > limit for n in shorter)
    assert d["installment"] == instalment(30_000_000, 12, expected, InterestMethod.ANUITAS)
    assert "TENOR_EXTENDED" in reason_codes(r)
    assert "PLAFON_REDUCED" not in reason_codes(r)
    assert "ACCEPT_ADJUSTED_TENOR" in condition_codes(r)
    assert d["outcome"] == "approve_with_conditions"


def test_an_extended_term_lands_on_a_multiple_of_the_step_not_on_the_exact_month() -> None:
    limit = affordable(5_000_000, 3_000_000)
    longest = POLICY.tenor.max_months["modal_kerja"]
    step = POLICY.tenor.step_months
    exact = next(
        n
        for n in range(12, longest + 1)
        if instalment(30_000_000, 12, n, InterestMethod.ANUITAS) <= limit
    )
    assert exact % step != 0  # the case really needs rounding up
    rounded = min(-(-exact // step) * step, longest)

    d = run(needs_longer_term())["decision"]

    assert d["tenure"] == rounded
    assert d["tenure"] > exact


@pytest.mark.parametrize("step", [1, 4, 12])
def test_the_tenor_step_comes_from_the_policy(step: int) -> None:
    policy = custom_policy(tenor={"step_months": step})
    limit = affordable(5_000_000, 3_000_000, p=policy)
    longest = policy.tenor.max_months["modal_kerja"]
    expected = shortest_tenor(30_000_000, 12, 12, longest, limit, policy=policy)

    d = run(needs_longer_term(), policy)["decision"]

    assert d["tenure"] == expected
    assert d["tenure"] % step == 0 or d["tenure"] == longest
    if step == 1:  # every month is a candidate: the exact shortest affordable term
        assert instalment(30_000_000, 12, expected - 1, InterestMethod.ANUITAS) > limit


@pytest.mark.parametrize(
    ("low", "high", "step"),
    [(12, 36, 6), (13, 36, 6), (36, 36, 6), (24, 84, 12), (7, 52, 6), (1, 60, 60), (5, 9, 4)],
)
def test_the_engines_tenor_candidates_follow_the_sizing_rule(
    low: int, high: int, step: int
) -> None:
    assert _tenor_candidates(low, high, step) == tenor_candidates(low, high, step)


def test_the_engine_never_shortens_a_term_the_member_asked_for() -> None:
    # affordable over 12 months, but the member asked for 30: 30 it stays
    r = run(set_path(comfortable(), "application.tenure", 30))

    assert r["decision"]["tenure"] == 30
    assert r["decision"]["outcome"] == "approve"


# --- tenor capped by age -------------------------------------------------------------------


def months_until(today: date, day: date) -> int:
    """The largest n with today + n months (same day of month) on or before ``day``."""
    n = 0
    while True:
        index = today.year * 12 + today.month - 1 + n + 1
        year, month = divmod(index, 12)
        if date(year, month + 1, today.day) > day:
            return n
        n += 1


def test_a_member_aged_60_asking_84_months_gets_at_most_the_months_to_the_age_limit() -> None:
    born = date(1966, 4, 10)
    assert age_on(born, TODAY) == 60
    max_age = POLICY.character.max_age_at_maturity
    to_limit = months_until(TODAY, born.replace(year=born.year + max_age))
    raw = clean_application(
        plafon=50_000_000,
        tenure=84,
        purpose="Investasi",
        birth=born,
        income=["20000000-25000000"],
        expenses=["5000000-6000000"],
        collaterals=[collateral("LAND", 200_000_000, name="Sertifikat Tanah")],
    )
    assert POLICY.tenor.max_months["investasi"] >= 84  # the policy allows 84 for the purpose

    r = run(raw)

    assert r["decision"]["tenure"] <= to_limit
    assert r["decision"]["tenure"] == to_limit  # affordable, so the longest allowed
    assert r["decision"]["plafon"] == 50_000_000
    assert "AGE_AT_MATURITY_EXCEEDED" in finding_codes(r, "character")
    assert "TENOR_CAPPED" in reason_codes(r)
    assert "ACCEPT_ADJUSTED_TENOR" in condition_codes(r)
    capped = next(x for x in r["decision"]["reasons"] if x["code"] == "TENOR_CAPPED")
    assert "age at maturity" in capped["message"]
    assert r["assessment"]["dimensions"]["character"]["metrics"]["months_to_age_limit"] == to_limit


def test_with_only_a_stated_age_the_term_counts_from_the_last_month_of_that_year() -> None:
    raw = clean_application(
        plafon=50_000_000,
        tenure=84,
        purpose="Investasi",
        birth=None,
        age=60,
        nik=nik_for(date(1966, 4, 10)),
        income=["20000000-25000000"],
        expenses=["5000000-6000000"],
        collaterals=[collateral("LAND", 200_000_000, name="Sertifikat Tanah")],
    )
    expected = (POLICY.character.max_age_at_maturity - 60) * 12 - 11

    r = run(raw)

    assert r["decision"]["tenure"] == expected
    assert "TENOR_CAPPED" in reason_codes(r)


def test_a_term_above_the_purpose_limit_is_capped_to_the_policy_maximum() -> None:
    longest = POLICY.tenor.max_months["modal_kerja"]
    r = run(set_path(comfortable(), "application.tenure", longest + 12))

    assert r["decision"]["tenure"] == longest
    assert "TENOR_CAPPED" in reason_codes(r)
    assert "TENOR_ABOVE_POLICY" in finding_codes(r, "condition")
    capped = next(x for x in r["decision"]["reasons"] if x["code"] == "TENOR_CAPPED")
    assert "maximum term for the purpose" in capped["message"]


@pytest.mark.parametrize("with_birth_date", [True, False])
def test_the_longest_term_within_the_age_limit_is_ok_and_one_month_more_is_not(
    with_birth_date: bool,
) -> None:
    born = date(1966, 4, 10)
    max_age = POLICY.character.max_age_at_maturity
    if with_birth_date:
        longest = months_until(TODAY, born.replace(year=born.year + max_age))
        fields: dict[str, Any] = {"birth": born}
    else:
        longest = (max_age - 60) * 12 - 11
        fields = {"birth": None, "age": 60, "nik": nik_for(born)}
    within = run(clean_application(tenure=longest, purpose="Investasi", **fields))
    beyond = run(clean_application(tenure=longest + 1, purpose="Investasi", **fields))

    assert "AGE_OK" in finding_codes(within, "character")
    assert "TENOR_CAPPED" not in reason_codes(within)
    assert "AGE_AT_MATURITY_EXCEEDED" in finding_codes(beyond, "character")
    assert beyond["decision"]["tenure"] == longest
    exceeded = next(
        f
        for f in beyond["assessment"]["dimensions"]["character"]["findings"]
        if f["code"] == "AGE_AT_MATURITY_EXCEEDED"
    )
    assert f"{longest} months" in exceeded["message"]
    assert str(max_age) in exceeded["message"]


# --- collateral cuts the plafon ----------------------------------------------------------


def test_small_recognised_collateral_cuts_the_plafon_to_what_it_covers() -> None:
    value = 15_555_555
    land = POLICY.collateral.types["LAND"].recognition_pct
    recognised = int((Decimal(value) * land / 100).to_integral_value())
    required = POLICY.collateral.required_coverage_pct
    step = POLICY.decision.plafon_step
    expected = step_down(int(Decimal(recognised) * 100 / required), step)
    assert expected > POLICY.collateral.unsecured_limit

    raw = clean_application(
        plafon=20_000_000,
        collaterals=[collateral("LAND", value, name="Sertifikat Tanah")],
    )
    r = run(raw)

    assert r["assessment"]["dimensions"]["collateral"]["metrics"]["recognised_value"] == recognised
    assert r["decision"]["plafon"] == expected
    assert "PLAFON_REDUCED" in reason_codes(r)
    assert "COVERAGE_SHORT" in finding_codes(r, "collateral")
    reduced = next(x for x in r["decision"]["reasons"] if x["code"] == "PLAFON_REDUCED")
    assert "recognised collateral" in reduced["message"]


def test_collateral_never_cuts_the_plafon_below_the_unsecured_limit() -> None:
    limit = POLICY.collateral.unsecured_limit
    # a verified motorbike worth 4,000,000 is recognised at 50%: 2,000,000 < the limit
    raw = clean_application(
        plafon=20_000_000,
        collaterals=[collateral("MTR", 4_000_000, name="Motor")],
    )
    r = run(raw)

    assert r["assessment"]["dimensions"]["collateral"]["metrics"]["max_plafon_by_collateral"] == (
        limit
    )
    assert r["decision"]["plafon"] == step_down(limit, POLICY.decision.plafon_step)
    assert "PLAFON_REDUCED" in reason_codes(r)


def test_without_collateral_a_loan_above_the_unsecured_limit_is_cut_to_that_limit() -> None:
    limit = POLICY.collateral.unsecured_limit
    r = run(clean_application(plafon=20_000_000, collaterals=[]))

    assert "COLLATERAL_NONE" in finding_codes(r, "collateral")
    assert r["decision"]["plafon"] == step_down(limit, POLICY.decision.plafon_step)


def test_the_income_multiple_cuts_the_plafon() -> None:
    # Under the default policy the DSR sizing always binds first (3x annual income is 36
    # months of income: more than 40% of income even over 84 months at 0%), so this uses
    # a policy allowing 1x annual income: 24,000,000 on 2,000,000 a month.
    policy = custom_policy(capacity={"max_plafon_to_annual_income": 1.0})
    raw = clean_application(
        plafon=100_000_000,
        tenure=84,
        purpose="Investasi",
        income=["2000000-3000000"],
        expenses=[],
        collaterals=[collateral("LAND", 500_000_000, name="Sertifikat Tanah")],
    )
    multiple = policy.capacity.max_plafon_to_annual_income
    expected = step_down(int(2_000_000 * 12 * multiple), policy.decision.plafon_step)
    limit = affordable(2_000_000, 0, p=policy)
    assert max_principal(limit, 12, 84, InterestMethod.ANUITAS) > expected  # not capacity

    r = run(raw, policy)

    assert r["decision"]["plafon"] == expected
    reduced = next(x for x in r["decision"]["reasons"] if x["code"] == "PLAFON_REDUCED")
    assert "amount-to-income" in reduced["message"]


def test_an_amount_cut_for_the_income_multiple_is_called_high_by_the_condition() -> None:
    policy = custom_policy(capacity={"max_plafon_to_annual_income": 1.0})
    raw = clean_application(
        plafon=12_040_000,
        tenure=84,
        purpose="Investasi",
        income=["1000000-1500000"],
        expenses=[],
    )
    r = run(raw, policy)
    reduced = next(x for x in r["decision"]["reasons"] if x["code"] == "PLAFON_REDUCED")
    assert "amount-to-income" in reduced["message"]
    assert r["decision"]["limits"]["income"] == int(1_000_000 * 12 * 1.0) < 12_040_000

    assert "PLAFON_TO_INCOME_HIGH" in finding_codes(r, "condition")
    assert "PLAFON_TO_INCOME_OK" not in finding_codes(r, "condition")


# --- decline --------------------------------------------------------------------------------


def assert_declined_by(r: dict[str, Any], knockout: str) -> None:
    d = r["decision"]
    assert d["outcome"] == "decline"
    assert (d["plafon"], d["tenure"], d["installment"]) == (0, 0, 0)
    assert r["recommendation"] == {"plafon": "0", "tenure": "0"}
    assert d["conditions"] == []
    codes = reason_codes(r)
    assert codes[0] == "DECLINE_KNOCKOUT"
    assert knockout in codes
    assert knockout in d["reasons"][0]["message"]


@pytest.mark.parametrize(
    "kolek",
    [
        "Kurang Lancar",
        "Diragukan",
        "Macet",
        "kurang lancar",
        "KL",
        "3",
        "4",
        "5",
        5,
        "Kol-5",
    ],
)
def test_a_non_performing_kolektibilitas_is_a_knock_out(kolek: object) -> None:
    assert "KOLEK_NON_PERFORMING" in POLICY.decision.knockouts

    assert_declined_by(run(clean_application(kolek=kolek)), "KOLEK_NON_PERFORMING")


@pytest.mark.parametrize("kolek", ["Lancar", "1", "DPK", "Dalam Perhatian Khusus", "2"])
def test_a_performing_kolektibilitas_is_no_knock_out(kolek: object) -> None:
    r = run(clean_application(kolek=kolek))

    assert r["decision"]["outcome"] != "decline"
    assert "KOLEK_NON_PERFORMING" not in finding_codes(r, "character")


def test_special_mention_needs_the_arrears_settled() -> None:
    r = run(clean_application(kolek="DPK"))

    assert "KOLEK_SPECIAL_MENTION" in finding_codes(r, "character")
    assert "SETTLE_ARREARS" in condition_codes(r)


def test_a_member_under_the_minimum_age_is_declined() -> None:
    born = date(TODAY.year - POLICY.character.min_age + 1, 1, 5)
    assert age_on(born, TODAY) == POLICY.character.min_age - 1

    assert_declined_by(run(clean_application(birth=born)), "AGE_BELOW_MINIMUM")


def test_a_member_of_exactly_the_minimum_age_is_not_declined_for_age() -> None:
    born = date(TODAY.year - POLICY.character.min_age, 1, 5)

    r = run(clean_application(birth=born, tenure=12))

    assert "AGE_BELOW_MINIMUM" not in finding_codes(r, "character")
    assert r["decision"]["outcome"] != "decline"


@pytest.mark.parametrize("years_over", [0, 1])
def test_a_member_at_or_past_the_age_limit_is_declined(years_over: int) -> None:
    max_age = POLICY.character.max_age_at_maturity
    born = date(TODAY.year - max_age - years_over, TODAY.month, TODAY.day)

    assert_declined_by(run(clean_application(birth=born, tenure=12)), "AGE_LIMIT_REACHED")


def test_an_application_without_income_is_declined() -> None:
    r = run(clean_application(income=[]))

    assert_declined_by(r, "INCOME_MISSING")
    assert r["assessment"]["dimensions"]["capacity"]["score"] == 0


def test_an_application_whose_expenses_exceed_its_income_is_declined() -> None:
    r = run(clean_application(income=["3000000-4000000"], expenses=["4500000-5000000"]))

    assert_declined_by(r, "CAPACITY_NO_ROOM")
    assert "DQ_EXPENSES_EXCEED_INCOME" in quality_codes(r)


def test_existing_instalments_that_eat_all_the_income_leave_no_room() -> None:
    r = run(clean_application(total_loan_active=1, loan_remaining=100_000_000))

    assert_declined_by(r, "CAPACITY_NO_ROOM")


def test_every_knock_out_of_the_default_policy_is_covered_here() -> None:
    covered = {
        "KOLEK_NON_PERFORMING",
        "AGE_BELOW_MINIMUM",
        "AGE_LIMIT_REACHED",
        "CAPACITY_NO_ROOM",
        "INCOME_MISSING",
    }

    assert set(POLICY.decision.knockouts) == covered


def test_a_sound_amount_below_the_minimum_plafon_is_a_decline() -> None:
    income, expenses = 1_000_000, 980_000
    limit = affordable(income, expenses)
    longest = POLICY.tenor.max_months["modal_kerja"]
    sized = step_down(
        max_principal(limit, 12, longest, InterestMethod.ANUITAS), POLICY.decision.plafon_step
    )
    assert limit > 0
    assert sized < POLICY.decision.min_plafon

    r = run(
        clean_application(
            plafon=10_000_000,
            tenure=12,
            income=[f"{income}-{income}"],
            expenses=[f"{expenses}-{expenses}"],
            collaterals=[collateral("LAND", 100_000_000, name="Sertifikat Tanah")],
        )
    )
    d = r["decision"]

    assert d["outcome"] == "decline"
    assert (d["plafon"], d["tenure"], d["installment"]) == (0, 0, 0)
    assert reason_codes(r)[0] == "DECLINE_BELOW_MIN_PLAFON"
    assert f"Rp {sized:,}" in d["reasons"][0]["message"]
    assert f"Rp {POLICY.decision.min_plafon:,}" in d["reasons"][0]["message"]
    # the amount the message names is in the decision itself
    assert d["sized_plafon"] == sized
    assert d["limits"]["capacity"] == max_principal(limit, 12, longest, InterestMethod.ANUITAS)
    assert d["requirements"] == []


def test_a_low_overall_score_without_any_knock_out_is_a_decline() -> None:
    raw = clean_application(
        plafon=100_000_000,
        tenure=72,
        interest=30,
        purpose="Liburan",
        kolek="DPK",
        kyc=False,
        nik=None,
        member_date="2026-10-01",
        occupation=None,
        total_loan=6,
        total_loan_active=5,
        loan_remaining=None,
        income=["3000000-3500000"],
        expenses=["1000000-1500000"],
        collaterals=[],
        savings=None,
        deposits=None,
        withdrawal_ratio=None,
        growth=None,
    )
    raw["internal_data"]["behaviour_pattern_avg_balance"] = None
    r = run(raw)
    a = r["assessment"]
    weights = POLICY.weights.model_dump()
    weighted = sum(a["dimensions"][dim]["score"] * weights[dim] for dim in weights)
    overall = int((Decimal(weighted) / sum(weights.values())).to_integral_value(ROUND_HALF_UP))
    assert overall < POLICY.decision.decline_below_score
    assert not set(POLICY.decision.knockouts) & {
        f["code"] for dim in a["dimensions"].values() for f in dim["findings"]
    }

    assert a["score"] == overall
    assert r["decision"]["outcome"] == "decline"
    assert reason_codes(r)[0] == "DECLINE_SCORE_LOW"
    assert r["recommendation"] == {"plafon": "0", "tenure": "0"}


# --- interest methods ---------------------------------------------------------------------


METHODS = {1: InterestMethod.FLAT, 2: InterestMethod.EFEKTIF, 3: InterestMethod.ANUITAS}
LABELS = {
    "Bunga Flat": InterestMethod.FLAT,
    "Bunga Efektif": InterestMethod.EFEKTIF,
    "Bunga Anuitas": InterestMethod.ANUITAS,
}


@pytest.mark.parametrize(("code", "method"), list(METHODS.items()))
def test_each_interest_method_code_resolves_and_prices_the_instalment(
    code: int, method: InterestMethod
) -> None:
    label = next(lab for lab, m in LABELS.items() if m is method)
    raw = set_path(comfortable(), "application.loan_interest_method", code)
    r = run(set_path(raw, "application.loan_interest_method_label", label))

    assert r["decision"]["interest_method"] == method.value
    assert r["decision"]["installment"] == instalment(20_000_000, 12, 24, method)
    m = r["assessment"]["dimensions"]["capacity"]["metrics"]
    assert m["requested_installment"] == instalment(20_000_000, 12, 24, method)
    assert r["data_quality"] == []
    assert r["decision"]["outcome"] == "approve"


@pytest.mark.parametrize(("label", "method"), list(LABELS.items()))
def test_without_a_code_the_label_names_the_interest_method(
    label: str, method: InterestMethod
) -> None:
    raw = set_path(comfortable(), "application.loan_interest_method", None)
    r = run(set_path(raw, "application.loan_interest_method_label", label))

    assert r["decision"]["interest_method"] == method.value
    assert r["decision"]["installment"] == instalment(20_000_000, 12, 24, method)
    assert quality_codes(r) == ["DQ_INTEREST_METHOD_FROM_LABEL"]


def test_an_unknown_code_falls_back_to_the_label() -> None:
    raw = set_path(comfortable(), "application.loan_interest_method", 9)
    r = run(set_path(raw, "application.loan_interest_method_label", "Bunga Flat"))

    assert r["decision"]["interest_method"] == "flat"


def test_with_neither_code_nor_label_the_policy_default_method_is_used() -> None:
    raw = set_path(comfortable(), "application.loan_interest_method", None)
    r = run(set_path(raw, "application.loan_interest_method_label", None))
    default = POLICY.interest.default_method

    assert r["decision"]["interest_method"] == default.value
    assert r["decision"]["installment"] == instalment(20_000_000, 12, 24, default)
    assert quality_codes(r) == ["DQ_INTEREST_METHOD_MISSING"]


@pytest.mark.parametrize(
    ("code", "label"), [(1, "Bunga Anuitas"), (2, "Bunga Flat"), (3, "Bunga Efektif")]
)
def test_a_code_that_disagrees_with_its_label_is_flagged_and_the_code_wins(
    code: int, label: str
) -> None:
    raw = set_path(comfortable(), "application.loan_interest_method", code)
    r = run(set_path(raw, "application.loan_interest_method_label", label))

    assert r["decision"]["interest_method"] == METHODS[code].value
    assert r["decision"]["installment"] == instalment(20_000_000, 12, 24, METHODS[code])
    assert [(q["field"], q["code"]) for q in r["data_quality"]] == [
        ("application.loan_interest_method", "DQ_INTEREST_METHOD_MISMATCH")
    ]


def test_an_efektif_loan_is_sized_on_its_first_and_largest_instalment() -> None:
    raw = set_path(capacity_bound(), "application.loan_interest_method", 2)
    raw = set_path(raw, "application.loan_interest_method_label", "Bunga Efektif")
    limit = affordable(3_000_000, 2_000_000)
    longest = POLICY.tenor.max_months["modal_kerja"]
    expected = step_down(
        max_principal(limit, 12, longest, InterestMethod.EFEKTIF), POLICY.decision.plafon_step
    )

    tenor = shortest_tenor(expected, 12, 24, longest, limit, InterestMethod.EFEKTIF)

    d = run(raw)["decision"]

    assert d["interest_method"] == "efektif"
    assert d["plafon"] == expected
    assert d["tenure"] == tenor
    assert d["installment"] == instalment(expected, 12, tenor, InterestMethod.EFEKTIF)
    assert d["installment"] <= limit


# --- interest ceiling ---------------------------------------------------------------------


def test_interest_above_the_legal_ceiling_must_be_lowered() -> None:
    ceiling = POLICY.interest.legal_ceiling_pct
    r = run(set_path(comfortable(), "application.interest", int(ceiling) + 6))

    assert "INTEREST_ABOVE_CEILING" in finding_codes(r, "condition")
    assert "LOWER_INTEREST" in condition_codes(r)
    assert r["decision"]["outcome"] == "approve_with_conditions"
    lower = next(c for c in r["decision"]["conditions"] if c["code"] == "LOWER_INTEREST")
    assert f"{int(ceiling)}%" in lower["message"]


def test_interest_at_the_legal_ceiling_is_within_it() -> None:
    ceiling = POLICY.interest.legal_ceiling_pct
    r = run(set_path(comfortable(), "application.interest", str(ceiling)))

    assert "INTEREST_WITHIN_CEILING" in finding_codes(r, "condition")
    assert "LOWER_INTEREST" not in condition_codes(r)


# --- scores and grades --------------------------------------------------------------------


def expected_dimension_score(findings: list[dict[str, Any]], policy: Policy = POLICY) -> int:
    return max(0, 100 - sum(policy.reasons[f["code"]].points for f in findings))


def expected_grade(score: int, policy: Policy = POLICY) -> str:
    g = policy.grades
    for grade, floor in (("A", g.A), ("B", g.B), ("C", g.C), ("D", g.D)):
        if score >= floor:
            return grade
    return "E"


SCORED_CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "comfortable": comfortable,
    "capacity bound": capacity_bound,
    "longer term": needs_longer_term,
    "land": clean_application,
    "kolek DPK": lambda: clean_application(kolek="DPK", kyc=None, member_date="2026-08-01"),
    "high interest": lambda: clean_application(interest=30, purpose="Konsumtif"),
}


@pytest.mark.parametrize("case", list(SCORED_CASES))
def test_each_c_score_is_100_less_the_points_of_its_findings(case: str) -> None:
    r = run(SCORED_CASES[case]())

    for dim in r["assessment"]["dimensions"].values():
        assert dim["score"] == expected_dimension_score(dim["findings"])
        assert dim["grade"] == expected_grade(dim["score"])


@pytest.mark.parametrize("case", list(SCORED_CASES))
def test_the_overall_score_is_the_weighted_mean_rounded_half_up(case: str) -> None:
    a = run(SCORED_CASES[case]())["assessment"]
    weights = POLICY.weights.model_dump()
    weighted = sum(a["dimensions"][dim]["score"] * weights[dim] for dim in weights)
    expected = int((Decimal(weighted) / sum(weights.values())).to_integral_value(ROUND_HALF_UP))

    assert a["score"] == expected
    assert a["grade"] == expected_grade(expected)


def test_an_overall_score_exactly_half_way_rounds_up() -> None:
    # character 100 and capacity 85 weighed 1:1 (the rest 0): 92.5 → 93
    policy = custom_policy(
        weights={"character": 1, "capacity": 1, "capital": 0, "collateral": 0, "condition": 0}
    )
    raw = clean_application(kolek="Lancar")
    raw["internal_data"]["total_loan_active"] = 1  # active loans but no balance: -15 capacity
    r = run(raw, policy)
    dims = r["assessment"]["dimensions"]
    assert (dims["character"]["score"], dims["capacity"]["score"]) == (100, 85)

    assert r["assessment"]["score"] == 93


@pytest.mark.parametrize("score", [0, 34, 35, 49, 50, 64, 65, 79, 80, 100])
def test_the_grades_follow_the_policy_bands(score: int) -> None:
    assert POLICY.grades.grade(score) == expected_grade(score)


def test_a_grade_below_the_approval_grade_needs_a_committee_decision() -> None:
    raw = clean_application(
        kolek="DPK",
        kyc=False,
        member_date="2026-08-01",
        occupation=None,
        total_loan_active=4,
        loan_remaining=1_000_000,
        savings=1_000_000,
        deposits=0,
        withdrawal_ratio="150%",
        interest=30,
        purpose="Liburan",
    )
    r = run(raw)
    grade = r["assessment"]["grade"]
    assert "ABCDE".index(grade) > "ABCDE".index(POLICY.decision.approve_min_grade)
    assert r["assessment"]["score"] >= POLICY.decision.decline_below_score

    assert r["decision"]["outcome"] == "approve_with_conditions"
    assert "GRADE_BELOW_APPROVAL" in reason_codes(r)
    assert "COMMITTEE_REVIEW" in condition_codes(r)


# --- gender is never scored ---------------------------------------------------------------


def test_a_woman_and_a_man_with_the_same_consistent_data_get_the_same_result() -> None:
    man = run(clean_application(gender="l"))
    woman = run(clean_application(gender="p"))  # her NIK has 40 added to the day

    assert woman["data_quality"] == man["data_quality"] == []
    assert woman["assessment"] == man["assessment"]
    assert woman["decision"] == man["decision"]


# --- custom policies ----------------------------------------------------------------------


def test_a_custom_policy_is_named_in_the_result() -> None:
    policy = custom_policy()

    assert run(comfortable(), policy)["policy"] == {"name": "coop-custom", "version": "2027.1.0"}
    assert run(comfortable())["policy"] == {"name": POLICY.name, "version": POLICY.version}


def test_a_coarser_plafon_step_rounds_the_reduced_plafon_further_down() -> None:
    # income 3,000,000, expenses 1,800,000: the affordable instalment repays about 21.7 million
    raw = set_path(capacity_bound(), "expenses", [{"key": "pengeluaran_1", "value": "1800000"}])
    longest = POLICY.tenor.max_months["modal_kerja"]
    coarse = custom_policy(decision={"plafon_step": 1_000_000})
    exact = max_principal(affordable(3_000_000, 1_800_000), 12, longest, InterestMethod.ANUITAS)
    fine_plafon = step_down(exact, POLICY.decision.plafon_step)
    coarse_plafon = step_down(exact, 1_000_000)
    assert coarse_plafon < fine_plafon < 50_000_000

    assert run(raw)["decision"]["plafon"] == fine_plafon
    d = run(raw, coarse)["decision"]
    assert d["plafon"] == coarse_plafon
    assert d["installment"] == instalment(coarse_plafon, 12, d["tenure"], InterestMethod.ANUITAS)


def test_a_lower_sizing_dsr_lowers_the_recommended_plafon() -> None:
    # income 10,000,000, expenses 2,000,000: RPC 4,800,000 > DSR room, so the DSR binds
    raw = clean_application(
        plafon=200_000_000,
        tenure=36,
        income=["10000000-12000000"],
        expenses=["1000000-2000000"],
        collaterals=[collateral("LAND", 500_000_000, name="Sertifikat Tanah")],
    )
    results = {}
    for pct in (40, 20):
        policy = custom_policy(capacity={"sizing_dsr_pct": pct})
        limit = affordable(10_000_000, 2_000_000, p=policy)
        assert limit == 10_000_000 * pct // 100  # the DSR room is what binds
        expected = step_down(
            max_principal(limit, 12, 36, InterestMethod.ANUITAS), policy.decision.plafon_step
        )
        r = run(raw, policy)
        assert r["assessment"]["dimensions"]["capacity"]["metrics"]["affordable_installment"] == (
            limit
        )
        assert r["decision"]["plafon"] == expected
        results[pct] = r["decision"]["plafon"]

    assert results[20] < results[40]


def test_a_policy_without_the_kolektibilitas_knock_out_does_not_decline_on_it() -> None:
    knockouts = [k for k in POLICY.decision.knockouts if k != "KOLEK_NON_PERFORMING"]
    policy = custom_policy(decision={"knockouts": knockouts})

    r = run(clean_application(kolek="Diragukan"), policy)

    assert "KOLEK_NON_PERFORMING" in finding_codes(r, "character")
    assert reason_codes(r)[0] != "DECLINE_KNOCKOUT"
    assert run(clean_application(kolek="Diragukan"))["decision"]["outcome"] == "decline"


def test_a_policy_may_add_a_knock_out() -> None:
    policy = custom_policy(decision={"knockouts": [*POLICY.decision.knockouts, "KYC_NOT_DONE"]})

    r = run(clean_application(kyc=False), policy)

    assert_declined_by(r, "KYC_NOT_DONE")
    assert run(clean_application(kyc=False))["decision"]["outcome"] != "decline"


def test_a_higher_minimum_plafon_declines_what_the_default_would_approve() -> None:
    policy = custom_policy(decision={"min_plafon": 25_000_000})

    r = run(comfortable(), policy)

    assert reason_codes(r)[0] == "DECLINE_BELOW_MIN_PLAFON"
    assert run(comfortable())["decision"]["outcome"] == "approve"
