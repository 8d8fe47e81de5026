"""Finding every number a narrative text states, so that each can be checked against the facts.

:func:`find_mentions` reads free text -- a memo, a 5C narrative, a model's draft -- in
Indonesian or English and returns one :class:`Mention` per number stated, in order of
appearance, whatever the notation: digits, words, or both. The module is pure (no I/O, no
locale, no clock), its regexes are compiled once, and a text is read in one pass over a
token list (a 3,000-character memo takes about two milliseconds). ``lang`` only decides
how a lone separator before three digits is read; words of both languages are always read.

A mention carries its ``value`` (absolute -- a sign is dropped -- and in base units: rupiah,
percent points, months, years, days, a multiple, or the plain number), its ``precision``
(the unit of the last digit as written, in the same base units), its ``kind``, the span as
written (``text``, ``start``, ``end``) and ``grouped_integer`` (a whole number in digits
with no scale word, such as ``10.000.000``, whose trailing zeros may be rounding).

Digits
------
* A number is ASCII digits with ``.`` or ``,`` between digit groups. Both separators: the
  LAST one is the decimal separator (``1.234.567,89``, ``1,234,567.89``, ``4.525,7``).
  One kind several times: grouping in groups of three (``10.000.000``, ``10,000,000``).
  One separator once: followed by 1-2 or 4+ digits it is decimal (``45,2``, ``45.2``,
  ``138402100.00``); followed by exactly three digits (``1.500``, ``1,500``) it is
  grouping when it is the language's own grouping separator (a dot in ``lang="id"``, a
  comma in ``lang="en"``) or in money context (an ``Rp``/``IDR`` prefix, a ``rupiah``
  suffix, ``,-``) without a scale word, and decimal otherwise (``1,500`` is 1.5 in
  Indonesian, ``1.500`` is 1.5 in English, ``Rp 1,097 miliar`` is 1.097 miliar in
  Indonesian: nobody groups the thousands of a number of billions with the decimal
  sign). A leading zero is never a group (``0.500`` is 0.5).
* Precision: ``1`` for whole numbers, ``0.1`` for one decimal, and so on; times the scale
  word, if any (``10 juta`` -> 1 000 000, ``10,5 juta`` -> 100 000, ``Rp 2,5 M`` -> 10^8).
* A run of digits and separators that is not well formed is not guessed at but skipped
  whole: version numbers (``0.1.0``, ``2026.11.1``), ``1.50.000``, ``1,2,3``.

Kinds
-----
* ``money``: a currency prefix ``Rp``, ``Rp.`` or ``IDR`` (any case, with or without a
  space, a minus sign may sit before or after it: ``-Rp 12.888.704``), a ``rupiah``
  suffix, the no-cents form ``Rp 1.500.000,-``, or a scale word: ``ribu``/``rb``,
  ``k`` (any case, only glued to digits: ``500k``), ``juta``/``jt``, ``miliar``/``milyar``,
  ``triliun``/``trilyun``, ``thousand``, ``million``/``mn``, ``billion``/``bn``,
  ``trillion``, any case and optionally ending in a dot (``jt.``), and the capital
  letters ``M`` (10^9) and ``T`` (10^12) -- case sensitive, and only on an amount in
  money context (``Rp 2,5 M``) -- except that in English an ``M`` glued to digits is a
  million (``Rp 22.5M``, ``79.5M``). In this domain a scaled amount is money (``10 juta``,
  ``10 million``) unless a unit word follows it.
* ``percent``: ``%`` (with or without a space), ``persen``, ``percent``, ``per cent``,
  ``pct``; the value is in percent points (``45,2%`` -> 45.2).
* ``months``: ``bulan``, ``bln``, ``month``, ``months``, ``mo``; ``years``: ``tahun``,
  ``thn``, ``th``, ``year``, ``years``, ``yr``, ``yrs`` (``42 years old``); ``days``:
  ``hari``, ``day``, ``days``; ``times``: ``x``, ``×``, ``kali``, ``kali lipat``,
  ``times``, ``-fold``. The unit follows the number, glued, after spaces, or after a
  hyphen (``12-month``, ``20-fold``). ``x``/``×`` before another number (or an
  ``Rp`` amount) is a multiplication sign, not a unit: ``Rp 10.000.000 × 50%``,
  ``12 x Rp 500.000`` (12 is plain). In English, ``st``,
  ``nd``, ``rd`` and ``th`` glued to digits are ordinals (``5th`` is a plain 5).
* ``plain``: anything else. Words like ``sekitar``, ``about``, ``±``, ``~`` change nothing:
  the precision already says how rounded a number is.

Number words
------------
* Indonesian: ``nol``, ``satu`` ... ``sembilan``, ``sepuluh``, ``sebelas``, ``N belas``,
  ``N puluh``, ``seratus``/``N ratus``, ``seribu``/``N ribu``, ``sejuta``/``N juta``,
  ``N miliar``/``milyar``, ``N triliun``, ``setengah`` (½: ``satu setengah juta`` =
  1 500 000) and ``koma`` (``empat koma lima persen`` = 4.5%).
* English: ``zero`` ... ``nineteen``, ``twenty`` ... ``ninety`` (``forty-two``),
  ``hundred``, ``thousand``, ``million``, ``billion``, ``trillion``, ``and`` after a
  hundred (``one hundred and twenty``), ``a hundred``/``a million``, ``half``
  (``one and a half million``, ``half a million``) and ``point`` (``four point five``).
* Digits and words mix: ``10 juta``, ``1,5 juta``, ``2.5 million``, and an amount may be
  spelled in falling scales, ``dua juta 500 ribu`` = 2 500 000 (a later part must carry a
  smaller scale word, or be in words: ``sepuluh juta lima ratus`` = 10 000 500).
* Precision of a worded number is its smallest word unit, where hundreds count as 100 and
  everything below a hundred (units, teens, tens) as 1, times the scale word that follows:
  ``sepuluh juta`` -> 10^6, ``sepuluh juta lima ratus ribu`` -> 10^5, ``empat puluh dua``
  -> 1, ``dua ratus lima puluh ribu`` -> 1 000; a half counts as half its unit
  (``satu setengah juta`` -> 500 000) and ``koma``/``point`` decimals as their last place.
* Not numbers: ``satu``/``one`` and ``setengah``/``half`` standing alone (a pronoun or a
  share: ``salah satu alasan``, ``one of the reasons``, ``no one``, ``satu pun``) -- they
  count only when followed by a scale, unit, percent or currency word, or inside a larger
  number; words joined to other words by a hyphen (``satu-satunya``, ``one-off``); and
  any other ``se-`` or ``ke-`` word (``sekali``, ``kesatu``, ``kedua``).

Ranges
------
Two amounts joined by ``-``, ``–`` (spaced on both sides or on neither: ``300 -500`` is a
number and a negative one), ``to``, ``sampai`` (``dengan``), ``hingga``, ``s/d``,
``s.d.``, ``sd``, or ``antara X dan Y``/``between X and Y``, give two mentions. A scale
word, unit or currency written only once applies to both ends: ``Rp 300-500 ribu`` ->
300 000 and 500 000 (money, precision 1 000), ``121–180 hari`` -> two day counts,
``300 to 500 thousand``, ``antara 10 dan 20 juta``. A scale word is carried back only to
a bare first end below 1 000 (``Rp 1.500.000 - 2 juta`` keeps 1 500 000).

What is not read
----------------
* Code: backtick spans (`` `capacity.dsr_pct` ``) and fenced blocks, skipped whole.
* Identifiers: UUIDs; digits glued to letters or underscores (``KOLEK_2``, ``b74c``,
  ``5C``, ``LN-2024-001``, ``COVID-19``) other than a currency prefix (``Rp10``), a
  scale or unit word (``10jt``, ``1,5x``) or an ordinal suffix. ``kol-4``/``Kol 4``
  (the kolektibilitas class) and ``ke-3`` are read as a plain 4 and 3. A masked number
  (``5171********0001``) is skipped.
* The term ``5C``/``5 C``/``5 Cs`` (the five Cs), markdown ordered-list markers at the
  start of a line (``1.``, ``2)``, also after heading hashes or ``>``).

Dates and scores
----------------
``10 April 1984``, ``10-Apr-1984``, ``April 10, 2020``, ``2024-10-21``, ``2020.08.01``
(two-digit month and day: ``2026.11.1`` is a version), ``21/10/2024``, ``21.10.2024``,
with Indonesian or English month names (full or abbreviated): the day, the month number
(numeric dates only; month names are not numbers) and the year, each a plain mention with
precision 1 and ``grouped_integer`` False (a year's trailing zero is not rounding). A score
``72/100`` is two plain numbers; so is a time ``10:30``, but the time in an ISO timestamp
(``2024-10-21T10:00:00Z``) is skipped with its date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal
from itertools import accumulate
from operator import itemgetter, sub
from typing import Literal

__all__ = ["ID_DIGITS", "Kind", "Mention", "find_mentions"]

Kind = Literal["money", "percent", "months", "years", "days", "times", "plain"]


@dataclass(frozen=True, slots=True)
class Mention:
    """One number stated in a text (see the module docstring for the rules)."""

    value: Decimal
    precision: Decimal
    kind: Kind
    text: str
    start: int
    end: int
    grouped_integer: bool


# --------------------------------------------------------------------------- vocabulary

_MAX_DIGITS = 60  # a longer run of digits is not a number anyone states
_CTX = Context(prec=200)  # exact arithmetic for any number of at most _MAX_DIGITS digits
_ONE = Decimal(1)
_HALF = Decimal("0.5")
_POW10 = {k: Decimal(10**k) if k >= 0 else _ONE.scaleb(k) for k in range(-_MAX_DIGITS, 13)}

_SCALES = {
    **dict.fromkeys(("ribu", "rb", "thousand"), 3),
    **dict.fromkeys(("juta", "jt", "million", "mn"), 6),
    **dict.fromkeys(("miliar", "milyar", "billion", "bn"), 9),
    **dict.fromkeys(("triliun", "trilyun", "trillion"), 12),
}
_ABBREVIATED_SCALES = frozenset({"rb", "jt", "mn", "bn"})  # may end in a dot: "jt."
_LETTER_SCALES = {"M": 9, "T": 12}  # case sensitive, money context only
_WORD_SCALES = {"seribu": 3, "sejuta": 6}

_UNITS: dict[str, Kind] = {
    **dict.fromkeys(("persen", "percent", "pct"), "percent"),
    **dict.fromkeys(("bulan", "bln", "month", "months", "mo"), "months"),
    **dict.fromkeys(("tahun", "thn", "th", "year", "years", "yr", "yrs"), "years"),
    **dict.fromkeys(("hari", "day", "days"), "days"),
    **dict.fromkeys(("x", "kali", "times", "fold"), "times"),
}
_ENGLISH_YEARS = frozenset({"year", "years", "yr", "yrs"})  # may be followed by "old"
_ORDINALS = frozenset({"st", "nd", "rd"})
_CURRENCY = frozenset({"rp", "idr"})
# Lower-case words that may be glued to digits without making them an identifier.
_SUFFIXES = frozenset({*_SCALES, *_UNITS, *_ORDINALS, "k", "an", "rupiah"})

ID_DIGITS = {  # the Indonesian digit words (the guard reads "usia empat puluhan" with them)
    "nol": 0,
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
_EN_DIGITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_EN_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_DIGIT_WORDS = {**ID_DIGITS, **_EN_DIGITS}
_ID_SE = {"sepuluh": 10, "sebelas": 11}
_ID_MULTIPLIERS = frozenset({"belas", "puluh", "ratus"})
_HUNDREDS_OF = {"a": 1, **_DIGIT_WORDS, **_EN_TEENS}  # words that may come before "hundred"
_EN_BELOW_HUNDRED = frozenset({*_EN_DIGITS, *_EN_TEENS, *_EN_TENS} - {"zero"})
_HALVES = frozenset({"setengah", "half"})
_LONE = frozenset({"satu", "one", "setengah", "half"})
_NUMBER_WORDS = frozenset(
    {*_DIGIT_WORDS, *_EN_TEENS, *_EN_TENS, *_ID_SE, *_HALVES, *_WORD_SCALES, "seratus"}
)
_STARTERS = _NUMBER_WORDS | _CURRENCY | {"a"}

_DASHES = frozenset({"-", "–", "‐", "—"})
_HYPHENS = frozenset({"-", "‐"})
_SIGNS = frozenset({"-", "−", "+", "–"})
_JOINERS = frozenset({"_", "-", "‐", "."})  # glue letters and digits into one identifier
_RANGE_WORDS = frozenset({"to", "sampai", "hingga", "sd", "until"})
_DOT = frozenset({"."})
_SLASH_OR_DOT = frozenset({"/", "."})
_COMMA = frozenset({","})

# Month names, Indonesian and English, full and abbreviated (a lookahead ends the word).
_MONTH_RE = (
    r"(?:januari|january|jan|februari|pebruari|february|feb|peb|maret|march|mar|april|apr"
    r"|mei|may|juni|june|jun|juli|july|jul|agustus|august|agu|ags|agt|aug|september|sept"
    r"|sep|oktober|october|okt|oct|november|nopember|nov|nop|desember|december|des|dec)"
    r"(?![^\W\d_])"
)

# --------------------------------------------------------------------------- regexes

_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.DOTALL)
_UUID = re.compile(  # the look-behind sits after the first character, for speed
    r"[0-9a-f](?<![\w-][0-9a-f])[0-9a-f]{7}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"(?![\w-])",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:#{1,6}[ \t]+)?(\d{1,3}[.)])(?=[ \t])", re.M)

# Dates start with a digit that does not continue a word or a number (the look-behind sits
# after the first digit, which lets the regex engine skip ahead to digits quickly).
_DATE_START = r"[0-9](?<![\w.,/-][0-9])"
_END = r"(?![0-9]|[.,][0-9])"
_ISO_TIME = r"(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
_DATES = (  # (pattern, whether a month name must come before it: "August 1, 2020")
    (
        re.compile(
            r"(?P<y>" + _DATE_START + r"[0-9]{3})(?:(?P<s>[-/])(?P<m>[0-9]{1,2})(?P=s)"
            r"(?P<d>[0-9]{1,2})|\.(?P<m2>[0-9]{2})\.(?P<d2>[0-9]{2}))" + _END + _ISO_TIME
        ),
        False,
    ),
    (
        re.compile(
            r"(?P<d>" + _DATE_START + r"[0-9]?)(?P<s>[-/.])(?P<m>[0-9]{1,2})(?P=s)"
            r"(?P<y>[0-9]{4})" + _END
        ),
        False,
    ),
    (
        re.compile(
            r"(?P<d>" + _DATE_START + r"[0-9]?)(?:[ \t]+|[-/.])(?P<name>[A-Za-z]{3,9})\.?"
            r"(?:,?[ \t]+|[-/.])(?P<y>[0-9]{4})" + _END
        ),
        False,
    ),
    (
        re.compile(
            r"(?P<d>" + _DATE_START + r"[0-9]?)(?:st|nd|rd|th)?,?[ \t]+(?P<y>[0-9]{4})" + _END
        ),
        True,
    ),
)
_MONTH_NAME = re.compile(_MONTH_RE, re.IGNORECASE)
_MONTH_BEFORE = re.compile(r"(?<![\w.,/-])" + _MONTH_RE + r"\.?[ \t]+\Z", re.IGNORECASE)
_MASK = "\x00"

# A number: grouped with dots (optionally a comma decimal), grouped with commas (optionally a
# dot decimal), or digits with at most one separator; never followed by more separators.
_WELL_FORMED = (
    r"(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?|[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?"
    r"|[0-9]+(?:[.,][0-9]+)?)(?![.,]?[0-9])"
)
# Leading horizontal space, then a word, a well-formed number, a malformed run of digits
# and separators, or another character (runs of -, * and # and of masked characters are
# one token; a newline is a token too, so nothing is read across lines).
_TOKEN = re.compile(
    r"(([^\S\n]*)(([^\W\d_]+)|(" + _WELL_FORMED + r")|([0-9]+(?:[.,][0-9]+)*)"
    r"|\x00+|-+|\*+|#+|.))",
    re.DOTALL,
)
_WHOLE, _SPACE, _TEXT, _LETTERS, _GOOD, _BAD = (itemgetter(i) for i in range(6))  # its groups
_NO_SEPARATORS = str.maketrans("", "", ".,")

# --------------------------------------------------------------------------- masking


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every span overwritten by _MASK characters (offsets unchanged)."""
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start = max(start, pos)
        if end <= start:
            continue
        parts += (text[pos:start], _MASK * (end - start))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _dates(text: str, found: list[Mention]) -> list[tuple[int, int]]:
    """Plain mentions for the day, month number and year of every date; the spans to mask."""
    spans: list[tuple[int, int]] = []
    for pattern, month_before in _DATES:
        for m in pattern.finditer(text):
            start = m.start()
            if month_before:
                before = _MONTH_BEFORE.search(text, max(0, start - 16), start)
                if before is None:
                    continue
                start = before.start()
            elif "name" in pattern.groupindex and _MONTH_NAME.fullmatch(m["name"]) is None:
                continue
            if any(s < m.end() and start < e for s, e in spans):
                continue
            # (span, "d"/"m"/"y") of each part present, in the order written
            parts = sorted(
                (m.span(name), name[0])
                for name, value in m.groupdict().items()
                if value is not None and name[0] in "dmy"
            )
            numbers = {part: int(text[a:b]) for (a, b), part in parts}
            if not (1 <= numbers["d"] <= 31 and 1 <= numbers.get("m", 1) <= 12):
                continue
            for (a, b), _ in parts:
                digits = text[a:b]
                found.append(Mention(Decimal(int(digits)), _ONE, "plain", digits, a, b, False))
            spans.append((start, m.end()))
    return spans


# --------------------------------------------------------------------------- parsing


def _decimal(whole: str, frac: str) -> Decimal:
    """``whole.frac`` without trailing zeros: ``("3", "00")`` -> 3, ``("45", "20")`` -> 45.2."""
    frac = frac.rstrip("0")
    return Decimal(f"{whole}.{frac}" if frac else whole)


def _scaled(value: Decimal, exp: int) -> Decimal:
    """``value`` times ``10**exp``, written plainly: 2.5 * 10**9 -> 2500000000."""
    product = _CTX.multiply(value, _POW10[exp])
    if product == product.to_integral_value():
        return product.quantize(_ONE, context=_CTX)
    return product.normalize(_CTX)


@dataclass(slots=True)
class _Chunk:
    """One part of an amount: a number in digits or words, times an optional scale word."""

    base: Decimal  # before the scale word
    precision: Decimal  # before the scale word
    scale: int | None
    end: int  # token index after the chunk
    worded: bool
    fraction: bool = False  # has a decimal or a half: nothing may follow it
    whole_digits: bool = False  # a whole number in digits
    separators: bool = False  # digits with a grouping or decimal separator
    lone: bool = False  # the single word satu/one/setengah/half

    @property
    def value(self) -> Decimal:
        return self.base if self.scale is None else _scaled(self.base, self.scale)

    @property
    def unit(self) -> Decimal:
        return self.precision if self.scale is None else _scaled(self.precision, self.scale)


@dataclass(slots=True)
class _Quantity:
    """A number with its currency, scale and unit words, before it becomes a Mention."""

    start: int  # token index (the currency prefix, if any)
    end: int  # token index after the last token read
    value: Decimal
    precision: Decimal
    unit: Kind | None  # from a unit or percent word
    currency: bool  # Rp/IDR, rupiah or ,-
    scaled: bool
    grouped: bool
    lone: bool
    top_scale: int | None
    small: bool  # a bare number below 1000, not grouped: may take a shared scale

    @property
    def bare_lone(self) -> bool:
        """A lone satu/one/setengah/half with nothing after it: a pronoun, not a number."""
        return self.lone and self.unit is None and not self.currency and not self.scaled


_NUM, _WORD, _OTHER = 0, 1, 2
_PAD = 4  # sentinel tokens after the last one, so that look-ahead needs no bounds checks


class _Parser:
    """The tokens of one text, as parallel lists, and the readers that walk them.

    Token ``k`` is ``texts[k]`` (``lows[k]`` its lower case, "" unless a word), of kind
    ``kinds[k]``, at ``starts[k]:ends[k]``; ``spaces[k]`` says whether horizontal space
    precedes it and ``skips[k]`` marks a number that must not be read (an identifier). Index
    ``-1`` and the indices past the end hold newline sentinels.
    """

    def __init__(self, text: str, masked: str, lang: Literal["id", "en"]) -> None:
        self.text = text
        self.lang = lang
        # The tokens cover the text without gaps (but for trailing space), so their offsets
        # are running sums of their lengths; the lists are built by C-level maps.
        rows: list[tuple[str, ...]] = _TOKEN.findall(masked)
        self.n = len(rows)
        texts = list(map(_TEXT, rows))
        self.texts = texts + ["\n"] * _PAD
        self.kinds = [_WORD if r[3] else _NUM if r[4] or r[5] else _OTHER for r in rows]
        self.kinds += [_OTHER] * _PAD
        self.lows = list(map(str.lower, map(_LETTERS, rows))) + [""] * _PAD
        self.spaces = list(map(bool, map(_SPACE, rows))) + [True] * _PAD
        self.skips = list(map(bool, map(_BAD, rows))) + [True] * _PAD
        self.ends = list(accumulate(map(len, map(_WHOLE, rows))))
        self.starts = list(map(sub, self.ends, map(len, texts)))
        self.mark_identifiers()

    # -- helpers

    def glued(self, k: int) -> bool:
        """Token ``k`` follows the previous one with no space between."""
        return not self.spaces[k]

    def is_num(self, k: int) -> bool:
        return self.kinds[k] == _NUM and not self.skips[k]

    def other(self, k: int, chars: frozenset[str]) -> bool:
        return self.kinds[k] == _OTHER and self.texts[k] in chars

    def number_follows(self, k: int) -> bool:
        """A number in digits, perhaps after a currency prefix, starts at ``k``."""
        if self.lows[k] in _CURRENCY:
            k += 2 if self.other(k + 1, _DOT) else 1
        return self.is_num(k)

    # -- identifiers

    def joins(self, k: int) -> bool:
        return self.kinds[k] != _OTHER or self.texts[k] in _JOINERS or self.texts[k][0] == "*"

    def glued_suffix(self, k: int) -> bool:
        return self.kinds[k] == _WORD and (
            self.lows[k] in _SUFFIXES or self.texts[k] in _LETTER_SCALES or self.texts[k] == "m"
        )

    def is_identifier(self, first: int, end: int) -> bool:
        """Whether glued tokens ``first:end`` are a code rather than numbers."""
        kinds, texts, lows = self.kinds, self.texts, self.lows
        nums = [k for k in range(first, end) if kinds[k] == _NUM]
        if any(texts[k] == "_" for k in range(first, end)):
            return True
        if len(nums) > 1 and any(texts[k][0] == "*" for k in range(first, end)):
            return True  # a masked number: 5171********0001
        for k in nums:
            before = k - 1 if k > first else None
            after = k + 1 if k + 1 < end else None
            if before is not None and kinds[before] == _WORD:
                if lows[before] not in _CURRENCY and lows[before] != "kol":
                    return True  # b74c, H2O
            elif before is not None and before - 1 >= first and kinds[before - 1] == _WORD:
                word = lows[before - 1]
                allowed = word in _CURRENCY or (texts[before] != "." and word in ("kol", "ke"))
                unit_of_number = (
                    before - 2 >= first
                    and kinds[before - 2] == _NUM
                    and self.glued_suffix(before - 1)
                )
                if not (allowed or unit_of_number):
                    return True  # LN-2024, COVID-19, No.5
            if after is not None and kinds[after] == _WORD:
                if not self.glued_suffix(after):
                    return True  # 5C, 6864a
                if after + 1 < end and kinds[after + 1] == _NUM:
                    return True  # 3x4, 1jt2
        return False

    def mark_identifiers(self) -> None:
        n, kinds, spaces = self.n, self.kinds, self.spaces
        done = -1  # clusters ending at or before this index have been checked
        for i in range(n):
            if kinds[i] != _NUM or i < done:
                continue
            first = i
            while first > 0 and not spaces[first] and self.joins(first - 1):
                first -= 1
            end = i + 1
            while end < n and not spaces[end] and self.joins(end):
                end += 1
            done = end
            if end - first > 1 and self.is_identifier(first, end):
                for k in range(first, end):
                    self.skips[k] = True

    # -- digits

    def read_digits(
        self, s: str, money: bool, scaled: bool = False
    ) -> tuple[Decimal, Decimal, bool]:
        """(value, precision, whole) of a well-formed digit run (``scaled``: a scale word
        follows it)."""
        if s.isdigit():
            return Decimal(s), _ONE, True
        dots, commas = s.count("."), s.count(",")
        if dots and commas:
            last = "." if s.rfind(".") > s.rfind(",") else ","
            whole, _, frac = s.rpartition(last)
            return _decimal(whole.translate(_NO_SEPARATORS), frac), _POW10[-len(frac)], False
        if dots + commas > 1:
            return Decimal(s.translate(_NO_SEPARATORS)), _ONE, True
        sep = "." if dots else ","
        whole, _, frac = s.partition(sep)
        own = (sep == ".") == (self.lang == "id")
        if (
            len(frac) == 3
            and len(whole) <= 3
            and whole[0] != "0"
            and (own or (money and not scaled))
        ):
            return Decimal(whole + frac), _ONE, True
        return _decimal(whole, frac), _POW10[-len(frac)], False

    def scale_at(self, k: int, money: bool, after_digits: bool) -> tuple[int, int] | None:
        """(exponent, next index) of a scale word at ``k``."""
        if self.kinds[k] != _WORD:
            return None
        low = self.lows[k]
        exp = _SCALES.get(low)
        if exp is None and after_digits:
            if low == "k" and not self.spaces[k]:
                exp = 3
            elif money and self.texts[k] == "m" and not self.spaces[k]:
                exp = 6  # "Rp 46m": English shorthand for million
            elif self.lang == "en" and self.texts[k] == "M" and not self.spaces[k]:
                exp = 6  # "Rp 22.5M", "79.5M": in English M is a million, not a miliar
            elif money:
                exp = _LETTER_SCALES.get(self.texts[k])
        if exp is None:
            return None
        end = k + 1
        dot = low in _ABBREVIATED_SCALES and self.other(end, _DOT) and self.glued(end)
        if dot and not (self.is_num(end + 1) and self.glued(end + 1)):
            end += 1
        return exp, end

    # -- words

    def group(self, k: int) -> tuple[Decimal, Decimal, int, bool, bool] | None:
        """A number below a thousand in words: (value, precision, end, fraction, lone)."""
        low = self.lows
        start = k
        hundreds = 0
        precision: Decimal | None = None
        w, nxt = low[k], low[k + 1]
        if w == "seratus":
            hundreds, k = 100, k + 1
        elif nxt == "ratus" and _DIGIT_WORDS.get(w, 0) >= 1:
            hundreds, k = 100 * _DIGIT_WORDS[w], k + 2
        elif nxt == "hundred" and _HUNDREDS_OF.get(w, 0) >= 1:  # two/a/twelve hundred
            hundreds, k = 100 * _HUNDREDS_OF[w], k + 2
            if low[k] == "and" and low[k + 1] in _EN_BELOW_HUNDRED:
                k += 1  # one hundred and twenty
        if hundreds:
            precision = _POW10[2]
        # tens and units
        w, nxt = low[k], low[k + 1]
        below = -1
        if w in _ID_SE:
            below, k = _ID_SE[w], k + 1
        elif w in _EN_TEENS:
            below, k = _EN_TEENS[w], k + 1
        elif w in _EN_TENS:
            below, k = _EN_TENS[w], k + 1
            if self.other(k, _HYPHENS) and self.glued(k) and self.glued(k + 1):
                if _EN_DIGITS.get(low[k + 1], 0) >= 1:
                    below, k = below + _EN_DIGITS[low[k + 1]], k + 2
            elif _EN_DIGITS.get(low[k], 0) >= 1:
                below, k = below + _EN_DIGITS[low[k]], k + 1
        elif w in _DIGIT_WORDS and not (hundreds and _DIGIT_WORDS[w] == 0):
            digit = _DIGIT_WORDS[w]
            if digit and nxt == "belas":
                below, k = 10 + digit, k + 2
            elif digit and nxt == "puluh":
                below, k = 10 * digit, k + 2
                if ID_DIGITS.get(low[k], 0) >= 1 and low[k + 1] not in _ID_MULTIPLIERS:
                    below, k = below + ID_DIGITS[low[k]], k + 1
            else:
                below, k = digit, k + 1
        if below >= 0:
            precision = _ONE
        total = Decimal(hundreds + max(below, 0))
        fraction = False
        # a half, or decimals
        w = low[k]
        if precision is None:
            if w not in _HALVES:
                return None
            total, precision, k, fraction = _HALF, _HALF, k + 1, True
            if w == "half" and low[k] == "a":
                after = low[k + 1]
                if after in _SCALES or after in _UNITS or after == "hundred":
                    k += 1
        elif precision == _ONE and w == "setengah":
            total, precision, k, fraction = total + _HALF, _HALF, k + 1, True
        elif precision == _ONE and w == "and" and low[k + 1] == "a" and low[k + 2] == "half":
            total, precision, k, fraction = total + _HALF, _HALF, k + 3, True
        elif precision == _ONE and w in ("koma", "point"):
            digits = ""
            j = k + 1
            while low[j] in _DIGIT_WORDS:
                digits += str(_DIGIT_WORDS[low[j]])
                j += 1
            if digits:
                total += _decimal("0", digits)
                precision, k, fraction = _POW10[-len(digits)], j, True
        lone = k - start == 1 and low[start] in _LONE
        return total, precision, k, fraction, lone

    # -- amounts

    def chunk(self, k: int, money: bool) -> _Chunk | None:
        """A number in digits or words at ``k`` and the scale word after it, if any."""
        kind = self.kinds[k]
        if kind == _NUM:
            s = self.texts[k]
            if self.skips[k] or len(s) > _MAX_DIGITS:
                return None
            scale = self.scale_at(k + 1, money, after_digits=True)
            base, precision, whole = self.read_digits(s, money, scale is not None)
            exp, end = scale if scale is not None else (None, k + 1)
            return _Chunk(
                base,
                precision,
                exp,
                end,
                worded=False,
                fraction=not whole,
                whole_digits=whole,
                separators=not s.isdigit(),
            )
        if kind != _WORD:
            return None
        low = self.lows[k]
        if low in _WORD_SCALES:
            return _Chunk(_ONE, _ONE, _WORD_SCALES[low], k + 1, worded=True)
        if low == "a":
            scale = self.scale_at(k + 1, money, after_digits=False)
            if scale is not None:
                return _Chunk(_ONE, _ONE, scale[0], scale[1], worded=True)
        got = self.group(k)
        if got is None:
            return None
        base, precision, end, fraction, lone = got
        scale = self.scale_at(end, money, after_digits=False)
        exp, end = scale if scale is not None else (None, end)
        return _Chunk(base, precision, exp, end, worded=True, fraction=fraction, lone=lone)

    def amount(self, k: int, money: bool) -> list[_Chunk] | None:
        """Chunks in falling scales: ``dua juta 500 ribu``, ``sepuluh juta lima ratus``."""
        first = self.chunk(k, money)
        if first is None:
            return None
        chunks = [first]
        last = first
        while last.scale is not None and not last.fraction:
            at = last.end
            if self.lows[at] == "and" and last.worded:
                at += 1
            nxt = self.chunk(at, money)
            if nxt is None:
                break
            if nxt.scale is not None:
                if nxt.scale >= last.scale or nxt.base >= _POW10[last.scale - nxt.scale]:
                    break
            elif not nxt.worded or nxt.base >= _POW10[last.scale]:
                break
            elif self.suffix(nxt.end, worded=True)[0] not in (None, "money"):
                break  # "sepuluh juta | dua belas bulan"
            chunks.append(nxt)
            last = nxt
        return chunks

    # -- units

    def suffix(self, k: int, worded: bool) -> tuple[Kind | None, int]:
        """The unit after a number: (kind, next index); kind "money" for ``rupiah``."""
        text = self.texts[k]
        if self.kinds[k] == _OTHER:
            if text == "%":
                return "percent", k + 1
            if text == "×":
                return (None, k) if self.number_follows(k + 1) else ("times", k + 1)
            if text in _HYPHENS and self.glued(k) and self.glued(k + 1):
                unit = _UNITS.get(self.lows[k + 1])
                if unit is not None and unit != "percent":
                    return unit, k + 2  # 12-month, 20-fold
            return None, k
        if self.kinds[k] != _WORD:
            return None, k
        w = self.lows[k]
        if w == "rupiah":
            return "money", k + 1
        if w == "per":
            return ("percent", k + 2) if self.lows[k + 1] == "cent" else (None, k)
        if self.glued(k) and not worded and (w in _ORDINALS or (w == "th" and self.lang == "en")):
            return "plain", k + 1  # 2nd, 5th
        unit = _UNITS.get(w)
        if unit is None or (w == "fold" and not self.glued(k)):
            return None, k
        if w == "x" and self.number_follows(k + 1):
            return None, k  # a multiplication sign: 3 x 4
        if w == "kali" and self.lows[k + 1] == "lipat":
            return unit, k + 2
        if w in _ENGLISH_YEARS and self.lows[k + 1] == "old":
            return unit, k + 2
        return unit, k + 1

    # -- quantities

    def quantity(self, i: int, money_hint: bool = False) -> _Quantity | None:
        """The number starting at token ``i`` with its currency, scale and unit words."""
        k = i
        currency = False
        if self.lows[k] in _CURRENCY:
            k += 1
            if self.other(k, _DOT) and self.glued(k):
                k += 1
            if self.other(k, _SIGNS) and self.glued(k + 1):
                k += 1  # Rp -5.000
            if not self.is_num(k):
                return None
            currency = True
        money = currency or money_hint
        chunks = self.amount(k, money)
        if chunks is None:
            return None
        first, end = chunks[0], chunks[-1].end
        digits_only = len(chunks) == 1 and not first.worded and first.scale is None
        if digits_only and self.texts[k] == "5" and self.texts[end] in ("C", "Cs"):
            return None  # the five Cs
        no_cents = (
            digits_only
            and self.other(end, _COMMA)
            and self.glued(end)
            and self.texts[end + 1] in ("-", "–")
            and self.glued(end + 1)
        )
        if no_cents:
            end += 2
        unit, end = self.suffix(end, worded=first.worded)
        if unit == "money" or no_cents:
            currency, unit = True, None
        if currency and not money:  # a rupiah or ,- suffix: read the digits as money
            chunks = self.amount(k, True) or chunks
            first = chunks[0]
        if unit is None and first.worded and self.other(end, _HYPHENS) and self.glued(end):
            after = self.lows[end + 1] if self.glued(end + 1) else ""
            if after and after not in _NUMBER_WORDS:
                return None  # satu-satunya, one-off
        value = first.value
        for part in chunks[1:]:
            value = _CTX.add(value, part.value)
        lone = len(chunks) == 1 and first.lone and first.scale is None
        if lone and self.lows[i - 1] == "salah":
            return None  # salah satu
        return _Quantity(
            start=i,
            end=end,
            value=value,
            precision=chunks[-1].unit,
            unit=None if unit == "plain" else unit,
            currency=currency,
            scaled=any(c.scale is not None for c in chunks),
            grouped=digits_only and first.whole_digits,
            lone=lone,
            top_scale=first.scale,
            small=len(chunks) == 1
            and first.scale is None
            and not (first.separators and first.whole_digits)
            and first.base < 1000,
        )

    def range_end(self, q: _Quantity) -> int | None:
        """The index where the second end of a range starting with ``q`` begins."""
        k = q.end
        text = self.texts[k]
        if self.kinds[k] == _OTHER and text in _DASHES:
            if self.spaces[k] != self.spaces[k + 1]:
                return None  # "300 -500": a number and a negative one
            if text == "—" and self.spaces[k]:
                return None  # a spaced em dash is punctuation
            return k + 1
        w = self.lows[k]
        if w in _RANGE_WORDS:
            return k + 2 if w == "sampai" and self.lows[k + 1] == "dengan" else k + 1
        slash = w == "s" and self.other(k + 1, _SLASH_OR_DOT) and self.lows[k + 2] == "d"
        if slash and self.glued(k + 1) and self.glued(k + 2):
            return k + 4 if self.other(k + 3, _DOT) and self.glued(k + 3) else k + 3
        if w in ("dan", "and") and self.lows[q.start - 1] in ("antara", "between"):
            return k + 1
        return None

    def share(self, q1: _Quantity, q2: _Quantity) -> tuple[_Quantity, _Quantity]:
        """Let a currency, scale word or unit written once apply to both ends of a range."""
        if q1.currency and q2.unit is None and not q2.currency:
            q2 = self.quantity(q2.start, money_hint=True) or q2
            q2.currency = True
        elif q2.currency and q1.unit is None and not q1.currency and not q1.scaled:
            q1 = self.quantity(q1.start, money_hint=True) or q1
            q1.currency = True
        if q2.top_scale is not None and q1.small and q1.unit is None:
            q1.value = _scaled(q1.value, q2.top_scale)
            q1.precision = _scaled(q1.precision, q2.top_scale)
            q1.scaled, q1.grouped, q1.lone = True, False, False
        if q2.unit is not None and q1.unit is None and not q1.currency and not q1.scaled:
            q1.unit, q1.lone = q2.unit, False
        if q1.unit is not None and q2.unit is None and not q2.currency and not q2.scaled:
            q2.unit, q2.lone = q1.unit, False
        return q1, q2

    def mention(self, q: _Quantity) -> Mention:
        kind: Kind = q.unit or ("money" if q.currency or q.scaled else "plain")
        start, end = self.starts[q.start], self.ends[q.end - 1]
        return Mention(q.value, q.precision, kind, self.text[start:end], start, end, q.grouped)

    def run(self) -> list[Mention]:
        out: list[Mention] = []
        kinds, skips, lows = self.kinds, self.skips, self.lows
        after = 0  # tokens before this index have been read
        for i in range(self.n):
            if i < after:
                continue
            if not (kinds[i] == _NUM and not skips[i]) and lows[i] not in _STARTERS:
                continue
            q1 = self.quantity(i)
            if q1 is None:
                continue
            found = [q1]
            j = self.range_end(q1)
            if j is not None and j < self.n and (self.is_num(j) or lows[j] in _STARTERS):
                q2 = self.quantity(j)
                if q2 is not None:
                    found = list(self.share(q1, q2))
            out += (self.mention(q) for q in found if not q.bare_lone)
            after = found[-1].end
        return out


def find_mentions(text: str, lang: Literal["id", "en"] = "id") -> list[Mention]:
    """Every number stated in ``text``, in order of appearance."""
    if lang not in ("id", "en"):
        raise ValueError(f"lang must be 'id' or 'en', got {lang!r}")
    spans = [m.span() for m in _CODE.finditer(text)]
    spans += [m.span() for m in _UUID.finditer(text)]
    spans += [m.span(1) for m in _LIST_MARKER.finditer(text)]
    masked = _mask(text, spans)
    found: list[Mention] = []
    masked = _mask(masked, _dates(masked, found))
    found += _Parser(text, masked, lang).run()
    found.sort(key=lambda m: m.start)
    return found
