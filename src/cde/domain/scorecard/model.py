"""The scorecard file: JSON (never pickle), validated before any use.

A file is one ``cde-scorecard/1`` object (docs/scorecard.md, "The scorecard file")::

    format, name, version
    features[]   name, kind (numerical | categorical), coefficient, iv,
                 bins[] (numerical: ``upper``, exclusive, null = +inf for the last one;
                         categorical: ``categories``), each with points, woe, count, bad_rate
                 missing (the bin of an unknown value): points, woe, count, bad_rate
    regression   intercept (the logistic regression on the WoE the points come from)
    scaling      base_points, base_odds (good:bad), pdo
    calibration  method "logistic", intercept, slope: pd = 1/(1+exp(-(intercept+slope·points)))
    bands[]      name, pd_upper (ascending; the last 1)
    training     rows, bads, bad_rate, input_sha256, seed, validation, metrics, libraries, …

:func:`load_scorecard` (and :func:`parse_scorecard`) refuse a file that does not validate,
or whose parts disagree, with every reason: an unknown format, a forbidden or unknown
feature, unordered or overlapping bins, points that do not follow from the WoE, the
coefficients and the scaling (a bin's points edited by hand), bin counts that do not add
up to the training rows, unordered bands, a calibration in which more points mean more
risk.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cde.domain.scorecard.features import FEATURES, FORBIDDEN
from cde.errors import InvalidInputError

__all__ = [
    "FORMAT",
    "POINTS_TOLERANCE",
    "Band",
    "Bin",
    "Calibration",
    "Feature",
    "MissingBin",
    "Regression",
    "Scaling",
    "Scorecard",
    "ScorecardError",
    "bin_points",
    "load_scorecard",
    "parse_scorecard",
]

FORMAT = "cde-scorecard/1"
# Points are stored rounded (4 digits) from a WoE and a coefficient rounded to 6: a bin's
# points and the ones its WoE gives agree within this, an edited bin does not.
POINTS_TOLERANCE = 0.01


class ScorecardError(InvalidInputError):
    """A scorecard file that cannot be read, does not validate or is inconsistent.

    ``problems`` lists ``(where, what)`` pairs, every one found.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {where}: {what}" for where, what in problems)
        super().__init__(f"invalid scorecard {source}:\n{lines}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bin(_Strict):
    upper: float | None = None  # numerical: exclusive upper bound; None = +inf
    categories: tuple[str, ...] | None = None  # categorical
    points: float
    woe: float
    count: int = Field(ge=0)
    bad_rate: float = Field(ge=0, le=1)


class MissingBin(_Strict):
    points: float
    woe: float
    count: int = Field(ge=0)
    bad_rate: float = Field(ge=0, le=1)


class Feature(_Strict):
    name: str
    kind: Literal["numerical", "categorical"]
    coefficient: float
    iv: float = Field(ge=0)
    bins: tuple[Bin, ...] = Field(min_length=1)
    missing: MissingBin


class Regression(_Strict):
    intercept: float


class Scaling(_Strict):
    base_points: float
    base_odds: float = Field(gt=0)
    pdo: float = Field(gt=0)

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)


class Calibration(_Strict):
    method: Literal["logistic"]
    intercept: float
    slope: float

    def pd(self, points: float) -> float:
        z = self.intercept + self.slope * points
        if z >= 0:
            return 1 / (1 + math.exp(-z))
        e = math.exp(z)  # no overflow for very negative z
        return e / (1 + e)


class Band(_Strict):
    name: str = Field(min_length=1)
    pd_upper: float = Field(gt=0, le=1)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One feature's bins as scoring reads them: the numerical bounds for a bisection (or
    the categories), and for each bin (and the missing bin) its points and the points it
    loses against the best bin seen in training, rounded to 4 digits (0: none lost)."""

    name: str
    numerical: bool
    uppers: tuple[float, ...]  # the bounded bins' exclusive upper bounds, ascending
    bins: tuple[tuple[float, float], ...]  # (points, lost) of each bin (len(uppers) + 1)
    categories: dict[str, tuple[float, float]]  # categorical: category -> its bin's
    missing: tuple[float, float]


class Scorecard(_Strict):
    format: Literal["cde-scorecard/1"]
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    features: tuple[Feature, ...] = Field(min_length=1)
    regression: Regression
    scaling: Scaling
    calibration: Calibration
    bands: tuple[Band, ...] = Field(min_length=1)
    training: dict[str, Any]

    def band(self, pd: float) -> str:
        for upper, name in self._band_limits:
            if pd <= upper:
                return name
        return self.bands[-1].name

    @cached_property
    def _band_limits(self) -> tuple[tuple[float, str], ...]:
        """(pd_upper, name) of each band, read once per loaded file (the file is frozen)."""
        return tuple((band.pd_upper, band.name) for band in self.bands)

    @cached_property
    def lookups(self) -> tuple[Lookup, ...]:
        """The bins prepared for scoring, once per loaded file (the file is frozen)."""
        out = []
        for f in self.features:
            seen = [b.points for b in f.bins if b.count > 0]
            if f.missing.count > 0:
                seen.append(f.missing.points)
            best = max(seen, default=f.missing.points)

            def pair(points: float, best: float = best) -> tuple[float, float]:
                return points, round(max(best, points) - points, 4)

            out.append(
                Lookup(
                    name=f.name,
                    numerical=f.kind == "numerical",
                    uppers=tuple(b.upper for b in f.bins if b.upper is not None),
                    bins=tuple(pair(b.points) for b in f.bins),
                    categories={
                        c: pair(b.points)
                        for b in f.bins
                        if b.categories is not None
                        for c in b.categories
                    },
                    missing=pair(f.missing.points),
                )
            )
        return tuple(out)


def bin_points(
    woe: float, coefficient: float, n_features: int, regression: Regression, scaling: Scaling
) -> float:
    """The points a bin's WoE gives (optbinning's ``pdo_odds`` scaling): the log-odds of
    good ``-(coefficient·woe + intercept/n)`` turned into points, plus ``offset/n``."""
    raw = coefficient * woe + regression.intercept / n_features
    return -raw * scaling.factor + scaling.offset / n_features


def _check(card: Scorecard) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    names = [f.name for f in card.features]
    forbidden = sorted({n for n in names if n.lower() in FORBIDDEN})
    if forbidden:
        problems.append(
            (
                "features",
                "protected or identifying attributes may not be used: " + ", ".join(forbidden),
            )
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        problems.append(("features", "named twice: " + ", ".join(duplicated)))
    rows = card.training.get("rows")
    n = len(card.features)
    for i, feature in enumerate(card.features):
        where = f"features.{i}({feature.name})"
        known = FEATURES.get(feature.name)
        if known is None and feature.name.lower() not in FORBIDDEN:
            problems.append((where, "not a feature cde computes"))
        elif known is not None and known[0] != feature.kind:
            problems.append((where, f"is {known[0]}, the file says {feature.kind}"))
        if feature.kind == "numerical":
            uppers = [b.upper for b in feature.bins]
            if any(b.categories is not None for b in feature.bins):
                problems.append((where, "a numerical feature's bins have no categories"))
            if uppers[-1] is not None:
                problems.append((where, "the last bin must be open (upper null)"))
            bounded = list(uppers[:-1])
            if any(u is None for u in bounded):
                problems.append((where, "only the last bin may be open (upper null)"))
            finite = [u for u in bounded if u is not None]
            if any(b <= a for a, b in itertools.pairwise(finite)):
                problems.append((where, "bins are not in ascending order of upper"))
            if any(not math.isfinite(u) for u in finite):
                problems.append((where, "a bin's upper is not a finite number"))
        else:
            seen: set[str] = set()
            for j, b in enumerate(feature.bins):
                if b.upper is not None or not b.categories:
                    problems.append((f"{where}.bins.{j}", "a categorical bin lists categories"))
                    continue
                overlap = seen.intersection(b.categories)
                if overlap:
                    problems.append(
                        (
                            f"{where}.bins.{j}",
                            "categories in two bins: " + ", ".join(sorted(overlap)),
                        )
                    )
                seen.update(b.categories)
        placed: list[tuple[str, Bin | MissingBin]] = [
            (f"{where}.bins.{j}", b) for j, b in enumerate(feature.bins)
        ]
        placed.append((f"{where}.missing", feature.missing))
        for at, one in placed:
            expected = bin_points(one.woe, feature.coefficient, n, card.regression, card.scaling)
            if abs(expected - one.points) > POINTS_TOLERANCE:
                problems.append(
                    (
                        at,
                        f"points {one.points} do not follow from the WoE, the coefficient and "
                        f"the scaling ({expected:.4f})",
                    )
                )
        counted = sum(b.count for b in feature.bins) + feature.missing.count
        if isinstance(rows, int) and counted != rows:
            problems.append((where, f"the bins count {counted} rows, training.rows is {rows}"))
    limits = [band.pd_upper for band in card.bands]
    if any(hi <= lo for lo, hi in itertools.pairwise(limits)):
        problems.append(("bands", "not in ascending order of pd_upper"))
    if limits[-1] != 1:
        problems.append(("bands", "the last band must end at pd_upper 1"))
    if card.calibration.slope >= 0:
        problems.append(("calibration.slope", "must be negative: more points, less risk"))
    if not isinstance(rows, int) or rows <= 0:
        problems.append(("training.rows", "must be a positive whole number"))
    return problems


def parse_scorecard(data: object, source: str = "<scorecard>") -> Scorecard:
    """Validate a decoded scorecard; raise :class:`ScorecardError` with every reason."""
    if isinstance(data, dict) and data.get("format") != FORMAT:
        raise ScorecardError(
            source, [("format", f"expected {FORMAT!r}, found {data.get('format')!r}")]
        )
    try:
        card = Scorecard.model_validate(data)
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in err["loc"]) or "(top level)", err["msg"])
            for err in exc.errors(include_url=False)
        ]
        raise ScorecardError(source, problems) from None
    problems = _check(card)
    if problems:
        raise ScorecardError(source, problems)
    return card


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and validate a scorecard file (JSON)."""
    file = Path(path)
    try:
        data = orjson.loads(file.read_bytes())
    except OSError as exc:
        raise ScorecardError(str(file), [("(file)", exc.strerror or str(exc))]) from None
    except orjson.JSONDecodeError as exc:
        raise ScorecardError(str(file), [("(file)", f"not JSON: {exc}")]) from None
    return parse_scorecard(data, str(file))
