"""Finding every number a narrative states (cde.domain.mentions)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cde.domain.mentions import Kind, Mention, find_mentions

D = Decimal
Lang = Literal["id", "en"]


def one(text: str, lang: Lang = "id") -> Mention:
    """The single mention in ``text``."""
    found = find_mentions(text, lang)
    assert len(found) == 1, found
    return found[0]


def values_and_kinds(text: str, lang: Lang = "id") -> list[tuple[Decimal, Kind]]:
    return [(m.value, m.kind) for m in find_mentions(text, lang)]


def triples(text: str, lang: Lang = "id") -> list[tuple[Decimal, Decimal, Kind]]:
    return [(m.value, m.precision, m.kind) for m in find_mentions(text, lang)]


# --------------------------------------------------------------------------- single numbers


@pytest.mark.parametrize(
    ("text", "lang", "value", "precision", "kind"),
    [
        # money: prefixes, scale words, suffixes
        ("Rp10 jt", "id", D(10_000_000), D(1_000_000), "money"),
        ("Rp 10 jt.", "id", D(10_000_000), D(1_000_000), "money"),
        ("10 juta", "id", D(10_000_000), D(1_000_000), "money"),
        ("10,5 juta", "id", D(10_500_000), D(100_000), "money"),
        ("1,5 juta", "id", D(1_500_000), D(100_000), "money"),
        ("Rp 10.000.000", "id", D(10_000_000), D(1), "money"),
        ("Rp. 10.000.000", "id", D(10_000_000), D(1), "money"),
        ("rp10.000", "id", D(10_000), D(1), "money"),
        ("RP 888.488", "id", D(888_488), D(1), "money"),
        ("Rp 1.500.000,-", "id", D(1_500_000), D(1), "money"),
        ("Rp 10.000.000,00", "id", D(10_000_000), D("0.01"), "money"),
        ("Rp 2,5 M", "id", D(2_500_000_000), D(100_000_000), "money"),
        ("Rp 2,5M", "id", D(2_500_000_000), D(100_000_000), "money"),
        ("Rp 3 T", "id", D(3 * 10**12), D(10**12), "money"),
        ("500 ribu", "id", D(500_000), D(1_000), "money"),
        ("500 rb", "id", D(500_000), D(1_000), "money"),
        ("500k", "id", D(500_000), D(1_000), "money"),
        ("2 miliar", "id", D(2_000_000_000), D(1_000_000_000), "money"),
        ("2 milyar", "id", D(2_000_000_000), D(1_000_000_000), "money"),
        ("1 triliun", "id", D(10**12), D(10**12), "money"),
        ("15.000 rupiah", "id", D(15_000), D(1), "money"),
        ("IDR 10 million", "en", D(10_000_000), D(1_000_000), "money"),
        ("IDR10,000,000", "en", D(10_000_000), D(1), "money"),
        ("idr 2bn", "en", D(2_000_000_000), D(1_000_000_000), "money"),
        ("2.5 million", "en", D(2_500_000), D(100_000), "money"),
        ("2.5 million", "id", D(2_500_000), D(100_000), "money"),
        ("3 thousand", "en", D(3_000), D(1_000), "money"),
        ("4 mn", "en", D(4_000_000), D(1_000_000), "money"),
        ("1 trillion", "en", D(10**12), D(10**12), "money"),
        # percent
        ("45,2%", "id", D("45.2"), D("0.1"), "percent"),
        ("45.2 %", "id", D("45.2"), D("0.1"), "percent"),
        ("45.2%", "en", D("45.2"), D("0.1"), "percent"),
        ("45%", "id", D(45), D(1), "percent"),
        ("DSR 4.525,7%", "id", D("4525.7"), D("0.1"), "percent"),
        ("DSR 4,525.7%", "en", D("4525.7"), D("0.1"), "percent"),
        ("12 persen", "id", D(12), D(1), "percent"),
        ("12 percent", "en", D(12), D(1), "percent"),
        ("12 per cent", "en", D(12), D(1), "percent"),
        ("12 pct", "en", D(12), D(1), "percent"),
        ("174,48%", "id", D("174.48"), D("0.01"), "percent"),
        # durations
        ("12 bulan", "id", D(12), D(1), "months"),
        ("12 bln", "id", D(12), D(1), "months"),
        ("1 month", "en", D(1), D(1), "months"),
        ("24 months", "en", D(24), D(1), "months"),
        ("6 mo", "en", D(6), D(1), "months"),
        ("a 12-month term", "en", D(12), D(1), "months"),
        ("40 tahun", "id", D(40), D(1), "years"),
        ("40 thn", "id", D(40), D(1), "years"),
        ("5 th", "id", D(5), D(1), "years"),
        ("5th", "id", D(5), D(1), "years"),
        ("42 years old", "en", D(42), D(1), "years"),
        ("3 yrs", "en", D(3), D(1), "years"),
        ("1 yr", "en", D(1), D(1), "years"),
        ("a 5-year loan", "en", D(5), D(1), "years"),
        ("90 hari", "id", D(90), D(1), "days"),
        ("30 days", "en", D(30), D(1), "days"),
        ("1 day", "en", D(1), D(1), "days"),
        # multiples
        ("1,5x", "id", D("1.5"), D("0.1"), "times"),
        ("1.5x", "en", D("1.5"), D("0.1"), "times"),
        ("2,5 kali", "id", D("2.5"), D("0.1"), "times"),
        ("3 kali lipat", "id", D(3), D(1), "times"),
        ("2,78×", "id", D("2.78"), D("0.01"), "times"),
        ("3,00×", "id", D(3), D("0.01"), "times"),
        ("3 times", "en", D(3), D(1), "times"),
        ("a 20-fold rise", "en", D(20), D(1), "times"),
        ("12x angsuran", "id", D(12), D(1), "times"),
        # plain
        ("31 pinjaman", "id", D(31), D(1), "plain"),
        ("888488", "id", D(888_488), D(1), "plain"),
        ("8,3 setoran", "id", D("8.3"), D("0.1"), "plain"),
        ("8.3 deposits", "en", D("8.3"), D("0.1"), "plain"),
        ("138402100.00", "id", D("138402100"), D("0.01"), "plain"),
        ("1.234.567,89", "id", D("1234567.89"), D("0.01"), "plain"),
        ("1,234,567.89", "en", D("1234567.89"), D("0.01"), "plain"),
        ("0,45", "id", D("0.45"), D("0.01"), "plain"),
        ("0.500", "id", D("0.5"), D("0.001"), "plain"),  # a leading zero is never a group
        ("the 2nd loan", "en", D(2), D(1), "plain"),
        ("the 21st", "en", D(21), D(1), "plain"),
    ],
)
def test_a_number_is_read_with_its_precision_and_kind(
    text: str, lang: Lang, value: Decimal, precision: Decimal, kind: Kind
) -> None:
    m = one(text, lang)
    assert (m.value, m.precision, m.kind) == (value, precision, kind)


# --------------------------------------------------------------------------- separators


@pytest.mark.parametrize(
    ("text", "lang", "value", "precision"),
    [
        ("10.000.000", "id", D(10_000_000), D(1)),
        ("10.000.000", "en", D(10_000_000), D(1)),  # repeated groups are grouping anywhere
        ("10,000,000", "en", D(10_000_000), D(1)),
        ("10,000,000", "id", D(10_000_000), D(1)),
        ("1.500", "id", D(1_500), D(1)),  # the language's own grouping separator
        ("1,500", "en", D(1_500), D(1)),
        ("1,500", "id", D("1.5"), D("0.001")),  # the other language's: a decimal
        ("1.500", "en", D("1.5"), D("0.001")),
        ("1,5", "id", D("1.5"), D("0.1")),
        ("1,50", "en", D("1.5"), D("0.01")),  # a comma before 1-2 digits is decimal
        ("1.5000", "id", D("1.5"), D("0.0001")),  # a dot before 4+ digits is decimal
        ("1500.000", "id", D(1500), D("0.001")),  # a group needs 1-3 digits before it
    ],
)
def test_separators_are_disambiguated_by_groups_and_language(
    text: str, lang: Lang, value: Decimal, precision: Decimal
) -> None:
    m = one(text, lang)
    assert (m.value, m.precision, m.kind) == (value, precision, "plain")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(
    "text", ["Rp 1,500", "Rp 1.500", "IDR 1,500", "1,500 rupiah", "1.500 rupiah", "Rp 1,500,-"]
)
def test_a_lone_separator_before_three_digits_is_grouping_in_money_context(
    text: str, lang: Lang
) -> None:
    m = one(text, lang)
    assert (m.value, m.precision, m.kind, m.grouped_integer) == (D(1500), D(1), "money", True)


def test_scale_words_do_not_make_money_context_for_separators() -> None:
    assert one("1,500 juta", "id").value == D(1_500_000)
    assert one("1,500 million", "en").value == D(1_500_000_000)
    # a currency before a scaled amount does not make the decimal sign a grouping one
    assert (one("Rp 1,097 miliar", "id").value, one("Rp 1,097 miliar", "id").precision) == (
        D(1_097_000_000),
        D(1_000_000),
    )
    assert one("Rp 2,565 juta", "id").value == D(2_565_000)
    assert one("IDR 1.125 billion", "en").value == D(1_125_000_000)
    # in English a glued M is a million, in Indonesian (money context) a miliar
    assert one("Rp 22.5M", "en").value == D(22_500_000)
    assert one("79.5M", "en").value == D(79_500_000)
    assert one("Rp 2,5 M", "id").value == D(2_500_000_000)
    # the language's own grouping sign stays grouping
    assert one("Rp 1.097 miliar", "id").value == D(1_097_000_000_000)
    assert one("IDR 1,097 million", "en").value == D(1_097_000_000)


def test_malformed_digit_runs_are_skipped_whole() -> None:
    # version numbers and broken groupings are not guessed at
    assert find_mentions("cde 0.1.0, kebijakan 2026.11.1, nilai 1.50.000, daftar 1,2,3") == []


def test_a_long_run_of_digits_is_not_a_number() -> None:
    assert find_mentions("x " + "9" * 61) == []
    assert one("9" * 60).value == D("9" * 60)


# --------------------------------------------------------------------------- grouped_integer


@pytest.mark.parametrize(
    ("text", "grouped"),
    [
        ("10.000.000", True),
        ("888488", True),
        ("Rp 1.500.000,-", True),
        ("Rp 888.488", True),
        ("45%", True),
        ("12 bulan", True),
        ("45,2%", False),
        ("10 juta", False),
        ("Rp10 jt", False),
        ("sepuluh juta", False),
        ("empat puluh dua tahun", False),
        ("Rp 10.000.000,00", False),
    ],
)
def test_grouped_integer_marks_whole_numbers_in_digits_without_a_scale(
    text: str, grouped: bool
) -> None:
    assert one(text).grouped_integer is grouped


# --------------------------------------------------------------------------- spans


def test_the_span_is_the_text_as_written_with_its_offsets() -> None:
    text = "Plafon Rp10 jt, DSR 45,2 %, tenor dua belas bulan."
    found = find_mentions(text)
    assert [m.text for m in found] == ["Rp10 jt", "45,2 %", "dua belas bulan"]
    for m in found:
        assert text[m.start : m.end] == m.text


def test_a_sign_is_dropped_and_left_out_of_the_span() -> None:
    text = "Sisa penghasilan -Rp 12.888.704 per bulan; saldo menyusut −3,25% dan −5 %."
    found = find_mentions(text)
    assert [(m.value, m.kind, m.text) for m in found] == [
        (D(12_888_704), "money", "Rp 12.888.704"),
        (D("3.25"), "percent", "3,25%"),
        (D(5), "percent", "5 %"),
    ]
    assert one("Rp -5.000").value == D(5000)
    assert values_and_kinds("DSR 45% -5%") == [(D(45), "percent"), (D(5), "percent")]


def test_approximation_words_change_nothing() -> None:
    assert triples("sekitar ±10% atau kurang lebih ~ 3 tahun") == [
        (D(10), D(1), "percent"),
        (D(3), D(1), "years"),
    ]
    assert triples("about 4% or approximately IDR 5,000", "en") == [
        (D(4), D(1), "percent"),
        (D(5000), D(1), "money"),
    ]


def test_a_mention_is_frozen() -> None:
    m = one("45%")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.value = D(1)  # type: ignore[misc]


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        find_mentions("10", "fr")  # type: ignore[arg-type]


def test_empty_and_number_free_texts_have_no_mentions() -> None:
    assert find_mentions("") == []
    assert find_mentions("KYC belum dilakukan: identitas anggota belum terverifikasi.") == []


# --------------------------------------------------------------------------- number words


@pytest.mark.parametrize(
    ("text", "lang", "value", "precision", "kind"),
    [
        ("sepuluh juta rupiah", "id", D(10_000_000), D(1_000_000), "money"),
        ("sepuluh juta", "id", D(10_000_000), D(1_000_000), "money"),
        ("sepuluh juta lima ratus ribu", "id", D(10_500_000), D(100_000), "money"),
        ("dua ratus lima puluh ribu", "id", D(250_000), D(1_000), "money"),
        ("satu setengah juta", "id", D(1_500_000), D(500_000), "money"),
        ("setengah juta", "id", D(500_000), D(500_000), "money"),
        ("seribu", "id", D(1_000), D(1_000), "money"),
        ("sejuta rupiah", "id", D(1_000_000), D(1_000_000), "money"),
        ("seratus ribu", "id", D(100_000), D(100_000), "money"),
        ("dua juta 500 ribu", "id", D(2_500_000), D(1_000), "money"),
        ("Rp 1 juta 500 ribu", "id", D(1_500_000), D(1_000), "money"),
        ("sepuluh juta lima ratus", "id", D(10_000_500), D(100), "money"),
        ("tiga miliar", "id", D(3_000_000_000), D(1_000_000_000), "money"),
        ("delapan belas bulan", "id", D(18), D(1), "months"),
        ("empat puluh dua tahun", "id", D(42), D(1), "years"),
        ("empat puluh tahun", "id", D(40), D(1), "years"),
        ("dua setengah tahun", "id", D("2.5"), D("0.5"), "years"),
        ("sebelas hari", "id", D(11), D(1), "days"),
        ("seratus dua puluh", "id", D(120), D(1), "plain"),
        ("sembilan ratus sembilan puluh sembilan", "id", D(999), D(1), "plain"),
        ("lima ratus", "id", D(500), D(100), "plain"),
        ("empat koma lima persen", "id", D("4.5"), D("0.1"), "percent"),
        ("nol koma dua lima persen", "id", D("0.25"), D("0.01"), "percent"),
        ("satu bulan", "id", D(1), D(1), "months"),
        ("satu kali", "id", D(1), D(1), "times"),
        ("tiga kali", "id", D(3), D(1), "times"),
        ("forty-two years old", "en", D(42), D(1), "years"),
        ("twenty five", "en", D(25), D(1), "plain"),
        ("one hundred and twenty", "en", D(120), D(1), "plain"),
        ("a hundred", "en", D(100), D(100), "plain"),
        ("twelve hundred", "en", D(1_200), D(100), "plain"),
        ("a million", "en", D(1_000_000), D(1_000_000), "money"),
        ("ten million", "en", D(10_000_000), D(1_000_000), "money"),
        ("one and a half million", "en", D(1_500_000), D(500_000), "money"),
        ("half a million", "en", D(500_000), D(500_000), "money"),
        ("five hundred thousand", "en", D(500_000), D(100_000), "money"),
        ("four point five percent", "en", D("4.5"), D("0.1"), "percent"),
        ("ninety-nine percent", "en", D(99), D(1), "percent"),
        ("two times", "en", D(2), D(1), "times"),
        ("one year", "en", D(1), D(1), "years"),
        ("a one-year loan", "en", D(1), D(1), "years"),
        ("eighteen months", "en", D(18), D(1), "months"),
    ],
)
def test_numbers_in_words_are_read(
    text: str, lang: Lang, value: Decimal, precision: Decimal, kind: Kind
) -> None:
    m = one(text, lang)
    assert (m.value, m.precision, m.kind) == (value, precision, kind)
    assert text[m.start : m.end] == m.text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("salah satu alasan", "id"),
        ("Salah satu alasannya: satu-satunya agunan.", "id"),
        ("tidak satu pun", "id"),
        ("sekali lagi, kesatu dan kedua", "id"),
        ("setengah dari penghasilan", "id"),
        ("one of the reasons", "en"),
        ("no one, anyone, someone, the one", "en"),
        ("a one-off payment", "en"),
        ("half of the income", "en"),
        ("at one point", "en"),
    ],
)
def test_pronouns_and_ordinal_words_are_not_numbers(text: str, lang: Lang) -> None:
    assert find_mentions(text, lang) == []


def test_a_worded_part_followed_by_a_unit_is_a_number_of_its_own() -> None:
    assert values_and_kinds("sepuluh juta dua belas bulan") == [
        (D(10_000_000), "money"),
        (D(12), "months"),
    ]
    assert values_and_kinds("2 juta 500 orang") == [(D(2_000_000), "money"), (D(500), "plain")]


# --------------------------------------------------------------------------- ranges


def test_a_range_with_one_scale_word_and_one_currency() -> None:
    found = find_mentions("Rp 300-500 ribu")
    assert [(m.value, m.precision, m.kind, m.text) for m in found] == [
        (D(300_000), D(1_000), "money", "Rp 300"),
        (D(500_000), D(1_000), "money", "500 ribu"),
    ]


def test_a_range_with_one_unit() -> None:
    found = find_mentions("tunggakan 121–180 hari")
    assert [(m.value, m.precision, m.kind, m.text) for m in found] == [
        (D(121), D(1), "days", "121"),
        (D(180), D(1), "days", "180 hari"),
    ]
    assert values_and_kinds("121-180 hari") == [(D(121), "days"), (D(180), "days")]
    assert values_and_kinds("5-10%") == [(D(5), "percent"), (D(10), "percent")]
    assert values_and_kinds("2 sampai 3 kali") == [(D(2), "times"), (D(3), "times")]
    assert values_and_kinds("satu sampai dua tahun") == [(D(1), "years"), (D(2), "years")]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Rp 300.000–Rp 500.000", "id", [(D(300_000), D(1)), (D(500_000), D(1))]),
        ("Rp 300.000 - Rp 500.000", "id", [(D(300_000), D(1)), (D(500_000), D(1))]),
        ("300 to 500 thousand", "en", [(D(300_000), D(1_000)), (D(500_000), D(1_000))]),
        ("300 sampai 500 ribu", "id", [(D(300_000), D(1_000)), (D(500_000), D(1_000))]),
        ("300 sampai dengan 500 ribu", "id", [(D(300_000), D(1_000)), (D(500_000), D(1_000))]),
        ("300 s/d 500 ribu", "id", [(D(300_000), D(1_000)), (D(500_000), D(1_000))]),
        ("300 s.d. 500 ribu", "id", [(D(300_000), D(1_000)), (D(500_000), D(1_000))]),
        ("300 hingga 500 ribu", "id", [(D(300_000), D(1_000)), (D(500_000), D(1_000))]),
        ("antara 10 dan 20 juta", "id", [(D(10**7), D(10**6)), (D(2 * 10**7), D(10**6))]),
        ("between 10 and 20 million", "en", [(D(10**7), D(10**6)), (D(2 * 10**7), D(10**6))]),
        ("1,5-2 juta", "id", [(D(1_500_000), D(100_000)), (D(2_000_000), D(1_000_000))]),
        ("Rp 1-2 M", "id", [(D(10**9), D(10**9)), (D(2 * 10**9), D(10**9))]),
        ("100.000-200.000 rupiah", "id", [(D(100_000), D(1)), (D(200_000), D(1))]),
        ("Rp 1,500-2,500", "id", [(D(1_500), D(1)), (D(2_500), D(1))]),
        ("Rp 1.000.000,- - Rp 2.000.000,-", "id", [(D(10**6), D(1)), (D(2 * 10**6), D(1))]),
        # a scale word is not carried back to a grouped or large first end
        ("Rp 1.500.000 - 2 juta", "id", [(D(1_500_000), D(1)), (D(2_000_000), D(10**6))]),
    ],
)
def test_money_ranges(text: str, lang: Lang, expected: list[tuple[Decimal, Decimal]]) -> None:
    found = find_mentions(text, lang)
    assert [(m.value, m.precision) for m in found] == expected
    assert {m.kind for m in found} == {"money"}


def test_without_antara_dan_is_not_a_range() -> None:
    assert values_and_kinds("10 dan 20 juta") == [(D(10), "plain"), (D(20_000_000), "money")]


def test_ends_with_their_own_units_keep_them() -> None:
    assert values_and_kinds("Rp 10.000.000 – 12 bulan") == [
        (D(10_000_000), "money"),
        (D(12), "months"),
    ]
    assert values_and_kinds("2020-2024") == [(D(2020), "plain"), (D(2024), "plain")]


# --------------------------------------------------------------------------- not numbers


def test_markdown_list_markers_and_headings_are_not_numbers() -> None:
    memo = (
        "### Analisis Kredit\n"
        "#### Syarat\n"
        "\n"
        "1. Turunkan suku bunga ke paling tinggi 24% per tahun.\n"
        "2. Anggota menyetujui tenor 12 bulan.\n"
        "10) Klarifikasi 3 catatan kualitas data.\n"
        "### 4. Ringkasan\n"
        "> 5. kutipan\n"
    )
    assert values_and_kinds(memo) == [(D(24), "percent"), (D(12), "months"), (D(3), "plain")]


def test_identifiers_and_code_are_skipped() -> None:
    text = (
        "Anggota ac06b74c-6864-407a-802e-f12ee1d8ce40, pinjaman "
        "12345678-1234-4123-8123-123456789012, kode KOLEK_NON_PERFORMING, field "
        "`capacity.dsr_pct` dan `collaterals[0].recognition_value`, nomor LN-2024-001, "
        "COVID-19, sha256, H2O, b74c. DSR 45%."
    )
    assert values_and_kinds(text) == [(D(45), "percent")]


def test_fenced_code_blocks_are_skipped() -> None:
    text = "Plafon 10 juta.\n```\nx = 1500000\ny = 12\n```\nTenor 12 bulan."
    assert values_and_kinds(text) == [(D(10_000_000), "money"), (D(12), "months")]


def test_the_five_cs_are_not_a_number() -> None:
    assert find_mentions("Penilaian 5C dan analisis 5 C") == []
    assert find_mentions("The 5 Cs of credit, 5C assessment", "en") == []


@pytest.mark.parametrize("text", ["kol-4", "Kol-4", "kol 4", "(kol-4)", "Kolektibilitas 4"])
def test_the_kolektibilitas_class_is_a_plain_number(text: str) -> None:
    m = one(text)
    assert (m.value, m.precision, m.kind, m.text) == (D(4), D(1), "plain", "4")


def test_ordinals_with_ke_are_plain_numbers() -> None:
    assert values_and_kinds("pinjaman ke-3 pada tahun ke-2") == [(D(3), "plain"), (D(2), "plain")]


def test_a_masked_nik_is_not_a_number() -> None:
    assert values_and_kinds("NIK 5171********0001 dan **45%**") == [(D(45), "percent")]


def test_a_multiplication_sign_is_not_a_unit() -> None:
    assert values_and_kinds("nilai Rp 10.000.000 × 50% = Rp 5.000.000") == [
        (D(10_000_000), "money"),
        (D(50), "percent"),
        (D(5_000_000), "money"),
    ]
    assert values_and_kinds("12 x Rp 500.000") == [(D(12), "plain"), (D(500_000), "money")]
    assert values_and_kinds("3 x 4") == [(D(3), "plain"), (D(4), "plain")]


def test_capital_m_and_t_are_scales_only_after_a_currency() -> None:
    assert values_and_kinds("5 M") == [(D(5), "plain")]
    assert values_and_kinds("Rp 5 m") == [(D(5), "money")]  # a lower-case m is refused


# --------------------------------------------------------------------------- dates and scores


@pytest.mark.parametrize(
    ("text", "lang", "parts"),
    [
        ("Denpasar, 10 April 1984", "id", ["10", "1984"]),
        ("21 Oktober 2024", "id", ["21", "2024"]),
        ("10 Apr. 1984", "id", ["10", "1984"]),
        ("10-Apr-1984", "en", ["10", "1984"]),
        ("August 1, 2020", "en", ["1", "2020"]),
        ("Sept 3rd, 2021", "en", ["3", "2021"]),
        ("2024-10-21", "id", ["2024", "10", "21"]),
        ("2020.08.01", "id", ["2020", "08", "01"]),
        ("2024-10-21T10:00:00Z", "en", ["2024", "10", "21"]),
        ("21/10/2024", "id", ["21", "10", "2024"]),
        ("21.10.2024", "id", ["21", "10", "2024"]),
        ("1-8-2020", "id", ["1", "8", "2020"]),
    ],
)
def test_dates_give_their_day_month_number_and_year(
    text: str, lang: Lang, parts: list[str]
) -> None:
    found = find_mentions(text, lang)
    assert [m.text for m in found] == parts
    assert [m.value for m in found] == [D(int(p)) for p in parts]
    assert {(m.kind, m.precision, m.grouped_integer) for m in found} == {("plain", D(1), False)}


def test_an_impossible_numeric_date_is_read_as_numbers() -> None:
    assert [m.value for m in find_mentions("2024-13-45")] == [D(2024), D(13), D(45)]


@pytest.mark.parametrize("text", ["skor 72/100", "skor 72 / 100", "score 72/100"])
def test_score_fractions_are_two_plain_numbers(text: str) -> None:
    assert triples(text) == [(D(72), D(1), "plain"), (D(100), D(1), "plain")]


# --------------------------------------------------------------------------- paragraphs


def test_an_indonesian_paragraph() -> None:
    text = (
        "Anggota berusia empat puluh dua tahun, menjadi anggota sejak 1 Agustus 2020 "
        "(4 tahun 2 bulan), mengajukan plafon Rp10 jt dengan tenor 12 bulan dan bunga "
        "12% per tahun (bunga anuitas). Angsuran Rp 888.488 per bulan; penghasilan "
        "Rp 300-500 ribu per bulan. DSR 4.525,7%, melebihi batas 50%. Kolektibilitas "
        "Diragukan (kol-4): tunggakan 121–180 hari. Skor keseluruhan 31/100. Agunan "
        "menutup 2,78× plafon; salah satu alasan penolakan adalah 18 pinjaman aktif."
    )
    assert values_and_kinds(text) == [
        (D(42), "years"),
        (D(1), "plain"),
        (D(2020), "plain"),
        (D(4), "years"),
        (D(2), "months"),
        (D(10_000_000), "money"),
        (D(12), "months"),
        (D(12), "percent"),
        (D(888_488), "money"),
        (D(300_000), "money"),
        (D(500_000), "money"),
        (D("4525.7"), "percent"),
        (D(50), "percent"),
        (D(4), "plain"),
        (D(121), "days"),
        (D(180), "days"),
        (D(31), "plain"),
        (D(100), "plain"),
        (D("2.78"), "times"),
        (D(18), "plain"),
    ]


def test_an_english_paragraph() -> None:
    text = (
        "The member, forty-two years old and a member since August 1, 2020, requests "
        "IDR 10 million over 12 months at 12% a year. The instalment of Rp 888,488 is one of "
        "the reasons for concern: the DSR is 4,525.7%, far above the 50% limit, and income "
        "is only 300 to 500 thousand a month. The amount is 2.78× annual income; the "
        "collateral covers one and a half million, and arrears run 121-180 days."
    )
    assert values_and_kinds(text, "en") == [
        (D(42), "years"),
        (D(1), "plain"),
        (D(2020), "plain"),
        (D(10_000_000), "money"),
        (D(12), "months"),
        (D(12), "percent"),
        (D(888_488), "money"),
        (D("4525.7"), "percent"),
        (D(50), "percent"),
        (D(300_000), "money"),
        (D(500_000), "money"),
        (D("2.78"), "times"),
        (D(1_500_000), "money"),
        (D(121), "days"),
        (D(180), "days"),
    ]


def test_a_memo_with_tables_lists_and_code() -> None:
    memo = (
        "### Analisis Kredit — 21bef131-7ef0-405f-bb80-bcc2a53b34ef\n"
        "\n"
        "| Anggota | fulan (`ac06b74c-6864-407a-802e-f12ee1d8ce40`) |\n"
        "|---|---|\n"
        "| Tanggal analisis | 21 Oktober 2024 |\n"
        "| Kebijakan | cde-default versi 2026.11.1 |\n"
        "\n"
        "**Rekomendasi: DITOLAK.** Skor keseluruhan 31/100 (grade E).\n"
        "\n"
        "| Plafon | Rp 10.000.000 | — |\n"
        "| Tenor | 12 bulan | — |\n"
        "\n"
        "1. Ditolak: memenuhi 2 syarat tolak otomatis (KOLEK_NON_PERFORMING).\n"
        "2. Sisa penghasilan -Rp 12.888.704 per bulan.\n"
        "- `character.nik`: NIK berisi 14 digit; NIK yang sah 16 digit.\n"
        "\n"
        "---\n"
        "*Disusun oleh cde 0.1.0 dengan aturan kebijakan cde-default 2026.11.1.*\n"
    )
    assert values_and_kinds(memo) == [
        (D(21), "plain"),
        (D(2024), "plain"),
        (D(31), "plain"),
        (D(100), "plain"),
        (D(10_000_000), "money"),
        (D(12), "months"),
        (D(2), "plain"),
        (D(12_888_704), "money"),
        (D(14), "plain"),
        (D(16), "plain"),
    ]


# --------------------------------------------------------------------------- properties


@given(st.integers(min_value=0, max_value=10**13), st.sampled_from(["id", "en"]))
def test_grouped_rupiah_amounts_round_trip(n: int, lang: Lang) -> None:
    dotted = "Rp " + f"{n:,}".replace(",", ".")  # Indonesian grouping
    commas = "IDR " + f"{n:,}"  # English grouping
    for written in (dotted, commas):
        m = one(f"Jumlahnya {written}.", lang)
        assert (m.value, m.kind, m.precision, m.grouped_integer) == (D(n), "money", D(1), True)
        assert m.text == written


_WORDS = """
1.500 1,500 10.000.000 4.525,7 Rp Rp. IDR rp juta jt jt. ribu rb k M T C Cs rupiah persen
percent per cent bulan tahun th hari kali lipat times fold old s d sd satu dua tiga sepuluh
sebelas belas puluh ratus seratus seribu sejuta setengah koma one two forty hundred thousand
million a and half point salah antara between dan sampai dengan to kol ke April Agustus 2024
10 # 1. ) ``` ±
"""
_PIECES = [*"0123456789.,-–—/%×x*_:` \n", *_WORDS.split(), *(f" {w} " for w in _WORDS.split())]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.sampled_from(["id", "en"]))
def test_any_text_gives_ordered_well_formed_mentions(pieces: list[str], lang: Lang) -> None:
    text = "".join(pieces)
    found = find_mentions(text, lang)
    end = 0
    for m in found:
        assert text[m.start : m.end] == m.text
        assert m.start >= end  # in order, never overlapping
        end = m.end
        assert m.value >= 0
        assert m.precision > 0
        assert m.kind in ("money", "percent", "months", "years", "days", "times", "plain")
