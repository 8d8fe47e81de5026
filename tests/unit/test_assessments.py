"""Each of the five assessments, through ``assess()``: the findings and the metrics.

Applications are built with :func:`builders.clean_application` and changed one part at a
time; the expected bands, percentages and amounts come from the policy and the formulas
in ``DESIGN.md`` and the assessment modules' docstrings.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from builders import TODAY, clean_application, collateral, nik_for, set_path

from cde.domain.application import parse_application
from cde.domain.catalogue import MESSAGES, render
from cde.domain.engine import evaluate
from cde.domain.evaluation import Evaluation, assess
from cde.domain.findings import Finding
from cde.domain.loan_math import InterestMethod, instalment
from cde.policies import default_policy

POLICY = default_policy()
BORN = date(1984, 4, 10)


def evaluated(raw: dict[str, Any]) -> Evaluation:
    return assess(parse_application(raw), POLICY, TODAY)


def findings(raw: dict[str, Any], dim: str) -> list[Finding]:
    return evaluated(raw).assessed[dim].findings  # type: ignore[index]


def codes(raw: dict[str, Any], dim: str) -> list[str]:
    return [f.code for f in findings(raw, dim)]


def finding(raw: dict[str, Any], dim: str, code: str) -> Finding:
    found = [f for f in findings(raw, dim) if f.code == code]
    assert len(found) == 1, f"{code} not found once in {codes(raw, dim)}"
    return found[0]


def metrics(raw: dict[str, Any], dim: str) -> dict[str, Any]:
    return evaluated(raw).assessed[dim].metrics  # type: ignore[index]


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, day.day)  # day 23 exists in every month


# --- capacity -----------------------------------------------------------------------------

# 3,000,000 over 10 months, flat at 0%: an instalment of exactly 300,000
DSR_PLAFON, DSR_TENURE = 3_000_000, 10
DSR_INSTALMENT = instalment(DSR_PLAFON, 0, DSR_TENURE, InterestMethod.FLAT)


def dsr_case(income: int) -> dict[str, Any]:
    return clean_application(
        plafon=DSR_PLAFON,
        tenure=DSR_TENURE,
        interest=0,
        method=1,
        method_label="Bunga Flat",
        income=[str(income)],
        expenses=[],
    )


def income_at(pct: Decimal) -> int:
    """The income at which the requested instalment is exactly ``pct`` of it."""
    income = Decimal(DSR_INSTALMENT) * 100 / pct
    assert income == income.to_integral_value()
    return int(income)


C = POLICY.capacity
DSR_EDGES = [
    ("DSR_HEALTHY", C.dsr_healthy_pct),
    ("DSR_ACCEPTABLE", C.dsr_acceptable_pct),
    ("DSR_WATCH", C.dsr_watch_pct),
]
NEXT_BAND = {
    "DSR_HEALTHY": "DSR_ACCEPTABLE",
    "DSR_ACCEPTABLE": "DSR_WATCH",
    "DSR_WATCH": "DSR_EXCESSIVE",
}


def test_the_dsr_test_instalment_is_a_round_figure() -> None:
    assert DSR_INSTALMENT == DSR_PLAFON // DSR_TENURE


@pytest.mark.parametrize(("code", "limit"), DSR_EDGES)
def test_a_dsr_exactly_at_a_band_limit_is_inside_that_band(code: str, limit: Decimal) -> None:
    income = income_at(limit)
    raw = dsr_case(income)

    assert [c for c in codes(raw, "capacity") if c.startswith("DSR_")] == [code]
    assert metrics(raw, "capacity")["dsr_pct"] == pytest.approx(float(limit))
    assert finding(raw, "capacity", code).params["limit_pct"] == limit


@pytest.mark.parametrize(("code", "limit"), DSR_EDGES)
def test_a_dsr_just_above_a_band_limit_falls_in_the_next_band(code: str, limit: Decimal) -> None:
    income = income_at(limit) - 10_000
    raw = dsr_case(income)
    dsr = round(DSR_INSTALMENT * 100 / income, 2)
    assert dsr > limit

    assert [c for c in codes(raw, "capacity") if c.startswith("DSR_")] == [NEXT_BAND[code]]
    assert metrics(raw, "capacity")["dsr_pct"] == pytest.approx(dsr)


@pytest.mark.parametrize(("code", "limit"), DSR_EDGES)
def test_a_dsr_above_a_band_limit_by_less_than_the_shown_rounding_falls_in_the_next_band(
    code: str, limit: Decimal
) -> None:
    # the band is chosen on the exact ratio; the metric still shows it to 2 decimals
    income = income_at(limit) - 1
    exact = Decimal(DSR_INSTALMENT) * 100 / income
    assert limit < exact < limit + Decimal("0.005")  # rounds to the limit itself

    raw = dsr_case(income)

    assert [c for c in codes(raw, "capacity") if c.startswith("DSR_")] == [NEXT_BAND[code]]
    assert metrics(raw, "capacity")["dsr_pct"] == pytest.approx(float(limit))


def test_an_excessive_dsr_names_the_watch_limit() -> None:
    raw = dsr_case(income_at(C.dsr_watch_pct) - 10_000)

    assert finding(raw, "capacity", "DSR_EXCESSIVE").params["limit_pct"] == C.dsr_watch_pct


def test_the_dsr_counts_the_existing_instalments_too() -> None:
    raw = clean_application(total_loan_active=1, loan_remaining=12_000_000)
    m = metrics(raw, "capacity")
    existing = instalment(
        12_000_000,
        C.existing_debt_rate_pct,
        C.existing_debt_remaining_months,
        InterestMethod.ANUITAS,
    )
    requested = instalment(20_000_000, 12, 24, InterestMethod.ANUITAS)

    assert m["existing_installment"] == existing
    assert m["dsr_pct"] == pytest.approx(round((existing + requested) * 100 / 8_000_000, 2))


def rpc_case(plafon: int) -> dict[str, Any]:
    return clean_application(
        plafon=plafon,
        tenure=24,
        income=["2500000-3000000", "1500000-2000000"],
        expenses=["600000-1000000", "300000-500000"],
        total_loan_active=1,
        loan_remaining=10_000_000,
    )


def rpc_expectations() -> tuple[int, int, int, int]:
    """(existing, disposable, rpc, affordable) for :func:`rpc_case`."""
    income_low, expenses_high = 2_500_000 + 1_500_000, 1_000_000 + 500_000
    existing = instalment(
        10_000_000,
        C.existing_debt_rate_pct,
        C.existing_debt_remaining_months,
        InterestMethod.ANUITAS,
    )
    disposable = income_low - expenses_high - existing
    rpc = int(Decimal(disposable) * C.rpc_share_pct / 100)
    room = int(Decimal(income_low) * C.sizing_dsr_pct / 100) - existing
    return existing, disposable, rpc, min(rpc, room)


def test_income_is_counted_at_the_low_ends_and_expenses_at_the_high_ends() -> None:
    m = metrics(rpc_case(10_000_000), "capacity")

    assert (m["income_low"], m["income_high"]) == (4_000_000, 5_000_000)
    assert (m["expenses_low"], m["expenses_high"]) == (900_000, 1_500_000)


def test_the_repayment_capacity_is_the_policy_share_of_what_is_left() -> None:
    existing, disposable, rpc, limit = rpc_expectations()
    m = metrics(rpc_case(10_000_000), "capacity")

    assert m["existing_installment"] == existing
    assert m["disposable_income"] == disposable
    assert m["repayment_capacity"] == rpc
    assert m["affordable_installment"] == limit
    requested = instalment(10_000_000, 12, 24, InterestMethod.ANUITAS)
    assert m["residual_after_installment"] == disposable - requested


def test_an_instalment_within_the_repayment_capacity_is_noted_as_such() -> None:
    _, disposable, rpc, _ = rpc_expectations()
    assert instalment(10_000_000, 12, 24, InterestMethod.ANUITAS) <= rpc

    f = finding(rpc_case(10_000_000), "capacity", "INSTALMENT_WITHIN_RPC")

    assert f.params["rpc_rp"] == rpc
    assert f.params["disposable_rp"] == disposable
    assert f.params["rpc_share_pct"] == C.rpc_share_pct


def test_an_instalment_above_the_repayment_capacity_is_a_concern() -> None:
    _, _, rpc, _ = rpc_expectations()
    assert instalment(60_000_000, 12, 24, InterestMethod.ANUITAS) > rpc

    assert "INSTALMENT_EXCEEDS_RPC" in codes(rpc_case(60_000_000), "capacity")


def test_existing_loans_are_estimated_as_an_annuity_over_the_policy_months() -> None:
    f = finding(rpc_case(10_000_000), "capacity", "EXISTING_OBLIGATIONS")

    assert f.params["remaining_rp"] == 10_000_000
    assert f.params["assumed_months"] == C.existing_debt_remaining_months
    assert f.params["assumed_rate_pct"] == C.existing_debt_rate_pct
    assert f.params["existing_rp"] == rpc_expectations()[0]


def test_active_loans_without_an_outstanding_balance_are_an_unknown_debt() -> None:
    raw = clean_application(total_loan_active=2, loan_remaining=None)

    assert "EXISTING_DEBT_UNKNOWN" in codes(raw, "capacity")
    assert "EXISTING_OBLIGATIONS" not in codes(raw, "capacity")
    assert metrics(raw, "capacity")["existing_installment"] == 0


def test_without_loans_there_are_no_existing_obligations() -> None:
    raw = clean_application(total_loan_active=0, loan_remaining=0)

    assert not {"EXISTING_OBLIGATIONS", "EXISTING_DEBT_UNKNOWN"} & set(codes(raw, "capacity"))
    assert metrics(raw, "capacity")["existing_installment"] == 0


def test_without_income_there_is_no_dsr() -> None:
    raw = clean_application(income=[])

    assert codes(raw, "capacity") == ["INCOME_MISSING"]
    assert metrics(raw, "capacity")["dsr_pct"] is None


def test_income_no_larger_than_expenses_leaves_no_room() -> None:
    raw = clean_application(income=["3000000-4000000"], expenses=["2500000-3000000"])
    f = finding(raw, "capacity", "CAPACITY_NO_ROOM")

    assert f.params["disposable_rp"] == 0
    assert metrics(raw, "capacity")["affordable_installment"] == 0


# --- capital ------------------------------------------------------------------------------

K = POLICY.capital


def own_funds_case(savings: int, deposits: int = 0) -> dict[str, Any]:
    return clean_application(plafon=10_000_000, savings=savings, deposits=deposits)


@pytest.mark.parametrize(
    ("own", "code"),
    [
        (int(10_000_000 * K.own_funds_strong_pct / 100), "OWN_FUNDS_STRONG"),
        (int(10_000_000 * K.own_funds_strong_pct / 100) - 1_000, "OWN_FUNDS_MODEST"),
        (int(10_000_000 * K.own_funds_modest_pct / 100), "OWN_FUNDS_MODEST"),
        (int(10_000_000 * K.own_funds_modest_pct / 100) - 1_000, "OWN_FUNDS_LOW"),
        (0, "OWN_FUNDS_LOW"),
    ],
)
def test_own_funds_fall_in_the_policy_bands_against_the_plafon(own: int, code: str) -> None:
    raw = own_funds_case(own)

    assert [c for c in codes(raw, "capital") if c.startswith("OWN_FUNDS")] == [code]
    assert metrics(raw, "capital")["own_funds_to_plafon_pct"] == pytest.approx(
        round(own * 100 / 10_000_000, 2)
    )


def test_own_funds_are_savings_plus_deposits() -> None:
    raw = own_funds_case(1_500_000, 1_700_000)
    m = metrics(raw, "capital")
    f = finding(raw, "capital", "OWN_FUNDS_STRONG")

    assert m["own_funds"] == 3_200_000
    assert (f.params["savings_rp"], f.params["deposits_rp"]) == (1_500_000, 1_700_000)


@pytest.mark.parametrize(
    ("ratio", "code"),
    [
        ("100%", "WITHDRAWAL_RATIO_HEALTHY"),
        ("99,9", "WITHDRAWAL_RATIO_HEALTHY"),
        ("0%", "WITHDRAWAL_RATIO_HEALTHY"),
        ("100,01%", "WITHDRAWAL_RATIO_HIGH"),
        ("174,48%", "WITHDRAWAL_RATIO_HIGH"),
    ],
)
def test_a_withdrawal_ratio_above_100_means_savings_are_drawn_down(ratio: str, code: str) -> None:
    assert K.withdrawal_ratio_max_pct == 100
    raw = clean_application(withdrawal_ratio=ratio)

    assert [c for c in codes(raw, "capital") if c.startswith("WITHDRAWAL_RATIO")] == [code]


@pytest.mark.parametrize(
    ("growth", "code", "shown"),
    [
        ("-2,5", "BALANCE_GROWTH_NEGATIVE", Decimal("2.5")),
        ("3", "BALANCE_GROWTH_POSITIVE", Decimal(3)),
        ("0", "BALANCE_GROWTH_POSITIVE", Decimal(0)),
        (None, "BALANCE_GROWTH_UNKNOWN", None),
    ],
)
def test_balance_growth_is_negative_positive_or_unknown(
    growth: str | None, code: str, shown: Decimal | None
) -> None:
    raw = clean_application(growth=growth)
    f = finding(raw, "capital", code)

    assert f.params.get("growth_pct") == shown
    expected_metric = None if growth is None else float(growth.replace(",", "."))
    assert metrics(raw, "capital")["balance_growth_pct"] == expected_metric


def test_more_withdrawals_than_deposits_a_month_is_noted() -> None:
    raw = clean_application()
    raw["internal_data"]["behaviour_pattern_deposit_per_month"] = "8,3"
    raw["internal_data"]["behaviour_pattern_withdrawal_per_month"] = "17,8"

    assert "WITHDRAWALS_EXCEED_DEPOSITS" in codes(raw, "capital")
    assert "SAVING_ACTIVITY" not in codes(raw, "capital")


def test_without_any_savings_data_capital_cannot_be_assessed() -> None:
    raw = clean_application(savings=None, deposits=None, withdrawal_ratio=None)
    raw["internal_data"]["behaviour_pattern_avg_balance"] = None

    assert "CAPITAL_NO_DATA" in codes(raw, "capital")
    assert metrics(raw, "capital")["own_funds"] is None


# --- collateral ---------------------------------------------------------------------------

L = POLICY.collateral
EVERY_NAME = [(code, name) for code, kind in L.types.items() for name in (code, *kind.aliases)]


def one_item(item: dict[str, Any], plafon: int = 20_000_000) -> dict[str, Any]:
    return clean_application(plafon=plafon, collaterals=[item])


@pytest.mark.parametrize(("code", "name"), EVERY_NAME)
def test_every_collateral_code_and_alias_gets_its_policy_recognition(code: str, name: str) -> None:
    kind = L.types[code]
    raw = one_item(collateral(name, 10_000_000, name="Item"))
    m = metrics(raw, "collateral")
    expected = Decimal(10_000_000) * kind.recognition_pct / 100

    assert len(m["items"]) == 1
    assert {k: m["items"][0][k] for k in ("name", "code", "value", "recognised")} == {
        "name": "Item",
        "code": code,
        "value": 10_000_000,
        "recognised": int(expected),
    }
    assert m["recognised_value"] == int(expected)
    assert {k: m["items"][0][k] for k in ("policy_recognition_pct", "recognition_pct")} == {
        "policy_recognition_pct": float(kind.recognition_pct),
        "recognition_pct": float(kind.recognition_pct),
    }
    item = finding(raw, "collateral", "COLLATERAL_ITEM")
    assert item.params["recognition_pct"] == kind.recognition_pct
    assert "COLLATERAL_UNKNOWN_CODE" not in codes(raw, "collateral")
    binding = {"land": "COLLATERAL_BIND_HT", "vehicle": "COLLATERAL_BIND_FIDUCIA"}
    found = {"COLLATERAL_BIND_HT", "COLLATERAL_BIND_FIDUCIA"} & set(codes(raw, "collateral"))
    assert found == ({binding[kind.kind]} if kind.kind in binding else set())


@pytest.mark.parametrize("name", ["land", "Shm", " mobil ", "logam_mulia"])
def test_collateral_codes_are_matched_regardless_of_case_and_spaces(name: str) -> None:
    raw = one_item(collateral(name, 10_000_000))

    assert metrics(raw, "collateral")["items"][0]["code"] is not None
    assert "COLLATERAL_UNKNOWN_CODE" not in codes(raw, "collateral")


def test_a_collateral_is_recognised_by_its_type_when_the_code_is_missing() -> None:
    raw = one_item(collateral("MOBIL", 10_000_000) | {"code": None, "type": "Mobil"})

    assert metrics(raw, "collateral")["items"][0]["code"] == "MBL"


def test_an_unknown_collateral_code_gets_the_conservative_default() -> None:
    raw = one_item(collateral("KAPAL", 10_000_000, name="Perahu", type_="Kapal"))
    m = metrics(raw, "collateral")
    expected = int(Decimal(10_000_000) * L.unknown_recognition_pct / 100)

    assert m["recognised_value"] == expected
    assert m["items"][0]["code"] is None
    f = finding(raw, "collateral", "COLLATERAL_UNKNOWN_CODE")
    assert f.params["code"] == "KAPAL"
    assert f.params["recognition_pct"] == L.unknown_recognition_pct
    assert not {"COLLATERAL_BIND_HT", "COLLATERAL_BIND_FIDUCIA"} & set(codes(raw, "collateral"))


@pytest.mark.parametrize("verified", [True, False, None])
@pytest.mark.parametrize("tax_paid", [True, False, None])
def test_unverified_and_tax_unpaid_factors_multiply(
    verified: bool | None, tax_paid: bool | None
) -> None:
    raw = one_item(collateral("LAND", 10_000_000, is_verified=verified, is_tax_paid=tax_paid))
    expected = Decimal(10_000_000) * L.types["LAND"].recognition_pct / 100
    if verified is not True:
        expected = expected * L.unverified_factor_pct / 100
    if tax_paid is False:
        expected = expected * L.tax_unpaid_factor_pct / 100

    assert metrics(raw, "collateral")["recognised_value"] == int(expected)
    found = codes(raw, "collateral")
    assert ("COLLATERAL_UNVERIFIED" in found) is (verified is False)
    assert ("COLLATERAL_VERIFICATION_UNKNOWN" in found) is (verified is None)
    assert ("COLLATERAL_TAX_UNPAID" in found) is (tax_paid is False)


def test_a_stricter_declared_recognition_is_respected() -> None:
    item = collateral("LAND", 10_000_000) | {"recognition": 40}
    assert L.types["LAND"].recognition_pct > 40

    m = metrics(one_item(item), "collateral")

    assert m["recognised_value"] == 10_000_000 * 40 // 100


def test_each_item_shows_the_policy_the_declared_and_the_used_recognition() -> None:
    land = collateral("LAND", 10_000_000, name="Tanah") | {
        "recognition": 40,
        "recognition_value": 3_900_000,
    }
    car = collateral("MBL", 10_000_000, name="Mobil", is_verified=False) | {
        "recognition": 90,
        "recognition_value": 9_000_000,
    }
    raw = clean_application(collaterals=[land, car])
    t = L.types
    assert t["LAND"].recognition_pct > 40
    assert t["MBL"].recognition_pct < 90

    land_item, car_item = metrics(raw, "collateral")["items"]

    assert land_item == {
        "name": "Tanah",
        "code": "LAND",
        "value": 10_000_000,
        "policy_recognition_pct": float(t["LAND"].recognition_pct),
        "recognition_pct": 40.0,  # the stricter declared percentage
        "declared_recognition_pct": 40.0,
        "declared_recognition_value": 3_900_000,
        "declared_value_times_pct": 10_000_000 * 40 // 100,
        "recognised": 10_000_000 * 40 // 100,
    }
    car_recognised = (
        Decimal(10_000_000) * t["MBL"].recognition_pct / 100 * L.unverified_factor_pct / 100
    )
    assert car_item == {
        "name": "Mobil",
        "code": "MBL",
        "value": 10_000_000,
        "policy_recognition_pct": float(t["MBL"].recognition_pct),
        "recognition_pct": float(t["MBL"].recognition_pct),  # the policy's is the ceiling
        "declared_recognition_pct": 90.0,
        "declared_recognition_value": 9_000_000,
        "declared_value_times_pct": 10_000_000 * 90 // 100,
        "recognised": int(car_recognised),
    }


def test_without_a_declared_recognition_the_declared_fields_are_empty() -> None:
    (item,) = metrics(one_item(collateral("LAND", 10_000_000)), "collateral")["items"]

    assert item["declared_recognition_pct"] is None
    assert item["declared_recognition_value"] is None
    assert item["declared_value_times_pct"] is None


def shown_pct(value: Decimal | int) -> str:
    """A whole percentage as the Indonesian text writes it."""
    assert value == int(value)
    return f"{int(value)}%"


def rupiah_id(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


@pytest.mark.parametrize("verified", [True, False, None])
@pytest.mark.parametrize("tax_paid", [True, False])
def test_the_item_sentence_writes_out_every_factor_of_the_recognised_value(
    verified: bool | None, tax_paid: bool
) -> None:
    raw = one_item(
        collateral("LAND", 10_000_000, name="Tanah", is_verified=verified, is_tax_paid=tax_paid)
    )
    pct = L.types["LAND"].recognition_pct
    recognised = Decimal(10_000_000) * pct / 100
    factors = ""
    if verified is not True:
        recognised = recognised * L.unverified_factor_pct / 100
        factors += f" × {shown_pct(L.unverified_factor_pct)} (belum diverifikasi)"
    if tax_paid is False:
        recognised = recognised * L.tax_unpaid_factor_pct / 100
        factors += f" × {shown_pct(L.tax_unpaid_factor_pct)} (pajak belum dibayar)"
    result = evaluate(raw, policy=POLICY, today=TODAY, lang="id")
    sentences = [
        f["message"]
        for f in result["assessment"]["dimensions"]["collateral"]["findings"]
        if f["code"] == "COLLATERAL_ITEM"
    ]

    assert sentences == [
        f"Tanah ({L.types['LAND'].label_id}): nilai {rupiah_id(10_000_000)} × {shown_pct(pct)}"
        f"{factors} = diakui {rupiah_id(int(recognised))}."
    ]


def test_a_declared_recognition_above_the_policy_is_capped_at_the_policy() -> None:
    item = collateral("MBL", 10_000_000) | {"recognition": 90}
    raw = one_item(item)
    policy_pct = L.types["MBL"].recognition_pct

    assert metrics(raw, "collateral")["recognised_value"] == int(
        Decimal(10_000_000) * policy_pct / 100
    )
    assert ("collaterals[0].recognition", "DQ_RECOGNITION_ABOVE_POLICY") in [
        (q.field, q.code) for q in evaluated(raw).quality
    ]


def test_recognised_values_of_several_items_add_up() -> None:
    items = [
        collateral("LAND", 10_000_000, name="Tanah"),
        collateral("MTR", 4_000_000, name="Motor", is_verified=False),
        collateral("EMAS", 2_000_000, name="Emas"),
    ]
    raw = clean_application(collaterals=items)
    t = L.types
    expected = (
        Decimal(10_000_000) * t["LAND"].recognition_pct / 100
        + Decimal(4_000_000) * t["MTR"].recognition_pct / 100 * L.unverified_factor_pct / 100
        + Decimal(2_000_000) * t["EMAS"].recognition_pct / 100
    )

    assert metrics(raw, "collateral")["recognised_value"] == int(expected)


def test_without_a_value_the_low_end_of_the_estimated_price_is_used() -> None:
    item = collateral("LAND", 0) | {"value": None, "estimated_price": "10000000-20000000"}
    raw = one_item(item)

    assert metrics(raw, "collateral")["recognised_value"] == int(
        Decimal(10_000_000) * L.types["LAND"].recognition_pct / 100
    )


def test_an_item_without_any_value_is_not_counted() -> None:
    raw = one_item(collateral("LAND", 0) | {"value": None})

    assert "COLLATERAL_VALUE_MISSING" in codes(raw, "collateral")
    assert metrics(raw, "collateral")["recognised_value"] == 0


def coverage_case(value: int) -> dict[str, Any]:
    """Cash worth ``value`` (recognised in full) against a plafon of 20,000,000."""
    return one_item(collateral("CASH", value, is_tax_paid=None))


@pytest.mark.parametrize(
    ("coverage_pct", "code"),
    [
        (L.strong_coverage_pct, "COVERAGE_STRONG"),
        (L.strong_coverage_pct - 1, "COVERAGE_ADEQUATE"),
        (L.required_coverage_pct, "COVERAGE_ADEQUATE"),
        (L.required_coverage_pct - 1, "COVERAGE_SHORT"),
    ],
)
def test_coverage_bands_follow_the_policy(coverage_pct: Decimal, code: str) -> None:
    assert L.types["CASH"].recognition_pct == 100
    raw = coverage_case(int(20_000_000 * coverage_pct / 100))

    assert code in codes(raw, "collateral")
    assert metrics(raw, "collateral")["coverage_pct"] == pytest.approx(float(coverage_pct))


def test_the_collateral_limit_on_the_plafon_is_the_recognised_value_over_the_coverage() -> None:
    raw = coverage_case(12_345_678)
    expected = int(Decimal(12_345_678) * 100 / L.required_coverage_pct)

    assert metrics(raw, "collateral")["max_plafon_by_collateral"] == max(
        expected, L.unsecured_limit
    )


def test_no_collateral_is_fine_within_the_unsecured_limit_and_a_concern_above_it() -> None:
    within = clean_application(plafon=L.unsecured_limit, collaterals=[])
    above = clean_application(plafon=L.unsecured_limit + 100_000, collaterals=[])

    assert codes(within, "collateral") == ["COLLATERAL_NOT_REQUIRED"]
    assert codes(above, "collateral") == ["COLLATERAL_NONE"]
    assert metrics(above, "collateral")["max_plafon_by_collateral"] == L.unsecured_limit


# --- character ----------------------------------------------------------------------------

R = POLICY.character


@pytest.mark.parametrize(
    ("months", "code"),
    [
        (R.long_membership_months + 12, "MEMBERSHIP_LONG"),
        (R.long_membership_months, "MEMBERSHIP_LONG"),
        (R.long_membership_months - 1, "MEMBERSHIP_MODERATE"),
        (R.min_membership_months, "MEMBERSHIP_MODERATE"),
        (R.min_membership_months - 1, "MEMBERSHIP_SHORT"),
        (0, "MEMBERSHIP_SHORT"),
    ],
)
def test_membership_length_falls_in_the_policy_bands(months: int, code: str) -> None:
    raw = clean_application(member_date=months_before(TODAY, months).isoformat())

    assert code in codes(raw, "character")
    assert metrics(raw, "character")["membership_months"] == months


def test_a_membership_one_day_short_of_a_whole_month_counts_one_month_less() -> None:
    since = months_before(TODAY, R.long_membership_months) + timedelta(days=1)
    raw = clean_application(member_date=since.isoformat())

    assert "MEMBERSHIP_MODERATE" in codes(raw, "character")
    assert metrics(raw, "character")["membership_months"] == R.long_membership_months - 1


def test_a_membership_starting_in_the_future_cannot_be_assessed() -> None:
    raw = clean_application(member_date=(TODAY + timedelta(days=1)).isoformat())

    assert "MEMBERSHIP_FUTURE" in codes(raw, "character")
    assert metrics(raw, "character")["membership_months"] is None


def test_a_missing_membership_date_is_unknown() -> None:
    assert "MEMBERSHIP_UNKNOWN" in codes(clean_application(member_date=None), "character")


def test_a_short_membership_asks_for_a_guarantor() -> None:
    raw = clean_application(member_date=months_before(TODAY, 2).isoformat())
    r = evaluated(raw)

    assert "GUARANTOR" in [c.code for c in r.decision.conditions]


def test_a_sound_nik_is_valid() -> None:
    raw = clean_application()

    assert "NIK_VALID" in codes(raw, "character")
    assert metrics(raw, "character")["nik_valid"] is True


@pytest.mark.parametrize(
    ("nik", "problem_id"),
    [
        ("517101100484000", "15 digit"),
        ("51710110048400011", "17 digit"),
        ("12121212121212", "14 digit"),
    ],
)
def test_a_nik_of_the_wrong_length_is_invalid(nik: str, problem_id: str) -> None:
    raw = clean_application(nik=nik)
    f = finding(raw, "character", "NIK_INVALID")

    assert problem_id in f.params["problem"].id
    assert ("character.nik", "DQ_NIK_LENGTH") in [(q.field, q.code) for q in evaluated(raw).quality]
    assert metrics(raw, "character")["nik_valid"] is False


@pytest.mark.parametrize("nik", ["51710110048400AB", "5171-0110-0484-01", "S171011004840001"])
def test_a_nik_with_other_characters_than_digits_is_invalid(nik: str) -> None:
    raw = clean_application(nik=nik)

    assert "NIK_INVALID" in codes(raw, "character")
    assert "DQ_NIK_NOT_DIGITS" in [q.code for q in evaluated(raw).quality]


def test_a_nik_whose_birth_date_differs_is_invalid() -> None:
    raw = clean_application(nik=nik_for(date(1984, 4, 11)))

    assert "NIK_INVALID" in codes(raw, "character")
    assert "DQ_NIK_BIRTHDATE_MISMATCH" in [q.code for q in evaluated(raw).quality]


def test_a_female_nik_has_forty_added_to_the_day_and_agrees_with_gender_p() -> None:
    nik = nik_for(BORN, "p")
    assert nik[6:8] == f"{BORN.day + 40:02d}"
    raw = clean_application(gender="p", nik=nik)

    assert "NIK_VALID" in codes(raw, "character")
    assert evaluated(raw).quality == []


def test_a_female_nik_recorded_as_male_is_flagged_on_the_gender() -> None:
    raw = clean_application(gender="l", nik=nik_for(BORN, "p"))

    assert ("character.gender", "DQ_NIK_GENDER_MISMATCH") in [
        (q.field, q.code) for q in evaluated(raw).quality
    ]


@pytest.mark.parametrize(("nik_gender", "recorded"), [("p", "l"), ("l", "p")])
def test_a_nik_gender_mismatch_is_only_a_data_quality_flag_and_never_an_invalid_nik(
    nik_gender: str, recorded: str
) -> None:
    mismatched = clean_application(gender=recorded, nik=nik_for(BORN, nik_gender))
    matching = clean_application(gender=nik_gender, nik=nik_for(BORN, nik_gender))
    r = evaluated(mismatched)

    assert [(q.field, q.code) for q in r.quality] == [
        ("character.gender", "DQ_NIK_GENDER_MISMATCH")
    ]
    assert "NIK_VALID" in codes(mismatched, "character")
    assert "NIK_INVALID" not in codes(mismatched, "character")
    assert metrics(mismatched, "character")["nik_valid"] is True
    assert "VERIFY_IDENTITY" not in [c.code for c in r.decision.conditions]
    assert r.scores["character"] == evaluated(matching).scores["character"]


def test_a_nik_whose_date_digits_are_no_date_is_invalid() -> None:
    raw = clean_application(nik="5171013204840001")  # day 32

    assert "NIK_INVALID" in codes(raw, "character")
    assert "DQ_NIK_DATE_INVALID" in [q.code for q in evaluated(raw).quality]


def test_a_missing_nik_is_noted() -> None:
    raw = clean_application(nik=None)

    assert "NIK_MISSING" in codes(raw, "character")
    assert "VERIFY_IDENTITY" in [c.code for c in evaluated(raw).decision.conditions]


@pytest.mark.parametrize(
    ("kyc", "code"), [(True, "KYC_DONE"), (False, "KYC_NOT_DONE"), (None, "KYC_UNKNOWN")]
)
def test_the_kyc_status_is_read(kyc: bool | None, code: str) -> None:
    assert code in codes(clean_application(kyc=kyc), "character")


@pytest.mark.parametrize(
    ("kolek", "code", "number"),
    [
        ("Lancar", "KOLEK_CURRENT", 1),
        ("DPK", "KOLEK_SPECIAL_MENTION", 2),
        ("Dalam Perhatian Khusus", "KOLEK_SPECIAL_MENTION", 2),
        ("KL", "KOLEK_NON_PERFORMING", 3),
        ("Diragukan", "KOLEK_NON_PERFORMING", 4),
        ("5", "KOLEK_NON_PERFORMING", 5),
        (None, "KOLEK_UNKNOWN", None),
    ],
)
def test_the_kolektibilitas_is_classed(kolek: object, code: str, number: int | None) -> None:
    raw = clean_application(kolek=kolek)

    assert codes(raw, "character")[0] == code
    assert metrics(raw, "character")["kolektibilitas"] == number
    assert metrics(raw, "character")["non_performing"] is (None if number is None else number >= 3)


def test_more_active_loans_than_the_policy_allows_is_a_concern() -> None:
    raw = clean_application(
        total_loan=10, total_loan_active=R.max_active_loans + 1, loan_remaining=1_000_000
    )

    assert "ACTIVE_LOANS_EXCESSIVE" in codes(raw, "character")
    at_limit = set_path(raw, "internal_data.total_loan_active", R.max_active_loans)
    assert "ACTIVE_LOANS_EXCESSIVE" not in codes(at_limit, "character")


def test_a_member_without_previous_loans_has_no_repayment_record() -> None:
    raw = clean_application(total_loan=0, total_loan_active=0)

    assert "LOANS_NONE" in codes(raw, "character")


def test_a_missing_occupation_is_noted() -> None:
    assert "OCCUPATION_MISSING" in codes(clean_application(occupation=None), "character")


def test_the_age_comes_from_the_date_of_birth_and_the_term_from_today() -> None:
    raw = clean_application(tenure=24)
    m = metrics(raw, "character")
    f = finding(raw, "character", "AGE_OK")

    assert m["age"] == 42  # 10 April 1984 on 23 November 2026
    assert m["age_at_maturity"] == 44  # 23 November 2028
    assert f.params["max_age"] == R.max_age_at_maturity


def test_the_age_at_maturity_is_said_of_the_requested_term() -> None:
    # the character assessment comes before the decision, which may change the term: its
    # age at maturity is the requested term's, and the text says so
    raw = clean_application(tenure=24)
    ev = assess(parse_application(raw), POLICY, TODAY)
    f = next(f for f in ev.assessed["character"].findings if f.code == "AGE_OK")
    texts = {lang: render(MESSAGES["AGE_OK"], f.params, lang) for lang in ("id", "en")}
    assert "44 at the end of the requested term" in texts["en"]
    assert "44 tahun saat jatuh tempo tenor yang diajukan" in texts["id"]


def test_a_term_beyond_the_age_limit_names_the_age_the_term_and_the_longest_term() -> None:
    born = date(1966, 4, 10)
    raw = clean_application(birth=born, tenure=84, purpose="Investasi")
    to_limit = metrics(raw, "character")["months_to_age_limit"]
    # 10 April 2031 is the 65th birthday: 53 months after 23 November 2026 would be
    # 23 April 2031, after it, so 52 months
    assert to_limit == (2031 - TODAY.year) * 12 + (4 - TODAY.month) - 1

    f = finding(raw, "character", "AGE_AT_MATURITY_EXCEEDED")

    assert f.params == {
        "age": 60,
        "tenure_months": 84,
        "max_age": R.max_age_at_maturity,
        "max_tenor_months": to_limit,
    }


def test_without_age_or_date_of_birth_the_age_is_unknown() -> None:
    raw = clean_application(birth=None, age=None)

    assert "AGE_UNKNOWN" in codes(raw, "character")


# --- condition ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "category", "productive", "code"),
    [
        ("Modal Kerja", "modal_kerja", True, "PURPOSE_PRODUCTIVE"),
        ("modal_kerja", "modal_kerja", True, "PURPOSE_PRODUCTIVE"),
        ("MODAL USAHA", "modal_kerja", True, "PURPOSE_PRODUCTIVE"),
        ("Investasi", "investasi", True, "PURPOSE_PRODUCTIVE"),
        ("Usaha", "produktif", True, "PURPOSE_PRODUCTIVE"),
        ("Konsumtif", "konsumtif", False, "PURPOSE_CONSUMPTIVE"),
        ("Biaya pendidikan anak", "konsumtif", False, "PURPOSE_CONSUMPTIVE"),
        ("Liburan", "lainnya", False, "PURPOSE_UNKNOWN"),
        (None, "lainnya", False, "PURPOSE_UNKNOWN"),
        ("Lainnya", "lainnya", False, "PURPOSE_OTHER"),
        ("other", "lainnya", False, "PURPOSE_OTHER"),
        ("Non Produktif", "konsumtif", False, "PURPOSE_CONSUMPTIVE"),
        ("Tidak untuk usaha", "konsumtif", False, "PURPOSE_CONSUMPTIVE"),
        ("bukan modal kerja", "konsumtif", False, "PURPOSE_CONSUMPTIVE"),
        ("Unproductive", "lainnya", False, "PURPOSE_UNKNOWN"),
    ],
)
def test_the_purpose_is_categorised_and_picks_the_tenor_limit(
    purpose: str | None, category: str, productive: bool, code: str
) -> None:
    raw = clean_application(purpose=purpose)
    m = metrics(raw, "condition")

    assert m["purpose_category"] == category
    assert m["productive"] is productive
    assert m["max_tenure_for_purpose"] == POLICY.tenor.max_months[category]  # type: ignore[index]
    assert codes(raw, "condition")[0] == code


@pytest.mark.parametrize(
    ("purpose", "code"),
    [
        ("Non Produktif", "PURPOSE_CONSUMPTIVE"),
        ("Non-produktif", "PURPOSE_CONSUMPTIVE"),
        ("Tidak untuk usaha", "PURPOSE_CONSUMPTIVE"),
        ("tidak untuk modal usaha", "PURPOSE_CONSUMPTIVE"),
        ("Bukan modal kerja", "PURPOSE_CONSUMPTIVE"),
        ("Unproductive", "PURPOSE_UNKNOWN"),  # whole words only: not "productive"
    ],
)
def test_a_purpose_saying_not_productive_is_not_read_as_productive(purpose: str, code: str) -> None:
    raw = clean_application(purpose=purpose)

    assert metrics(raw, "condition")["productive"] is False
    assert "PURPOSE_PRODUCTIVE" not in codes(raw, "condition")
    assert codes(raw, "condition")[0] == code
    assert finding(raw, "condition", code).params["purpose"].strip(" ()") == purpose


def test_an_other_purpose_is_its_own_finding_with_the_policy_weight() -> None:
    raw = clean_application(purpose="Lainnya")
    f = finding(raw, "condition", "PURPOSE_OTHER")

    assert f.params == {"purpose": "Lainnya"}
    assert not {"PURPOSE_PRODUCTIVE", "PURPOSE_CONSUMPTIVE", "PURPOSE_UNKNOWN"} & set(
        codes(raw, "condition")
    )
    assert metrics(raw, "condition")["max_tenure_for_purpose"] == POLICY.tenor.max_months["lainnya"]
    score = evaluated(raw).scores["condition"]
    points = sum(POLICY.reasons[f.code].points for f in findings(raw, "condition"))
    assert score == max(0, 100 - points)
    assert POLICY.reasons["PURPOSE_OTHER"].points > 0


def test_working_capital_is_limited_to_36_months_and_consumption_to_60() -> None:
    assert (
        metrics(clean_application(purpose="Modal Kerja"), "condition")["max_tenure_for_purpose"]
        == 36
    )
    assert (
        metrics(clean_application(purpose="Konsumtif"), "condition")["max_tenure_for_purpose"] == 60
    )


def test_an_unknown_purpose_is_named_in_its_finding() -> None:
    f = finding(clean_application(purpose="Liburan"), "condition", "PURPOSE_UNKNOWN")

    assert "Liburan" in f.params["purpose"]


@pytest.mark.parametrize(
    ("tenure", "code"),
    [(36, "TENOR_WITHIN_POLICY"), (37, "TENOR_ABOVE_POLICY")],
)
def test_the_term_is_checked_against_the_limit_for_the_purpose(tenure: int, code: str) -> None:
    assert POLICY.tenor.max_months["modal_kerja"] == 36

    assert code in codes(clean_application(purpose="Modal Kerja", tenure=tenure), "condition")


@pytest.mark.parametrize(
    ("rate", "code"),
    [
        (POLICY.interest.legal_ceiling_pct, "INTEREST_WITHIN_CEILING"),
        (POLICY.interest.legal_ceiling_pct + Decimal("0.5"), "INTEREST_ABOVE_CEILING"),
    ],
)
def test_the_interest_is_checked_against_the_legal_ceiling(rate: Decimal, code: str) -> None:
    assert code in codes(clean_application(interest=str(rate)), "condition")


def test_the_plafon_is_checked_against_the_income_multiple() -> None:
    cap = POLICY.capacity.max_plafon_to_annual_income
    income = 2_000_000
    at_cap = int(income * 12 * cap)
    ok = clean_application(plafon=at_cap, income=[str(income)], expenses=[])
    high = clean_application(plafon=at_cap + 1_000_000, income=[str(income)], expenses=[])

    assert "PLAFON_TO_INCOME_OK" in codes(ok, "condition")
    assert "PLAFON_TO_INCOME_HIGH" in codes(high, "condition")
    assert metrics(ok, "condition")["plafon_to_annual_income"] == pytest.approx(float(cap))


def test_the_income_multiple_is_compared_unrounded() -> None:
    cap = POLICY.capacity.max_plafon_to_annual_income
    income = 2_000_000
    just_above = int(income * 12 * cap) + 1  # one rupiah over the cap
    exact = Decimal(just_above) / (income * 12)
    assert cap < exact < cap + Decimal("0.00005")  # rounds to the cap when shown
    raw = clean_application(plafon=just_above, income=[str(income)], expenses=[])

    assert "PLAFON_TO_INCOME_HIGH" in codes(raw, "condition")
    assert "PLAFON_TO_INCOME_OK" not in codes(raw, "condition")
    assert metrics(raw, "condition")["plafon_to_annual_income"] == pytest.approx(float(cap))


def test_a_plafon_above_the_policy_maximum_is_noted() -> None:
    raw = clean_application(plafon=POLICY.decision.max_plafon + 1_000_000)

    assert "PLAFON_ABOVE_POLICY_MAX" in codes(raw, "condition")
