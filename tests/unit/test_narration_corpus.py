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

# Figure-free claims about one fact in plain words, not a verdict word about a C: the check
# reads the words that grade a C against its grade, and refuses any word outside its plain
# vocabulary (which catches most such claims: "growing", "within", "exceeds", "pernah"), but
# not what a sentence of plain words says about one fact.
_FACT_CLAIM = "figure-free claim about one fact, in plain words"
MISSED = {
    "b-seed-u-08": f"{_FACT_CLAIM}: 'seluruh jaminan telah diverifikasi' (an unverified item)",
    "b-gen072_decline_capacity-u-07": f"{_FACT_CLAIM}: 'konsumtif' for a productive purpose",
    "b-gen039_no_gender_no_age-u-04": f"{_FACT_CLAIM}: 'KYC belum dilakukan' (KYC done)",
    # the second blind set names these as their own kind, fact_claim
    "b2-noroom-u-07": f"{_FACT_CLAIM}: KYC done (KYC_NOT_DONE)",
    "b2-cut-u-08": f"{_FACT_CLAIM}: the deposit verified (COLLATERAL_UNVERIFIED)",
    "b2-arrears-u-05": f"{_FACT_CLAIM}: no arrears (KOLEK_SPECIAL_MENTION)",
    # the fourth blind set, written after the plain-word vocabulary
    "b4-belowmin-u-09": f"{_FACT_CLAIM}: identity checks complete (KYC_NOT_DONE)",
    "b4-tenorext-u-13": f"{_FACT_CLAIM}: every item of a known kind (an unknown code)",
    "b4-ko-u-19": f"{_FACT_CLAIM}: no other active loans (ACTIVE_LOANS_EXCESSIVE)",
    "b4-ko-u-20": f"{_FACT_CLAIM}: the vehicle tax paid (COLLATERAL_TAX_UNPAID)",
    # the fifth
    "b5-q5knock-u-11": f"{_FACT_CLAIM}: KYC complete (KYC_NOT_DONE)",
    "b5-q5patchy-u-12": f"{_FACT_CLAIM}: a motor vehicle (an item of unknown kind)",
    "b4-tenorext-f-07": "faithful, refused: 'tidak sama dengan permohonan' — 'sama' (equal) "
    "compares, so it is not a plain word ('sama dengan permohonan' would be 'as requested')",
}
# The blind sets written under the first contract, in which a model's own words could compare
# and describe ("well within the limit", "savings keep growing"); the second contract leaves
# those to the findings (decision 38), so their faithful texts may now be refused for such a
# word ("unlisted") or a grading word the lists gained ("verdict"), never for anything else.
FIRST_CONTRACT = ("blind", "blind2", "blind3")
TIGHTENED = {"unlisted", "verdict"}


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
            params.append(pytest.param(name, case, id=case["id"], marks=marks))
    return params


def test_every_known_miss_is_a_case() -> None:
    ids = {case["id"] for name in corpus.FILES for case in corpus.load(name)}
    assert set(MISSED) <= ids


@pytest.mark.parametrize(("name", "case"), _params())
def test_the_check_classifies_the_case(name: str, case: dict[str, Any]) -> None:
    found = check(case["texts"], _facts(case["application"], case["lang"]))
    kinds = {v.kind for v in found}
    if case["faithful"] and name in FIRST_CONTRACT:
        assert kinds <= TIGHTENED, [v.as_dict() for v in found]
    elif case["faithful"]:
        assert found == [], [v.as_dict() for v in found]
    else:
        assert found, case["note"]
        if name != "kept":  # the blind sets' kinds are the check's own; a verdict, claim or
            # outcome may also be refused for a word outside the plain ones
            plain = {"unlisted"} if case["kind"] in ("verdict", "fact_claim", "outcome") else set()
            assert {case["kind"], *plain} & kinds, [v.as_dict() for v in found]
