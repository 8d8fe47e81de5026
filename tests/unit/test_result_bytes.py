"""The result object, byte for byte: a speed-up of the engine must never change a result.

Pins the SHA-256 of ``orjson.dumps(result_object(assess(...), lang))`` (what ``cde
evaluate``, the API, ``cde batch`` and storage serialise) and of the Markdown memo (``cde
evaluate --format markdown``), computed from the engine before the issue-15 speed-ups:

- the seed (``examples/seed_request.json``), one hash per day, language and scorecard case,
  so that a failure says which;
- the seed with each of its fields removed in turn (the "not stated" paths), and the
  narration corpus's applications, one combined hash per group, scorecard case and language;
- 200 generated applications (``benchmarks/generate_applications.py``), the same.

The scorecard cases: none (the default policy); :func:`full_scorecard` (every feature
cde computes, so every kind of adverse text) with no PD cut-off; the same with cut-offs
(the PD declines or asks for the committee). The days are fixed, never today.

The hashes are the contract: never update them to make a change pass. If a change of the
output is intended (a new finding, new words), recompute them with
``.venv/bin/python tests/unit/test_result_bytes.py`` and say so in the change.
"""

from __future__ import annotations

import copy
import hashlib
import sys
import tomllib
from collections.abc import Iterator
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest

from cde.domain.application import InvalidApplicationError, parse_application
from cde.domain.evaluation import assess
from cde.domain.result import result_object
from cde.domain.scorecard.model import Regression, Scaling, Scorecard, bin_points, parse_scorecard
from cde.domain.text import Lang
from cde.policies import Policy, default_policy

REPO = Path(__file__).resolve().parents[2]
SEED_FILE = REPO / "examples" / "seed_request.json"
CORPUS = REPO / "tests" / "narration_corpus" / "applications"

SEED_DAYS = (date(2024, 10, 21), date(2026, 11, 23), date(2031, 2, 28))
DAYS = (date(2024, 10, 21), date(2027, 6, 30))
LANGS: tuple[Lang, ...] = ("id", "en")
CARDS = ("none", "full", "cutoffs")
GENERATED = 200  # generate(GENERATED, seed=GENERATED_SEED)
GENERATED_SEED = 15

# --- the scorecard --------------------------------------------------------------------------

_REGRESSION = {"intercept": -1.3}
_SCALING = {"base_points": 600.0, "base_odds": 50.0, "pdo": 20.0}
_ROWS = 1000

# name: (coefficient, [(upper or categories, woe, count)], missing (woe, count))
_NUMERICAL: dict[str, tuple[float, list[tuple[float | None, float, int]], tuple[float, int]]] = {
    "dsr_pct": (-0.83, [(20.0, 0.9, 300), (35.0, 0.31, 300), (60.0, -0.27, 250)], (-0.6, 10)),
    "rpc_headroom_pct": (
        -0.41,
        [(0.0, -0.77, 200), (50.0, 0.05, 300), (150.0, 0.23, 200)],
        (0.0, 0),
    ),
    "coverage_pct": (
        -0.57,
        [(50.0, -0.35, 400), (120.0, 0.12, 300), (250.0, 0.44, 100)],
        (-0.1, 5),
    ),
    "own_funds_to_plafon_pct": (-0.62, [(10.0, -0.51, 150), (40.0, 0.0, 400)], (0.0, 0)),
    "withdrawal_ratio_pct": (-0.35, [(60.0, 0.37, 300), (120.0, 0.03, 400)], (-0.2, 20)),
    "kolektibilitas": (-1.1, [(2.0, 0.42, 700), (3.0, -0.66, 120)], (-0.3, 0)),
    "active_loans": (-0.29, [(1.0, 0.15, 400), (3.0, 0.01, 400)], (0.0, 0)),
    "membership_months": (
        -0.48,
        [(12.0, -0.58, 150), (36.0, -0.04, 300), (84.0, 0.22, 350)],
        (-0.9, 3),
    ),
    "age": (-0.31, [(25.0, -0.41, 80), (50.0, 0.11, 700)], (-0.25, 2)),
    "tenor_months": (-0.44, [(12.0, 0.36, 200), (36.0, 0.02, 500)], (0.0, 0)),
    "plafon_to_annual_income": (
        -0.73,
        [(0.3, 0.47, 400), (1.0, 0.06, 350), (3.0, -0.39, 200)],
        (-0.7, 8),
    ),
}
_CATEGORICAL: dict[str, tuple[float, list[tuple[list[str], float, int]], tuple[float, int]]] = {
    "purpose_category": (
        -0.66,
        [(["investasi", "modal_kerja", "produktif"], 0.28, 600), (["konsumtif"], -0.33, 390)],
        (-0.12, 10),
    ),
    "interest_method": (
        -0.21,
        [(["anuitas"], 0.17, 400), (["efektif"], 0.05, 300), (["flat"], -0.26, 300)],
        (0.0, 0),
    ),
}


def _bin(woe: float, coef: float, count: int, n: int, **where: Any) -> dict[str, Any]:
    points = bin_points(woe, coef, n, Regression(**_REGRESSION), Scaling(**_SCALING))
    return {**where, "points": round(points, 4), "woe": woe, "count": count, "bad_rate": 0.1}


def full_scorecard() -> Scorecard:
    """A consistent scorecard on every feature cde computes (hand-made, not trained)."""
    n = len(_NUMERICAL) + len(_CATEGORICAL)
    features: list[dict[str, Any]] = []
    for name, (coef, bins, (mwoe, mcount)) in _NUMERICAL.items():
        rest = _ROWS - sum(c for _, _, c in bins) - mcount
        last_woe = bins[-1][1] - 0.45
        features.append(
            {
                "name": name,
                "kind": "numerical",
                "coefficient": coef,
                "iv": 0.1,
                "bins": [
                    *(_bin(w, coef, c, n, upper=u) for u, w, c in bins),
                    _bin(last_woe, coef, rest, n, upper=None),
                ],
                "missing": _bin(mwoe, coef, mcount, n),
            }
        )
    for name, (coef, cats, (mwoe, mcount)) in _CATEGORICAL.items():
        features.append(
            {
                "name": name,
                "kind": "categorical",
                "coefficient": coef,
                "iv": 0.1,
                "bins": [_bin(w, coef, c, n, categories=cs) for cs, w, c in cats],
                "missing": _bin(mwoe, coef, mcount, n),
            }
        )
    card = {
        "format": "cde-scorecard/1",
        "name": "bytes",
        "version": "2026.1",
        "features": features,
        "regression": _REGRESSION,
        "scaling": _SCALING,
        "calibration": {"method": "logistic", "intercept": 15.0, "slope": -0.0346574},
        "bands": [
            {"name": "A", "pd_upper": 0.02},
            {"name": "B", "pd_upper": 0.06},
            {"name": "C", "pd_upper": 0.15},
            {"name": "D", "pd_upper": 1.0},
        ],
        "training": {"rows": _ROWS, "bads": 100},
    }
    return parse_scorecard(card, "full_scorecard")


@cache
def policy(case: str) -> Policy:
    if case == "none":
        return default_policy()
    if case == "full":
        return default_policy().with_scorecard(full_scorecard())
    text = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["scorecard"] = {"file": "-", "approve_below_pd": 0.03, "decline_above_pd": 0.12}
    return Policy.model_validate(data).with_scorecard(full_scorecard())


# --- the applications -----------------------------------------------------------------------


def seed() -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(SEED_FILE.read_bytes())
    return data


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*at, key)
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*at, i))


def seed_variants() -> list[dict[str, Any]]:
    """The seed with each of its fields (at any depth) removed, one at a time."""
    base = seed()
    out = []
    for path in _paths(base):
        variant = copy.deepcopy(base)
        node = variant
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        out.append(variant)
    return out


def corpus() -> list[dict[str, Any]]:
    return [orjson.loads(p.read_bytes()) for p in sorted(CORPUS.glob("*.json"))]


def generated() -> list[dict[str, Any]]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate_applications import generate

    return list(generate(GENERATED, seed=GENERATED_SEED))


GROUPS = {"seed_variants": seed_variants, "corpus": corpus, "generated": generated}

# --- the hashes -----------------------------------------------------------------------------


def result_bytes(raw: Any, case: str, day: date, lang: Lang) -> tuple[bytes, bytes]:
    """(the result object as orjson writes it, the Markdown memo as ``cde evaluate``
    writes it); an application that does not read: its errors, in the language."""
    try:
        app = parse_application(raw)
    except InvalidApplicationError as exc:
        errors = [[e.field, e.message(lang)] for e in exc.errors]
        return orjson.dumps(errors), b""
    result = result_object(assess(app, policy(case), day), lang)
    return orjson.dumps(result), result["analytic"].encode("utf-8") + b"\n"


def seed_hashes(case: str, day: date, lang: Lang) -> tuple[str, str]:
    body, memo = result_bytes(seed(), case, day, lang)
    return hashlib.sha256(body).hexdigest(), hashlib.sha256(memo).hexdigest()


def group_hash(group: str, case: str, lang: Lang) -> str:
    digest = hashlib.sha256()
    days = DAYS
    for raw in GROUPS[group]():
        for day in days:
            body, memo = result_bytes(raw, case, day, lang)
            digest.update(hashlib.sha256(body).digest())
            digest.update(hashlib.sha256(memo).digest())
    return digest.hexdigest()


# "case day lang" -> (the result object's SHA-256, the memo's)
SEED: dict[str, tuple[str, str]] = {
    "none 2024-10-21 id": (
        "28c4c665b8216c4a7c29a3904ec2ef0d7246ee98e11c92a4dc72b5a09f017b0b",
        "743077436aed06ccec8654530d721b244039d49bd426184051f59c0871438c09",
    ),
    "none 2024-10-21 en": (
        "36bc0d1176db62c4e8596d352f6c171693688a9afb560a806f7a50b3b829a6ba",
        "43dde02982409d6098efbb9685e6f858238fbebd984237cd42c99fd5d80e5f61",
    ),
    "none 2026-11-23 id": (
        "be23f5412621dda6c884f72b06545cf8227a83fa78c8853e9a2956b9aa146974",
        "35db84b8ff123f941cfe2bf0973b7221a2da2268b085b589d35c3ea5d5edaeb0",
    ),
    "none 2026-11-23 en": (
        "fc8dbed5a2b11a3d6d616617dced631171107db8c2aaea148daac1e0ce6b3864",
        "6c509b93d19b9f6984bc006d27978069e5ff5f9bc6680f86015c72d197eec890",
    ),
    "none 2031-02-28 id": (
        "2dbaf886c51b0718b40872390bacca58b9c33e42e7a4491fceb2f000f4445c5e",
        "fe92a28b9140a8032279ead6249a153befc2d49f997a9a514b99947f4d2d8038",
    ),
    "none 2031-02-28 en": (
        "37385497f6932417285f471979e41e70a79ad8d70bce67d1bdea6d9c35df0d16",
        "bf850a4ec6c58ddb076ce5383bf8650d67801ffaab5e2d0058910c1de41e732c",
    ),
    "full 2024-10-21 id": (
        "7b7bc9c1506cab69c2647b8d7dab5f8074f2930cd807ab6e4af4b92e0e0c8dde",
        "04028e937a89df52274c6cfcf37425aa478e88593cd78dbcd36fda51919097a6",
    ),
    "full 2024-10-21 en": (
        "3f4d405c5c97180950583d7211a8f4bff9d13d1364e463a461b8559eced90f7b",
        "4cac68d472de4c63b36b5e190eb447896cbae3561f687048e9fced9d0b08eed3",
    ),
    "full 2026-11-23 id": (
        "68f79aa7a2ecdc913c9f87c907ea2fc2a57ebf584eca73ed26db5ba4def1dd4d",
        "4959924f2cb92f96ba916d0fb3fb676fed3886128c2df74c196e904c5457d3a8",
    ),
    "full 2026-11-23 en": (
        "d059724b98d3421007e489ebcc6793072345a89efbe4f48e124dc1273007cf1c",
        "e90141b33ba00e63c4d4e1039f450d8c153f51bf6e20420f5808b03a4fd494d7",
    ),
    "full 2031-02-28 id": (
        "12ccabc078f920175a42053a92a51acbb55c623ea5aa9136a4ecda8d15f94f23",
        "fcaf35e3f92ea891cebbb1c3f3dc4de59c0a29efc5544fbd99637cefca57689c",
    ),
    "full 2031-02-28 en": (
        "029422fdfffd01aeb68aa46f56d9cad31a1f6d28031b4ce3db575e015657a0f3",
        "e4cac8668508803cda95cc7aa8c33925dab9e687516fd33503b7981f94f62c37",
    ),
    "cutoffs 2024-10-21 id": (
        "e05de681e04df4ab891525ac2ebb2a294b820e7e9bf85f64bf14f925fe012ab8",
        "876ca97fc0267c6d587c06cadd54a61d0718e9fb3750d8904cc823954b39d282",
    ),
    "cutoffs 2024-10-21 en": (
        "2b7170995c25b802898b5582ff3c269f90bfa94531e0439b3e9fe61ce2d59ff0",
        "effc43fe3128a85142edcc2dbb400496cdaf3ccbb071a3876e68618bc5b4a675",
    ),
    "cutoffs 2026-11-23 id": (
        "894e7a4a72e86c5df13b0f942ba6205f2912610b43ee7a9d064eb5dea1d5ea70",
        "281483bb8aa33af7907092bf1030e837f3037d25a452dcb2cbdb338fc2fdd613",
    ),
    "cutoffs 2026-11-23 en": (
        "d08aa268d1a07ea9fc60de2e8794ae962ed537f0da1d8ca55f2e9b724a4e33fd",
        "9762f7c60d15c8ca82dc4144a39ac8a338ac4f5cce31ce674e6a827845b4aa31",
    ),
    "cutoffs 2031-02-28 id": (
        "6d52d66adfdd782e26e301b48b44a9340771bf269ddace5604a0b7a8a74d3d49",
        "5491eb0d089f500a02f83efb6cda5bfa859a0f7692f702fef7911b42cbbb21b3",
    ),
    "cutoffs 2031-02-28 en": (
        "5f7c7936f213b46a30f4d1ec58c53568554d9d3fd5811f5bba456b48017aec72",
        "6875418d20a101439c88c295bbccd31362fafcb53bf07d7d763574e93c6f4e13",
    ),
}
# "group case lang" -> the combined SHA-256 of every application's, every day
GROUP: dict[str, str] = {
    "seed_variants none id": "105742a6413e0a312e3135ee6f12e4344d64c5505143b42457c947b23299caa6",
    "seed_variants none en": "9066e0ba877a61427d18c755563e412de1fabb3c1a67a3e8bd861689a99cab42",
    "seed_variants full id": "6142040070f82b13f7711d1429ce4b953ab66c6c9a99f49f65ccdab3c1dd8202",
    "seed_variants full en": "ec8e96e0ec82dd46518ab70eca60e76dc3cbc74bfc4c3ec26aef687173de32b1",
    "seed_variants cutoffs id": "84181a8c87305a8eb20f63df012643a551351cffc07085ee00cc7173ff915e8b",
    "seed_variants cutoffs en": "cf4c577fde3c985f33914c7facfa4487ebc2b792d88caa3fd763794b12c3b71d",
    "corpus none id": "948fea6b97233d59cc32c4cfd40a6ba8a67938837c29627475f59d64ae1ebd4d",
    "corpus none en": "791187a410a516e161e7cdffd8803e8b35c637dc527bf243ffb44bdb70b5a185",
    "corpus full id": "fde97161cadb1b45b2f1823aefd48613c4e9126dee8a2ae9bec4b6afc89c3184",
    "corpus full en": "0a38eadd07938525a6c5906c8e0efd1cb63b405bf333540a1a71b4b9e63e5f4f",
    "corpus cutoffs id": "8735104e300ebb4dd4c6bc3c6530e09f54f3d1af282ee93d0b73b2f4c8c571f5",
    "corpus cutoffs en": "35aabad885cf850d90c3efd03fe3ebc476f81355a40eebe3c2ef1be9cbc42b37",
    "generated none id": "f60d63a4c36ad314bb4cce9d3ea63672281eff561b308061e0f95ec900f5b655",
    "generated none en": "4399c46e33a632da1eec2bc4adc43c6b0df7e3e3c652546e6341f998c7e3f512",
    "generated full id": "be8fd507c5a18f1b8695c611e20415a608ee3f7db954c0c958c339d311d68399",
    "generated full en": "1b1d5a9fee60df4d7404b9383723d63381f8ba0a87cb099991c83e173f36a5ed",
    "generated cutoffs id": "673be12ffb53f2024b713c2b14642268cb12646ecd126b506e994cac8b68adf0",
    "generated cutoffs en": "e9b5b1d3b092799cb341ba5b8e84f429cd39425c488f1241224f0a043b7fb291",
}


def _seed_key(case: str, day: date, lang: Lang) -> str:
    return f"{case} {day.isoformat()} {lang}"


@pytest.mark.parametrize("case", CARDS)
@pytest.mark.parametrize("day", SEED_DAYS, ids=str)
@pytest.mark.parametrize("lang", LANGS)
def test_seed_result_and_memo_bytes(case: str, day: date, lang: Lang) -> None:
    body, memo = seed_hashes(case, day, lang)
    expected_body, expected_memo = SEED[_seed_key(case, day, lang)]
    assert memo == expected_memo, "the seed's Markdown memo changed"
    assert body == expected_body, "the seed's result object changed"


@pytest.mark.parametrize("case", CARDS)
@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("lang", LANGS)
def test_group_bytes(group: str, case: str, lang: Lang) -> None:
    assert group_hash(group, case, lang) == GROUP[f"{group} {case} {lang}"]


def test_the_scorecard_cases_differ() -> None:
    """The cut-offs decide: some seed variants or generated applications are declined or
    sent to the committee by the PD, so the cut-off paths are covered."""
    codes: set[str] = set()
    for raw in generated()[:80]:
        result = result_object(assess(parse_application(raw), policy("cutoffs"), DAYS[0]), "en")
        codes.update(r["code"] for r in result["decision"]["reasons"])
        codes.update(c["code"] for c in result["decision"]["conditions"])
    assert {"DECLINE_PD_HIGH", "PD_ABOVE_APPROVAL"} <= codes


def _print_constants() -> None:  # pragma: no cover - run by hand, see the docstring
    print("SEED: dict[str, tuple[str, str]] = {")
    for case in CARDS:
        for day in SEED_DAYS:
            for lang in LANGS:
                body, memo = seed_hashes(case, day, lang)
                print(f'    "{_seed_key(case, day, lang)}": (')
                print(f'        "{body}",')
                print(f'        "{memo}",')
                print("    ),")
    print("}")
    print("GROUP: dict[str, str] = {")
    for group in GROUPS:
        for case in CARDS:
            for lang in LANGS:
                print(f'    "{group} {case} {lang}": "{group_hash(group, case, lang)}",')
    print("}")


if __name__ == "__main__":  # pragma: no cover
    _print_constants()
