"""Score one application's features with a scorecard: pure Python, no optbinning.

A feature's value falls in one bin: a numerical value in the first bin whose ``upper``
(exclusive) it is below, or the last (open) bin; a categorical value in the bin that lists
it. ``None``, a category the training never saw, or a value of the wrong type falls in the
feature's ``missing`` bin. The points are the sum of the bins' points, the PD the
calibration's ``1/(1+exp(-(intercept + slope·points)))`` and the band the first whose
``pd_upper`` the PD does not exceed.

``adverse`` lists the attributes that cost the most points: for each feature, the points
of its best bin less the points of the bin the value fell in (the reason codes of an
adverse-action notice), largest first, at most :data:`ADVERSE_COUNT`, none that cost
nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, cast

from cde.domain.scorecard.features import FeatureValue
from cde.domain.scorecard.model import Bin, Feature, Lookup, MissingBin, Scorecard

__all__ = ["ADVERSE_COUNT", "Adverse", "Score", "Scored", "bin_of", "score", "score_with"]

ADVERSE_COUNT = 4


class Adverse(NamedTuple):  # tuples: made for every application, cheap to make
    feature: str
    value: FeatureValue
    points_lost: float


class Score(NamedTuple):
    points: float
    pd: float
    band: str
    adverse: tuple[Adverse, ...]


@dataclass(frozen=True, slots=True)
class Scored:
    """A scorecard's reading of one application, as the decision and the result use it."""

    scorecard: Scorecard
    features: Mapping[str, FeatureValue]
    score: Score

    @property
    def label(self) -> str:
        """The scorecard's name and version: ``kocek-koperasi 2026.12``."""
        return f"{self.scorecard.name} {self.scorecard.version}"


def bin_of(feature: Feature, value: FeatureValue) -> Bin | MissingBin:
    """The bin ``value`` falls in (the missing bin when it falls in none)."""
    if value is None:
        return feature.missing
    if feature.kind == "numerical":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return feature.missing
        for b in feature.bins:
            if b.upper is None or value < b.upper:
                return b
        return feature.missing  # unreachable in a validated file: the last bin is open
    if not isinstance(value, str):
        return feature.missing
    for b in feature.bins:
        if b.categories is not None and value in b.categories:
            return b
    return feature.missing


def _bin(lookup: Lookup, value: FeatureValue) -> tuple[float, float]:
    """(points, points lost) of the bin ``value`` falls in: :func:`bin_of`, by bisection."""
    kind = type(value)
    if lookup.numerical:
        if kind is float or kind is int:  # not bool, not None, not a string
            return lookup.bins[bisect_right(lookup.uppers, cast(float, value))]
        return lookup.missing
    if kind is str:
        return lookup.categories.get(cast(str, value), lookup.missing)
    return lookup.missing


def score(features: Mapping[str, FeatureValue], scorecard: Scorecard) -> Score:
    """Points, PD, band and adverse attributes of one application's features."""
    total = 0.0
    losses: list[tuple[float, str, FeatureValue]] = []
    for lookup in scorecard.lookups:
        value = features.get(lookup.name)
        # as _bin reads it, inline: this runs for every feature
        if lookup.numerical:
            if type(value) is float or type(value) is int:
                points, lost = lookup.bins[bisect_right(lookup.uppers, value)]
            else:
                points, lost = lookup.missing
        elif type(value) is str:
            points, lost = lookup.categories.get(value, lookup.missing)
        else:
            points, lost = lookup.missing
        total += points
        if lost > 0:
            losses.append((-lost, lookup.name, value))
    # the largest loss first, then by name: a scorecard names each feature once, so the
    # tuples never compare their values
    losses.sort()
    total = round(total, 4)
    pd = scorecard.calibration.pd(total)
    adverse = tuple([Adverse(name, value, -neg) for neg, name, value in losses[:ADVERSE_COUNT]])
    return Score(total, round(pd, 6), scorecard.band(pd), adverse)


def score_with(scorecard: Scorecard, features: Mapping[str, FeatureValue]) -> Scored:
    """:func:`score`, kept with the scorecard and the features it read."""
    return Scored(scorecard, features, score(features, scorecard))
