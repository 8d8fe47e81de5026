"""Reading Indonesian numbers, money ranges and dates.

Applications arrive from the cooperative platform (Kocek) as JSON in which a number may be
a JSON number or a string in Indonesian or plain notation ("8,3", "1.500.000", "Rp10 jt",
"174,48%", "100000-200000", "Denpasar, 10 April 1984"). Every function here is pure (no
I/O, no clock, no locale), fast (regexes are compiled once, plain digit strings and ints
take a fast path) and raises :class:`ParseError` -- a :class:`ValueError` carrying a stable
``code`` and a short English ``expected`` -- for anything it cannot read. Strings longer
than 256 characters are refused outright.

Numbers (:func:`parse_number`)
------------------------------
* ``bool`` is not a number and is refused. ``int`` -> ``Decimal(int)``; ``float`` ->
  ``Decimal(repr(f))`` so ``10000000.0`` stays ``10000000.0`` and ``8.3`` is exactly
  ``8.3``; a finite ``Decimal`` passes unchanged. NaN and infinities are refused.
* Strings: surrounding whitespace (including non-breaking spaces) is stripped and inner
  runs of whitespace count as one space. Then, in order: an optional sign (``+``, ``-`` or
  ``−``), an optional currency prefix ``Rp``, ``Rp.`` or ``IDR`` (any case, with or without
  a space), an optional sign (a sign may be written before *or* after the prefix, not
  both), the ASCII digits, an optional ``,-`` ("no cents", as in ``Rp 1.500.000,-``) and an
  optional magnitude word: ``rb``/``ribu`` (×10³), ``jt``/``juta`` (×10⁶),
  ``miliar``/``milyar`` (×10⁹), ``triliun``/``trilyun`` (×10¹²), any case, or the
  single capital letters ``M`` (×10⁹) and ``T`` (×10¹²). The single letters are case
  sensitive on purpose: a lower-case ``m`` is an English "million" as often as an
  Indonesian "miliar", so it is refused rather than guessed. A magnitude word may end
  in a dot (``jt.``). ``"1,5 jt"`` -> ``1500000``; multiplication is exact.
* A trailing ``%`` is refused (see :func:`parse_percent`), as are ``"5."``, ``".5"``,
  ``"--5"``, ``"abc"`` and the empty string.
* Separators -- the decimal separator is always followed by at least one digit:

  - both ``.`` and ``,``: the one occurring LAST is the decimal separator and must occur
    once; the other is the grouping separator and must form groups of three
    (``"1.500.000,50"`` and ``"1,500,000.50"`` are both ``1500000.50``;
    ``"1.2.3,4,5"`` and ``"1.50.000,5"`` are errors);
  - only one kind, several times: grouping, in well-formed groups of three
    (``"1.500.000"``, ``"1,500,000"``; ``"1.50.00"`` is an error);
  - only one kind, once: a decimal separator (``"8,3"``, ``"174,48"``, ``"8.3"``,
    ``"138402100.00"``) -- EXCEPT in *money context*, where a single separator
    followed by exactly three digits is grouping (``"Rp 1.500"`` -> ``1500``,
    ``"Rp 1,500"`` -> ``1500``) and the part before it must then be one to three
    digits (``"Rp 1500.000"`` is an error). Money context is: a string with an
    ``Rp``/``IDR`` prefix or a ``,-`` suffix, every bound read by :func:`parse_range`,
    and every string read by :func:`parse_integer`. The exception covers the comma
    as well as the dot: rupiah amounts never carry thousandths, so ``"Rp 1,500"``
    cannot sensibly mean one and a half rupiah;
  - spaces: grouping only (``"1 500 000"``), first group one to three digits, the
    others exactly three; the last group may carry a single ``.`` or ``,`` decimal
    separator (``"1 500 000,50"``).
* A negative zero is returned as ``0``.

Other readers
-------------
* :func:`parse_percent` -- as :func:`parse_number` but an optional trailing ``%``
  (optionally preceded by a space) is allowed, and currency prefixes and magnitude words
  are refused. The result is in percent points, never a fraction: ``"174,48%"`` ->
  ``174.48`` and ``"0,45"`` -> ``0.45``. Negative values are allowed.
* :func:`parse_integer` -- reads like :func:`parse_number` in money context (so
  ``"1.500"`` -> ``1500`` and ``"12.000"`` -> ``12000``) and then requires a whole
  number: ``12``, ``"12"``, ``"12.0"``, ``12.0``, ``"1.500"``, ``"10 juta"`` are fine,
  ``12.5`` and ``"12,5"`` are refused with code ``"integer"``.
* :func:`parse_boolean` -- ``True``/``False``; the numbers 1 and 0 (int, float or
  Decimal); the strings (any case, whitespace stripped) ``true``/``false``,
  ``ya``/``iya``/``tidak``, ``yes``/``no``, ``y``/``n``, ``1``/``0``.
* :func:`parse_range` -- a :class:`MoneyRange`. A number (int, float, Decimal or
  string) gives ``MoneyRange(x, x)``. Two bounds are separated by ``-``, ``–``, ``—``,
  ``~``, ``s/d``, ``s.d.``, ``sd``, ``sampai``, ``sampai dengan``, ``hingga`` or ``to``
  (the words must stand apart from letters); each bound is read like
  :func:`parse_number` in money context, so each may carry its own ``Rp`` and
  magnitude word. When only the LAST bound has a magnitude word it applies to both
  (``"1-2 juta"`` -> 1 000 000-2 000 000); when only the first has one, the second
  is read literally (``"1 jt - 2"`` -> 2-1 000 000, reversed). If several separators
  could split the string, the leftmost split under which both bounds read is used,
  dashes before words (``"Rp 1.000.000,- - Rp 2.000.000,-"`` reads).
  Open ranges: ``> X``, ``>= X``, ``≥ X``, ``lebih dari X``, ``di atas X``,
  ``diatas X``, ``min X``, ``minimal X``, ``X+``, ``X ke atas`` -> ``MoneyRange(X,
  None)``; ``< X``, ``<= X``, ``≤ X``, ``kurang dari X``, ``di bawah X``,
  ``dibawah X``, ``maks X``, ``maksimal X``, ``max X``, ``hingga X``, ``sampai X``,
  ``s/d X``, ``X ke bawah`` -> ``MoneyRange(0, X)`` (strict and non-strict
  comparisons give the same range: amounts are not that precise). Negative bounds are
  refused. Bounds in the wrong order are swapped and flagged ``reversed=True``.
* :func:`parse_date` -- ``date`` passes, ``datetime`` gives its ``.date()``. Strings:
  year first (``2020-08-01``, ``2020/08/01``, ``2020.08.01``, optionally followed by a
  time ``T10:00:00``/`` 10:00:00``, fractions and a ``Z`` or ``±hh:mm`` offset; the time
  is validated then ignored -- the calendar date is taken as written, never converted
  between time zones); day first (``10-04-1984``, ``10/04/1984``, ``10.04.1984``, the
  Indonesian order -- never month first); or day, month name, year (``10 April 1984``,
  ``10 Apr 1984``, ``10-Apr-1984``, ``10 Apr. 1984``, ``10 April, 1984``). Month names
  in Indonesian (Januari ... Desember, the old spellings Pebruari and Nopember, and the
  abbreviations Jan Feb Peb Mar Apr Mei Jun Jul Agu Ags Agt Sep Okt Nov Nop Des) and
  English (full, three-letter and ``Sept``), any case. Years must have four digits
  (two-digit years are refused); impossible dates (31 Februari, 29 Februari 2023) are
  refused. A leading ``"Place,"`` is skipped as by :func:`parse_place_and_date`.
* :func:`parse_place_and_date` -- ``"Denpasar, 10 April 1984"`` -> ``("Denpasar",
  date(1984, 4, 10))``. The whole string is first tried as a date (place ``None``);
  otherwise it is split at the last comma that is followed by a readable date, so a
  place may itself contain commas (``"Kuta, Badung, 10 April 1984"``). The place is
  stripped and is ``None`` when empty. A ``date``/``datetime`` gives ``(None, date)``.

Error codes: ``"number"``, ``"percent"``, ``"integer"``, ``"boolean"``, ``"range"``,
``"date"`` -- one per reader, whatever went wrong inside it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Context, Decimal

from cde.errors import InvalidInputError

__all__ = [
    "MoneyRange",
    "ParseError",
    "parse_boolean",
    "parse_date",
    "parse_integer",
    "parse_number",
    "parse_percent",
    "parse_place_and_date",
    "parse_range",
]

_MAX_LEN = 256

_EXPECT_NUMBER = "a number such as 1500000, 1.500.000 or 8,3"
_EXPECT_PERCENT = "a percentage such as 45,2 or 174,48%"
_EXPECT_INTEGER = "a whole number such as 12 or 1.500"
_EXPECT_BOOLEAN = "yes or no, such as true/false, ya/tidak or 1/0"
_EXPECT_RANGE = "an amount or a range such as 1500000, 100000-200000, 1-2 juta or > 5000000"
_EXPECT_DATE = "a date such as 2020-08-01, 10/04/1984 or 10 April 1984"


class ParseError(InvalidInputError):
    """A value that cannot be read.

    ``expected`` is a short English description of what was expected (e.g. "a number such
    as 1500000, 1.500.000 or 8,3"); ``code`` a stable machine code ("number", "percent",
    "range", "date", "integer", "boolean"); ``value`` the value as received.
    """

    def __init__(self, code: str, expected: str, value: object) -> None:
        self.code = code
        self.expected = expected
        self.value = value
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"expected {expected}, got {shown}")

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str, object]]:
        return (type(self), (self.code, self.expected, self.value))


@dataclass(frozen=True, slots=True)
class MoneyRange:
    """An amount of money known only between two bounds (``high=None``: open above).

    ``low <= high`` always holds (``reversed`` records that the input had them the other way
    round) and ``low`` is never negative; constructing anything else raises ``ValueError``.
    """

    low: Decimal
    high: Decimal | None
    reversed: bool = False

    def __post_init__(self) -> None:
        if self.low < 0:
            raise ValueError(f"MoneyRange low bound must not be negative, got {self.low}")
        if self.high is not None and self.high < self.low:
            raise ValueError(f"MoneyRange bounds out of order: {self.low} > {self.high}")

    @property
    def midpoint(self) -> Decimal:
        """``(low + high) / 2``, or ``low`` when the range is open above."""
        if self.high is None:
            return self.low
        return (self.low + self.high) / 2


# --------------------------------------------------------------------------- numbers

# Exact arithmetic for magnitude words: inputs are at most _MAX_LEN digits long.
_EXACT = Context(prec=_MAX_LEN + 32)
_POW10 = {3: Decimal(10**3), 6: Decimal(10**6), 9: Decimal(10**9), 12: Decimal(10**12)}
_ZERO = Decimal(0)

_MAGNITUDES = {
    "rb": 3,
    "ribu": 3,
    "jt": 6,
    "juta": 6,
    "m": 9,
    "miliar": 9,
    "milyar": 9,
    "t": 12,
    "triliun": 12,
    "trilyun": 12,
}

_NUMBER_RE = re.compile(
    r"""
    (?P<sign1>[-+−])?\ ?
    (?P<cur>(?i:rp\.?|idr))?\ ?
    (?P<sign2>[-+−])?\ ?
    (?P<body>(?>\d(?:[\d., ]*\d)?))
    (?P<dash>,-)?
    \ ?
    (?:(?P<mag>(?i:ribu|juta|miliar|milyar|triliun|trilyun|rb|jt)|M|T)\.?)?
    """,
    re.VERBOSE | re.ASCII,
)
_GROUPED = {
    ".": re.compile(r"\d{1,3}(?:\.\d{3})+", re.ASCII),
    ",": re.compile(r"\d{1,3}(?:,\d{3})+", re.ASCII),
}
_SPACE_LAST = re.compile(r"(\d+)(?:[.,](\d+))?", re.ASCII)


def _split_body(body: str, money: bool) -> tuple[str, str] | None:
    """Split the digits of a number into (integer digits, fraction digits)."""
    if " " in body:
        *head, last = body.split(" ")
        m = _SPACE_LAST.fullmatch(last)
        if m is None:
            return None
        last_int, frac = m.group(1), m.group(2) or ""
        if not 1 <= len(head[0]) <= 3 or len(last_int) != 3:
            return None
        for index, group in enumerate(head):
            if not group.isdigit() or (index and len(group) != 3):
                return None
        return "".join(head) + last_int, frac
    dots = body.count(".")
    commas = body.count(",")
    if dots and commas:
        dec = "." if body.rfind(".") > body.rfind(",") else ","
        grp = "," if dec == "." else "."
        if body.count(dec) != 1:
            return None
        whole, _, frac = body.partition(dec)
        if _GROUPED[grp].fullmatch(whole) is None:
            return None
        return whole.replace(grp, ""), frac
    if dots or commas:
        sep = "." if dots else ","
        if dots + commas > 1:
            if _GROUPED[sep].fullmatch(body) is None:
                return None
            return body.replace(sep, ""), ""
        whole, _, frac = body.partition(sep)
        if money and len(frac) == 3:
            if len(whole) > 3:
                return None
            return whole + frac, ""
        return whole, frac
    return body, ""


def _read(
    text: str, *, money: bool, currency: bool = True, magnitude: bool = True
) -> tuple[Decimal, int | None] | None:
    """Read a number string into (value before magnitude, magnitude exponent or None)."""
    if len(text) > _MAX_LEN:
        return None
    if text.isascii():
        if text.isdigit():
            return Decimal(text), None
        # a simple decimal, "8,3" or "138402100.00": digits, one "." or ",", digits
        whole, separator, frac = text.partition("." if "." in text else ",")
        simple = separator and whole.isdigit() and frac.isdigit()
        if simple and not (money and len(frac) == 3):
            return Decimal(f"{whole}.{frac}"), None
    text = " ".join(text.split())
    m = _NUMBER_RE.fullmatch(text)
    if m is None:
        return None
    sign1, cur, sign2, body, dash, mag = m.group("sign1", "cur", "sign2", "body", "dash", "mag")
    if sign1 and sign2:
        return None
    if cur and not currency:
        return None
    exp: int | None = None
    if mag:
        if not magnitude:
            return None
        exp = _MAGNITUDES[mag.lower()]
    parts = _split_body(body, money or bool(cur) or bool(dash))
    if parts is None:
        return None
    whole, frac = parts
    negative = (sign1 or sign2) in ("-", "−")
    if negative and not (whole.strip("0") or frac.strip("0")):
        negative = False
    digits = f"{whole}.{frac}" if frac else whole
    return Decimal(f"-{digits}" if negative else digits), exp


def _apply(value: Decimal, exp: int | None) -> Decimal:
    return value if exp is None else _EXACT.multiply(value, _POW10[exp])


def _from_float(f: float) -> Decimal | None:
    if not math.isfinite(f):
        return None
    return Decimal(repr(f + 0.0 if f == 0 else f))


def _number(value: object, *, money: bool) -> Decimal | None:
    """Shared reader behind parse_number/parse_integer/parse_range; None when unreadable."""
    if isinstance(value, str):
        got = _read(value.strip(), money=money)
        return None if got is None else _apply(*got)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _from_float(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return None


def parse_number(value: object) -> Decimal:
    """Read an amount or count written as a JSON number or an Indonesian/plain string."""
    if type(value) is int:
        return Decimal(value)
    result = _number(value, money=False)
    if result is None:
        raise ParseError("number", _EXPECT_NUMBER, value)
    return result


def parse_percent(value: object) -> Decimal:
    """Read a percentage in percent points ("174,48%" -> 174.48, "0,45" -> 0.45)."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            text = text[:-1].rstrip()
        got = _read(text, money=False, currency=False, magnitude=False)
        if got is not None:
            return got[0]
    elif (result := _number(value, money=False)) is not None:
        return result
    raise ParseError("percent", _EXPECT_PERCENT, value)


def parse_integer(value: object) -> int:
    """Read a whole number (12, "12", "12.0", 12.0, "1.500" = 1500); 12.5 is refused."""
    if type(value) is int:
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
    else:
        result = _number(value, money=True)
        if result is not None and result == result.to_integral_value():
            return int(result)
    raise ParseError("integer", _EXPECT_INTEGER, value)


_TRUE = frozenset({"true", "ya", "iya", "yes", "y", "1"})
_FALSE = frozenset({"false", "tidak", "no", "n", "0"})


def parse_boolean(value: object) -> bool:
    """Read a yes/no flag: booleans, 1/0, true/false, ya/tidak, yes/no, y/n (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    elif isinstance(value, int | float | Decimal):
        if value == 1:
            return True
        if value == 0:
            return False
    raise ParseError("boolean", _EXPECT_BOOLEAN, value)


# --------------------------------------------------------------------------- ranges

_LETTER_BEFORE = r"(?<![^\W\d_])"
_LETTER_AFTER = r"(?![^\W\d_])"
_OPEN_ABOVE_PREFIX = re.compile(
    r"(?:>=|≥|>|lebih\s+dari|di\s*atas|min(?:imal|imum)?\.?" + _LETTER_AFTER + r")\s*(?P<x>.+)",
    re.IGNORECASE,
)
_OPEN_BELOW_PREFIX = re.compile(
    r"(?:<=|≤|<|kurang\s+dari|di\s*bawah|(?:maks(?:imal|imum)?|max(?:imum)?)\.?"
    + _LETTER_AFTER
    + r"|(?:sampai(?:\s+dengan)?|hingga|sd)"
    + _LETTER_AFTER
    + r"|s\s*/\s*d|s\.\s*d\.?)\s*(?P<x>.+)",
    re.IGNORECASE,
)
_OPEN_ABOVE_SUFFIX = re.compile(r"(?P<x>.+?)\s*(?:\+|" + _LETTER_BEFORE + r"ke\s+atas)", re.I)
_OPEN_BELOW_SUFFIX = re.compile(r"(?P<x>.+?)\s*" + _LETTER_BEFORE + r"ke\s+bawah", re.I)
_PLAIN_RANGE = re.compile(r"(\d+) ?- ?(\d+)", re.ASCII)
_DASH_SEPARATOR = re.compile(r"[-–—~]")
_WORD_SEPARATOR = re.compile(
    r"(?=[shtSHT])(?:s\s*/\s*d|s\.\s*d\.?|"
    + _LETTER_BEFORE
    + r"(?:sampai\s+dengan|sampai|hingga|sd|to)"
    + _LETTER_AFTER
    + ")",
    re.IGNORECASE,
)

_Reading = tuple[Decimal, int | None]


def _bound(text: str) -> Decimal | None:
    got = _read(text.strip(), money=True)
    if got is None:
        return None
    value = _apply(*got)
    return None if value < 0 else value


def _split(text: str, separators: re.Pattern[str]) -> tuple[_Reading, _Reading] | None:
    """The leftmost split of ``text`` at one of ``separators`` under which both sides read."""
    for sep in separators.finditer(text):
        if sep.start() == 0:
            continue
        first = _read(text[: sep.start()].strip(), money=True)
        if first is None:
            continue
        second = _read(text[sep.end() :].strip(), money=True)
        if second is not None:
            return first, second
    return None


def _between(low: Decimal, high: Decimal) -> MoneyRange | None:
    if low < 0 or high < 0:
        return None
    if high < low:
        return MoneyRange(high, low, reversed=True)
    return MoneyRange(low, high)


def _range_from_text(text: str) -> MoneyRange | None:
    if len(text) > _MAX_LEN or not text:
        return None
    if text.isascii():
        if text.isdigit():
            value = Decimal(text)
            return MoneyRange(value, value)
        low, dash, high = text.partition("-")  # "100000-200000", as _PLAIN_RANGE reads it
        if dash and low.isdigit() and high.isdigit():
            return _between(Decimal(low), Decimal(high))
    plain = _PLAIN_RANGE.fullmatch(text)
    if plain is not None:
        return _between(Decimal(plain.group(1)), Decimal(plain.group(2)))
    patterns: list[tuple[re.Pattern[str], bool]] = []
    if not text[0].isdigit():
        patterns += ((_OPEN_ABOVE_PREFIX, True), (_OPEN_BELOW_PREFIX, False))
    if text[-1] == "+" or text[-5:].lower().endswith(("atas", "bawah")):
        patterns += ((_OPEN_ABOVE_SUFFIX, True), (_OPEN_BELOW_SUFFIX, False))
    for pattern, open_above in patterns:
        m = pattern.fullmatch(text)
        if m is not None:
            bound = _bound(m.group("x"))
            if bound is None:
                return None
            return MoneyRange(bound, None) if open_above else MoneyRange(_ZERO, bound)
    pair = _split(text, _DASH_SEPARATOR)
    if pair is None:
        single = _bound(text)
        if single is not None:
            return MoneyRange(single, single)
        pair = _split(text, _WORD_SEPARATOR)
        if pair is None:
            return None
    (a, exp_a), (b, exp_b) = pair
    # A magnitude word written only after the last bound applies to both ("1-2 juta").
    return _between(_apply(a, exp_b if exp_a is None else exp_a), _apply(b, exp_b))


def parse_range(value: object) -> MoneyRange:
    """Read a money amount or range ("100000-200000", "1-2 juta", "> 5000000", "1500000")."""
    result: MoneyRange | None
    if isinstance(value, str):
        result = _range_from_text(value.strip())
    else:
        amount = _number(value, money=True)
        result = None if amount is None or amount < 0 else MoneyRange(amount, amount)
    if result is None:
        raise ParseError("range", _EXPECT_RANGE, value)
    return result


# --------------------------------------------------------------------------- dates

_MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "ags", "agt", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}

_YEAR_FIRST = re.compile(
    r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})"
    r"(?:(?:T|\s+)(?P<hh>\d{1,2}):(?P<mm>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE | re.ASCII,
)
_DAY_FIRST = re.compile(r"(?P<d>\d{1,2})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4})", re.ASCII)
_MONTH_NAME = re.compile(
    r"(?P<d>\d{1,2})[\s\-/.]*(?P<name>[a-zA-Z]+)\.?[\s\-/.,]*(?P<y>\d{4})", re.ASCII
)


def _make_date(year: str, month: int, day: str) -> date | None:
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None


def _read_date(text: str) -> date | None:
    if not "0" <= text[:1] <= "9":
        return None  # every form begins with a digit ("Denpasar, 10 April 1984" at first)
    m = _YEAR_FIRST.fullmatch(text)
    if m is not None:
        hh, mm, ss = m.group("hh", "mm", "ss")
        if hh is not None and (int(hh) > 23 or int(mm) > 59 or (ss is not None and int(ss) > 59)):
            return None
        return _make_date(m.group("y"), int(m.group("m")), m.group("d"))
    m = _DAY_FIRST.fullmatch(text) or _MONTH_NAME.fullmatch(text)
    if m is None:
        return None
    month_text = m.group("m") if m.re is _DAY_FIRST else None
    month = int(month_text) if month_text is not None else _MONTHS.get(m.group("name").lower())
    if month is None:
        return None
    return _make_date(m.group("y"), month, m.group("d"))


def _place_and_date(value: object) -> tuple[str | None, date] | None:
    if isinstance(value, datetime):
        return None, value.date()
    if isinstance(value, date):
        return None, value
    if not isinstance(value, str) or len(value) > _MAX_LEN:
        return None
    text = " ".join(value.split())
    found = _read_date(text)
    if found is not None:
        return None, found
    comma = len(text)
    while (comma := text.rfind(",", 0, comma)) >= 0:
        found = _read_date(text[comma + 1 :].strip())
        if found is not None:
            return text[:comma].strip() or None, found
    return None


def parse_date(value: object) -> date:
    """Read a calendar date (ISO, day-first numeric or with a month name; "Place," skipped)."""
    got = _place_and_date(value)
    if got is None:
        raise ParseError("date", _EXPECT_DATE, value)
    return got[1]


def parse_place_and_date(value: object) -> tuple[str | None, date]:
    """Read "Place, date" ("Denpasar, 10 April 1984" -> ("Denpasar", date(1984, 4, 10)))."""
    got = _place_and_date(value)
    if got is None:
        raise ParseError("date", _EXPECT_DATE, value)
    return got
