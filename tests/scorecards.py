"""A small, consistent scorecard file for tests that score without training one."""

from __future__ import annotations

from typing import Any

from cde.domain.scorecard.model import Regression, Scaling, bin_points

__all__ = ["SCORECARD_REGRESSION", "SCORECARD_SCALING", "small_scorecard"]

SCORECARD_REGRESSION = {"intercept": -2.0}
SCORECARD_SCALING = {"base_points": 600.0, "base_odds": 50.0, "pdo": 20.0}


def _scorecard_bin(
    woe: float, coef: float, count: int, rate: float, **bound: Any
) -> dict[str, Any]:
    pts = bin_points(woe, coef, 2, Regression(**SCORECARD_REGRESSION), Scaling(**SCORECARD_SCALING))
    return {**bound, "points": round(pts, 4), "woe": woe, "count": count, "bad_rate": rate}


def small_scorecard() -> dict[str, Any]:
    """A small, consistent scorecard file (decoded): DSR in three bins, the purpose in two.

    Its points follow from the WoE by the usual scaling (600 points at 50:1, 20 to double
    the odds) with the regression's intercept -2 over two features; the calibration is
    ``pd = 1/(1+exp(-(20.8 - 0.0346574·points)))``, the bands A (PD ≤ 5 %) and B.
    """
    return {
        "format": "cde-scorecard/1",
        "name": "unit",
        "version": "1",
        "features": [
            {
                "name": "dsr_pct",
                "kind": "numerical",
                "coefficient": -0.9,
                "iv": 0.4,
                "bins": [
                    _scorecard_bin(0.8, -0.9, 40, 0.05, upper=30.0),
                    _scorecard_bin(0.0, -0.9, 40, 0.1, upper=60.0),
                    _scorecard_bin(-0.9, -0.9, 15, 0.3, upper=None),
                ],
                "missing": _scorecard_bin(-0.5, -0.9, 5, 0.2),
            },
            {
                "name": "purpose_category",
                "kind": "categorical",
                "coefficient": -0.7,
                "iv": 0.05,
                "bins": [
                    _scorecard_bin(0.2, -0.7, 60, 0.08, categories=["investasi", "modal_kerja"]),
                    _scorecard_bin(-0.3, -0.7, 40, 0.14, categories=["konsumtif"]),
                ],
                "missing": _scorecard_bin(0.0, -0.7, 0, 0.0),
            },
        ],
        "regression": SCORECARD_REGRESSION,
        "scaling": SCORECARD_SCALING,
        "calibration": {"method": "logistic", "intercept": 20.8, "slope": -0.0346574},
        "bands": [{"name": "A", "pd_upper": 0.05}, {"name": "B", "pd_upper": 1.0}],
        "training": {"rows": 100, "bads": 12},
    }
