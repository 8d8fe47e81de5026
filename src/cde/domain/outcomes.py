"""A loan's observed outcome, read from one record into a typed, frozen value.

An outcome is keyed by ``loan_id`` (per tenant, the same id the application carried) and
says whether the loan went bad: ``bad`` (true/false, 1/0, ya/tidak), or the
``kolektibilitas`` observed at the end of the performance window, from which ``bad``
follows by the policy (``[outcome] bad_from_kolektibilitas``: 3, Kurang Lancar or worse,
by default). Both may be given, and must then agree. ``observed_at`` (the end of the
performance window) and ``applied_at`` (the date of the original application) are
optional dates.

:func:`read_outcome` reports *every* field that cannot be read, each in Indonesian and
English, like the application reader (:mod:`cde.domain.application`), with its readers.
Unknown fields are ignored; an empty value (a blank CSV cell) is an absent one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from cde.domain import numbers
from cde.domain.application import (
    FieldError,
    InvalidFieldsError,
    Kolektibilitas,
    read_identifier,
    read_kolektibilitas,
    unreadable,
)
from cde.domain.numbers import ParseError

__all__ = ["FIELDS", "InvalidOutcomeError", "Outcome", "is_bad", "read_outcome"]

# The fields an outcome record is read from, in the order they are written.
FIELDS = ("loan_id", "bad", "kolektibilitas", "observed_at", "applied_at")


@dataclass(frozen=True, slots=True)
class Outcome:
    loan_id: str
    bad: bool
    kolektibilitas: Kolektibilitas | None = None
    observed_at: date | None = None
    applied_at: date | None = None


class InvalidOutcomeError(InvalidFieldsError):
    """The outcome record cannot be read; ``errors`` names every field that is wrong."""


def is_bad(kolektibilitas: Kolektibilitas, bad_from_kolektibilitas: int) -> bool:
    """Whether a loan of this kolektibilitas at the end of its window counts as bad."""
    return int(kolektibilitas) >= bad_from_kolektibilitas


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_outcome(raw: object, *, bad_from_kolektibilitas: int = 3) -> Outcome:
    """Read one decoded outcome record; raise :class:`InvalidOutcomeError` with every
    problem. ``bad_from_kolektibilitas`` is the policy's (``policy.outcome``)."""
    if not isinstance(raw, dict):
        raise InvalidOutcomeError(
            [
                FieldError(
                    "(line)",
                    "model_type",
                    "catatan hasil pinjaman harus berupa objek JSON",
                    "an outcome record must be a JSON object",
                )
            ]
        )
    errors: list[FieldError] = []

    def read(name: str, reader: Callable[[object], Any], *, required: bool = False) -> Any:
        value = raw.get(name)
        if _absent(value):
            if required:
                errors.append(FieldError(name, "missing", "wajib diisi", "is required"))
            return None
        try:
            return reader(value)
        except ParseError as exc:
            errors.append(unreadable(name, exc.code, exc.expected, value))
            return None

    loan_id: str | None = read("loan_id", read_identifier, required=True)
    bad: bool | None = read("bad", numbers.parse_boolean)
    kolek: Kolektibilitas | None = read("kolektibilitas", read_kolektibilitas)
    observed_at: date | None = read("observed_at", numbers.parse_date)
    applied_at: date | None = read("applied_at", numbers.parse_date)

    if _absent(raw.get("bad")) and _absent(raw.get("kolektibilitas")):
        errors.append(
            FieldError(
                "bad",
                "missing",
                "wajib diisi: bad atau kolektibilitas",
                "is required: bad or kolektibilitas",
            )
        )
    if bad is not None and kolek is not None and bad != is_bad(kolek, bad_from_kolektibilitas):
        said = "true" if bad else "false"
        means = "true" if not bad else "false"
        errors.append(
            FieldError(
                "bad",
                "contradiction",
                f"bad = {said} bertentangan dengan kolektibilitas {int(kolek)} ({kolek.label}): "
                f"kolektibilitas {bad_from_kolektibilitas}-5 berarti bad, jadi bad = {means}",
                f"bad = {said} contradicts kolektibilitas {int(kolek)} ({kolek.label}): "
                f"kolektibilitas {bad_from_kolektibilitas}-5 means bad, so bad = {means}",
            )
        )
    if applied_at is not None and observed_at is not None and applied_at > observed_at:
        errors.append(
            FieldError(
                "applied_at",
                "order",
                f"tanggal permohonan {applied_at.isoformat()} setelah observed_at "
                f"{observed_at.isoformat()}",
                f"the application date {applied_at.isoformat()} is after observed_at "
                f"{observed_at.isoformat()}",
            )
        )
    if errors:
        raise InvalidOutcomeError(errors)
    assert loan_id is not None
    if bad is None:
        assert kolek is not None
        bad = is_bad(kolek, bad_from_kolektibilitas)
    return Outcome(loan_id, bad, kolek, observed_at, applied_at)
