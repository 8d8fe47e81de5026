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
from functools import lru_cache
from typing import Literal

from babel import Locale
from babel.dates import format_date

__all__ = [
    "Lang",
    "Text",
    "duration",
    "fixed",
    "long_date",
    "months",
    "number",
    "percent",
    "probability",
    "ratio",
    "rupiah",
    "scaled_half_up",
]

Lang = Literal["id", "en"]


@dataclass(frozen=True, slots=True)
class Text:
    """A phrase in both languages, for parameters whose words depend on the language."""

    id: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.id if lang == "id" else self.en


def _locale_data(tag: str) -> tuple[str, str, str, list[str]]:
    locale = Locale.parse(tag)
    symbols = locale.number_symbols["latn"]
    pattern = locale.date_formats["long"].pattern
    months = [locale.months["format"]["wide"][m] for m in range(1, 13)]
    return symbols["group"], symbols["decimal"], pattern, months


_DATA = {"id": _locale_data("id"), "en": _locale_data("en")}
_LOCALES = {"id": Locale.parse("id"), "en": Locale.parse("en")}
# Python formats with "," grouping and "." decimals: the locale's grouping symbol, where it
# differs ("." in Indonesian), replaces the commas of a whole number.
_GROUP = {lang: group for lang, (group, _, _, _) in _DATA.items()}


def _localise(digits: str, lang: Lang) -> str:
    """Python's "," grouping and "." decimal point, in ``digits``, as the locale writes them
    (both at once: "1,234.5" → "1.234,5" in Indonesian)."""
    group, decimal, _, _ = _DATA[lang]
    if decimal == ".":
        return digits if group == "," else digits.replace(",", group)
    return digits.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _grouped(whole: int, lang: Lang) -> str:
    """A whole number with the locale's grouping: ``1.500.000`` / ``1,500,000``."""
    group = _GROUP[lang]
    return f"{whole:,}" if group == "," else f"{whole:,}".replace(",", group)


def _digits(value: int | float | Decimal, decimals: int, lang: Lang) -> str:
    return _localise(f"{value:,.{decimals}f}", lang)


def _whole(value: int | float | Decimal) -> int:
    """Whole rupiah, rounding half up (exact for Decimal and int)."""
    if type(value) is int:
        return value
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return int(exact.to_integral_value(ROUND_HALF_UP))


def number(value: int | float | Decimal, lang: Lang, decimals: int = 0) -> str:
    """``1500000`` → ``1.500.000`` (id) or ``1,500,000`` (en)."""
    if decimals == 0:
        return _grouped(_whole(value), lang)
    return _digits(value, decimals, lang)


def rupiah(value: int | float | Decimal, lang: Lang) -> str:
    """Whole rupiah with the currency sign: ``Rp 10.000.000``; negatives as ``-Rp 5.000``."""
    amount = value if type(value) is int else _whole(value)
    if amount < 0:
        return "-Rp " + _grouped(-amount, lang)
    return "Rp " + _grouped(amount, lang)


def scaled_half_up(value: float, places: int) -> int | None:
    """``value`` × 10^``places`` rounded half up, as a whole number, reading ``value`` as
    Python writes it (its shortest repr, as ``Decimal(repr(value))`` does): the figure the
    Decimal rounding gives, in integers. None unless ``value`` is a float of zero or more
    written without an exponent; the caller then rounds through Decimal."""
    written = repr(value)
    if type(value) is not float or written[0] == "-" or "e" in written or "n" in written:
        return None  # negative, an exponent, inf or nan
    whole, _, fraction = written.partition(".")
    if len(fraction) <= places:
        return int(whole + fraction + "0" * (places - len(fraction)))
    scaled = int(whole + fraction[:places])
    return scaled + 1 if fraction[places] >= "5" else scaled


def _tenths(value: int | float | Decimal) -> Decimal:
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return exact.quantize(_TENTH, ROUND_HALF_UP)


_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")


def percent(value: int | float | Decimal, lang: Lang) -> str:
    """Percent points to one decimal (half up), dropped when whole: ``45,2%``, ``30%``."""
    if type(value) is int:
        return _grouped(value, lang) + "%"
    if type(value) is Decimal and value.is_finite():
        return _decimal_percent(value, lang)  # the policy's limits, again and again
    if type(value) is float:
        return _float_percent(value, lang)
    return _percent(value, lang)


@lru_cache(maxsize=256)  # a metric's figure is written again in the scorecard's texts
def _float_percent(value: float, lang: Lang) -> str:
    tenths = scaled_half_up(value, 1)
    if tenths is None:
        return _percent(value, lang)
    whole, tenth = divmod(tenths, 10)
    if tenth == 0:
        return _grouped(whole, lang) + "%"
    return _localise(f"{whole:,}.{tenth}", lang) + "%"


@lru_cache(maxsize=1024)
def _decimal_percent(value: Decimal, lang: Lang) -> str:
    # equal Decimals (50, 50.000000) write the same: the text depends on the value only
    return _percent(value, lang)


def _percent(value: float | Decimal, lang: Lang) -> str:
    # to tenths: "45.2", or "30.0", written "30" (and "-0.0", a negative that rounds to
    # nothing, "0")
    digits = f"{_tenths(value):,.1f}"
    if digits.endswith(".0"):
        digits = digits[:-2]
        if digits == "-0":
            digits = "0"
    return _localise(digits, lang) + "%"


def fixed(scaled: int, places: int, lang: Lang) -> str:
    """``scaled`` × 10^-``places`` (``scaled`` zero or more) with exactly ``places``
    decimals: ``fixed(123405, 2, "id")`` → ``1.234,05``; ``fixed(612, 0, "en")`` → ``612``."""
    if places == 0:
        return _grouped(scaled, lang)
    whole, part = divmod(scaled, 10**places)
    return _localise(f"{whole:,}.{part:0{places}d}", lang)


def probability(value: float | Decimal, lang: Lang) -> str:
    """A probability (0–1) as a percentage to two decimals (half up): ``4,21%``."""
    if type(value) is float:
        scaled = scaled_half_up(value, 4)  # hundredths of a per cent
        if scaled is not None:
            return fixed(scaled, 2, lang) + "%"
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return _localise(f"{(exact * 100).quantize(_HUNDREDTH, ROUND_HALF_UP):,.2f}", lang) + "%"


def ratio(value: float | Decimal, lang: Lang) -> str:
    """A multiple to two decimals (half up): ``2,78×`` (so 3,01× never reads as 3,0×)."""
    if type(value) is float:
        scaled = scaled_half_up(value, 2)
        if scaled is not None:
            return fixed(scaled, 2, lang) + "×"
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return _localise(f"{exact.quantize(_HUNDREDTH, ROUND_HALF_UP):,.2f}", lang) + "×"


def months(value: int, lang: Lang) -> str:
    if lang == "id":
        return f"{value} bulan"
    return f"{value} month" if value == 1 else f"{value} months"


def long_date(value: date, lang: Lang) -> str:
    """``1 Agustus 2020`` / ``August 1, 2020``: the locale's CLDR long date."""
    _, _, pattern, names = _DATA[lang]
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
