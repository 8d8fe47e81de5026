"""The ``cde`` command line: thin, every command calls the domain or a service.

Exit codes: 0 success; 1 the application itself is invalid (each bad field is listed on
stderr); 2 a usage problem (unreadable file, bad option, invalid policy file).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, BinaryIO, cast

import orjson
import typer
from alembic.util.exc import CommandError as AlembicCommandError
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import SQLAlchemyError

from cde import __version__
from cde.adapters.db.engine import schema_lock
from cde.bootstrap import Container, bootstrap, build_narrator, new_id, utc_now
from cde.domain.application import InvalidApplicationError, parse_application
from cde.domain.evaluation import Evaluation, assess
from cde.domain.result import result_object
from cde.domain.text import Lang, rupiah
from cde.entrypoints.cli_schedule import schedule_command
from cde.logging_setup import logging_config
from cde.policies import Policy, PolicyError, default_policy, load_policy
from cde.service.audit import verify as verify_chain
from cde.service.batch import run_batch
from cde.service.instructions import InstructionFileError, default_instructions
from cde.service.narrator import with_narration
from cde.service.ports import Clock
from cde.service.recommendations import SERVICE_ENABLED
from cde.service.tenants import TenantError
from cde.settings import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="cde",
    help="Credit Decision Engine: 5C analysis, plafon and tenor for Indonesian cooperatives.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="Inspect and validate credit policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
service_app = typer.Typer(
    help="Switch the /kocek/cde routes off or on, at once, in every process sharing the database.",
    no_args_is_help=True,
)
app.add_typer(service_app, name="service")
tenant_app = typer.Typer(
    help="Cooperatives (tenants): create, list, switch on/off, quota, API keys.",
    no_args_is_help=True,
)
app.add_typer(tenant_app, name="tenant")
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.command("schedule", help="Print the amortisation schedule of a loan.")(schedule_command)

err = Console(stderr=True, soft_wrap=True)  # never hard-wrap paths or messages in logs

# The one source of "now" of every command (tests replace it): "today" of an evaluation
# without --today, and the clock of the service the commands bootstrap.
clock: Clock = utc_now

LangOption = Annotated[
    str, typer.Option("--lang", help="Language of messages and narratives: id or en.")
]
PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="A policy file (TOML or JSON) instead of the shipped default."),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Evaluation date YYYY-MM-DD (default: today in CDE_TIMEZONE, Asia/Jakarta).",
    ),
]


def _usage(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(2)


def _lang(value: str) -> Lang:
    if value not in ("id", "en"):
        raise _usage(f"--lang must be id or en, not {value!r}")
    return cast(Lang, value)


def _today(value: str | None, settings: Settings) -> date:
    """``--today``, else today in the settings' time zone by the service's clock."""
    if value is not None:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _usage(f"--today must be a date YYYY-MM-DD, not {value!r}") from None
    return clock().astimezone(settings.zone).date()


def _policy_file(path: Path | None, settings: Settings) -> Path | None:
    """The policy file a command uses: ``--policy``, else ``CDE_POLICY_FILE`` (environment
    or ``.env``), else None (the shipped default)."""
    return path if path is not None else settings.policy_file


def _policy(path: Path | None, settings: Settings) -> Policy:
    """The policy of :func:`_policy_file`, read and validated: an unreadable or invalid
    file is a usage error, never a silent fall back to the default."""
    chosen = _policy_file(path, settings)
    return _load_policy(chosen) if chosen is not None else default_policy()


def _load_policy(path: Path) -> Policy:
    try:
        return load_policy(path)
    except PolicyError as exc:
        raise _usage(str(exc)) from None


def _read_input(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise _usage(f"cannot read {file}: {exc.strerror or exc}") from None


@app.command("evaluate")
def evaluate_command(
    file: Annotated[str, typer.Argument(help="Application JSON file, or - for stdin.")],
    output_format: Annotated[
        str, typer.Option("--format", help="json (the result object) or markdown (the memo).")
    ] = "json",
    lang: LangOption = "id",
    policy: PolicyOption = None,
    today: TodayOption = None,
    narrator: Annotated[
        str | None,
        typer.Option(
            "--narrator",
            help="rules or llm (default: CDE_NARRATOR). llm asks the model configured by "
            "CDE_LLM_BASE_URL/CDE_LLM_MODEL and checks its texts with the grounding guard.",
        ),
    ] = None,
    instructions: Annotated[
        Path | None,
        typer.Option(
            "--instructions", help="A system-instruction file for the llm narrator (docs/llm.md)."
        ),
    ] = None,
) -> None:
    """Evaluate one loan application and print the result object (or the memo)."""
    language = _lang(lang)
    if output_format not in ("json", "markdown"):
        raise _usage(f"--format must be json or markdown, not {output_format!r}")
    if narrator not in (None, "rules", "llm"):
        raise _usage(f"--narrator must be rules or llm, not {narrator!r}")
    settings = _settings()
    chosen = _policy(policy, settings)
    day = _today(today, settings)
    body = _read_input(file)
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _usage(f"{file} is not valid JSON: {exc}") from None
    try:
        ev = assess(parse_application(raw), chosen, day)
    except InvalidApplicationError as exc:
        title = "Data permohonan tidak valid:" if language == "id" else "Invalid application:"
        err.print(f"[bold red]{title}[/]", highlight=False)
        for e in exc.errors:
            err.print(f"  [bold]{e.field}[/]: {e.message(language)}", highlight=False)
        raise typer.Exit(1) from None
    result = result_object(ev, language)
    if (narrator or settings.narrator) == "llm" or instructions is not None:
        result = _narrated(settings, ev, result, language, instructions)
    out = sys.stdout.buffer
    if output_format == "markdown":
        out.write(result["analytic"].encode("utf-8") + b"\n")
    else:
        out.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    out.flush()


def _narrated(
    settings: Settings,
    ev: Evaluation,
    rules: dict[str, Any],
    lang: Lang,
    instructions: Path | None,
) -> dict[str, Any]:
    """The result with the LLM narrator's texts (or the rules ones, and why, on stderr)."""
    logging.getLogger("cde.narrator").setLevel(logging.ERROR)  # reported below instead
    settings = settings.model_copy(update={"narrator": "llm"})
    if not (settings.llm_base_url and settings.llm_model):
        raise _usage("the llm narrator needs CDE_LLM_BASE_URL and CDE_LLM_MODEL")
    try:
        chosen = default_instructions(instructions) if instructions else None
        narration = build_narrator(settings).narrate(ev, rules, lang, chosen)
    except InstructionFileError as exc:
        raise _usage(str(exc)) from None
    report = narration.report
    if narration.source != "llm":
        err.print(
            f"[yellow]LLM narrative not used ({report.get('fallback_reason')}); "
            "the rules narrative is printed.[/]",
            highlight=False,
        )
    for n, attempt in enumerate(report.get("attempts", []), 1):
        for v in attempt.get("violations", []):
            said = f"\u201c{v['text']}\u201d"
            err.print(
                f"  attempt {n}: {v['kind']} in {v['field']}: {said} — {v['detail']}",
                highlight=False,
            )
    return with_narration(rules, narration)


@app.command("batch")
def batch_command(
    input_file: Annotated[str, typer.Argument(help="JSONL file of applications, or - for stdin.")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="JSONL file for the results, or - for stdout.")
    ],
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=64)] = 1,
    lang: LangOption = "id",
    policy: PolicyOption = None,
    today: TodayOption = None,
) -> None:
    """Evaluate a JSONL stream: one output line per input line, a bad line never aborts."""
    language = _lang(lang)
    settings = _settings()
    chosen_file = _policy_file(policy, settings)
    _policy(chosen_file, settings)  # validate once here: a bad policy is a usage error up front
    day = _today(today, settings)
    source: BinaryIO
    total: int | None = None
    if input_file == "-":
        source = sys.stdin.buffer
    else:
        try:
            source = Path(input_file).open("rb")  # noqa: SIM115 - closed below
            total = Path(input_file).stat().st_size
        except OSError as exc:
            raise _usage(f"cannot read {input_file}: {exc.strerror or exc}") from None
    try:
        sink: BinaryIO = sys.stdout.buffer if output == "-" else Path(output).open("wb")  # noqa: SIM115
    except OSError as exc:
        source.close()
        raise _usage(f"cannot write {output}: {exc.strerror or exc}") from None
    progress = Progress(
        TextColumn("[bold]cde batch[/]"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[lines]} lines"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=not (err.is_terminal if settings.progress is None else settings.progress),
    )
    task = progress.add_task("batch", total=total, lines=0)
    counted = {"lines": 0}

    def advance(lines: int, consumed: int) -> None:
        counted["lines"] += lines
        progress.update(task, advance=consumed, lines=counted["lines"])

    try:
        with progress:
            summary = run_batch(
                source,
                sink,
                policy_file=str(chosen_file) if chosen_file else None,
                today=day,
                lang=language,
                workers=workers,
                progress=advance,
            )
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if sink is not sys.stdout.buffer:
            sink.close()
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())) or "—"
    err.print(
        f"[bold]{summary.lines}[/] lines: {summary.evaluated} evaluated, "
        f"{summary.errors} errors; outcomes: {outcomes}; "
        f"total recommended plafon {rupiah(summary.total_plafon, language)}; "
        f"{summary.seconds:.2f} s ({summary.per_second:,.0f} lines/s, {workers} worker(s))",
        highlight=False,
    )


@policy_app.command("check")
def policy_check(file: Annotated[Path, typer.Argument(help="Policy file (TOML or JSON).")]) -> None:
    """Validate a policy file; list every problem."""
    chosen = _load_policy(file)
    err.print(f"[green]ok[/]: {chosen.name} version {chosen.version}", highlight=False)


@policy_app.command("show")
def policy_show(policy: PolicyOption = None) -> None:
    """Print the effective policy (--policy FILE, else CDE_POLICY_FILE, else the shipped
    default) as JSON."""
    chosen = _policy(policy, _settings())
    data: dict[str, Any] = chosen.model_dump(mode="json")
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"CDE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            if e["loc"]
            else str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise _usage(f"invalid settings: {problems}") from None


def _container(settings: Settings) -> Container:
    try:
        return bootstrap(settings, clock=clock)
    except (PolicyError, InstructionFileError) as exc:
        raise _usage(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _usage(f"cannot open the database {settings.effective_database_url}: {exc}") from None
    except AlembicCommandError as exc:
        raise _usage(
            f"the database schema is not one this cde {__version__} knows ({exc}); "
            "it was probably migrated by a newer version: run that version"
        ) from None


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="API processes sharing the port (state lives in the database).")
    ] = 1,
) -> None:
    """Run the HTTP service (Kocek CDE API) on the configured database (SQLite by default)."""
    import uvicorn

    from cde.entrypoints.http import create_app

    if not 1 <= workers <= 64:
        raise _usage("--workers must be 1 to 64")
    settings = _settings()
    container = _container(settings)
    token = None
    with schema_lock(container.engine):  # two first starts at once make one token
        if not container.tokens.any_configured():
            token = container.tokens.generate("generated by cde serve", new_id)
    if token is not None:
        err.print(
            "[bold yellow]No API token was configured (CDE_API_TOKENS), so one was generated.[/]\n"
            "It is shown [bold]only this once[/] and stored only as a hash:\n\n"
            f"    [bold]{token}[/]\n\n"
            "Send it as `Authorization: Bearer <token>`.",
            highlight=False,
        )
    err.print(
        f"cde {__version__} on http://{host}:{port} · database "
        f"{settings.effective_database_url} · policy {container.policy.name} "
        f"{container.policy.version}",
        highlight=False,
    )
    if workers > 1:
        # Each worker process builds its own container from the same settings (environment);
        # the database holds everything they must agree on.
        container.close()
        prepare_worker_processes(settings)
        uvicorn.run(
            "cde.entrypoints.http:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=logging_config(settings.log_level, json=settings.log_json()),
            access_log=False,
        )
        return
    try:
        uvicorn.run(
            create_app(container),
            host=host,
            port=port,
            log_config=logging_config(settings.log_level, json=settings.log_json()),
            access_log=False,
        )
    finally:
        container.close()


def prepare_worker_processes(settings: Settings) -> None:
    """Before uvicorn starts API workers: a fresh directory for multi-process metrics."""
    from cde.observability.metrics import prepare_multiprocess_dir

    prepare_multiprocess_dir(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.data_dir / "prometheus"
    )


@app.command("worker")
def worker_command(
    concurrency: Annotated[
        int, typer.Option(help="Jobs run at once in this process.", min=1, max=32)
    ] = 1,
) -> None:
    """Work background jobs (portfolio batches, LLM narratives): procrastinate on
    PostgreSQL, the embedded queue on SQLite. Add as many as needed, on any machine that
    reaches the database (with the same CDE_LLM_* settings as the API)."""
    import logging.config
    import signal

    settings = _settings()
    logging.config.dictConfig(logging_config(settings.log_level, json=settings.log_json()))
    container = _container(settings)
    name = f"cde-worker-{os.getpid()}"
    err.print(
        f"cde worker {name} on {settings.effective_database_url} (concurrency {concurrency})",
        highlight=False,
    )
    try:
        if container.engine.dialect.name == "postgresql":
            from cde.adapters.jobs.procrastinate_queue import run_worker

            run_worker(
                settings.effective_database_url,
                container.handle_job,
                container.housekeeping,
                concurrency=concurrency,
                name=name,
                stalled_after_seconds=settings.job_stalled_seconds,
            )
        else:
            worker = container.embedded_worker(name)
            worker.threads = concurrency

            def stop(*_: object) -> None:
                worker.request_stop()

            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            worker.run_until_stopped()
    finally:
        container.close()


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


class _Admin:
    """A bootstrapped container for one CLI command, closed afterwards."""

    def __enter__(self) -> Container:
        self.container = _container(_settings())
        return self.container

    def __exit__(self, *exc: object) -> None:
        self.container.close()


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


@app.command("purge")
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
    typer.echo(f"{removed} recommendations created before {before:%Y-%m-%d %H:%M} UTC deleted")


@app.command("version")
def version_command() -> None:
    """Print the engine version and the default policy."""
    chosen = default_policy()
    typer.echo(f"cde {__version__} (policy {chosen.name} {chosen.version})")


def main() -> None:
    app()
