"""The reason catalogue, the formatting of figures, and the narratives built from them.

The narratives (the five ``5c`` texts and the ``analytic`` memo) are checked for
*grounding*: every figure they state must be a figure of the input or a number of the
result object itself (``metrics`` / ``decision`` / ``assessment``, the policy thresholds
applied among them) — never one found only in the policy file. The check is run on the
seed and on 330 varied generated applications, in Indonesian and in English.
"""

from __future__ import annotations

import copy
import json
import random
import re
import string
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

import cde
from cde.domain import text
from cde.domain.catalogue import CONDITION_TEXT, MESSAGES, QUALITY_MESSAGES, render
from cde.domain.engine import evaluate
from cde.domain.loan_math import InterestMethod, max_principal
from cde.domain.text import Lang, Text
from cde.policies import Policy, default_policy

SRC = Path(cde.__file__).resolve().parent
SEED_FILE = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"
TODAY = date(2024, 10, 21)
LANGS: tuple[Lang, ...] = ("id", "en")


def seed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED_FILE.read_text("utf-8"))
    return data


# =========================================================================================
# The catalogue
# =========================================================================================

CATALOGUES = {"MESSAGES": MESSAGES, "QUALITY_MESSAGES": QUALITY_MESSAGES}
CATALOGUES["CONDITION_TEXT"] = CONDITION_TEXT
ALL_TEMPLATES = [
    (f"{name}.{code}", template)
    for name, catalogue in CATALOGUES.items()
    for code, template in catalogue.items()
]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def example(name: str) -> object:
    """An example value for a parameter, chosen by the suffix convention of the catalogue."""
    if name.endswith("_rp"):
        return 1_500_000
    if name.endswith("_pct"):
        return Decimal("45.2")
    if name.endswith("_x"):
        return 2.8
    if name.endswith("_n1"):
        return Decimal("8.3")
    if name.endswith("_date"):
        return date(2020, 8, 1)
    if name.endswith("_months"):
        return 12
    return Text("kata", "word")


EXPECTED_FORM = {
    "_rp": {"id": "Rp 1.500.000", "en": "Rp 1,500,000"},
    "_pct": {"id": "45,2%", "en": "45.2%"},
    "_x": {"id": "2,80×", "en": "2.80×"},
    "_n1": {"id": "8,3", "en": "8.3"},
    "_date": {"id": "1 Agustus 2020", "en": "August 1, 2020"},
}


@pytest.mark.parametrize(("code", "template"), ALL_TEMPLATES, ids=[c for c, _ in ALL_TEMPLATES])
def test_every_template_has_both_languages_with_the_same_placeholders(
    code: str, template: tuple[str, str]
) -> None:
    assert len(template) == 2
    id_, en = template
    assert id_.strip()
    assert en.strip()
    assert id_ != en, "the English text is a translation, not a copy"
    assert placeholders(id_) == placeholders(en)


@pytest.mark.parametrize(("code", "template"), ALL_TEMPLATES, ids=[c for c, _ in ALL_TEMPLATES])
@pytest.mark.parametrize("lang", LANGS)
def test_every_template_renders_with_example_parameters(
    code: str, template: tuple[str, str], lang: Lang
) -> None:
    params = {name: example(name) for name in placeholders(template[0])}
    rendered = render(template, params, lang)
    assert "{" not in rendered
    assert "}" not in rendered
    for name in params:
        for suffix, forms in EXPECTED_FORM.items():
            if name.endswith(suffix):
                assert forms[lang] in rendered, (name, rendered)
    if params and any(isinstance(v, Text) for v in params.values()):
        assert ("kata" if lang == "id" else "word") in rendered


def test_a_missing_parameter_is_written_as_a_dash() -> None:
    rendered = render(QUALITY_MESSAGES["DQ_VALUE_OUTSIDE_ESTIMATE"], _params_with_none(), "id")
    assert rendered.endswith("Rp 5.000.000–—.")


def _params_with_none() -> dict[str, object]:
    return {"name": "Avanza", "value_rp": 1_000_000, "low_rp": 5_000_000, "high_rp": None}


def _codes_in(files: Iterable[Path], pattern: str) -> set[str]:
    found: set[str] = set()
    for file in files:
        found |= set(re.findall(pattern, file.read_text("utf-8")))
    return found


def test_every_reason_code_the_engine_writes_is_in_the_catalogue() -> None:
    domain = SRC / "domain"
    files = [*sorted((domain / "assessments").glob("*.py")), domain / "decision.py"]
    written = _codes_in(files, r'(?:add|decline|Finding)\(\s*"([A-Z][A-Z_]+)"')
    written |= _codes_in(files, r'"([A-Z]+(?:_[A-Z]+)+)" if ')
    written |= _codes_in(files, r'else "([A-Z]+(?:_[A-Z]+)+)"')
    written |= _codes_in(files, r'code = "([A-Z]+(?:_[A-Z]+)+)"')
    assert len(written) > 40, "the scan found the codes"
    assert written - set(MESSAGES) == set()
    assert set(MESSAGES) - written == set(), "catalogued codes the engine never writes"


def test_every_data_quality_code_the_engine_writes_is_in_the_catalogue() -> None:
    domain = SRC / "domain"
    written = _codes_in([domain / "quality.py", domain / "facts.py"], r'"(DQ_[A-Z_]+)"')
    assert len(written) > 20, "the scan found the codes"
    assert written - set(QUALITY_MESSAGES) == set()
    assert set(QUALITY_MESSAGES) - written == set(), "catalogued codes the engine never writes"


# =========================================================================================
# Formatting
# =========================================================================================


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        (10_000_000, "id", "Rp 10.000.000"),
        (10_000_000, "en", "Rp 10,000,000"),
        (0, "id", "Rp 0"),
        (999, "id", "Rp 999"),
        (1_000, "id", "Rp 1.000"),
        (888_488, "id", "Rp 888.488"),
        (-5_000, "id", "-Rp 5.000"),
        (-12_888_704, "en", "-Rp 12,888,704"),
        (Decimal("21243239.67"), "id", "Rp 21.243.240"),
        (Decimal("2.5"), "id", "Rp 3"),  # whole rupiah, half up
        (1_500_000.4, "en", "Rp 1,500,000"),
    ],
)
def test_rupiah_are_written_whole_with_the_languages_separators(
    value: int | float | Decimal, lang: Lang, shown: str
) -> None:
    assert text.rupiah(value, lang) == shown


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        (45.2, "id", "45,2%"),
        (45.2, "en", "45.2%"),
        (30, "id", "30%"),
        (30, "en", "30%"),
        (Decimal("174.48"), "id", "174,5%"),
        (Decimal("174.48"), "en", "174.5%"),
        (Decimal("4525.73"), "id", "4.525,7%"),
        (Decimal("4525.73"), "en", "4,525.7%"),
        (40025.0, "id", "40.025%"),
        (Decimal("29.96"), "id", "30%"),
        (Decimal("0.5"), "id", "0,5%"),
        # half up, on the decimal value (not binary floats, not half to even)
        (Decimal("0.25"), "id", "0,3%"),
        (Decimal("0.35"), "en", "0.4%"),
        (2.25, "en", "2.3%"),
        (Decimal("174.45"), "id", "174,5%"),
        (Decimal("29.95"), "id", "30%"),
        (Decimal("0.04"), "id", "0%"),
    ],
)
def test_percentages_have_one_decimal_half_up_dropped_when_whole(
    value: int | float | Decimal, lang: Lang, shown: str
) -> None:
    assert text.percent(value, lang) == shown


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        (2.78, "id", "2,78×"),
        (2.78, "en", "2.78×"),
        (Decimal(3), "id", "3,00×"),
        (12.04, "en", "12.04×"),
        (3.01, "id", "3,01×"),  # never read as 3,0×
        # half up, on the decimal value
        (Decimal("3.005"), "id", "3,01×"),
        (2.775, "en", "2.78×"),
        (Decimal("3.0049"), "en", "3.00×"),
        (Decimal("1234.5"), "en", "1,234.50×"),
    ],
)
def test_multiples_have_two_decimals_half_up_and_a_times_sign(
    value: float | Decimal, lang: Lang, shown: str
) -> None:
    assert text.ratio(value, lang) == shown


def test_numbers_use_the_languages_separators() -> None:
    assert text.number(1_500_000, "id") == "1.500.000"
    assert text.number(1_500_000, "en") == "1,500,000"
    assert text.number(Decimal("8.25"), "id", 1) in {"8,2", "8,3"}
    assert text.number(Decimal("1234.5"), "en", 1) == "1,234.5"


@pytest.mark.parametrize(
    ("day", "lang", "shown"),
    [
        (date(2024, 10, 21), "id", "21 Oktober 2024"),
        (date(2024, 10, 21), "en", "October 21, 2024"),
        (date(2020, 8, 1), "id", "1 Agustus 2020"),
        (date(1984, 4, 10), "id", "10 April 1984"),
        (date(2023, 2, 28), "id", "28 Februari 2023"),
        (date(2023, 5, 3), "id", "3 Mei 2023"),
        (date(2023, 12, 31), "en", "December 31, 2023"),
    ],
)
def test_long_dates_are_written_with_month_names(day: date, lang: Lang, shown: str) -> None:
    assert text.long_date(day, lang) == shown


@pytest.mark.parametrize(
    ("months", "lang", "shown"),
    [
        (75, "id", "6 tahun 3 bulan"),
        (75, "en", "6 years 3 months"),
        (12, "id", "1 tahun"),
        (12, "en", "1 year"),
        (13, "en", "1 year 1 month"),
        (5, "id", "5 bulan"),
        (0, "id", "0 bulan"),
        (0, "en", "0 months"),
        (50, "id", "4 tahun 2 bulan"),
    ],
)
def test_durations_are_written_in_years_and_months(months: int, lang: Lang, shown: str) -> None:
    assert text.duration(months, lang) == shown


def test_month_counts_are_written_with_the_unit() -> None:
    assert text.months(12, "id") == "12 bulan"
    assert text.months(12, "en") == "12 months"
    assert text.months(1, "en") == "1 month"


# =========================================================================================
# Generated applications
# =========================================================================================

_COLLATERAL_CODES = [
    "MBL", "LAND", "SHM", "MTR", "EMAS", "PERHIASAN", "DEPOSITO", "GIRIK", "KUASA_JUAL",
    "SKMHT", "KAPAL", None,
]  # fmt: skip
_COLLATERAL_NAMES = ["Avanza", "Rumah Tinggal", "Motor Beat", "Kalung Emas", "Deposito Bank"]
_KOLEK = ["Lancar", 1, "1", "lancar", "DPK", 2, "Kol-2", "Kurang Lancar", "KL", 4, "Macet", None]
_PURPOSES = ["Konsumtif", "Modal Kerja", "Investasi", "usaha", "pendidikan", "liburan", None]
_METHODS = [
    (1, "Bunga Flat"),
    (2, "Bunga Efektif"),
    (3, "Bunga Anuitas"),
    ("3", None),
    (None, "Bunga Flat"),
    (None, "bunga menurun"),
    (None, None),
    (3, "Bunga Flat"),
    (9, "anuitas"),
]
_MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
]  # fmt: skip


def _amount(rng: random.Random, low: int, high: int, step: int = 50_000) -> int:
    return rng.randrange(low // step, high // step + 1) * step


def _range(rng: random.Random, low: int, high: int) -> object:
    a = _amount(rng, low, high)
    b = a + _amount(rng, 0, high // 2)
    style = rng.randrange(6)
    if style == 0:
        return f"{a}-{b}"
    if style == 1:
        return f"Rp {a:,} - {b:,}".replace(",", ".")
    if style == 2:
        return a
    if style == 3:
        return str(a)
    if style == 4:
        return f"> {a}"
    return f"{b}-{a}"  # written high to low


def generate(seed_value: int) -> dict[str, Any]:
    """A random but readable application: every field in one of its accepted notations."""
    rng = random.Random(seed_value)
    gender = rng.choice(["l", "p", "Laki-laki", "Perempuan", None])
    year, month, day = rng.randrange(1955, 2004), rng.randrange(1, 13), rng.randrange(1, 29)
    female = gender in ("p", "Perempuan")
    sound = f"517101{day + 40 * female:02d}{month:02d}{year % 100:02d}"
    sound += f"{rng.randrange(10_000):04d}"
    roll = rng.random()
    nik: str | None = sound
    if roll < 0.15:
        nik = sound[:14]
    elif roll < 0.25:
        nik = sound[:6] + f"{(day % 28) + 1:02d}" + sound[8:]  # another day of birth
    elif roll < 0.3:
        nik = None
    true_age = TODAY.year - year - ((TODAY.month, TODAY.day) < (month, day))
    age: int | None = true_age
    if rng.random() < 0.15:
        age = true_age + rng.choice([-3, 2])
    if rng.random() < 0.1:
        age = None
    birth = rng.choice(
        [
            f"Denpasar, {day} {_MONTHS_ID[month - 1]} {year}",
            f"{year}-{month:02d}-{day:02d}",
            f"{day:02d}/{month:02d}/{year}",
            None,
        ]
    )
    collaterals = []
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        value = _amount(rng, 1_000_000, 900_000_000, 100_000) if rng.random() > 0.1 else None
        recognition = rng.choice([30, 50, 60, 80, 85, 100, 50.0, "80%", None])
        declared = None
        if value is not None and recognition is not None:
            declared = value * int(str(recognition).rstrip("%").split(".")[0]) // 100
            if rng.random() < 0.3:
                declared //= 10
        collaterals.append(
            {
                "name": rng.choice([*_COLLATERAL_NAMES, None]),
                "type": rng.choice(["Mobil", "Sertifikat Tanah", None]),
                "code": rng.choice(_COLLATERAL_CODES),
                "value": value,
                "estimated_price": None
                if value is None
                else rng.choice([f"{value}-{value * 2}", f"{value * 2}-{value * 3}", None]),
                "recognition": recognition,
                "recognition_value": declared,
                "is_verified": rng.choice([True, True, False, None, "ya"]),
                "is_tax_paid": rng.choice([True, True, False, None]),
                "information": "agunan",
            }
        )
    code, label = rng.choice(_METHODS)
    total_loans = rng.randrange(0, 12)
    active = min(total_loans, rng.randrange(0, 4)) if rng.random() > 0.1 else total_loans + 2
    return {
        "customer_id": f"cust-{seed_value}",  # identifiers: never counted as figures
        "loan_id": f"loan-{seed_value}",
        "character": {
            "name": rng.choice(["Made", "Ketut", "Siti", None]),
            "nik": nik,
            "kyc_status": rng.choice([True, True, False, None, "ya", 1]),
            "age": age,
            "birth": birth,
            "gender": gender,
            "member_date": rng.choice(
                ["2010-05-01", "2020-08-01", "2024-07-15", "1 Maret 2018", "2025-01-01", None]
            ),
            "occupation": rng.choice(["Pedagang", "Petani", "Guru", None]),
        },
        "income": [
            {"key": f"penghasilan_{i + 1}", "value": _range(rng, 1_000_000, 25_000_000)}
            for i in range(rng.choice([0, 1, 1, 2, 3]))
        ],
        "expenses": [
            {"key": f"pengeluaran_{i + 1}", "value": _range(rng, 100_000, 6_000_000)}
            for i in range(rng.choice([0, 1, 2]))
        ],
        "collaterals": collaterals,
        "application": {
            "plafon": _amount(rng, 1_000_000, 250_000_000, 500_000),
            "tenure": rng.choice([6, 12, 18, 24, 36, 48, 60, 84, 120]),
            "purpose": rng.choice(_PURPOSES),
            "interest": rng.choice([6, 9.5, "12", "18,5", 24, 30]),
            "loan_interest_method": code,
            "loan_interest_method_label": label,
        },
        "internal_data": {
            "total_loan": total_loans,
            "total_loan_active": active,
            "loan_remaining": rng.choice([None, 0, _amount(rng, 1_000_000, 60_000_000)]),
            "collectability": rng.choice(_KOLEK),
            "behaviour_pattern_deposit_per_month": rng.choice([None, "8,3", 2, "0,5"]),
            "behaviour_pattern_withdrawal_per_month": rng.choice([None, "17,8", 1, "3,25"]),
            "behaviour_pattern_withdrawal_ratio": rng.choice([None, "174,48%", "45,2%", 80]),
            "behaviour_pattern_avg_balance": rng.choice([None, "21243239.67", 1_500_000]),
            "behaviour_pattern_avg_growth_balance": rng.choice([None, "5,5", -3.25, "0"]),
            "total_saving": rng.randrange(0, 8),
            "total_saving_active": rng.randrange(0, 8),
            "total_balance_active": rng.choice([None, _amount(rng, 0, 50_000_000)]),
            "total_deposit": 2,
            "total_deposit_balance": "20000000.00",
            "total_deposit_active": rng.randrange(0, 3),
            "total_deposit_active_balance": rng.choice([None, "20000000.00", 5_000_000]),
        },
    }


GENERATED = list(range(30))


def test_the_generated_applications_are_varied() -> None:
    outcomes, codes = set(), set()
    for n in GENERATED:
        result = evaluate(generate(n), policy=default_policy(), today=TODAY)
        outcomes.add(result["decision"]["outcome"])
        codes |= {q["code"] for q in result["data_quality"]}
        for dim in result["assessment"]["dimensions"].values():
            codes |= {f["code"] for f in dim["findings"]}
        codes |= {r["code"] for r in result["decision"]["reasons"]}
    assert outcomes >= {"decline", "approve_with_conditions"}
    for wanted in (
        "KOLEK_CURRENT",
        "KOLEK_SPECIAL_MENTION",
        "KOLEK_NON_PERFORMING",
        "INCOME_MISSING",
        "COVERAGE_STRONG",
        "COVERAGE_SHORT",
        "COLLATERAL_UNKNOWN_CODE",
        "DSR_HEALTHY",
        "DSR_EXCESSIVE",
        "PURPOSE_PRODUCTIVE",
        "PURPOSE_UNKNOWN",
        "PLAFON_REDUCED",
        "DQ_RECOGNITION_VALUE_MISMATCH",
        "DQ_NIK_LENGTH",
        "DQ_NIK_BIRTHDATE_MISMATCH",
        "DQ_RANGE_REVERSED",
        "DQ_INTEREST_METHOD_FROM_LABEL",
    ):
        assert wanted in codes, wanted


# =========================================================================================
# Grounding: every figure in a narrative is a figure of the input, the result or the policy
# =========================================================================================

_NUMBER = {
    # Indonesian: 1.234.567,8 ; English: 1,234,567.8 ; percentages and × follow the digits
    "id": re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"),
    "en": re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"),
}
_DECIMAL_MARK = {"id": ",", "en": "."}
_GROUPING = {"id": ".", "en": ","}

# Figures a narrative may state that are not data: each is fixed wording.
ALLOWED_CONSTANTS = {
    Decimal(n): why
    for n, why in [
        (16, "a valid NIK has 16 digits"),
        (5, "the '5C' heading"),
        (100, "scores are out of 100"),
        (1, "kolektibilitas classes 1-5 and their arrears bands (POJK 40/2019)"),
        (2, "kolektibilitas class"),
        (3, "kolektibilitas class"),
        (4, "kolektibilitas class"),
        (90, "arrears band 1-90 days (DPK)"),
        (91, "arrears band 91-120 days (Kurang Lancar)"),
        (120, "arrears band 91-120 days"),
        (121, "arrears band 121-180 days (Diragukan)"),
        (180, "arrears band 121-180 / more than 180 days"),
        (8, "the regulation cited: Permenkop UKM 8/2023"),
        (2023, "the regulation cited: Permenkop UKM 8/2023"),
    ]
}


def figures(words: str, lang: Lang) -> list[tuple[str, Decimal]]:
    """Every figure written in ``words``, as (as written, value)."""
    out = []
    for match in _NUMBER[lang].finditer(words):
        shown = match.group()
        plain = shown.replace(_GROUPING[lang], "").replace(_DECIMAL_MARK[lang], ".")
        out.append((shown, Decimal(plain)))
    return out


def _leaves(node: object) -> Iterator[object]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


def facts_in(node: object, *, strings: bool = True) -> set[Decimal]:
    """Every number in a JSON-like value, signs dropped (a narrative writes "-Rp 5.000" or
    "menyusut 3,25%"). With ``strings``, strings are searched in both notations too (so
    the bounds of "100000-200000", "8,3", "174,48%" and the parts of dates all count)."""
    found: set[Decimal] = set()
    for leaf in _leaves(node):
        if isinstance(leaf, bool) or leaf is None:
            continue
        if isinstance(leaf, int | Decimal):
            found.add(abs(Decimal(leaf)))
        elif isinstance(leaf, float):
            found.add(abs(Decimal(repr(leaf))))
        elif isinstance(leaf, str) and strings:
            for lang in LANGS:
                found |= {value for _, value in figures(leaf, lang)}
    return found


def _numbers_of_the_result(result: dict[str, Any]) -> set[Decimal]:
    """Every number the result object carries as a number — scores, weights, metrics (the
    policy thresholds applied among them), the decision's figures — never one written in its
    texts (the narratives, the messages), which are what is checked."""
    texts = ("5c", "analytic")
    return facts_in({k: v for k, v in result.items() if k not in texts}, strings=False)


def allowed_figures(raw: dict[str, Any], result: dict[str, Any]) -> set[Decimal]:
    """The figures a narrative may state: those of the request and the numbers of the
    result object — not the policy file, which a reader of the stored result does not have
    (every threshold a narrative cites must be in the result too)."""
    assessment = result["assessment"]
    allowed = set(ALLOWED_CONSTANTS)
    allowed |= facts_in({k: v for k, v in raw.items() if k not in ("customer_id", "loan_id")})
    allowed |= _numbers_of_the_result(result)
    allowed |= facts_in(assessment["as_of"])  # the analysis date: day, month, year
    allowed |= facts_in(result["recommendation"])  # digits as strings (the seed's shape)
    # Derived figures a narrative may state, each written from one fact:
    metrics = result["assessment"]["dimensions"]["character"]["metrics"]
    if metrics["membership_months"] is not None:  # "4 tahun 2 bulan" for 50 months
        allowed |= {Decimal(v) for v in divmod(metrics["membership_months"], 12)}
    nik = (raw.get("character") or {}).get("nik")
    if nik:
        digits = nik.replace(" ", "")
        allowed.add(Decimal(len(digits)))  # "NIK berisi 14 digit"
        if digits.isdigit() and len(digits) >= 12:
            allowed.add(Decimal(digits[6:12]))  # the NIK's birth-date digits, quoted
    allowed.add(Decimal(len(result["data_quality"])))  # "Klarifikasi 3 catatan"
    allowed.add(Decimal(len(result["decision"]["knockouts"])))  # "memenuhi 2 syarat …"
    return allowed


def _identifiers(raw: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Names that are not figures: ids, the policy version and the engine version."""
    return [
        str(raw["loan_id"]),
        str(raw["customer_id"]),
        result["policy"]["version"],
        result["engine_version"],
    ]


def ungrounded(
    words: str, lang: Lang, allowed: set[Decimal], identifiers: Iterable[str] = ()
) -> list[str]:
    """The figures in ``words`` that equal none of ``allowed`` once rounded as shown."""
    for name in identifiers:
        words = words.replace(name, " ")
    words = re.sub(r"`[^`\n]*`", " ", words)  # field paths in code spans
    words = re.sub(r"(?m)^\d+\. ", "", words)  # ordered-list numbers of the memo
    bad = []
    for shown, value in figures(words, lang):
        mark = _DECIMAL_MARK[lang]
        decimals = len(shown.rsplit(mark, 1)[1]) if mark in shown else 0
        half = Decimal(5) / Decimal(10) ** (decimals + 1)  # 174,5 matches 174.45..174.55
        if not any(abs(fact - value) <= half for fact in allowed):
            bad.append(shown)
    return bad


def narratives(result: dict[str, Any]) -> dict[str, str]:
    return {**{f"5c.{k}": v for k, v in result["5c"].items()}, "analytic": result["analytic"]}


def assert_grounded(raw: dict[str, Any], lang: Lang, policy: Policy | None = None) -> None:
    policy = policy or default_policy()
    result = evaluate(raw, policy=policy, today=TODAY, lang=lang)
    allowed = allowed_figures(raw, result)
    problems = {}
    for where, words in narratives(result).items():
        bad = ungrounded(words, lang, allowed, _identifiers(raw, result))
        if bad:
            problems[where] = bad
    assert problems == {}, f"figures from nowhere in {raw['loan_id']} ({lang})"


# --- the extractor itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "lang", "values"),
    [
        ("Plafon Rp 10.000.000 = 2,8× penghasilan", "id", ["10000000", "2.8"]),
        ("The amount Rp 10,000,000 is 2.8× annual income", "en", ["10000000", "2.8"]),
        ("DSR 4.525,7%, melebihi batas 50%.", "id", ["4525.7", "50"]),
        ("DSR 4,525.7%, above the limit of 50%.", "en", ["4525.7", "50"]),
        ("Anggota sejak 1 Agustus 2020 (4 tahun 2 bulan).", "id", ["1", "2020", "4", "2"]),
        ("Member since August 1, 2020.", "en", ["1", "2020"]),
        ("Rp 888.488.", "id", ["888488"]),
        ("-Rp 12.888.704 per bulan", "id", ["12888704"]),
    ],
)
def test_figures_are_read_in_either_notation(words: str, lang: Lang, values: list[str]) -> None:
    assert [v for _, v in figures(words, lang)] == [Decimal(v) for v in values]


def test_a_figure_matches_a_fact_only_when_rounded_as_shown() -> None:
    facts = {Decimal("174.48"), Decimal("21243239.67")}
    assert ungrounded("Rasio penarikan 174,5%.", "id", facts) == []
    assert ungrounded("Saldo rata-rata Rp 21.243.240.", "id", facts) == []
    assert ungrounded("Rasio penarikan 174,4%.", "id", facts) == ["174,4"]
    assert ungrounded("Withdrawal ratio 174.48%.", "en", facts) == []
    assert ungrounded("Withdrawal ratio 174.49%.", "en", facts) == ["174.49"]


# --- the seed and generated applications ---------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_in_the_seeds_narratives_is_grounded(lang: Lang) -> None:
    assert_grounded(seed(), lang)


def test_a_tampered_narrative_is_caught_by_the_grounding_check() -> None:
    raw = seed()
    result = evaluate(raw, policy=default_policy(), today=TODAY, lang="id")
    allowed = allowed_figures(raw, result)
    ids = _identifiers(raw, result)
    capacity = result["5c"]["capacity"]
    assert "Rp 888.488" in capacity  # the requested instalment (DESIGN.md)
    assert ungrounded(capacity, "id", allowed, ids) == []

    tampered = capacity.replace("Rp 888.488", "Rp 999.999")
    assert ungrounded(tampered, "id", allowed, ids) == ["999.999"]
    memo = result["analytic"].replace("Rp 888.488", "Rp 999.999")
    assert "999.999" in ungrounded(memo, "id", allowed, ids)
    invented_age = result["5c"]["character"].replace("Usia 40 tahun", "Usia 47 tahun")
    assert ungrounded(invented_age, "id", allowed, ids) == ["47"]
    invented_income = result["5c"]["capacity"].replace("Rp 300.000", "Rp 15.000.000")
    assert "15.000.000" in ungrounded(invented_income, "id", allowed, ids)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("n", GENERATED)
def test_every_figure_in_a_generated_applications_narratives_is_grounded(
    n: int, lang: Lang
) -> None:
    assert_grounded(generate(n), lang)


MANY = range(1000, 1300)  # three hundred more, apart from GENERATED


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_of_three_hundred_memos_and_narratives_is_in_the_request_or_the_result(
    lang: Lang,
) -> None:
    """Not one figure in the ``5c`` texts or the memo that a reader of the stored request
    and result cannot find there: the policy's thresholds, weights and assumptions that a
    text cites are in the result too (``weight``, ``metrics``, ``decision``)."""
    problems: dict[str, list[str]] = {}
    stated = 0
    for n in MANY:
        raw = generate(n)
        result = evaluate(raw, policy=default_policy(), today=TODAY, lang=lang)
        allowed = allowed_figures(raw, result)
        for where, words in narratives(result).items():
            stated += len(figures(words, lang))
            bad = ungrounded(words, lang, allowed, _identifiers(raw, result))
            if bad:
                problems[f"{raw['loan_id']} {where}"] = bad
    assert stated > 300 * 40  # the texts do state figures: the check is not vacuous
    assert problems == {}


def test_a_policy_figure_the_result_does_not_carry_would_be_caught() -> None:
    """The check above fails on a memo citing a figure that is in the policy file only:
    with weights found nowhere else, the memo's 5C table is grounded by ``weight`` alone."""
    base = default_policy()
    odd = {"character": 27, "capacity": 29, "capital": 33, "collateral": 37, "condition": 23}
    policy = base.model_copy(update={"weights": type(base.weights)(**odd)})
    raw = seed()
    result = evaluate(raw, policy=policy, today=TODAY, lang="id")
    dimensions = result["assessment"]["dimensions"]
    assert {dim: dimensions[dim]["weight"] for dim in odd} == odd
    memo = result["analytic"]
    table = memo[memo.index("| Karakter |") :].split("\n\n")[0]
    ids = _identifiers(raw, result)
    assert ungrounded(table, "id", allowed_figures(raw, result), ids) == []
    stripped = copy.deepcopy(result)
    for dim in stripped["assessment"]["dimensions"].values():
        del dim["weight"]
    assert ungrounded(table, "id", allowed_figures(raw, stripped), ids) == [
        "27",
        "29",
        "33",
        "37",
        "23",
    ]


def outright_approval() -> dict[str, Any]:
    """A sound member with a pledged deposit: approved as requested, no conditions."""
    return {
        "customer_id": "cust-approve",
        "loan_id": "loan-approve",
        "character": {
            "name": "Made",
            "nik": "5171011004840001",
            "kyc_status": True,
            "age": 40,
            "birth": "Denpasar, 10 April 1984",
            "gender": "l",
            "member_date": "2015-03-01",
            "occupation": "Pedagang",
        },
        "income": [{"key": "gaji", "value": "12000000-15000000"}],
        "expenses": [{"key": "rumah_tangga", "value": "3000000-4000000"}],
        "collaterals": [
            {
                "name": "Deposito Bank",
                "code": "DEPOSITO",
                "value": 80_000_000,
                "recognition": 100,
                "recognition_value": 80_000_000,
                "is_verified": True,
                "is_tax_paid": True,
            }
        ],
        "application": {
            "plafon": 50_000_000,
            "tenure": 24,
            "purpose": "Modal Kerja",
            "interest": 12,
            "loan_interest_method": 2,
            "loan_interest_method_label": "Bunga Efektif",
        },
        "internal_data": {
            "total_loan": 3,
            "total_loan_active": 1,
            "loan_remaining": 5_000_000,
            "collectability": "Lancar",
            "behaviour_pattern_withdrawal_ratio": "50%",
            "behaviour_pattern_avg_growth_balance": "2,5",
            "total_balance_active": 10_000_000,
            "total_deposit_active_balance": 20_000_000,
        },
    }


def low_score() -> dict[str, Any]:
    """Little known about the member, a heavy loan: declined on the overall score."""
    return {
        "customer_id": "cust-low",
        "loan_id": "loan-low",
        "character": {"kyc_status": False, "age": 45},
        "income": [{"key": "gaji", "value": "3000000-4000000"}],
        "expenses": [{"key": "rumah_tangga", "value": "1000000"}],
        "application": {"plafon": 150_000_000, "tenure": 72, "interest": 30, "purpose": "liburan"},
    }


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("build", "outcome", "headline"),
    [
        (outright_approval, "approve", "APPROVE_AS_REQUESTED"),
        (low_score, "decline", "DECLINE_SCORE_LOW"),
    ],
)
def test_every_figure_is_grounded_in_an_approval_and_a_low_score_decline(
    build: Any, outcome: str, headline: str, lang: Lang
) -> None:
    raw = build()
    result = evaluate(raw, policy=default_policy(), today=TODAY, lang=lang)
    assert result["decision"]["outcome"] == outcome
    assert result["decision"]["reasons"][0]["code"] == headline
    assert_grounded(raw, lang)


def _thin_capacity() -> dict[str, Any]:
    """Current loans, income barely above expenses: the affordable plafon is tiny."""
    raw = seed()
    raw["internal_data"].update(
        collectability="Lancar", total_loan_active=0, loan_remaining=0, total_loan=2
    )
    raw["income"] = [{"key": "gaji", "value": "1000000"}]
    raw["expenses"] = [{"key": "rumah_tangga", "value": "985000"}]
    return raw


@pytest.mark.parametrize("lang", LANGS)
def test_a_decline_below_the_minimum_plafon_states_only_grounded_figures(lang: Lang) -> None:
    raw = _thin_capacity()
    policy = default_policy()
    result = evaluate(raw, policy=policy, today=TODAY, lang=lang)
    decision = result["decision"]
    assert decision["reasons"][0]["code"] == "DECLINE_BELOW_MIN_PLAFON"
    # "the largest sound amount" is the capacity-limited plafon rounded down to the step,
    # and the decision now exposes it (sized_plafon, limits.capacity)
    capacity = result["assessment"]["dimensions"]["capacity"]["metrics"]
    longest = policy.tenor.max_months["konsumtif"]  # the seed's purpose; age is no limit
    largest = max_principal(capacity["affordable_installment"], 12, longest, InterestMethod.ANUITAS)
    step = policy.decision.plafon_step
    assert decision["limits"]["capacity"] == largest
    assert decision["sized_plafon"] == largest // step * step
    assert 0 < decision["sized_plafon"] < policy.decision.min_plafon
    assert text.rupiah(decision["sized_plafon"], lang) in decision["reasons"][0]["message"]
    assert (decision["plafon"], decision["tenure"], decision["installment"]) == (0, 0, 0)

    assert_grounded(raw, lang)


def _without_declared_products(result: dict[str, Any]) -> dict[str, Any]:
    """The result with the collateral items' ``declared_value_times_pct`` taken out."""
    out = copy.deepcopy(result)
    for item in out["assessment"]["dimensions"]["collateral"]["metrics"]["items"]:
        del item["declared_value_times_pct"]
    return out


def test_a_recognition_mismatch_states_only_figures_the_result_exposes() -> None:
    raw = seed()
    raw["collaterals"][0].update(value=12_000_000, estimated_price="10000000-20000000")
    car = raw["collaterals"][0]
    expected = Decimal(car["value"]) * Decimal(str(car["recognition"])) / 100  # 6,000,000
    result = evaluate(raw, policy=default_policy(), today=TODAY)
    assert text.rupiah(expected, "id") in result["analytic"]
    items = result["assessment"]["dimensions"]["collateral"]["metrics"]["items"]
    assert items[0]["declared_value_times_pct"] == expected
    ids = _identifiers(raw, result)

    # grounded by the metrics (declared_value_times_pct), and only by them
    allowed = allowed_figures(raw, result)
    assert ungrounded(result["analytic"], "id", allowed, ids) == []
    bare = allowed_figures(raw, _without_declared_products(result))
    assert text.rupiah(expected, "id").removeprefix("Rp ") in ungrounded(
        result["analytic"], "id", bare, ids
    )


_ITEM_SENTENCE = {
    "id": re.compile(
        r"nilai Rp (?P<value>\d{1,3}(?:\.\d{3})*)(?P<factors>(?: × \d+(?:,\d+)?%(?: \([^)]*\))?)+)"
        r" = diakui Rp (?P<recognised>\d{1,3}(?:\.\d{3})*)\."
    ),
    "en": re.compile(
        r"value Rp (?P<value>\d{1,3}(?:,\d{3})*)(?P<factors>(?: × \d+(?:\.\d+)?%(?: \([^)]*\))?)+)"
        r" = recognised Rp (?P<recognised>\d{1,3}(?:,\d{3})*)\."
    ),
}
_FACTOR = {"id": re.compile(r"× (\d+(?:,\d+)?)%"), "en": re.compile(r"× (\d+(?:\.\d+)?)%")}


def _item_arithmetic(words: str, lang: Lang) -> list[tuple[Decimal, list[Decimal], Decimal]]:
    """Every COLLATERAL_ITEM equation in ``words``: (value, factors in %, recognised)."""
    grouping, mark = _GROUPING[lang], _DECIMAL_MARK[lang]
    out = []
    for m in _ITEM_SENTENCE[lang].finditer(words):
        factors = [Decimal(f.replace(mark, ".")) for f in _FACTOR[lang].findall(m["factors"])]
        out.append(
            (
                Decimal(m["value"].replace(grouping, "")),
                factors,
                Decimal(m["recognised"].replace(grouping, "")),
            )
        )
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("n", [None, *GENERATED])
def test_the_collateral_item_arithmetic_holds_as_written(n: int | None, lang: Lang) -> None:
    raw = seed() if n is None else generate(n)
    result = evaluate(raw, policy=default_policy(), today=TODAY, lang=lang)
    items = result["assessment"]["dimensions"]["collateral"]["metrics"]["items"]
    equations = _item_arithmetic(result["5c"]["collateral"], lang)

    assert len(equations) == len(items)  # every counted item writes its product out
    for value, factors, recognised in equations:
        product = value
        for pct in factors:
            product = product * pct / 100
        assert product.to_integral_value(ROUND_HALF_UP) == recognised, (value, factors)


def test_the_seed_car_is_written_with_every_factor_of_its_recognition() -> None:
    # the car is unverified: value × min(policy %, declared %) × the unverified factor
    c = default_policy().collateral
    car = seed()["collaterals"][0]
    assert car["is_verified"] is False
    pct = min(c.types["MBL"].recognition_pct, Decimal(str(car["recognition"])))
    recognised = Decimal(car["value"]) * pct / 100 * c.unverified_factor_pct / 100
    result = evaluate(seed(), policy=default_policy(), today=TODAY)

    assert _item_arithmetic(result["5c"]["collateral"], "id")[0] == (
        Decimal(car["value"]),
        [pct, c.unverified_factor_pct],
        recognised,
    )
    assert (
        "nilai Rp 10.000.000 × 50% × 50% (belum diverifikasi) = diakui Rp 2.500.000"
        in result["5c"]["collateral"]
    )


# =========================================================================================
# The shape of the narratives
# =========================================================================================

C_NAMES = {
    "id": {
        "character": "Karakter",
        "capacity": "Kapasitas",
        "capital": "Modal",
        "collateral": "Agunan",
        "condition": "Kondisi",
    },
    "en": {
        "character": "Character",
        "capacity": "Capacity",
        "capital": "Capital",
        "collateral": "Collateral",
        "condition": "Condition",
    },
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("n", [None, 0, 1, 2, 3, 4])
def test_the_five_cs_are_named_and_each_text_starts_with_its_name(
    n: int | None, lang: Lang
) -> None:
    raw = seed() if n is None else generate(n)
    result = evaluate(raw, policy=default_policy(), today=TODAY, lang=lang)
    assert list(result["5c"]) == ["character", "capacity", "capital", "collateral", "condition"]
    for key, words in result["5c"].items():
        assert isinstance(words, str)
        assert words.startswith(C_NAMES[lang][key] + " "), words


@pytest.mark.parametrize("lang", LANGS)
def test_the_result_says_who_wrote_it_and_under_which_policy(lang: Lang) -> None:
    result = evaluate(seed(), policy=default_policy(), today=TODAY, lang=lang)
    assert result["narrative_source"] == "rules"
    assert result["engine_version"] == cde.__version__
    assert result["policy"] == {"name": default_policy().name, "version": default_policy().version}


@pytest.mark.parametrize("n", [None, *GENERATED])
def test_the_recommendation_is_written_as_digit_strings_matching_the_decision(
    n: int | None,
) -> None:
    raw = seed() if n is None else generate(n)
    result = evaluate(raw, policy=default_policy(), today=TODAY)
    rec, decision = result["recommendation"], result["decision"]
    assert set(rec) == {"plafon", "tenure"}
    assert rec["plafon"].isdigit()
    assert rec["tenure"].isdigit()
    assert (int(rec["plafon"]), int(rec["tenure"])) == (decision["plafon"], decision["tenure"])
    if decision["outcome"] == "decline":
        assert rec == {"plafon": "0", "tenure": "0"}


def test_the_seed_is_declined_and_its_memo_says_so_in_both_languages() -> None:
    verdicts: tuple[tuple[Lang, str], ...] = (("id", "DITOLAK"), ("en", "DECLINE"))
    for lang, verdict in verdicts:
        result = evaluate(seed(), policy=default_policy(), today=TODAY, lang=lang)
        assert result["decision"]["outcome"] == "decline"
        assert verdict in result["analytic"]
        assert result["decision"]["reasons"][0]["code"] == "DECLINE_KNOCKOUT"


@pytest.mark.parametrize("n", [None, *GENERATED[:10]])
def test_the_memo_repeats_each_five_c_text_and_each_reason(n: int | None) -> None:
    raw = seed() if n is None else generate(n)
    for lang in LANGS:
        result = evaluate(raw, policy=default_policy(), today=TODAY, lang=lang)
        memo = result["analytic"]
        for words in result["5c"].values():
            assert words in memo
        for reason in result["decision"]["reasons"]:
            assert f"- {reason['message']}" in memo
        for condition in result["decision"]["conditions"]:
            assert condition["message"] in memo


def test_the_memo_never_states_the_gender() -> None:
    for gender in ("l", "p"):
        raw = seed()
        raw["character"]["gender"] = gender
        for lang in LANGS:
            memo = evaluate(raw, policy=default_policy(), today=TODAY, lang=lang)["analytic"]
            for word in ("laki-laki", "perempuan", " male", "female"):
                assert word not in memo.lower()


# =========================================================================================
# Reproducibility
# =========================================================================================


def _bytes(raw: dict[str, Any], today: date, lang: Lang = "id") -> bytes:
    result = evaluate(raw, policy=default_policy(), today=today, lang=lang)
    return orjson.dumps(result, option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("n", [None, *GENERATED[:10]])
def test_the_same_input_policy_and_date_give_byte_identical_results(
    n: int | None, lang: Lang
) -> None:
    first = _bytes(seed() if n is None else generate(n), TODAY, lang)
    second = _bytes(seed() if n is None else generate(n), TODAY, lang)
    assert first == second


def test_every_result_is_plain_json() -> None:
    for n in [None, *GENERATED]:
        raw = seed() if n is None else generate(n)
        result = evaluate(raw, policy=default_policy(), today=TODAY)
        assert orjson.loads(orjson.dumps(result)) == json.loads(json.dumps(result))


def test_the_result_does_not_depend_on_the_key_order_of_the_input() -> None:
    raw = seed()
    shuffled = {k: raw[k] for k in reversed(list(raw))}
    shuffled["internal_data"] = dict(reversed(list(raw["internal_data"].items())))
    assert _bytes(raw, TODAY) == _bytes(shuffled, TODAY)


def test_a_different_date_can_change_the_result() -> None:
    # On 1 October 2020 the seed member (since 1 August 2020) is two months new.
    early = evaluate(seed(), policy=default_policy(), today=date(2020, 10, 1))
    late = evaluate(seed(), policy=default_policy(), today=TODAY)
    assert _bytes(seed(), date(2020, 10, 1)) != _bytes(seed(), TODAY)
    codes = {
        day: {f["code"] for f in r["assessment"]["dimensions"]["character"]["findings"]}
        for day, r in (("early", early), ("late", late))
    }
    assert "MEMBERSHIP_SHORT" in codes["early"]
    assert "MEMBERSHIP_LONG" in codes["late"]
    assert early["assessment"]["as_of"] == "2020-10-01"
    assert early["assessment"]["dimensions"]["character"]["metrics"]["age"] == 36
