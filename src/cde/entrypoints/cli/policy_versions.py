"""``cde policy submit|attach-backtest|approve|reject|activate|rollback|versions|version``:
the lifecycle of a tenant's stored policy versions (``cde.service.policy_versions``),
registered on the ``policy_app`` group. Every refusal is a usage error (exit 2) that
names what is wrong."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import orjson
import typer
from rich.console import Console

from cde.entrypoints.cli._common import _Admin, _usage, err
from cde.entrypoints.cli.policy import policy_app
from cde.policies import PolicyError
from cde.service.policy_versions import PolicyVersion, PolicyVersionError

__all__ = [
    "policy_activate",
    "policy_approve",
    "policy_attach_backtest",
    "policy_reject",
    "policy_rollback",
    "policy_submit",
    "policy_version",
    "policy_versions",
]

T = TypeVar("T")

TenantOption = Annotated[str, typer.Option("--tenant", help="The tenant (cooperative) by name.")]
ByOption = Annotated[str, typer.Option("--by", help="Who does it (user id), for the audit.")]
RoleOption = Annotated[
    str, typer.Option("--role", help="The checker's role (one of CDE_POLICY_APPROVER_ROLES).")
]
IdArgument = Annotated[str, typer.Argument(help="The policy version's id.")]


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _usage(f"cannot read the {what} {path}: {reason}") from None


def _line(v: PolicyVersion) -> str:
    return f"{v.id} {v.name} {v.version} ({v.status})"


@policy_app.command("submit")
def policy_submit(
    file: Annotated[Path, typer.Argument(help="Policy file (TOML, or JSON by its .json name).")],
    tenant: TenantOption,
    by: ByOption,
) -> None:
    """Store a policy file as a draft version of the tenant's (validated as `cde policy
    check` does); print its id."""
    text = _read(file, "policy file")
    fmt = "json" if file.suffix.lower() == ".json" else "toml"
    with _Admin() as c:
        try:
            draft = c.policy_versions.submit(tenant, text, fmt, by)
        except PolicyError as exc:
            raise _usage(f"invalid policy {file}:\n" + _problems(exc)) from None
        except PolicyVersionError as exc:
            raise _usage(str(exc)) from None
    err.print(
        f"draft {draft.name} {draft.version} stored for tenant {tenant} (sha256 {draft.sha256})",
        highlight=False,
    )
    typer.echo(draft.id)


def _problems(exc: PolicyError) -> str:
    return "\n".join(f"  {where}: {what}" for where, what in exc.problems)


@policy_app.command("attach-backtest")
def policy_attach_backtest(
    version_id: IdArgument,
    report: Annotated[Path, typer.Argument(help="The report of `cde backtest --format json`.")],
    by: ByOption,
) -> None:
    """Attach a backtest report of this policy to a draft version."""
    text = _read(report, "backtest report")
    with _Admin() as c:
        done = _step(lambda: c.policy_versions.attach_backtest(version_id, text, by))
    typer.echo(f"backtest attached to {_line(done)} (sha256 {done.backtest_sha256})")


@policy_app.command("approve")
def policy_approve(version_id: IdArgument, by: ByOption, role: RoleOption) -> None:
    """Approve a draft that has a backtest (the checker: not its submitter)."""
    with _Admin() as c:
        done = _step(lambda: c.policy_versions.approve(version_id, by, role))
    typer.echo(f"approved {_line(done)} by {done.approved_by} ({done.approved_role})")


@policy_app.command("reject")
def policy_reject(
    version_id: IdArgument,
    by: ByOption,
    role: RoleOption,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the version).")],
) -> None:
    """Reject a draft or an approved version (the checker: not its submitter)."""
    with _Admin() as c:
        done = _step(lambda: c.policy_versions.reject(version_id, by, role, reason))
    typer.echo(f"rejected {_line(done)} by {done.rejected_by}: {done.rejected_reason}")


@policy_app.command("activate")
def policy_activate(version_id: IdArgument, by: ByOption) -> None:
    """Decide the tenant's applications under an approved version from now on (the
    version active before is retired)."""
    with _Admin() as c:
        done = _step(lambda: c.policy_versions.activate(version_id, by))
        refresh = c.settings.policy_refresh_seconds
    typer.echo(f"activated {_line(done)}")
    err.print(f"every process of the deployment decides under it within {refresh:g} s")


@policy_app.command("rollback")
def policy_rollback(tenant: TenantOption, by: ByOption) -> None:
    """Retire the tenant's active version and activate again the one it replaced."""
    with _Admin() as c:
        retired, again = _step(lambda: c.policy_versions.rollback(tenant, by))
    typer.echo(f"retired {_line(retired)}; active again {_line(again)}")


@policy_app.command("versions")
def policy_versions(
    tenant: TenantOption,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """List the tenant's stored policy versions, oldest first."""
    from rich.table import Table

    with _Admin() as c:
        found = _step(lambda: c.policy_versions.versions(tenant))
    if as_json:
        for v in found:
            sys.stdout.buffer.write(orjson.dumps(v.summary()) + b"\n")
        return
    table = Table("id", "name", "version", "status", "submitted by", "approved by", "backtest")
    for v in found:
        table.add_row(
            v.id,
            v.name,
            v.version,
            v.status,
            v.created_by,
            f"{v.approved_by} ({v.approved_role})" if v.approved_by else "",
            "yes" if v.backtest else "no",
        )
    Console().print(table)


@policy_app.command("version")
def policy_version(
    version_id: IdArgument,
    text: Annotated[bool, typer.Option("--text", help="Print the policy text only.")] = False,
) -> None:
    """Show one stored policy version (JSON), or its text."""
    with _Admin() as c:
        found = _step(lambda: c.policy_versions.show(version_id))
    if text:
        sys.stdout.write(found.text)
        return
    sys.stdout.buffer.write(orjson.dumps(found.summary(), option=orjson.OPT_INDENT_2) + b"\n")


def _step(run: Callable[[], T]) -> T:
    try:
        return run()
    except PolicyVersionError as exc:
        raise _usage(str(exc)) from None
