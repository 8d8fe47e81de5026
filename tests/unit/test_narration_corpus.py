"""The narration check on its corpus (tests/narration_corpus): every faithful text is served,
every unfaithful one refused. One test per case; the cases the check gets wrong are strict
xfails with the diagnosis, so a fix shows up as an unexpected pass (benchmarks/
bench_narration.py prints the same figures)."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
import pytest

from cde.domain.application import parse_application
from cde.domain.evaluation import Evaluation, assess
from cde.domain.text import Lang
from cde.narration import Facts, check, facts_of
from cde.policies import default_policy
from narration_corpus import cases as corpus

# Figure-free claims about one finding, not a verdict word about a C: the check reads the
# words that grade a C against its grade, not what a sentence says about one fact.
_FACT_CLAIM = "figure-free claim about one fact, in words the check does not grade"
MISSED = {
    "b-seed-u-07": f"{_FACT_CLAIM}: 'saves steadily … savings keep growing' (capital C)",
    "b-seed-u-08": f"{_FACT_CLAIM}: 'seluruh jaminan telah diverifikasi' (an unverified item)",
    "b-gen072_decline_capacity-u-06": f"{_FACT_CLAIM}: 'saldo terus bertumbuh' (growth < 0)",
    "b-gen072_decline_capacity-u-07": f"{_FACT_CLAIM}: 'konsumtif' for a productive purpose",
    "b-g5_057_plafon_and_tenor_capped-u-04": f"{_FACT_CLAIM}: 'substantial … a clear "
    "strength' of capital graded C (adequate: plain praise does not contradict it)",
    "b-g5_057_plafon_and_tenor_capped-u-05": f"{_FACT_CLAIM}: 'menutup seluruh plafon "
    "dengan aman' (collateral C, coverage short)",
    "b-g5_057_plafon_and_tenor_capped-u-06": f"{_FACT_CLAIM}: 'within the policy limit' "
    "(TENOR_ABOVE_POLICY)",
    "b-gen039_no_gender_no_age-u-04": f"{_FACT_CLAIM}: 'KYC belum dilakukan' (KYC done)",
    "b-gen039_no_gender_no_age-u-05": f"{_FACT_CLAIM}: 'DSR exceeds the policy limit' "
    "(DSR healthy)",
    # the second blind set names these as their own kind, fact_claim
    "b2-kolek-u-06": f"{_FACT_CLAIM}: savings growing (BALANCE_GROWTH_NEGATIVE)",
    "b2-noroom-u-07": f"{_FACT_CLAIM}: KYC done (KYC_NOT_DONE)",
    "b2-noroom-u-08": f"{_FACT_CLAIM}: plafon within the income limit (PLAFON_TO_INCOME_HIGH)",
    "b2-cut-u-08": f"{_FACT_CLAIM}: the deposit verified (COLLATERAL_UNVERIFIED)",
    "b2-cut-u-09": f"{_FACT_CLAIM}: a borrowing history (LOANS_NONE)",
    "b2-tenor-u-06": f"{_FACT_CLAIM}: deposits outnumber withdrawals (the reverse)",
    "b2-clean-u-06": f"{_FACT_CLAIM}: no prior borrowing (LOANS_HISTORY)",
    "b2-arrears-u-05": f"{_FACT_CLAIM}: no arrears (KOLEK_SPECIAL_MENTION)",
}


@cache
def _evaluation(application: str) -> Evaluation:
    raw = orjson.loads(corpus.application_path(application).read_bytes())
    return assess(parse_application(raw), default_policy(), corpus.AS_OF)


@cache
def _facts(application: str, lang: Lang) -> Facts:
    return facts_of(_evaluation(application), lang)


def _params() -> list[Any]:
    params = []
    for name in corpus.FILES:
        for case in corpus.load(name):
            marks = []
            if case["id"] in MISSED:
                marks.append(pytest.mark.xfail(strict=True, reason=MISSED[case["id"]]))
            params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def test_every_known_miss_is_a_case() -> None:
    ids = {case["id"] for name in corpus.FILES for case in corpus.load(name)}
    assert set(MISSED) <= ids


@pytest.mark.parametrize("case", _params())
def test_the_check_classifies_the_case(case: dict[str, Any]) -> None:
    found = check(case["texts"], _facts(case["application"], case["lang"]))
    if case["faithful"]:
        assert found == [], [v.as_dict() for v in found]
    else:
        assert found, case["note"]
        if case["id"].startswith(("b-", "b2-", "b3-")):  # the blind sets' kinds are the check's own
            assert case["kind"] in {v.kind for v in found}, [v.as_dict() for v in found]
