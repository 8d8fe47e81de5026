"""The credit policy as data: every threshold, weight, haircut, knock-out and band.

A policy file (TOML or JSON) is validated on load; any problem is reported with the
setting's dotted path (``capacity.dsr_watch_pct``) and what was expected. Nothing in
:mod:`cde.domain` hard-codes a number that a cooperative might want to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cache, cached_property
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cde.domain.findings import Severity
from cde.domain.loan_math import InterestMethod
from cde.domain.scorecard.model import Scorecard

__all__ = [
    "CapacityPolicy",
    "CapitalPolicy",
    "CharacterPolicy",
    "CollateralPolicy",
    "CollateralType",
    "ConditionPolicy",
    "DecisionPolicy",
    "InterestPolicy",
    "OutcomePolicy",
    "Policy",
    "ReasonPolicy",
    "ScorecardPolicy",
    "TenorPolicy",
]

Pct = Annotated[Decimal, Field(ge=0, le=1000)]
Grade = Literal["A", "B", "C", "D", "E"]
PurposeCategory = Literal["konsumtif", "modal_kerja", "investasi", "produktif", "lainnya"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (pydantic's); changed by ``update``, it drops what was cached from the old
        settings (the ``cached_property`` values pydantic copies with the fields)."""
        copy = super().model_copy(update=update, deep=deep)
        if update:
            for name in _cached_properties(type(self)):
                copy.__dict__.pop(name, None)
        return copy


@cache
def _cached_properties(cls: type) -> tuple[str, ...]:
    return tuple(
        name
        for klass in cls.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, cached_property)
    )


class Weights(_Strict):
    character: Annotated[int, Field(ge=0)]
    capacity: Annotated[int, Field(ge=0)]
    capital: Annotated[int, Field(ge=0)]
    collateral: Annotated[int, Field(ge=0)]
    condition: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _not_all_zero(self) -> Weights:
        if self.total == 0:
            raise ValueError("at least one weight must be above zero")
        return self

    @property
    def total(self) -> int:
        return self.character + self.capacity + self.capital + self.collateral + self.condition


class Grades(_Strict):
    """Lowest score of each grade; anything below ``D`` is ``E``."""

    A: Annotated[int, Field(ge=0, le=100)]
    B: Annotated[int, Field(ge=0, le=100)]
    C: Annotated[int, Field(ge=0, le=100)]
    D: Annotated[int, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _descending(self) -> Grades:
        if not self.A > self.B > self.C > self.D:
            raise ValueError("grade bands must strictly descend: A > B > C > D")
        return self

    def grade(self, score: int) -> Grade:
        if score >= self.A:
            return "A"
        if score >= self.B:
            return "B"
        if score >= self.C:
            return "C"
        if score >= self.D:
            return "D"
        return "E"


class DecisionPolicy(_Strict):
    decline_below_score: Annotated[int, Field(ge=0, le=100)]
    approve_min_grade: Grade
    plafon_step: Annotated[int, Field(ge=1)]
    min_plafon: Annotated[int, Field(ge=0)]
    max_plafon: Annotated[int, Field(ge=1)]
    knockouts: tuple[str, ...]

    @model_validator(mode="after")
    def _min_below_max(self) -> DecisionPolicy:
        if self.min_plafon > self.max_plafon:
            raise ValueError("min_plafon must not exceed max_plafon")
        return self

    @cached_property
    def knockout_codes(self) -> frozenset[str]:
        """``knockouts`` as a set: read for every finding of every evaluation."""
        return frozenset(self.knockouts)


class InterestPolicy(_Strict):
    legal_ceiling_pct: Pct
    default_method: InterestMethod
    method_codes: dict[str, InterestMethod]


class TenorPolicy(_Strict):
    min_months: Annotated[int, Field(ge=1)]
    # When the term must be extended, it grows to the next multiple of this many months
    # (6: 24 → 30 → 36), never past the longest allowed term.
    step_months: Annotated[int, Field(ge=1, le=60)]
    max_months: dict[PurposeCategory, Annotated[int, Field(ge=1, le=600)]]

    @model_validator(mode="after")
    def _every_purpose(self) -> TenorPolicy:
        missing = {"konsumtif", "modal_kerja", "investasi", "produktif", "lainnya"} - set(
            self.max_months
        )
        if missing:
            raise ValueError(f"max_months needs an entry for {', '.join(sorted(missing))}")
        if min(self.max_months.values()) < self.min_months:
            raise ValueError("every max_months must be at least min_months")
        return self


class CharacterPolicy(_Strict):
    min_age: Annotated[int, Field(ge=17, le=100)]
    max_age_at_maturity: Annotated[int, Field(ge=18, le=120)]
    max_active_loans: Annotated[int, Field(ge=0)]
    min_membership_months: Annotated[int, Field(ge=0)]
    long_membership_months: Annotated[int, Field(ge=0)]
    age_tolerance_years: Annotated[int, Field(ge=0)]

    @cached_property
    def thresholds(self) -> dict[str, Any]:
        """The limits character's ``thresholds`` carries (written once; copy, never change)."""
        return {
            "min_age": self.min_age,
            "max_age_at_maturity": self.max_age_at_maturity,
            "max_active_loans": self.max_active_loans,
            "min_membership_months": self.min_membership_months,
            "long_membership_months": self.long_membership_months,
        }


class CapacityPolicy(_Strict):
    dsr_healthy_pct: Pct
    dsr_acceptable_pct: Pct
    dsr_watch_pct: Pct
    sizing_dsr_pct: Pct
    rpc_share_pct: Annotated[Decimal, Field(gt=0, le=100)]
    existing_debt_rate_pct: Pct
    existing_debt_remaining_months: Annotated[int, Field(ge=1, le=600)]
    max_plafon_to_annual_income: Annotated[Decimal, Field(gt=0)]

    @model_validator(mode="after")
    def _bands_ascend(self) -> CapacityPolicy:
        if not self.dsr_healthy_pct <= self.dsr_acceptable_pct <= self.dsr_watch_pct:
            raise ValueError("DSR bands must ascend: healthy <= acceptable <= watch")
        return self

    @cached_property
    def thresholds(self) -> dict[str, Any]:
        """The limits and assumptions capacity's ``thresholds`` carries (written once;
        copy, never change)."""
        return {
            "dsr_healthy_pct": float(self.dsr_healthy_pct),
            "dsr_acceptable_pct": float(self.dsr_acceptable_pct),
            "dsr_watch_pct": float(self.dsr_watch_pct),
            "sizing_dsr_pct": float(self.sizing_dsr_pct),
            "rpc_share_pct": float(self.rpc_share_pct),
            "existing_debt_remaining_months": self.existing_debt_remaining_months,
            "existing_debt_rate_pct": float(self.existing_debt_rate_pct),
        }


class CapitalPolicy(_Strict):
    own_funds_strong_pct: Pct
    own_funds_modest_pct: Pct
    withdrawal_ratio_max_pct: Pct

    @cached_property
    def thresholds(self) -> dict[str, Any]:
        """The limits capital's ``thresholds`` carries (written once; copy, never change)."""
        return {
            "own_funds_modest_pct": float(self.own_funds_modest_pct),
            "own_funds_strong_pct": float(self.own_funds_strong_pct),
            "withdrawal_ratio_max_pct": float(self.withdrawal_ratio_max_pct),
        }


class CollateralType(_Strict):
    label_id: str
    label_en: str
    recognition_pct: Annotated[Decimal, Field(ge=0, le=100)]
    aliases: tuple[str, ...] = ()
    kind: Literal["land", "vehicle", "cash", "gold", "other"] = "other"


class CollateralPolicy(_Strict):
    required_coverage_pct: Pct
    strong_coverage_pct: Pct
    unsecured_limit: Annotated[int, Field(ge=0)]
    unverified_factor_pct: Annotated[Decimal, Field(ge=0, le=100)]
    tax_unpaid_factor_pct: Annotated[Decimal, Field(ge=0, le=100)]
    recognition_tolerance_pct: Annotated[Decimal, Field(ge=0, le=100)]
    unknown_recognition_pct: Annotated[Decimal, Field(ge=0, le=100)]
    types: dict[str, CollateralType]

    @model_validator(mode="after")
    def _aliases_unique(self) -> CollateralPolicy:
        seen: dict[str, str] = {}
        for code, kind in self.types.items():
            for name in (code, *kind.aliases):
                key = name.upper()
                if key in seen and seen[key] != code:
                    raise ValueError(f"collateral code {name!r} is used by {seen[key]} and {code}")
                seen[key] = code
        return self

    @cached_property
    def thresholds(self) -> dict[str, Any]:
        """The limits collateral's ``thresholds`` carries, but for the recognition of the
        kinds an application names (written once; copy, never change)."""
        return {
            "strong_coverage_pct": float(self.strong_coverage_pct),
            "unsecured_limit": self.unsecured_limit,
            "unverified_factor_pct": float(self.unverified_factor_pct),
            "tax_unpaid_factor_pct": float(self.tax_unpaid_factor_pct),
            "unknown_recognition_pct": float(self.unknown_recognition_pct),
        }

    @cached_property
    def _index(self) -> dict[str, tuple[str, CollateralType]]:
        index: dict[str, tuple[str, CollateralType]] = {}
        for code, kind in self.types.items():
            for name in (code, *kind.aliases):
                index[name.upper()] = (code, kind)
        return index

    def lookup(self, code: str | None) -> tuple[str, CollateralType] | None:
        """The collateral type a code (or alias) names, case-insensitive."""
        if not code:
            return None
        return self._index.get(code.strip().upper())


class ConditionPolicy(_Strict):
    # purpose phrase (lower case) -> category; matched whole first, then as a part
    purposes: dict[str, PurposeCategory]

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], PurposeCategory]]:
        ordered = sorted(self.purposes.items(), key=lambda kv: -len(kv[0]))
        return [
            (re.compile(r"(?<![a-z])" + re.escape(phrase) + r"(?![a-z])"), category)
            for phrase, category in ordered
        ]

    def category(self, purpose: str | None) -> PurposeCategory | None:
        """The category a free-text purpose names, or None when nothing matches.

        Phrases match whole words; a productive phrase that is negated ("non produktif",
        "tidak untuk usaha", "bukan modal kerja") means a consumption loan.
        """
        if not purpose:
            return None
        key = " ".join(purpose.lower().replace("_", " ").split())
        found = self.purposes.get(key)
        if found is not None and not _NEGATED.match(key):
            return found
        for pattern, category in self._patterns:
            match = pattern.search(key)
            if match is None:
                continue
            if category in _PRODUCTIVE and _NEGATION_BEFORE.search(key[: match.start()]):
                return "konsumtif"
            return category
        return None


_PRODUCTIVE = frozenset({"modal_kerja", "investasi", "produktif"})
_NEGATION_BEFORE = re.compile(r"(?:^|[^a-z])(?:non|tidak|bukan|not|tanpa)(?:[\s-]+untuk)?[\s-]*$")
_NEGATED = re.compile(r"^(?:non|tidak|bukan|not)[\s-]")


class OutcomePolicy(_Strict):
    """What a loan's observed outcome means (the scorecard's target, not the engine's)."""

    # A kolektibilitas at the end of the performance window from this class up is "bad"
    # (3: Kurang Lancar, Diragukan and Macet, the non-performing classes of POJK 40/2019).
    bad_from_kolektibilitas: Annotated[int, Field(ge=2, le=5)] = 3


Probability = Annotated[float, Field(gt=0, lt=1)]

# The reasons a scorecard's PD cut-offs give: a policy that sets cut-offs must rank them.
SCORECARD_REASONS = ("DECLINE_PD_HIGH", "PD_ABOVE_APPROVAL")


class ScorecardPolicy(_Strict):
    """The scorecard a policy reads, and the PD cut-offs that decide with it.

    Without cut-offs the PD is reported beside the decision and decides nothing (a
    scorecard run in the shadow of the expert policy); with either, the PD takes the
    overall score's place: above ``decline_above_pd`` declines, from ``approve_below_pd``
    up puts a committee review on the approval.
    """

    file: Annotated[str, Field(min_length=1)]  # JSON; a relative path is the policy file's
    approve_below_pd: Probability | None = None
    decline_above_pd: Probability | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ScorecardPolicy:
        low, high = self.approve_below_pd, self.decline_above_pd
        if low is not None and high is not None and low > high:
            raise ValueError("approve_below_pd must not be above decline_above_pd")
        return self

    @property
    def decides(self) -> bool:
        """Whether the PD decides (a cut-off is set), rather than the overall score."""
        return self.approve_below_pd is not None or self.decline_above_pd is not None


class ReasonPolicy(_Strict):
    severity: Severity
    points: Annotated[int, Field(ge=0, le=100)]


class Policy(_Strict):
    name: Annotated[str, Field(min_length=1)]
    version: Annotated[str, Field(min_length=1)]
    description: str = ""
    reasons: dict[str, ReasonPolicy]  # first, so that `decision` can be checked against it
    weights: Weights
    grades: Grades
    decision: DecisionPolicy
    interest: InterestPolicy
    tenor: TenorPolicy
    character: CharacterPolicy
    capacity: CapacityPolicy
    capital: CapitalPolicy
    collateral: CollateralPolicy
    condition: ConditionPolicy
    # Optional, so that a policy file written before outcomes were recorded still loads.
    outcome: OutcomePolicy = OutcomePolicy()
    scorecard: ScorecardPolicy | None = None
    # The scorecard itself, loaded from ``scorecard.file`` (or given with --scorecard /
    # CDE_SCORECARD_FILE) by :meth:`with_scorecard`: not a setting of the file.
    _scorecard_model: Scorecard | None = PrivateAttr(None)

    @property
    def scorecard_model(self) -> Scorecard | None:
        """The scorecard decisions are scored with, if any."""
        # pydantic's private storage, read directly: the attribute goes through
        # BaseModel.__getattr__, ten times slower, and this is read for every evaluation
        private = self.__pydantic_private__
        card: Scorecard | None = private["_scorecard_model"] if private else None
        return card

    def with_scorecard(self, card: Scorecard | None) -> Policy:
        """This policy scoring with ``card`` (None: with none); the policy is unchanged."""
        copy = self.model_copy()
        copy._scorecard_model = card
        return copy

    @cached_property
    def reason_points(self) -> dict[str, int]:
        """Reason code -> points it costs (a plain dict: read for every finding)."""
        return {code: r.points for code, r in self.reasons.items()}

    @cached_property
    def reason_rank(self) -> dict[str, int]:
        """Reason code -> severity rank (0 positive … 5 critical)."""
        return {code: r.severity.rank for code, r in self.reasons.items()}

    @cached_property
    def reason_severity(self) -> dict[str, str]:
        """Reason code -> severity name, as the result object writes it."""
        return {code: r.severity.value for code, r in self.reasons.items()}

    @field_validator("decision")
    @classmethod
    def _knockouts_are_reasons(
        cls, decision: DecisionPolicy, info: ValidationInfo
    ) -> DecisionPolicy:
        reasons = info.data.get("reasons")
        if reasons is not None:
            unknown = [code for code in decision.knockouts if code not in reasons]
            if unknown:
                raise ValueError(f"knockouts names unknown reason codes: {unknown}")
        return decision

    @field_validator("scorecard")
    @classmethod
    def _scorecard_reasons(
        cls, scorecard: ScorecardPolicy | None, info: ValidationInfo
    ) -> ScorecardPolicy | None:
        reasons = info.data.get("reasons")
        if scorecard is not None and scorecard.decides and reasons is not None:
            missing = [code for code in SCORECARD_REASONS if code not in reasons]
            if missing:
                raise ValueError(
                    f"PD cut-offs need [reasons] entries for {', '.join(missing)} "
                    "(see the default policy)"
                )
        return scorecard
