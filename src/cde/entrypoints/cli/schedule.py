"""``cde schedule``: print an amortisation schedule (table, JSON or CSV).

A plain typer-compatible function; the CLI package (``cde.entrypoints.cli``) registers
it with ``app.command("schedule", help=...)(schedule_command)``.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from cde.domain.loan_math import InterestMethod, Schedule, schedule
from cde.domain.text import number

__all__ = ["format_rupiah_digits", "schedule_command"]

_FORMATS = ("table", "json", "csv")
_CSV_HEADER = ("month", "installment", "principal", "interest", "balance")


def format_rupiah_digits(n: int) -> str:
    """Whole rupiah with Indonesian thousands separators: 10000000 -> '10.000.000'."""
    return number(n, "id")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(2)


def _render_table(sched: Schedule, interest: float) -> None:
    first = sched.rows[0].instalment if sched.rows else 0
    table = Table(
        title=(
            f"Plafon Rp {format_rupiah_digits(sched.principal)} · {sched.months} bulan · "
            f"{interest:g}% p.a. {sched.method.value}"
        ),
        caption=f"Angsuran pertama Rp {format_rupiah_digits(first)}",
    )
    table.add_column("Bulan", justify="right")
    for header in ("Angsuran", "Pokok", "Bunga", "Sisa pokok"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in sched.rows:
        table.add_row(
            str(row.month),
            format_rupiah_digits(row.instalment),
            format_rupiah_digits(row.principal),
            format_rupiah_digits(row.interest),
            format_rupiah_digits(row.balance),
        )
    table.add_section()
    table.add_row(
        "Total",
        format_rupiah_digits(sched.total_instalment),
        format_rupiah_digits(sched.total_principal),
        format_rupiah_digits(sched.total_interest),
        "",
        style="bold",
    )
    Console(highlight=False).print(table)


def _render_json(sched: Schedule, interest: float) -> None:
    payload: dict[str, Any] = {
        "plafon": sched.principal,
        "tenure": sched.months,
        "interest": interest,
        "method": sched.method.value,
        "installment": sched.rows[0].instalment if sched.rows else 0,
        "total_installment": sched.total_instalment,
        "total_interest": sched.total_interest,
        "rows": [
            {
                "month": row.month,
                "installment": row.instalment,
                "principal": row.principal,
                "interest": row.interest,
                "balance": row.balance,
            }
            for row in sched.rows
        ],
    }
    typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())


def _render_csv(sched: Schedule) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_CSV_HEADER)
    for row in sched.rows:
        writer.writerow((row.month, row.instalment, row.principal, row.interest, row.balance))
    typer.echo(buffer.getvalue(), nl=False)


def schedule_command(
    plafon: Annotated[int, typer.Option(help="loan principal (plafon), whole rupiah")],
    tenure: Annotated[int, typer.Option(help="months")],
    interest: Annotated[float, typer.Option(help="per cent per year")],
    method: Annotated[InterestMethod, typer.Option(help="interest method")] = (
        InterestMethod.ANUITAS
    ),
    output_format: Annotated[str, typer.Option("--format", help="table|json|csv")] = "table",
) -> None:
    """Print the month-by-month amortisation schedule of a loan."""
    fmt = output_format.strip().lower()
    if fmt not in _FORMATS:
        raise _fail(f"unknown --format {output_format!r}; expected one of {'|'.join(_FORMATS)}")
    if plafon < 0:
        raise _fail(f"--plafon must be >= 0 rupiah, got {plafon}")
    if tenure < 1:
        raise _fail(f"--tenure must be at least 1 month, got {tenure}")
    try:
        rate = Decimal(str(interest))
        if not rate.is_finite() or rate < 0:
            raise _fail(
                f"--interest must be a finite number >= 0 (per cent per year), got {interest}"
            )
        sched = schedule(plafon, rate, tenure, method)
    except ValueError as exc:
        raise _fail(str(exc)) from None

    if fmt == "json":
        _render_json(sched, interest)
    elif fmt == "csv":
        _render_csv(sched)
    else:
        _render_table(sched, interest)
