"""Tests for the `schedule` command (cde.entrypoints.cli.schedule)."""

from __future__ import annotations

import csv
import io

import orjson
import pytest
import typer
from typer.testing import CliRunner

from cde.entrypoints.cli.schedule import format_rupiah_digits, schedule_command

REFERENCE = ["--plafon", "10000000", "--tenure", "12", "--interest", "12"]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("schedule")(schedule_command)

    @app.command("noop")
    def noop() -> None:
        """A second command, so that `schedule` stays a named subcommand."""

    return app


def _run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["schedule", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0"), (999, "999"), (1_000, "1.000"), (888_488, "888.488"), (10_000_000, "10.000.000")],
)
def test_rupiah_digits_use_dots_as_thousands_separators(amount: int, text: str) -> None:
    assert format_rupiah_digits(amount) == text


def test_json_output_gives_the_reference_anuitas_numbers(app: typer.Typer) -> None:
    code, out, err = _run(app, *REFERENCE, "--format", "json")
    assert code == 0, err
    data = orjson.loads(out)
    assert data["plafon"] == 10_000_000
    assert data["tenure"] == 12
    assert data["interest"] == 12
    assert data["method"] == "anuitas"
    assert data["installment"] == 888_488
    assert len(data["rows"]) == 12
    assert data["rows"][0] == {
        "month": 1,
        "installment": 888_488,
        "principal": 788_488,
        "interest": 100_000,
        "balance": 9_211_512,
    }
    assert data["rows"][-1]["balance"] == 0
    assert data["total_installment"] == sum(row["installment"] for row in data["rows"])
    assert data["total_interest"] == data["total_installment"] - 10_000_000 == 661_853


def test_json_output_is_indented_by_two_spaces(app: typer.Typer) -> None:
    _, out, _ = _run(app, *REFERENCE, "--format", "json")
    assert out.startswith('{\n  "plafon": 10000000,')


@pytest.mark.parametrize(
    ("method", "installment", "total_interest"),
    [("flat", 933_333, 1_200_000), ("efektif", 933_333, 650_000)],
)
def test_json_output_follows_the_chosen_method(
    app: typer.Typer, method: str, installment: int, total_interest: int
) -> None:
    code, out, err = _run(app, *REFERENCE, "--method", method, "--format", "json")
    assert code == 0, err
    data = orjson.loads(out)
    assert (data["method"], data["installment"], data["total_interest"]) == (
        method,
        installment,
        total_interest,
    )


def test_csv_output_has_a_header_and_one_line_per_month(app: typer.Typer) -> None:
    code, out, err = _run(app, *REFERENCE, "--format", "csv")
    assert code == 0, err
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0] == ["month", "installment", "principal", "interest", "balance"]
    assert len(lines) == 1 + 12
    assert lines[1] == ["1", "888488", "788488", "100000", "9211512"]
    assert lines[-1][0] == "12"
    assert lines[-1][-1] == "0"


def test_table_output_shows_indonesian_formatted_money_and_totals(app: typer.Typer) -> None:
    code, out, err = _run(app, *REFERENCE)
    assert code == 0, err
    for header in ("Bulan", "Angsuran", "Pokok", "Bunga", "Sisa pokok"):
        assert header in out
    assert "888.488" in out
    assert "9.211.512" in out
    assert "Total" in out
    assert "10.000.000" in out
    assert "661.853" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plafon", "10000000", "--tenure", "0", "--interest", "12"], "--tenure"),
        (["--plafon", "-5", "--tenure", "12", "--interest", "12"], "--plafon"),
        (["--plafon", "10000000", "--tenure", "12", "--interest", "-1"], "--interest"),
        (["--plafon", "10000000", "--tenure", "12", "--interest", "nan"], "--interest"),
        ([*REFERENCE, "--format", "xml"], "--format"),
    ],
)
def test_bad_values_exit_with_code_2_and_a_message_on_stderr(
    app: typer.Typer, args: list[str], message: str
) -> None:
    code, out, err = _run(app, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out
    assert out == ""


def test_tenure_zero_says_at_least_one_month(app: typer.Typer) -> None:
    code, _, err = _run(app, "--plafon", "10000000", "--tenure", "0", "--interest", "12")
    assert code == 2
    assert "Error: --tenure must be at least 1 month, got 0" in err


def test_an_unknown_method_is_a_usage_error(app: typer.Typer) -> None:
    code, _, err = _run(app, *REFERENCE, "--method", "balloon")
    assert code == 2
    assert "--method" in err
