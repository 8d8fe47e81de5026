"""``cde outcomes``: record what became of the loans (``import``) and read them (``list``),
in the service's database, for a tenant (``--tenant NAME``; the default tenant without)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import orjson
import typer

from cde.bootstrap import Container
from cde.entrypoints.cli._common import LangOption, _Admin, _lang, _read_input, _usage, err
from cde.service.outcomes import OutcomeBodyError, OutcomeReport, parse_csv, parse_lines
from cde.service.ports import Caller

__all__ = ["outcomes_app"]

outcomes_app = typer.Typer(
    help="Loan outcomes (bad or not, kolektibilitas at the end of the window): import, list.",
    no_args_is_help=True,
)

TenantOption = Annotated[
    str | None,
    typer.Option("--tenant", help="The tenant's name (default: the default tenant)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="csv or jsonl (default: by the file's extension, else by its first character).",
    ),
]

# Who recorded an outcome from the command line, in the store and its history.
CLI_CALLER = Caller(user_id="cli", user_name="cde outcomes import", user_role="cli")


def _tenant_id(c: Container, name: str | None) -> str:
    tenant = (
        c.tenants.by_id(c.authenticator.default_tenant_id)
        if name is None
        else c.tenants.by_name(name)
    )
    if tenant is None:
        raise _usage(f"no tenant named {name!r}" if name else "the default tenant is missing")
    return tenant.id


def _format(file: str, body: bytes, chosen: str | None) -> Literal["csv", "jsonl"]:
    if chosen is not None:
        if chosen not in ("csv", "jsonl"):
            raise _usage(f"--format must be csv or jsonl, not {chosen!r}")
        return "csv" if chosen == "csv" else "jsonl"
    suffix = Path(file).suffix.lower() if file != "-" else ""
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if body.lstrip()[:1] in (b"{", b"[") else "csv"


def _print_report(report: OutcomeReport, lang: str) -> None:
    typer.echo(
        f"{report.received} records: {report.accepted} accepted "
        f"({report.new} new, {report.replaced} replaced, {report.unchanged} unchanged), "
        f"{report.invalid} invalid"
    )
    if report.unknown_loan_ids:
        shown = ", ".join(report.unknown_loan_ids[:20])
        more = len(report.unknown_loan_ids) - 20
        typer.echo(
            f"{len(report.unknown_loan_ids)} loan ids without a stored recommendation: {shown}"
            + (f" (and {more} more)" if more > 0 else "")
        )
    for line in report.errors:
        for problem in line.errors:
            said = problem.as_dict(lang)
            loan = f" ({line.loan_id})" if line.loan_id else ""
            err.print(
                f"line {line.line}{loan}: [bold]{said['field']}[/]: {said['message']}",
                highlight=False,
            )


@outcomes_app.command("import")
def outcomes_import(
    file: Annotated[str, typer.Argument(help="CSV with a header row, or JSON lines; - for stdin.")],
    tenant: TenantOption = None,
    file_format: FormatOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "id",
) -> None:
    """Record loan outcomes; a repeat for a loan replaces its outcome (the old one is kept
    in the history). Exit 1 when a line is invalid (the good lines are stored)."""
    language = _lang(lang)
    body = _read_input(file)
    kind = _format(file, body, file_format)
    with _Admin() as c:
        tenant_id = _tenant_id(c, tenant)
        try:
            lines = parse_csv(body) if kind == "csv" else parse_lines(body)
            report = c.outcomes.record(lines, tenant_id, CLI_CALLER)
        except OutcomeBodyError as exc:
            raise _usage(str(exc)) from None
    if as_json:
        typer.echo(orjson.dumps(report.as_dict(language)).decode())
        for line in report.errors:  # still on stderr, for a person watching
            err.print(f"line {line.line}: invalid", highlight=False)
    else:
        _print_report(report, language)
    if report.errors:
        raise typer.Exit(1)


@outcomes_app.command("list")
def outcomes_list(
    tenant: TenantOption = None,
    loan_id: Annotated[str | None, typer.Option("--loan-id", help="Only this loan.")] = None,
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """The tenant's loan outcomes by loan id."""
    with _Admin() as c:
        tenant_id = _tenant_id(c, tenant)
        found = c.outcomes.list(tenant_id, loan_id=loan_id, page=page, limit=limit)
    if as_json:
        rows = [
            {
                "loan_id": o.loan_id,
                "bad": o.bad,
                "kolektibilitas": o.kolektibilitas,
                "observed_at": o.observed_at.isoformat() if o.observed_at else None,
                "applied_at": o.applied_at.isoformat() if o.applied_at else None,
                "revision": o.revision,
            }
            for o in found.items
        ]
        typer.echo(orjson.dumps({"total": found.total, "page": page, "items": rows}).decode())
        return
    typer.echo("loan_id\tbad\tkolektibilitas\tobserved_at\tapplied_at\trevision")
    for o in found.items:
        typer.echo(
            "\t".join(
                [
                    o.loan_id,
                    "true" if o.bad else "false",
                    str(o.kolektibilitas) if o.kolektibilitas is not None else "",
                    o.observed_at.isoformat() if o.observed_at else "",
                    o.applied_at.isoformat() if o.applied_at else "",
                    str(o.revision),
                ]
            )
        )
    err.print(f"{len(found.items)} of {found.total} (page {page})", highlight=False)
