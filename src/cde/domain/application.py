"""The loan application as Kocek sends it, read into typed, frozen values.

:func:`parse_application` turns the JSON body (already decoded) into an
:class:`Application` or raises :class:`InvalidApplicationError` listing *every* field that
cannot be read, each with its dotted path (``character.age``, ``income[1].value``) and
what was expected, in Indonesian and English. Lenient by design: numbers in any notation
:mod:`cde.domain.numbers` reads, ``null`` wherever a value may be unknown, and unknown
fields kept (``extra="allow"``) but otherwise ignored. Doubtful-but-readable data is not an
error here: it becomes a data-quality flag (:mod:`cde.domain.quality`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cde.domain import numbers
from cde.domain.numbers import MoneyRange, ParseError
from cde.errors import FieldProblem, InvalidInputError

__all__ = [
    "Application",
    "Character",
    "Collateral",
    "FieldError",
    "Gender",
    "IncomeItem",
    "InternalData",
    "InvalidApplicationError",
    "InvalidFieldsError",
    "Kolektibilitas",
    "LoanRequest",
    "PlaceAndDate",
    "parse_application",
    "read_identifier",
    "read_kolektibilitas",
    "unreadable",
]


class Kolektibilitas(IntEnum):
    """Loan quality class (POJK 40/2019; the CLIK bureau uses the same codes)."""

    LANCAR = 1
    DPK = 2
    KURANG_LANCAR = 3
    DIRAGUKAN = 4
    MACET = 5

    @property
    def label(self) -> str:
        return _KOLEK_LABELS[self]

    @property
    def non_performing(self) -> bool:
        return self >= Kolektibilitas.KURANG_LANCAR


_KOLEK_LABELS = {
    Kolektibilitas.LANCAR: "Lancar",
    Kolektibilitas.DPK: "Dalam Perhatian Khusus",
    Kolektibilitas.KURANG_LANCAR: "Kurang Lancar",
    Kolektibilitas.DIRAGUKAN: "Diragukan",
    Kolektibilitas.MACET: "Macet",
}
_KOLEK_NAMES = {
    "lancar": 1,
    "l": 1,
    "current": 1,
    "dalam perhatian khusus": 2,
    "dpk": 2,
    "special mention": 2,
    "kurang lancar": 3,
    "kl": 3,
    "substandard": 3,
    "diragukan": 4,
    "d": 4,
    "doubtful": 4,
    "macet": 5,
    "m": 5,
    "loss": 5,
}
_KOLEK_BY_NAME = {name: Kolektibilitas(code) for name, code in _KOLEK_NAMES.items()}
_KOLEK_CODE = re.compile(r"^(?:kol(?:ektibilitas)?[\s.\-]*)?([1-5])$")


class Gender(StrEnum):
    """Recorded for identity checks (the NIK); never an input to any score."""

    MALE = "l"
    FEMALE = "p"


_GENDERS = {
    "l": Gender.MALE,
    "laki-laki": Gender.MALE,
    "laki laki": Gender.MALE,
    "pria": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "p": Gender.FEMALE,
    "perempuan": Gender.FEMALE,
    "wanita": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}


@dataclass(frozen=True, slots=True)
class PlaceAndDate:
    place: str | None
    date: date


# --- field readers: each returns the value or raises PydanticCustomError ---------------


def _fail(code: str, expected: str) -> PydanticCustomError:
    return PydanticCustomError(f"cde_{code}", "expected {expected}", {"expected": expected})


def _reader(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    def read(value: object) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except ParseError as exc:
            raise _fail(exc.code, exc.expected) from None

    return read


# Larger than any loan, collateral or balance a cooperative could report (Rp 1 quadrillion);
# beyond it a number is a typo, and the loan math would overflow its precision.
MAX_RUPIAH = 10**15


def _money(value: object) -> int:
    amount = numbers.parse_number(value)
    if amount < 0:
        raise ParseError("money", "an amount of zero or more rupiah", value)
    if amount > MAX_RUPIAH:
        raise ParseError("money_max", "an amount of at most 1,000,000,000,000,000 rupiah", value)
    return int(amount.to_integral_value(ROUND_HALF_UP))


_MAX_PERCENT = Decimal(1_000_000)  # percent points; beyond this a figure is a typo
_MAX_NUMBER = Decimal(1_000_000_000)
_MICRO = Decimal("0.000001")


def _percent(value: object) -> Decimal:
    pct = numbers.parse_percent(value)
    if abs(pct) > _MAX_PERCENT:
        raise ParseError("percent_max", "a percentage of at most 1,000,000", value)
    return pct.quantize(_MICRO, ROUND_HALF_UP)


def _number(value: object) -> Decimal:
    number = numbers.parse_number(value)
    if abs(number) > _MAX_NUMBER:
        raise ParseError("number_max", "a number of at most 1,000,000,000", value)
    return number


def _range(value: object) -> MoneyRange:
    found = numbers.parse_range(value)
    if found.low > MAX_RUPIAH or (found.high is not None and found.high > MAX_RUPIAH):
        raise ParseError("money_max", "amounts of at most 1,000,000,000,000,000 rupiah", value)
    return found


def _count(value: object) -> int:
    count = numbers.parse_integer(value)
    if count < 0:
        raise ParseError("count", "a whole number of zero or more", value)
    return count


def _text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ParseError("text", "text", value)


def read_identifier(value: object) -> str:
    """An identifier (``loan_id``): 1 to 255 printable characters; else :class:`ParseError`."""
    return _identifier(value)


def read_kolektibilitas(value: object) -> Kolektibilitas:
    """A kolektibilitas by name or code (``Macet``, ``KL``, ``Kol 3``, 3); else
    :class:`ParseError`."""
    return _kolektibilitas(value)


def _identifier(value: object) -> str:
    text = _text(value)
    if not 0 < len(text) <= 255 or not text.isprintable():
        raise ParseError("identifier", "an identifier of 1 to 255 printable characters", value)
    return text


def _kolektibilitas(value: object) -> Kolektibilitas:
    expected = "a kolektibilitas: Lancar, DPK, Kurang Lancar, Diragukan, Macet or a code 1-5"
    if isinstance(value, bool):
        raise ParseError("kolektibilitas", expected, value)
    if isinstance(value, int) and 1 <= value <= 5:
        return Kolektibilitas(value)
    if isinstance(value, str):
        key = " ".join(value.strip().lower().split())
        if key in _KOLEK_NAMES:
            return _KOLEK_BY_NAME[key]
        match = _KOLEK_CODE.match(key)
        if match:
            return Kolektibilitas(int(match.group(1)))
    raise ParseError("kolektibilitas", expected, value)


def _gender(value: object) -> Gender:
    if isinstance(value, str):
        found = _GENDERS.get(value.strip().lower())
        if found is not None:
            return found
    raise ParseError("gender", "l (laki-laki) or p (perempuan)", value)


def _birth(value: object) -> PlaceAndDate:
    place, day = numbers.parse_place_and_date(value)
    return PlaceAndDate(place, day)


def _schema(kind: str, description: str, *examples: Any) -> WithJsonSchema:
    types: dict[str, Any] = {
        "number": {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]},
        "integer": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
        "string": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "text": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
        "range": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]},
        "code": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
        "required_text": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "boolean": {
            "anyOf": [
                {"type": "boolean"},
                {"type": "string"},
                {"type": "integer", "enum": [0, 1]},
                {"type": "null"},
            ]
        },
        "required_number": {"anyOf": [{"type": "number"}, {"type": "string"}]},
        "required_integer": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    }
    schema = dict(types[kind], description=description)
    if examples:
        schema["examples"] = list(examples)
    return WithJsonSchema(schema)


# Fast paths for the commonest values (plain ASCII digits, JSON integers, booleans, text):
# the same value the readers above give, without their layers; anything else goes to them.
_read_money = _reader(_money)
_read_count = _reader(_count)
_read_text = _reader(_text)
_read_flag = _reader(numbers.parse_boolean)
_read_percent = _reader(_percent)
_read_number = _reader(_number)
_read_range = _reader(_range)
_read_day = _reader(numbers.parse_date)


def _plain_money(value: object) -> int | None:
    """What :func:`_money` reads from a JSON integer, a float of whole rupiah or a string
    of plain digits, when it is an amount it accepts; else None (not an error: the full
    reader decides)."""
    if type(value) is int:
        if 0 <= value <= MAX_RUPIAH:
            return value
    elif type(value) is str:
        return _plain_amount(value)
    elif type(value) is float and value.is_integer() and 0 <= value <= MAX_RUPIAH:
        return int(value)  # a float of whole rupiah below 10^15 is exact
    return None


def _money_field(value: object) -> int | None:
    amount = _plain_money(value)
    if amount is not None:
        return amount
    money: int | None = _read_money(value)
    return money


def _plain_amount(text: str) -> int | None:
    """Whole rupiah (half up) of ``"138402100"`` or ``"138402100.00"`` (one ``.`` or ``,``,
    a decimal separator here as for :func:`_money`), below the maximum; else None."""
    if len(text) > 64 or not text.isascii():
        return None
    if text.isdigit():
        amount = int(text)
        return amount if amount <= MAX_RUPIAH else None
    whole, separator, fraction = text.partition(".")
    if not separator:
        whole, separator, fraction = text.partition(",")
    if separator and whole.isdigit() and fraction.isdigit():
        amount = int(whole)
        if amount < MAX_RUPIAH:
            return amount + 1 if fraction[0] >= "5" else amount
    return None


def _plain_decimal(text: str) -> Decimal | None:
    """``"8"``, ``"8,3"`` or ``"174.48"`` (plain ASCII digits, one ``.`` or ``,``) as
    :func:`numbers.parse_number` reads it; else None (the full reader decides)."""
    if len(text) > 64 or not text.isascii():
        return None
    if text.isdigit():
        return Decimal(text)
    whole, separator, fraction = text.partition("." if "." in text else ",")
    if separator and whole.isdigit() and fraction.isdigit():
        return Decimal(f"{whole}.{fraction}")
    return None


def _plain_percent(value: object) -> Decimal | None:
    """What :func:`numbers.parse_percent` reads from a finite float or a plain string
    (``"174,48%"``, ``"50"``), when it is below the readers' limits; else None."""
    if type(value) is float:
        if math.isfinite(value) and abs(value) <= 100_000:
            return Decimal(repr(value + 0.0 if value == 0 else value))
    elif type(value) is str:
        pct = _plain_decimal(value[:-1] if value.endswith("%") else value)
        if pct is not None and pct <= 100_000:
            return pct
    elif type(value) is int and abs(value) <= 100_000:
        return Decimal(value)
    return None


def _percent_field(value: object) -> Decimal | None:
    pct = _plain_percent(value)
    if pct is not None:
        return pct.quantize(_MICRO, ROUND_HALF_UP)
    read: Decimal | None = _read_percent(value)
    return read


def _number_field(value: object) -> Decimal | None:
    if type(value) is str:
        number = _plain_decimal(value)
        if number is not None and number <= _MAX_NUMBER:
            return number
    read: Decimal | None = _read_number(value)
    return read


def _range_field(value: object) -> MoneyRange | None:
    if type(value) is str and value.isascii():
        low, dash, high = value.partition("-")  # "100000-200000", below the maximum
        if dash and low.isdigit() and high.isdigit() and len(low) <= 15 and len(high) <= 15:
            a, b = Decimal(low), Decimal(high)
            return MoneyRange(a, b) if a <= b else MoneyRange(b, a, reversed=True)
    read: MoneyRange | None = _read_range(value)
    return read


def _day_field(value: object) -> date | None:
    if (
        type(value) is str
        and len(value) == 10
        and value[4] == "-"
        and value[7] == "-"
        and value.isascii()
        and value[:4].isdigit()
        and value[5:7].isdigit()
        and value[8:].isdigit()
    ):
        try:  # "2020-08-01"
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            pass  # no such day: the full reader says so
    read: date | None = _read_day(value)
    return read


def _tenure_field(value: object) -> int:
    if type(value) is int and 1 <= value <= 600:
        return value
    tenure: int = _read_tenure(value)
    return tenure


def _interest_field(value: object) -> Decimal:
    rate = _plain_percent(value)
    if rate is not None and 0 <= rate < 100:
        return rate.quantize(_MICRO, ROUND_HALF_UP)
    read: Decimal = _read_interest(value)
    return read


def _count_field(value: object) -> int | None:
    if type(value) is int:
        if value >= 0:
            return value
    elif type(value) is str and value.isdigit() and value.isascii() and len(value) <= 64:
        return int(value)
    count: int | None = _read_count(value)
    return count


def _label_field(value: object) -> str | None:
    if type(value) is str:
        return value.strip()
    label: str | None = _read_text(value)
    return label


def _flag_field(value: object) -> bool | None:
    if value is True or value is False:
        return value
    flag: bool | None = _read_flag(value)
    return flag


Money = Annotated[
    int | None,
    PlainValidator(_money_field),
    _schema("number", "Whole rupiah; plain or Indonesian notation", 138402100, "Rp 1.500.000"),
]
Count = Annotated[
    int | None,
    PlainValidator(_count_field),
    _schema("integer", "A whole number of zero or more", 18, "18"),
]
Percent = Annotated[
    Decimal | None,
    PlainValidator(_percent_field),
    _schema("number", "Percent points; '%' optional", 50.0, "174,48%"),
]
Number = Annotated[
    Decimal | None,
    PlainValidator(_number_field),
    _schema("number", "A number; plain or Indonesian notation", "8,3"),
]
Range = Annotated[
    MoneyRange | None,
    PlainValidator(_range_field),
    _schema("range", "A monthly amount or range in rupiah", "100000-200000", "> 5000000"),
]
Flag = Annotated[
    bool | None,
    PlainValidator(_flag_field),
    _schema("boolean", "true/false (also ya/tidak, 1/0)", False),
]
Day = Annotated[
    date | None,
    PlainValidator(_day_field),
    _schema("string", "An ISO or Indonesian date", "2020-08-01"),
]
Birth = Annotated[
    PlaceAndDate | None,
    PlainValidator(_reader(_birth)),
    _schema("string", "Place and date of birth", "Denpasar, 10 April 1984"),
]
Label = Annotated[str | None, PlainValidator(_label_field), _schema("text", "Text")]
Kolek = Annotated[
    Kolektibilitas | None,
    PlainValidator(_reader(_kolektibilitas)),
    _schema("code", "Lancar, DPK, Kurang Lancar, Diragukan, Macet, or 1-5", "Diragukan"),
]
GenderField = Annotated[
    Gender | None,
    PlainValidator(_reader(_gender)),
    _schema("string", "l (laki-laki) or p (perempuan); never scored", "l"),
]


def _required(reader: Callable[[object], Any], expected: str) -> Callable[[object], Any]:
    def read(value: object) -> Any:
        if value is None:
            raise _fail("required", expected)
        return reader(value)

    return read


def _positive_money(value: object) -> int:
    amount = _money(value)
    if amount <= 0:
        raise ParseError("money_positive", "an amount above zero rupiah", value)
    return amount


_read_plafon = _required(_reader(_positive_money), "an amount above zero rupiah")


def _plafon_field(value: object) -> int:
    amount = _plain_money(value)
    if amount is not None and amount > 0:
        return amount
    plafon: int = _read_plafon(value)
    return plafon


def _tenure(value: object) -> int:
    months = numbers.parse_integer(value)
    if not 1 <= months <= 600:
        raise ParseError("tenure", "a term of 1 to 600 months", value)
    return months


def _rate(value: object) -> Decimal:
    rate = numbers.parse_percent(value)
    if not 0 <= rate < 100:
        raise ParseError("interest", "an interest rate of 0 to 100 per cent a year", value)
    return rate.quantize(_MICRO, ROUND_HALF_UP)  # 1e-300 is 0, not a division by ~0


_read_tenure = _required(_reader(_tenure), "a term of 1 to 600 months")
_read_interest = _required(_reader(_rate), "an interest rate in per cent a year")


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Character(_Model):
    name: Label = None
    nik: Label = None
    kyc_status: Flag = None
    age: Count = None
    birth: Birth = None
    gender: GenderField = None
    member_date: Day = None
    occupation: Label = None


class IncomeItem(_Model):
    key: Label = None
    value: Range = None


class Collateral(_Model):
    name: Label = None
    type: Label = None
    code: Label = None
    value: Money = None
    estimated_price: Range = None
    recognition: Percent = None
    recognition_value: Money = None
    is_verified: Flag = None
    is_tax_paid: Flag = None
    information: Label = None


class LoanRequest(_Model):
    plafon: Annotated[
        int,
        PlainValidator(_plafon_field),
        _schema("required_number", "Requested amount in rupiah", 10000000),
    ]
    tenure: Annotated[
        int,
        PlainValidator(_tenure_field),
        _schema("required_integer", "Requested term in months", 12),
    ]
    interest: Annotated[
        Decimal,
        PlainValidator(_interest_field),
        _schema("required_number", "Interest rate, per cent a year", 12),
    ]
    purpose: Label = None
    loan_interest_method: Count = None
    loan_interest_method_label: Label = None


class InternalData(_Model):
    total_loan: Count = None
    total_loan_active: Count = None
    loan_remaining: Money = None
    collectability: Kolek = None
    behaviour_pattern_deposit_per_month: Number = None
    behaviour_pattern_withdrawal_per_month: Number = None
    behaviour_pattern_withdrawal_ratio: Percent = None
    behaviour_pattern_avg_balance: Money = None
    behaviour_pattern_avg_growth_balance: Percent = None
    total_saving: Count = None
    total_saving_active: Count = None
    total_balance_active: Money = None
    total_deposit: Count = None
    total_deposit_balance: Money = None
    total_deposit_active: Count = None
    total_deposit_active_balance: Money = None


_EMPTY_SECTIONS: dict[str, Any] = {
    "internal_data": {},
    "income": (),
    "expenses": (),
    "collaterals": (),
}

_ID = Annotated[
    str,
    PlainValidator(_required(_reader(_identifier), "an identifier")),
    _schema("required_text", "Identifier from the calling platform"),
]


class Application(_Model):
    customer_id: _ID
    loan_id: _ID
    character: Character  # identifies the applicant: required, its fields may be null
    income: tuple[IncomeItem, ...] = ()
    expenses: tuple[IncomeItem, ...] = ()
    collaterals: tuple[Collateral, ...] = ()
    application: LoanRequest
    internal_data: InternalData = Field(default_factory=InternalData)

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            get = data.get
            if (
                get("internal_data", 0) is None
                or get("income", 0) is None
                or get("expenses", 0) is None
                or get("collaterals", 0) is None
            ):
                empty = _EMPTY_SECTIONS
                data = {k: (empty[k] if v is None and k in empty else v) for k, v in data.items()}
            if ("character" in data and data["character"] is None) or (
                "application" in data and data["application"] is None
            ):
                required = ("character", "application")
                data = {k: v for k, v in data.items() if k not in required or v is not None}
                # a null required section is reported like a missing one: "is required"
        return data


# --- errors ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    message_id: str
    message_en: str

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_id

    def as_dict(self, lang: str) -> dict[str, str]:
        return {"field": self.field, "message": self.message(lang)}


class InvalidFieldsError(InvalidInputError):
    """A record that cannot be read; ``errors`` names every field that is wrong."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message_en}" for e in errors))

    @property
    def field_errors(self) -> Sequence[FieldProblem]:
        return self.errors


class InvalidApplicationError(InvalidFieldsError):
    """The application cannot be read; ``errors`` names every field that is wrong."""


# What each reader expected, in Indonesian (the English comes with the error itself).
_EXPECTED_ID = {
    "number": "angka seperti 1500000, 1.500.000 atau 8,3",
    "percent": "persentase seperti 45,2 atau 174,48%",
    "integer": "bilangan bulat seperti 12",
    "boolean": "true/false (atau ya/tidak, 1/0)",
    "range": "jumlah atau rentang seperti 1500000, 100000-200000, 1-2 juta atau > 5000000",
    "date": "tanggal seperti 2020-08-01, 10/04/1984 atau 10 April 1984",
    "money": "jumlah rupiah nol atau lebih",
    "money_positive": "jumlah rupiah di atas nol",
    "money_max": "jumlah paling banyak 1.000.000.000.000.000 rupiah",
    "percent_max": "persentase paling banyak 1.000.000",
    "number_max": "angka paling banyak 1.000.000.000",
    "count": "bilangan bulat nol atau lebih",
    "text": "teks",
    "identifier": "pengenal 1 sampai 255 karakter yang dapat dicetak",
    "tenure": "jangka waktu 1 sampai 600 bulan",
    "interest": "suku bunga 0 sampai 100 persen per tahun",
    "kolektibilitas": "Lancar, DPK, Kurang Lancar, Diragukan, Macet atau kode 1-5",
    "gender": "l (laki-laki) atau p (perempuan)",
}

_BUILTIN = {
    "missing": ("wajib diisi", "is required"),
    "model_type": ("harus berupa objek JSON", "must be a JSON object"),
    "model_attributes_type": ("harus berupa objek JSON", "must be a JSON object"),
    "dict_type": ("harus berupa objek JSON", "must be a JSON object"),
    "tuple_type": ("harus berupa daftar (array JSON)", "must be a list (JSON array)"),
    "list_type": ("harus berupa daftar (array JSON)", "must be a list (JSON array)"),
}


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(body)"


def unreadable(field: str, code: str, expected: str, value: object) -> FieldError:
    """The error of a field whose value a reader could not read (a :class:`ParseError`'s
    ``code`` and ``expected``), in both languages."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return FieldError(
        field,
        code,
        f"tidak dapat dibaca: diharapkan {_EXPECTED_ID.get(code, expected)}, diterima {shown}",
        f"cannot be read: expected {expected}, got {shown}",
    )


def _describe(err: Mapping[str, Any]) -> FieldError:
    loc = tuple(err["loc"])
    kind = str(err["type"])
    field = _path(loc)
    if kind == "cde_required":
        kind = "missing"
    elif kind.startswith("cde_"):
        expected = str(err.get("ctx", {}).get("expected", ""))
        return unreadable(field, kind[4:], expected, err.get("input"))
    if kind in _BUILTIN:
        msg_id, msg_en = _BUILTIN[kind]
        return FieldError(field, kind, msg_id, msg_en)
    return FieldError(field, kind, f"tidak valid: {err['msg']}", str(err["msg"]))


def parse_application(raw: object) -> Application:
    """Read a decoded JSON body; raise :class:`InvalidApplicationError` with every problem."""
    if not isinstance(raw, dict):
        raise InvalidApplicationError(
            [
                FieldError(
                    "(body)",
                    "model_type",
                    "badan permintaan harus berupa objek JSON",
                    "the request body must be a JSON object",
                )
            ]
        )
    try:
        return Application.model_validate(raw)
    except ValidationError as exc:
        errors = [_describe(e) for e in exc.errors(include_url=False)]
        raise InvalidApplicationError(errors) from None
