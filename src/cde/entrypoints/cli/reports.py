"""``cde report``: reports on a tenant's live traffic, read from the service's database
(``--tenant NAME``; the default tenant without), for a period of days in ``CDE_TIMEZONE``
(``--from`` and ``--to`` both included).

- ``cde report challenger``: the swap set between the champion and the challenger on the
  applications the challenger shadowed (``cde.service.challenger``);
- ``cde report stability``: the stability (PSI) and fairness of the decisions of a current
  period against a baseline period (``--baseline FROM..TO --current FROM..TO``;
  ``cde.service.monitoring``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import orjson
import typer

from cde.domain.text import Lang
from cde.entrypoints.cli._common import LangOption, _Admin, _lang, _usage
from cde.entrypoints.cli.outcomes import TenantOption, _tenant_id
from cde.entrypoints.cli.portfolio import OutputOption, _format, _write
from cde.portfolio.html import simulate_html, stability_html
from cde.portfolio.stability import PeriodError, parse_period
from cde.portfolio.stability_text import stability_text
from cde.portfolio.text import simulate_text

__all__ = ["report_app"]

report_app = typer.Typer(
    help="Reports on the live traffic stored in the service's database.",
    no_args_is_help=True,
)

FromOption = Annotated[
    str, typer.Option("--from", help="The first day, YYYY-MM-DD (in CDE_TIMEZONE), included.")
]
ToOption = Annotated[
    str, typer.Option("--to", help="The last day, YYYY-MM-DD (in CDE_TIMEZONE), included.")
]
FormatOption = Annotated[
    str, typer.Option("--format", help="text, json or html (one self-contained file).")
]

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Champion–challenger", "Champion–challenger"),
    "tenant": ("tenant", "tenant"),
    "to": ("s.d.", "to"),
    "champion": ("Champion", "Champion"),
    "challenger": ("Challenger", "Challenger"),
    "share": ("membayangi {share}% permohonan", "shadows {share}% of applications"),
    "not_configured": (
        "tidak dikonfigurasi di sini: pasangan hasil tersimpan terakhir",
        "not configured here: the pair of the latest stored result",
    ),
    "shadowed": (
        "Dibayangi: {n} (gagal {failed}, dengan hasil pinjaman {outcomes})",
        "Shadowed: {n} (failed {failed}, with an outcome {outcomes})",
    ),
    "others": ("Pasangan lain pada periode ini", "Other pairs in the period"),
    "no_challenger": (
        "Tidak ada challenger yang dikonfigurasi (CDE_CHALLENGER_POLICY) dan tidak ada hasil "
        "challenger tersimpan pada periode ini.",
        "No challenger is configured (CDE_CHALLENGER_POLICY) and no challenger results are "
        "stored for this period.",
    ),
    "none_shadowed": (
        "Belum ada permohonan yang dibayangi challenger pada periode ini.",
        "No application was shadowed by the challenger in this period.",
    ),
}


def _w(key: str, lang: Lang) -> str:
    return _WORDS[key][0 if lang == "id" else 1]


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _usage(f"{option} must be a date YYYY-MM-DD, not {value!r}") from None


def _named(policy: dict[str, Any]) -> str:
    card = policy["scorecard"]
    scored = f" + scorecard {card['name']} {card['version']}" if card else ""
    return f"{policy['name']} {policy['version']}{scored}"


def challenger_text(report: dict[str, Any], lang: Lang, tenant: str) -> str:
    """The report as text: who was compared, how many, then the swap set as ``cde
    simulate`` writes it."""
    lines = [
        f"{_w('title', lang)} — {_w('tenant', lang)} {tenant}, {report['from']} "
        f"{_w('to', lang)} {report['to']} ({report['timezone']})",
        "",
    ]
    if report["note"] == "no_challenger":
        return "\n".join([*lines, _w("no_challenger", lang)]) + "\n"
    share = f"{report['share']:g}".replace(".", "," if lang == "id" else ".")
    how = (
        _w("share", lang).format(share=share)
        if report["configured"]
        else _w("not_configured", lang)
    )
    lines += [
        f"{_w('champion', lang)}:   {_named(report['champion'])}",
        f"{_w('challenger', lang)}: {_named(report['challenger'])} ({how})",
        _w("shadowed", lang).format(
            n=report["shadowed"], failed=report["failed"], outcomes=report["with_outcome"]
        ),
    ]
    if report["other_pairs"]:
        lines.append(f"{_w('others', lang)}:")
        lines += [
            f"  {_named(p['champion'])} → {_named(p['challenger'])}: {p['shadowed']}"
            for p in report["other_pairs"]
        ]
    if report["note"] == "none_shadowed":
        return "\n".join([*lines, "", _w("none_shadowed", lang)]) + "\n"
    title = f"{_named(report['champion'])} → {_named(report['challenger'])}"
    return "\n".join(lines) + "\n\n" + simulate_text(report["swap_set"], lang, title)


@report_app.command("challenger")
def challenger_command(
    first: FromOption,
    last: ToOption,
    tenant: TenantOption = None,
    output_format: FormatOption = "text",
    output: OutputOption = None,
    lang: LangOption = "id",
) -> None:
    """The swap set between the champion and the challenger on the applications the
    challenger shadowed (CDE_CHALLENGER_POLICY, CDE_CHALLENGER_SHARE), with the bad rate
    of each group where the tenant recorded outcomes."""
    language: Lang = _lang(lang)
    fmt = _format(output_format)
    start, end = _day(first, "--from"), _day(last, "--to")
    if start > end:
        raise _usage(f"--from {start} is after --to {end}")
    with _Admin() as c:
        tenant_id = _tenant_id(c, tenant)
        report = c.challenger.report(tenant_id, start, end)
        found = c.tenants.by_id(tenant_id)
    name = found.name if found is not None else tenant_id
    if fmt == "json":
        _write(_json(report), output)
    elif fmt == "html":
        if report["note"] is not None:  # nothing shadowed: no swap set to draw
            typer.echo(challenger_text(report, language, name), err=True, nl=False)
            raise typer.Exit(1)
        title = (
            f"{_w('tenant', language)} {name}, {report['from']} {_w('to', language)} "
            f"{report['to']}: {_named(report['champion'])} → {_named(report['challenger'])}"
        )
        _write(simulate_html(report["swap_set"], language, title), output)
    else:
        _write(challenger_text(report, language, name), output)


def _json(report: dict[str, Any]) -> str:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


@report_app.command("stability")
def stability_command(
    baseline: Annotated[
        str,
        typer.Option(
            "--baseline", help="The baseline period, FROM..TO (YYYY-MM-DD, in CDE_TIMEZONE)."
        ),
    ],
    current: Annotated[
        str,
        typer.Option(
            "--current", help="The current period, FROM..TO (YYYY-MM-DD, in CDE_TIMEZONE)."
        ),
    ],
    tenant: TenantOption = None,
    output_format: FormatOption = "text",
    output: OutputOption = None,
    lang: LangOption = "id",
) -> None:
    """Population stability (PSI) of the score, the PD and each scorecard feature between
    two periods of stored decisions, the approval rate and outcome mix per ISO week, and
    fairness by gender and age band. Sets the cde_score_psi / cde_pd_psi gauges of this
    process (the server's are set by GET /kocek/cde/reports/stability)."""
    language: Lang = _lang(lang)
    fmt = _format(output_format)
    try:
        periods = parse_period(baseline, "--baseline"), parse_period(current, "--current")
    except PeriodError as exc:
        raise _usage(str(exc)) from None
    with _Admin() as c:
        found = c.tenants.by_id(_tenant_id(c, tenant))
        if found is None:  # _tenant_id found it a moment ago
            raise _usage(f"no tenant named {tenant!r}")
        report = c.monitoring.stability(found, *periods)
    title = f"{_w('tenant', language)} {found.name}"
    render = {
        "json": lambda: _json(report),
        "html": lambda: stability_html(report, language, title),
    }
    _write(render.get(fmt, lambda: stability_text(report, language, title))(), output)
