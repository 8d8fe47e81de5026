"""Reading one loan outcome record (``cde.domain.outcomes.read_outcome``): every bad field
named in both languages, ``bad`` from the kolektibilitas by the policy's threshold, and a
record whose ``bad`` and kolektibilitas disagree refused, naming both."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cde.domain.application import Kolektibilitas
from cde.domain.outcomes import InvalidOutcomeError, Outcome, read_outcome
from cde.policies import default_policy


def errors_of(raw: object, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidOutcomeError) as caught:
        read_outcome(raw, **kwargs)
    return [(e.field, e.code) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [(True, True), (False, False), (1, True), (0, False), ("ya", True), ("0", False)],
)
def test_bad_is_read_as_true_false_or_one_zero(bad: object, expected: bool) -> None:
    assert read_outcome({"loan_id": "L1", "bad": bad}) == Outcome("L1", expected)


@pytest.mark.parametrize(
    ("kolek", "bad"),
    [(1, False), (2, False), (3, True), ("Diragukan", True), ("Kol 5", True), ("DPK", False)],
)
def test_bad_follows_from_the_kolektibilitas_by_default_from_3(kolek: object, bad: bool) -> None:
    outcome = read_outcome({"loan_id": "L1", "kolektibilitas": kolek})
    assert outcome.bad is bad
    assert outcome.kolektibilitas is not None


def test_the_threshold_is_the_policys() -> None:
    assert default_policy().outcome.bad_from_kolektibilitas == 3
    raw = {"loan_id": "L1", "kolektibilitas": 3}
    assert read_outcome(raw, bad_from_kolektibilitas=4).bad is False
    assert read_outcome(raw, bad_from_kolektibilitas=3).bad is True


def test_every_field_is_read() -> None:
    raw = {
        "loan_id": " L-7 ",
        "bad": "true",
        "kolektibilitas": "macet",
        "observed_at": "31/10/2026",
        "applied_at": "2025-10-21",
        "unknown": "ignored",
    }
    assert read_outcome(raw) == Outcome(
        "L-7", True, Kolektibilitas.MACET, date(2026, 10, 31), date(2025, 10, 21)
    )


def test_a_numeric_loan_id_is_read_as_text_and_blank_cells_are_absent() -> None:
    raw = {"loan_id": 12, "bad": "", "kolektibilitas": "2", "observed_at": " ", "applied_at": ""}
    assert read_outcome(raw) == Outcome("12", False, Kolektibilitas.DPK)


def test_bad_and_kolektibilitas_that_agree_are_accepted() -> None:
    assert read_outcome({"loan_id": "L1", "bad": 1, "kolektibilitas": 4}).bad is True
    assert read_outcome({"loan_id": "L1", "bad": 0, "kolektibilitas": 2}).bad is False


def test_bad_and_kolektibilitas_that_contradict_are_an_error_naming_both() -> None:
    with pytest.raises(InvalidOutcomeError) as caught:
        read_outcome({"loan_id": "L1", "bad": False, "kolektibilitas": "Macet"})
    [error] = caught.value.errors
    assert (error.field, error.code) == ("bad", "contradiction")
    assert "kolektibilitas 5" in error.message("en")
    assert "contradicts" in error.message("en")
    assert "bertentangan" in error.message("id")
    assert errors_of({"loan_id": "L1", "bad": True, "kolektibilitas": 1}) == [
        ("bad", "contradiction")
    ]


def test_every_bad_field_is_named_at_once() -> None:
    raw = {"bad": "maybe", "kolektibilitas": 9, "observed_at": "later", "applied_at": "soon"}
    assert errors_of(raw) == [
        ("loan_id", "missing"),
        ("bad", "boolean"),
        ("kolektibilitas", "kolektibilitas"),
        ("observed_at", "date"),
        ("applied_at", "date"),
    ]


def test_neither_bad_nor_kolektibilitas_is_an_error() -> None:
    assert errors_of({"loan_id": "L1", "observed_at": "2026-10-31"}) == [("bad", "missing")]


def test_an_application_date_after_the_observation_is_an_error() -> None:
    raw = {"loan_id": "L1", "bad": 0, "observed_at": "2026-01-01", "applied_at": "2026-02-01"}
    assert errors_of(raw) == [("applied_at", "order")]


@pytest.mark.parametrize("raw", [[1, 2], "L1", None, 5])
def test_a_record_that_is_not_an_object_is_an_error(raw: object) -> None:
    assert errors_of(raw) == [("(line)", "model_type")]


def test_the_errors_read_in_both_languages() -> None:
    with pytest.raises(InvalidOutcomeError) as caught:
        read_outcome({"loan_id": "L1", "bad": "maybe"})
    [error] = caught.value.errors
    assert error.as_dict("en")["message"].startswith("cannot be read: expected yes or no")
    assert error.as_dict("id")["message"].startswith("tidak dapat dibaca: diharapkan true/false")
    assert caught.value.field_errors == caught.value.errors
