"""Formatting figures for people, in Indonesian (default) or English.

Separators, month names and the long-date pattern come from babel's CLDR data for each
locale, read once at import; the digits themselves are formatted with Python's own
formatter, an order of magnitude faster than formatting every figure through babel (see
``docs/decisions.md``); a date pattern other than the two known ones goes through babel.
Money is whole rupiah: ``Rp 10.000.000`` / ``Rp 10,000,000``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel import Locale
from babel.dates import format_date

__all__ = [
    "Lang",
    "Text",
    "duration",
    "long_date",
    "months",
    "number",
    "percent",
    "probability",
    "ratio",
    "rupiah",
]

Lang = Literal["id", "en"]


@dataclass(frozen=True, slots=True)
class Text:
    """A phrase in both languages, for parameters whose words depend on the language."""

    id: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.id if lang == "id" else self.en


def _locale_data(tag: str) -> tuple[dict[int, str], str, list[str]]:
    locale = Locale.parse(tag)
    symbols = locale.number_symbols["latn"]
    # Python formats with "," grouping and "." decimals; translate to the locale's symbols.
    table = str.maketrans({",": symbols["group"], ".": symbols["decimal"]})
    pattern = locale.date_formats["long"].pattern
    months = [locale.months["format"]["wide"][m] for m in range(1, 13)]
    return table, pattern, months


_DATA = {"id": _locale_data("id"), "en": _locale_data("en")}
_LOCALES = {"id": Locale.parse("id"), "en": Locale.parse("en")}


def _digits(value: int | float | Decimal, decimals: int, lang: Lang) -> str:
    return f"{value:,.{decimals}f}".translate(_DATA[lang][0])


def _whole(value: int | float | Decimal) -> int:
    """Whole rupiah, rounding half up (exact for Decimal and int)."""
    if type(value) is int:
        return value
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return int(exact.to_integral_value(ROUND_HALF_UP))


def number(value: int | float | Decimal, lang: Lang, decimals: int = 0) -> str:
    """``1500000`` → ``1.500.000`` (id) or ``1,500,000`` (en)."""
    if decimals == 0:
        return f"{_whole(value):,}".translate(_DATA[lang][0])
    return _digits(value, decimals, lang)


def rupiah(value: int | float | Decimal, lang: Lang) -> str:
    """Whole rupiah with the currency sign: ``Rp 10.000.000``; negatives as ``-Rp 5.000``."""
    amount = _whole(value)
    if amount < 0:
        return "-Rp " + f"{-amount:,}".translate(_DATA[lang][0])
    return "Rp " + f"{amount:,}".translate(_DATA[lang][0])


def _tenths(value: int | float | Decimal) -> Decimal:
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return exact.quantize(_TENTH, ROUND_HALF_UP)


_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")


def percent(value: int | float | Decimal, lang: Lang) -> str:
    """Percent points to one decimal (half up), dropped when whole: ``45,2%``, ``30%``."""
    if type(value) is int:
        return f"{value:,}%".translate(_DATA[lang][0])
    rounded = _tenths(value)
    if rounded == rounded.to_integral_value():
        return f"{int(rounded):,}%".translate(_DATA[lang][0])
    return f"{rounded:,.1f}%".translate(_DATA[lang][0])


def probability(value: float | Decimal, lang: Lang) -> str:
    """A probability (0–1) as a percentage to two decimals (half up): ``4,21%``."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return f"{(exact * 100).quantize(_HUNDREDTH, ROUND_HALF_UP):,.2f}%".translate(_DATA[lang][0])


def ratio(value: float | Decimal, lang: Lang) -> str:
    """A multiple to two decimals (half up): ``2,78×`` (so 3,01× never reads as 3,0×)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return f"{exact.quantize(_HUNDREDTH, ROUND_HALF_UP):,.2f}×".translate(_DATA[lang][0])


def months(value: int, lang: Lang) -> str:
    if lang == "id":
        return f"{value} bulan"
    return f"{value} month" if value == 1 else f"{value} months"


def long_date(value: date, lang: Lang) -> str:
    """``1 Agustus 2020`` / ``August 1, 2020``: the locale's CLDR long date."""
    _, pattern, names = _DATA[lang]
    if pattern == "d MMMM y":
        return f"{value.day} {names[value.month - 1]} {value.year}"
    if pattern == "MMMM d, y":
        return f"{names[value.month - 1]} {value.day}, {value.year}"
    return str(format_date(value, format="long", locale=_LOCALES[lang]))  # any other pattern


def duration(total_months: int, lang: Lang) -> str:
    """``75`` → ``6 tahun 3 bulan`` / ``6 years 3 months``."""
    years, rest = divmod(max(total_months, 0), 12)
    if lang == "id":
        parts = [f"{years} tahun"] if years else []
        if rest or not years:
            parts.append(f"{rest} bulan")
        return " ".join(parts)
    parts = [f"{years} year" + ("s" if years != 1 else "")] if years else []
    if rest or not years:
        parts.append(f"{rest} month" + ("s" if rest != 1 else ""))
    return " ".join(parts)
