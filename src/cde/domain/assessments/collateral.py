"""Collateral: what the lender would recognise, recomputed under the policy.

Each item's recognised value is its market value (``value``, else the low end of
``estimated_price``) times the policy's recognition percentage for its code (a
conservative default for a code the policy does not know) — or the lender's own declared
``recognition`` when that is stricter — reduced further when the item is unverified (or
its verification is not stated) or its tax is unpaid. The declared ``recognition_value``
is not trusted; disagreements are data-quality flags.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from cde.domain.application import Application
from cde.domain.assessments import Assessed
from cde.domain.facts import Facts
from cde.domain.findings import Finding
from cde.domain.text import Text, percent
from cde.policies.model import Policy

__all__ = ["assess_collateral"]

_UNKNOWN_KIND = Text("jenis tidak dikenal", "unknown kind")


@cache
def _factors(unverified_pct: Decimal, unpaid_pct: Decimal) -> dict[tuple[bool, bool], Text]:
    """How the extra factors read, for each combination (written once per policy)."""
    unverified = (
        f" × {percent(unverified_pct, 'id')} (belum diverifikasi)",
        f" × {percent(unverified_pct, 'en')} (unverified)",
    )
    unpaid = (
        f" × {percent(unpaid_pct, 'id')} (pajak belum dibayar)",
        f" × {percent(unpaid_pct, 'en')} (tax unpaid)",
    )
    out = {}
    for a in (False, True):
        for b in (False, True):
            parts = [p for flag, p in ((a, unverified), (b, unpaid)) if flag]
            out[(a, b)] = Text("".join(p[0] for p in parts), "".join(p[1] for p in parts))
    return out


@cache
def _kind(label_id: str, label_en: str) -> Text:
    """A kind of collateral's name (one per type the policy lists)."""
    return Text(label_id, label_en)


def assess_collateral(app: Application, facts: Facts, policy: Policy) -> Assessed:
    rules = policy.collateral
    out = Assessed()

    def add(code: str, /, **params: object) -> None:
        out.findings.append(Finding(code, "collateral", params))

    total = Decimal(0)
    items: list[dict[str, object]] = []
    # the policy's type of each item, by its code or else its type (None: unknown)
    kinds = [rules.lookup(item.code) or rules.lookup(item.type) for item in app.collaterals]
    for i, item in enumerate(app.collaterals):
        name = item.name or item.type or item.code or f"#{i + 1}"
        value = item.value
        if value is None and item.estimated_price is not None:
            value = int(item.estimated_price.low)
        if value is None or value <= 0:
            add("COLLATERAL_VALUE_MISSING", name=name)
            continue
        known = kinds[i]
        if known is None:
            policy_pct = rules.unknown_recognition_pct
            kind = _UNKNOWN_KIND
            code = None
            add(
                "COLLATERAL_UNKNOWN_CODE",
                name=name,
                code=item.code or "—",
                recognition_pct=policy_pct,
            )
        else:
            code, ctype = known
            policy_pct = ctype.recognition_pct
            kind = _kind(ctype.label_id, ctype.label_en)
        # The policy's percentage is a ceiling: a stricter percentage the lender declared
        # itself is respected.
        pct = policy_pct
        if item.recognition is not None and 0 <= item.recognition < policy_pct:
            pct = item.recognition
        recognised = Decimal(value) * pct / 100
        unverified = item.is_verified is not True  # unverified, or not stated
        unpaid = item.is_tax_paid is False
        if unverified:
            recognised = recognised * rules.unverified_factor_pct / 100
        if unpaid:
            recognised = recognised * rules.tax_unpaid_factor_pct / 100
        recognised = recognised.to_integral_value(ROUND_HALF_UP)
        total += recognised
        add(
            "COLLATERAL_ITEM",
            name=name,
            kind=kind,
            value_rp=value,
            recognition_pct=pct,
            factors=_factors(rules.unverified_factor_pct, rules.tax_unpaid_factor_pct)[
                (unverified, unpaid)
            ],
            recognised_rp=recognised,
        )
        if item.is_verified is False:
            add("COLLATERAL_UNVERIFIED", name=name, factor_pct=rules.unverified_factor_pct)
        elif item.is_verified is None:
            add(
                "COLLATERAL_VERIFICATION_UNKNOWN",
                name=name,
                factor_pct=rules.unverified_factor_pct,
            )
        if item.is_tax_paid is False:
            add("COLLATERAL_TAX_UNPAID", name=name, factor_pct=rules.tax_unpaid_factor_pct)
        if known is not None and known[1].kind == "land":
            add("COLLATERAL_BIND_HT", name=name)
        elif known is not None and known[1].kind == "vehicle":
            add("COLLATERAL_BIND_FIDUCIA", name=name)
        declared_expected = (
            int((Decimal(item.value) * item.recognition / 100).to_integral_value(ROUND_HALF_UP))
            if item.value is not None and item.recognition is not None
            else None
        )
        items.append(
            {
                "name": name,
                "code": code,
                "value": value,
                "policy_recognition_pct": float(policy_pct),
                "recognition_pct": float(pct),
                "declared_recognition_pct": (
                    float(item.recognition) if item.recognition is not None else None
                ),
                "declared_recognition_value": item.recognition_value,
                "declared_value_times_pct": declared_expected,
                "recognised": int(recognised),
            }
        )

    recognised_total = int(total)
    coverage = round(recognised_total * 100 / facts.plafon, 2)
    if facts.plafon <= rules.unsecured_limit and recognised_total == 0:
        add("COLLATERAL_NOT_REQUIRED", limit_rp=rules.unsecured_limit)
    elif recognised_total == 0:
        add("COLLATERAL_NONE", limit_rp=rules.unsecured_limit)
    elif coverage >= rules.strong_coverage_pct:
        add("COVERAGE_STRONG", recognised_rp=recognised_total, coverage_pct=coverage)
    elif coverage >= rules.required_coverage_pct or facts.plafon <= rules.unsecured_limit:
        add(
            "COVERAGE_ADEQUATE",
            recognised_rp=recognised_total,
            coverage_pct=coverage,
            required_pct=rules.required_coverage_pct,
        )
    else:
        add(
            "COVERAGE_SHORT",
            recognised_rp=recognised_total,
            coverage_pct=coverage,
            required_pct=rules.required_coverage_pct,
        )

    # The largest plafon the collateral supports (never less than the unsecured limit).
    supported = (
        int(total * 100 / rules.required_coverage_pct) if rules.required_coverage_pct else None
    )
    limit = max(rules.unsecured_limit, supported) if supported is not None else None
    out.metrics = {
        "recognised_value": recognised_total,
        "coverage_pct": coverage,
        "required_coverage_pct": float(rules.required_coverage_pct),
        "max_plafon_by_collateral": limit,
        "items": items,
    }
    out.thresholds = {
        **rules.thresholds,
        # the policy's recognition percentage of each kind of collateral the application
        # names, valued or not (the data-quality checks cite it)
        "recognition_pct_by_type": {
            code: float(ctype.recognition_pct) for code, ctype in filter(None, kinds)
        },
    }
    return out
