"""The new-application form: its fields (named as the API names them, so that an
``InvalidApplicationError``'s ``character.age`` or ``collaterals[1].value`` lands beside
its input), the rows of income, expenses and collaterals added and removed, and the
Kocek request body built from what was entered.

Nothing is judged here: every value goes to the API's body as typed (the engine reads
Indonesian and plain notation alike), empty inputs are left out, and the engine's reader
reports what it cannot read. Ranges (income, expenses, a collateral's estimated price) are
two inputs, ``from`` and ``to``, joined as ``from-to``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cde.domain.application import read_kolektibilitas
from cde.domain.numbers import ParseError

__all__ = [
    "LISTS",
    "SECTIONS",
    "ApplicationForm",
    "FieldSpec",
]

Kind = Literal["text", "money", "number", "rate", "date", "flag", "choice", "range", "area"]

MAX_ROWS = 20
_MAX_VALUE = 1000  # characters kept of one input


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input: ``name`` is its member in the API's body (within its section or row)."""

    name: str
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()  # the values of a choice (labels: the catalogue's)
    suggest: str | None = None  # a datalist of suggestions (its id)

    @property
    def label_key(self) -> str:
        return f"field.{self.name}"


def _f(name: str, kind: Kind = "text", **more: Any) -> FieldSpec:
    return FieldSpec(name, kind, **more)


# (section, its fields); "" is the top level of the body.
SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    ("", (_f("loan_id", required=True), _f("customer_id", required=True))),
    (
        "application",
        (
            _f("plafon", "money", required=True),
            _f("tenure", "number", required=True),
            _f("interest", "rate", required=True),
            _f("loan_interest_method", "choice", choices=("1", "2", "3")),
            _f("purpose", suggest="purposes"),
        ),
    ),
    (
        "character",
        (
            _f("name"),
            _f("nik", "number"),
            _f("kyc_status", "flag"),
            _f("age", "number"),
            _f("birth"),
            _f("gender", "choice", choices=("l", "p")),
            _f("member_date", "date"),
            _f("occupation"),
        ),
    ),
    (
        "internal_data",
        (
            _f("collectability", "choice", choices=("1", "2", "3", "4", "5")),
            _f("total_loan", "number"),
            _f("total_loan_active", "number"),
            _f("loan_remaining", "money"),
            _f("behaviour_pattern_deposit_per_month", "rate"),
            _f("behaviour_pattern_withdrawal_per_month", "rate"),
            _f("behaviour_pattern_withdrawal_ratio", "rate"),
            _f("behaviour_pattern_avg_balance", "money"),
            _f("behaviour_pattern_avg_growth_balance", "rate"),
            _f("total_saving", "number"),
            _f("total_saving_active", "number"),
            _f("total_balance_active", "money"),
            _f("total_deposit", "number"),
            _f("total_deposit_balance", "money"),
            _f("total_deposit_active", "number"),
            _f("total_deposit_active_balance", "money"),
        ),
    ),
)

_AMOUNT_ROW = (_f("key"), _f("value", "range"))
# The repeated rows: list name -> (its fields, rows a new form starts with).
LISTS: dict[str, tuple[tuple[FieldSpec, ...], int]] = {
    "income": (_AMOUNT_ROW, 1),
    "expenses": (_AMOUNT_ROW, 1),
    "collaterals": (
        (
            _f("name"),
            _f("code", suggest="collateral-codes"),
            _f("type"),
            _f("value", "money"),
            _f("estimated_price", "range"),
            _f("recognition", "rate"),
            _f("recognition_value", "money"),
            _f("is_verified", "flag"),
            _f("is_tax_paid", "flag"),
            _f("information", "area"),
        ),
        1,
    ),
}
# Where each section goes in the body, in the seed's order.
_ORDER = ("", "character", "income", "expenses", "collaterals", "application", "internal_data")
_KOLEK = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_FLAGS = {"true": True, "false": False}


def input_name(section: str, name: str, row: int | None = None) -> str:
    """The input's name, the API's path: ``character.age``, ``income[0].value``."""
    if row is not None:
        return f"{section}[{row}].{name}"
    return f"{section}.{name}" if section else name


def input_id(name: str, part: str = "") -> str:
    """A stable element id for an input name: ``f-collaterals-1-value``."""
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return f"f-{cleaned}{'-' + part if part else ''}"


@dataclass
class ApplicationForm:
    """What was entered (input name → text), how many rows each list has, and the
    errors the API reported (its field path → messages)."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=lambda: {k: v[1] for k, v in LISTS.items()})
    errors: dict[str, list[str]] = field(default_factory=dict)
    idempotency_key: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    focus: str | None = None  # the element to focus once a row was added or removed

    # --- reading -----------------------------------------------------------------------------

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> ApplicationForm:
        def text(name: str) -> str:
            value = form.get(name)
            return value[:_MAX_VALUE] if isinstance(value, str) else ""

        rows = {}
        for name in LISTS:
            count = text(f"{name}.rows")
            rows[name] = min(int(count), MAX_ROWS) if count.isdigit() else LISTS[name][1]
        made = cls(rows=rows)
        key = text("idempotency_key")
        if 8 <= len(key) <= 64 and key.isascii() and key.isprintable():
            made.idempotency_key = key
        for name in made.input_names():
            value = text(name)
            if value.strip():
                made.values[name] = value
        return made

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ApplicationForm:
        """A form filled with an application (the example), as its inputs show it."""
        made = cls(rows=dict.fromkeys(LISTS, 0))
        for section, specs in SECTIONS:
            source = payload if not section else payload.get(section)
            if isinstance(source, Mapping):
                for spec in specs:
                    made._put(input_name(section, spec.name), spec, source.get(spec.name))
        for name, (specs, _) in LISTS.items():
            items = payload.get(name)
            items = items[:MAX_ROWS] if isinstance(items, list) else []
            made.rows[name] = len(items)
            for row, item in enumerate(items):
                if isinstance(item, Mapping):
                    for spec in specs:
                        made._put(input_name(name, spec.name, row), spec, item.get(spec.name))
        return made

    def _put(self, name: str, spec: FieldSpec, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            shown = str(int(value))
        else:
            shown = str(value)
        if spec.kind == "range":
            low, dash, high = shown.partition("-")
            if dash and low.strip() and high.strip():
                self.values[f"{name}.from"], self.values[f"{name}.to"] = low.strip(), high.strip()
            else:
                self.values[f"{name}.from"] = shown
        elif spec.kind == "choice" and spec.name == "collectability":
            self.values[name] = _kolek_code(shown)
        else:
            self.values[name] = shown

    def input_names(self) -> list[str]:
        names = []
        for section, specs in SECTIONS:
            names += [input_name(section, s.name) for s in specs]
        for name, (specs, _) in LISTS.items():
            for row in range(self.rows[name]):
                for spec in specs:
                    base = input_name(name, spec.name, row)
                    names += [f"{base}.from", f"{base}.to"] if spec.kind == "range" else [base]
        return names

    # --- adding and removing rows ------------------------------------------------------------

    def apply(self, action: str) -> bool:
        """Add (``add:collaterals``) or remove (``remove:collaterals:1``) a row; whether
        ``action`` was one."""
        verb, _, rest = action.partition(":")
        name, _, index = rest.partition(":")
        if name not in LISTS:
            return False
        if verb == "add":
            if self.rows[name] < MAX_ROWS:
                self.rows[name] += 1
                first = LISTS[name][0][0]
                self.focus = input_id(input_name(name, first.name, self.rows[name] - 1))
            else:
                self.focus = f"add-{name}"
            return True
        if verb == "remove" and index.isdigit() and int(index) < self.rows[name]:
            self._remove(name, int(index))
            self.focus = f"add-{name}"
            return True
        return False

    def _remove(self, name: str, gone: int) -> None:
        """Drop row ``gone``; the rows after it move up one."""
        moved: dict[str, str] = {}
        for key, value in self.values.items():
            prefix = f"{name}["
            if not key.startswith(prefix):
                moved[key] = value
                continue
            index, _, rest = key[len(prefix) :].partition("]")
            row = int(index)
            if row != gone:
                moved[f"{prefix}{row - 1 if row > gone else row}]{rest}"] = value
        self.values = moved
        self.rows[name] -= 1

    # --- the body ------------------------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        """The Kocek request body, in the seed's order; empty inputs left out."""
        parts: dict[str, Any] = {}
        for section, specs in SECTIONS:
            members = {}
            for spec in specs:
                value = self._value(input_name(section, spec.name), spec)
                if value is not None:
                    members[spec.name] = value
            if section:
                parts[section] = members
            else:
                parts.update(members)
        for name, (specs, _) in LISTS.items():
            items = []
            for row in range(self.rows[name]):
                item = {}
                for spec in specs:
                    value = self._value(input_name(name, spec.name, row), spec)
                    if value is not None:
                        item[spec.name] = value
                items.append(item)
            parts[name] = items
        body: dict[str, Any] = {}
        for key in _ORDER:
            if key == "":
                for top in ("customer_id", "loan_id"):
                    if top in parts:
                        body[top] = parts[top]
            else:
                body[key] = parts[key]
        return body

    def _value(self, name: str, spec: FieldSpec) -> Any:
        if spec.kind == "range":
            low = self.values.get(f"{name}.from", "").strip()
            high = self.values.get(f"{name}.to", "").strip()
            if low and high:
                return f"{low}-{high}"
            return low or high or None
        value = self.values.get(name, "").strip()
        if not value:
            return None
        if spec.kind == "flag":
            return _FLAGS.get(value, value)
        if spec.kind == "choice" and spec.name == "collectability":
            return _KOLEK.get(value, value)
        if spec.kind == "choice" and spec.name == "loan_interest_method" and value.isdigit():
            return int(value)
        return value

    # --- errors --------------------------------------------------------------------------------

    def report(self, problems: list[dict[str, str]]) -> None:
        """Keep the API's field errors (``{"field", "message"}``) by field path."""
        self.errors = {}
        for problem in problems:
            self.errors.setdefault(problem["field"], []).append(problem["message"])

    def field_errors(self, name: str) -> list[str]:
        """The errors of the input ``name`` (a range's errors belong to both its parts)."""
        return self.errors.get(name, [])

    def _specs(self) -> dict[str, FieldSpec]:
        """Every input of the form by the API's path of its value."""
        found: dict[str, FieldSpec] = {}
        for section, specs in SECTIONS:
            found |= {input_name(section, s.name): s for s in specs}
        for name, (specs, _) in LISTS.items():
            for row in range(self.rows[name]):
                found |= {input_name(name, s.name, row): s for s in specs}
        return found

    def label_of(self, name: str) -> tuple[str, str | None, int | None] | None:
        """The catalogue key of the field ``name``'s label, and its list and row (from 0)
        when it is in one; None when the form has no such field."""
        for section, specs in SECTIONS:
            for spec in specs:
                if input_name(section, spec.name) == name:
                    return f"field.{section or 'top'}.{spec.name}", None, None
        for list_name, (specs, _) in LISTS.items():
            for row in range(self.rows[list_name]):
                for spec in specs:
                    if input_name(list_name, spec.name, row) == name:
                        return f"field.{list_name}.{spec.name}", list_name, row
        return None

    def anchor(self, name: str) -> str | None:
        """The id of the (first) input of the field ``name``, if the form has one."""
        spec = self._specs().get(name)
        if spec is None:
            return None
        return input_id(name, "from" if spec.kind == "range" else "")

    def unplaced(self) -> list[tuple[str, str]]:
        """Errors of no input on the form (a whole section, the body): shown on top."""
        known = self._specs()
        return [(f, m) for f, messages in self.errors.items() if f not in known for m in messages]


def _kolek_code(shown: str) -> str:
    """A kolektibilitas as the form's choice (its code 1-5), read as the engine reads it;
    what it cannot read stays as it was (and the engine will say so)."""
    try:
        return str(read_kolektibilitas(shown).value)
    except ParseError:
        return shown
