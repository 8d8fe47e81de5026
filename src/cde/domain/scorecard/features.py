"""What a scorecard sees of one application: the engine's own facts and metrics.

The features are read off the engine's own assessment of the application under a policy
on a day (:func:`features_from`, called by :func:`cde.domain.evaluation.assess`), so a
scorecard and the expert policy read the application the same way (income at the low end
of its range, expenses at the high end, collateral as the policy recognises it). A
feature the application does not tell is ``None`` (the scorecard's missing bin).

:data:`LABELS` names each feature for people (the memo's adverse attributes).

:data:`FORBIDDEN` names the attributes no scorecard may use (protected or identifying);
:func:`check_allowed` refuses them with their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Literal

from cde.errors import InvalidInputError

if TYPE_CHECKING:  # types only: the assessments import the policy, which imports this
    from cde.domain.assessments import Assessed
    from cde.domain.facts import Facts
    from cde.domain.findings import Dimension

__all__ = [
    "CATEGORICAL",
    "FEATURES",
    "FORBIDDEN",
    "LABELS",
    "NUMERICAL",
    "FeatureKind",
    "FeatureValue",
    "ForbiddenFeatureError",
    "check_allowed",
    "features_from",
]

FeatureKind = Literal["numerical", "categorical"]
FeatureValue = float | str | None

# name: (kind, what it is)
FEATURES: Final[dict[str, tuple[FeatureKind, str]]] = {
    "dsr_pct": ("numerical", "debt service ratio: existing + requested instalment ÷ income, %"),
    "rpc_headroom_pct": (
        "numerical",
        "repayment capacity minus the requested instalment, % of the instalment",
    ),
    "coverage_pct": ("numerical", "recognised collateral ÷ plafon, %"),
    "own_funds_to_plafon_pct": ("numerical", "savings and deposits ÷ plafon, %"),
    "withdrawal_ratio_pct": ("numerical", "withdrawals ÷ deposits on the savings, %"),
    "kolektibilitas": ("numerical", "the repayment record, 1 (lancar) to 5 (macet)"),
    "active_loans": ("numerical", "loans still running at the cooperative"),
    "membership_months": ("numerical", "months of membership"),
    "age": ("numerical", "age in whole years"),
    "purpose_category": ("categorical", "konsumtif, modal_kerja, investasi, produktif, lainnya"),
    "interest_method": ("categorical", "flat, efektif or anuitas"),
    "tenor_months": ("numerical", "the requested tenor, months"),
    "plafon_to_annual_income": ("numerical", "plafon ÷ twelve months of (low) income"),
}
# How people read a feature: its name (Indonesian, English) and how its value is written
# (pct: a percentage, x: a multiple, months, years, category or a plain number).
LABELS: Final[dict[str, tuple[str, str, str]]] = {
    "dsr_pct": ("DSR", "DSR", "pct"),
    "rpc_headroom_pct": (
        "Sisa kemampuan bayar di atas angsuran",
        "Repayment capacity above the instalment",
        "pct",
    ),
    "coverage_pct": ("Cakupan agunan", "Collateral coverage", "pct"),
    "own_funds_to_plafon_pct": ("Dana sendiri terhadap plafon", "Own funds to the amount", "pct"),
    "withdrawal_ratio_pct": ("Rasio penarikan", "Withdrawal ratio", "pct"),
    "kolektibilitas": ("Kolektibilitas", "Kolektibilitas", "plain"),
    "active_loans": ("Pinjaman aktif", "Active loans", "plain"),
    "membership_months": ("Lama keanggotaan", "Membership", "months"),
    "age": ("Usia", "Age", "years"),
    "purpose_category": ("Kategori tujuan", "Purpose category", "category"),
    "interest_method": ("Metode bunga", "Interest method", "category"),
    "tenor_months": ("Tenor", "Term", "months"),
    "plafon_to_annual_income": (
        "Plafon terhadap penghasilan setahun",
        "Amount to a year's income",
        "x",
    ),
}
NUMERICAL: Final[tuple[str, ...]] = tuple(n for n, (k, _) in FEATURES.items() if k == "numerical")
CATEGORICAL: Final[tuple[str, ...]] = tuple(
    n for n, (k, _) in FEATURES.items() if k == "categorical"
)

# Protected or identifying attributes: never a scorecard's input, whatever a file says.
FORBIDDEN: Final[frozenset[str]] = frozenset(
    {
        "gender",
        "sex",
        "name",
        "nik",
        "customer_id",
        "loan_id",
        "birth",
        "birth_date",
        "birth_place",
        "religion",
        "ethnicity",
        "marital_status",
        "address",
        "phone",
    }
)


class ForbiddenFeatureError(InvalidInputError):
    """A scorecard asked to use a protected or identifying attribute."""

    def __init__(self, names: list[str]) -> None:
        self.names = sorted(names)
        super().__init__(
            "a scorecard may not use protected or identifying attributes: " + ", ".join(self.names)
        )


def check_allowed(names: list[str] | tuple[str, ...]) -> None:
    """Raise :class:`ForbiddenFeatureError` naming every forbidden name in ``names``."""
    bad = [n for n in names if n.lower() in FORBIDDEN]
    if bad:
        raise ForbiddenFeatureError(bad)


def _num(value: object) -> float | None:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def features_from(facts: Facts, assessed: Mapping[Dimension, Assessed]) -> dict[str, FeatureValue]:
    """The features of an application from the engine's facts and five assessments."""
    capacity = assessed["capacity"].metrics
    capital = assessed["capital"].metrics
    collateral = assessed["collateral"].metrics
    character = assessed["character"].metrics

    requested = _num(capacity.get("requested_installment"))
    rpc = _num(capacity.get("repayment_capacity"))
    income = facts.income_low
    headroom = (
        round((rpc - requested) * 100 / requested, 2)
        if rpc is not None and requested is not None and requested > 0 and income > 0
        else None
    )
    return {
        "dsr_pct": _num(capacity.get("dsr_pct")),
        "rpc_headroom_pct": headroom,
        "coverage_pct": _num(collateral.get("coverage_pct")),
        "own_funds_to_plafon_pct": _num(capital.get("own_funds_to_plafon_pct")),
        "withdrawal_ratio_pct": _num(capital.get("withdrawal_ratio_pct")),
        "kolektibilitas": _num(character.get("kolektibilitas")),
        "active_loans": _num(character.get("active_loans")),
        "membership_months": _num(character.get("membership_months")),
        "age": _num(facts.age),
        "purpose_category": str(facts.purpose_category),
        "interest_method": str(facts.method.value),
        "tenor_months": float(facts.tenure),
        "plafon_to_annual_income": (round(facts.plafon / (12 * income), 4) if income > 0 else None),
    }
