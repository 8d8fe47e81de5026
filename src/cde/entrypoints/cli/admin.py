"""The administration commands: the ``service_app``, ``tenant_app`` and ``audit_app``
groups (``cde service``, ``cde tenant``, ``cde audit``) and ``cde purge``. Each opens
the service's database through a bootstrapped container."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer
from rich.console import Console

from cde.entrypoints.cli._common import _Admin, _container, _settings, _usage, err
from cde.service.audit import verify as verify_chain
from cde.service.recommendations import SERVICE_ENABLED
from cde.service.tenants import TenantError

__all__ = ["audit_app", "purge_command", "service_app", "tenant_app"]

service_app = typer.Typer(
    help="Switch the /kocek/cde routes off or on, at once, in every process sharing the database.",
    no_args_is_help=True,
)
tenant_app = typer.Typer(
    help="Cooperatives (tenants): create, list, switch on/off, quota, API keys.",
    no_args_is_help=True,
)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


def _switch(enabled: bool | None) -> None:
    settings = _settings()
    container = _container(settings)
    try:
        if enabled is not None:
            container.switch.set(enabled)
        stored = container.switch.store.get_flag(SERVICE_ENABLED)
        effective = container.switch.enabled()
    finally:
        container.close()
    state = "enabled" if effective else "disabled"
    detail = []
    if not settings.service_enabled:
        detail.append("CDE_SERVICE_ENABLED=false")
    if stored is False:
        detail.append("switched off with `cde service disable`")
    typer.echo(f"service {state}" + (f" ({'; '.join(detail)})" if detail else ""))


@service_app.command("disable")
def service_disable() -> None:
    """Answer every /kocek/cde request with the Kocek 403 'service not active'."""
    _switch(False)


@service_app.command("enable")
def service_enable() -> None:
    """Serve /kocek/cde requests again."""
    _switch(True)


@service_app.command("status")
def service_status() -> None:
    """Print whether the service is enabled, and why not if it is not."""
    _switch(None)


def _tenant_error(exc: TenantError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}", highlight=False)
    return typer.Exit(1)


def _show_key(key: str, tenant: str) -> None:
    err.print(
        f"API key for [bold]{tenant}[/] (shown [bold]only this once[/]; stored as a hash):",
        highlight=False,
    )
    typer.echo(key)


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="The cooperative's name (unique).")],
    quota: Annotated[
        int | None, typer.Option(help="Recommendations it may request (default: unlimited).")
    ] = None,
) -> None:
    """Create a tenant and print its first API key."""
    with _Admin() as c:
        try:
            tenant, key = c.tenant_admin.create(name, quota)
        except TenantError as exc:
            raise _tenant_error(exc) from None
    _show_key(key, tenant.name)


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants with their state, quota and number of active keys."""
    from rich.table import Table

    with _Admin() as c:
        rows = c.tenant_admin.list()
    table = Table("name", "id", "active", "used", "quota", "keys", "created")
    for tenant, keys in rows:
        table.add_row(
            tenant.name,
            tenant.id,
            "yes" if tenant.active else "no",
            str(tenant.used_quota),
            "unlimited" if tenant.total_quota is None else str(tenant.total_quota),
            str(keys),
            tenant.created_at.strftime("%Y-%m-%d"),
        )
    Console().print(table)


def _set_active(name: str, active: bool) -> None:
    with _Admin() as c:
        try:
            tenant = c.tenant_admin.set_active(name, active)
        except TenantError as exc:
            raise _tenant_error(exc) from None
    typer.echo(f"tenant {tenant.name} {'enabled' if tenant.active else 'disabled'}")


@tenant_app.command("disable")
def tenant_disable(name: Annotated[str, typer.Argument()]) -> None:
    """Switch a tenant off: its requests get the Kocek 403 'service not active'."""
    _set_active(name, False)


@tenant_app.command("enable")
def tenant_enable(name: Annotated[str, typer.Argument()]) -> None:
    """Switch a tenant back on."""
    _set_active(name, True)


@tenant_app.command("set-quota")
def tenant_set_quota(
    name: Annotated[str, typer.Argument()],
    quota: Annotated[int | None, typer.Argument(help="Total quota; omit with --unlimited.")] = None,
    unlimited: Annotated[bool, typer.Option(help="Remove the quota.")] = False,
    reset_used: Annotated[bool, typer.Option(help="Also set the used count back to 0.")] = False,
) -> None:
    """Set a tenant's total quota (Kocek cde_feature total_quota)."""
    if (quota is None) == (not unlimited):
        raise _usage("give a quota or --unlimited (not both)")
    with _Admin() as c:
        try:
            tenant = c.tenant_admin.set_quota(name, None if unlimited else quota, reset_used)
        except TenantError as exc:
            raise _tenant_error(exc) from None
    total = "unlimited" if tenant.total_quota is None else str(tenant.total_quota)
    typer.echo(f"tenant {tenant.name}: quota {total}, used {tenant.used_quota}")


@tenant_app.command("rotate-key")
def tenant_rotate_key(name: Annotated[str, typer.Argument()]) -> None:
    """Issue a new API key; every older key of the tenant stops working at once."""
    with _Admin() as c:
        try:
            key = c.tenant_admin.rotate_key(name)
        except TenantError as exc:
            raise _tenant_error(exc) from None
    _show_key(key, name)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; name the first altered or deleted entry (exit 1 if any)."""
    with _Admin() as c:
        report = verify_chain(c.audit.entries(), c.audit.head())
    if report.ok:
        typer.echo(f"audit trail intact: {report.checked} entries, head {report.head}")
        return
    err.print(
        f"[bold red]audit trail broken[/] at entry {report.first_bad_seq}: {report.problem} "
        f"({report.checked} entries read)",
        highlight=False,
    )
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    since: Annotated[
        str | None, typer.Option(help="Only entries from this date (YYYY-MM-DD).")
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="JSONL file, or - for stdout.")
    ] = "-",
) -> None:
    """Write audit entries as JSON lines (with their chain hashes)."""
    start = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), tzinfo=UTC)
        except ValueError:
            raise _usage(f"--since must be a date YYYY-MM-DD, not {since!r}") from None
    sink: BinaryIO = sys.stdout.buffer if output == "-" else Path(output).open("wb")  # noqa: SIM115
    count = 0
    try:
        with _Admin() as c:
            for stored in c.audit.entries(start):
                line = {"seq": stored.seq, **stored.entry.as_json(), "prev_hash": stored.prev_hash}
                line["hash"] = stored.hash
                sink.write(orjson.dumps(line) + b"\n")
                count += 1
    finally:
        if sink is not sys.stdout.buffer:
            sink.close()
    err.print(f"{count} audit entries written", highlight=False)


_DURATION = re.compile(r"^\s*(\d+)\s*(h|d|w|y)\s*$")
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7, "y": 24 * 365}


def purge_command(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age such as 90d, 12w, 2y or 48h.")
    ],
) -> None:
    """Delete recommendations older than a duration (data-retention rules); say how many."""
    match = _DURATION.match(older_than)
    if not match or int(match.group(1)) == 0:
        raise _usage(f"--older-than must look like 90d, 12w, 2y or 48h, not {older_than!r}")
    hours = int(match.group(1)) * _UNIT_HOURS[match.group(2)]
    with _Admin() as c:
        before = c.clock() - timedelta(hours=hours)
        removed = c.recommender.purge(before)
        shadows = c.challenger.purge(before)
    typer.echo(f"{removed} recommendations created before {before:%Y-%m-%d %H:%M} UTC deleted")
    if shadows:
        typer.echo(f"{shadows} challenger results of those recommendations deleted")
