"""``cde backtest`` and ``cde simulate``: a loan book replayed under a policy, read against
its outcomes, and two policies compared on the same book (docs/portfolio.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from cde.domain.text import Lang
from cde.entrypoints.cli._common import (
    LangOption,
    PolicyOption,
    ScorecardOption,
    TodayOption,
    _Admin,
    _lang,
    _policy,
    _policy_file,
    _read_input,
    _scorecard_file,
    _settings,
    _today,
    _usage,
    err,
)
from cde.entrypoints.cli.outcomes import _tenant_id
from cde.policies import Policy
from cde.portfolio.backtest import backtest
from cde.portfolio.book import Replayed
from cde.portfolio.html import backtest_html, simulate_html
from cde.portfolio.simulate import simulate
from cde.portfolio.text import backtest_text, simulate_text
from cde.service.outcomes import OutcomeBodyError, parse_csv, parse_lines
from cde.service.replay import Book, BookError, read_book, replay
from cde.service.training_book import StoredApplicationError
from cde.settings import Settings

__all__ = ["backtest_command", "simulate_command"]

OutcomesOption = Annotated[
    Path | None,
    typer.Option(
        "--outcomes",
        help="The loans' outcomes: CSV with a header (loan_id,bad[,kolektibilitas]"
        "[,applied_at]) or JSON lines, as `cde outcomes import` reads them.",
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="text, json or html (one self-contained file).")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report here (default: stdout).")
]
WorkersOption = Annotated[
    int, typer.Option("--workers", "-w", min=1, max=64, help="Worker processes, as cde batch.")
]


def _read_outcomes(file: Path) -> Any:
    body = _read_input(str(file))
    try:
        if file.suffix.lower() in (".jsonl", ".ndjson", ".json") or body.lstrip()[:1] in (
            b"{",
            b"[",
        ):
            return parse_lines(body)
        return parse_csv(body)
    except OutcomeBodyError as exc:
        raise _usage(f"{file}: {exc}") from None


def _book(
    applications: str, outcomes: Path | None, policy: Policy, settings: Settings, today: str | None
) -> Book:
    """The book; the outcomes' kolektibilitas read by ``policy``'s rule."""
    try:
        return read_book(
            _read_input(applications),
            _read_outcomes(outcomes) if outcomes is not None else None,
            policy=policy,
            today=_today(today, settings),
        )
    except BookError as exc:
        raise _usage(f"{outcomes}: {exc}") from None


def _replay(
    book: Book,
    policy_file: Path | None,
    scorecard_file: Path | None,
    workers: int,
    settings: Settings,
    label: str,
) -> list[Replayed]:
    progress = Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not (err.is_terminal if settings.progress is None else settings.progress),
    )
    task = progress.add_task(label, total=len(book.items))
    with progress:
        return replay(
            book.items,
            policy_file=str(policy_file) if policy_file else None,
            scorecard_file=str(scorecard_file) if scorecard_file else None,
            workers=workers,
            progress=lambda n: progress.update(task, advance=n),
        )


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, "utf-8")
    except OSError as exc:
        raise _usage(f"cannot write {output}: {exc.strerror or exc}") from None


def _format(value: str) -> str:
    if value not in ("text", "json", "html"):
        raise _usage(f"--format must be text, json or html, not {value!r}")
    return value


def _json(report: dict[str, Any]) -> str:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def _named(chosen: Policy) -> dict[str, Any]:
    card = chosen.scorecard_model
    return {
        "name": chosen.name,
        "version": chosen.version,
        "scorecard": f"{card.name} {card.version}" if card is not None else None,
    }


def _book_from_db(tenant: str | None, policy: Policy) -> Book:
    """The tenant's stored applications (the latest answered of each loan) joined with its
    outcomes, as ``cde scorecard train --from-db`` reads them; each on its applied_at."""
    with _Admin() as c:
        tenant_id = _tenant_id(c, tenant)
        try:
            book = c.outcomes.training_book(tenant_id, c.settings.zone, policy)
        except StoredApplicationError as exc:
            raise _usage(str(exc)) from None
    err.print(book.summary(tenant or "default"), highlight=False)
    return Book(
        items=[
            (app, row["applied_at"])
            for app, row in zip(book.applications, book.outcomes, strict=True)
        ],
        bads={row["loan_id"]: int(row["bad"]) for row in book.outcomes},
        days_from_outcomes=len(book.outcomes),
    )


def backtest_command(
    applications: Annotated[
        str | None,
        typer.Argument(help="The applications (JSON lines), or -; not with --from-db."),
    ] = None,
    outcomes: OutcomesOption = None,
    from_db: Annotated[
        bool,
        typer.Option(
            "--from-db",
            help="Replay the tenant's stored applications (the latest of each loan) that have "
            "a recorded outcome, from the service's database.",
        ),
    ] = False,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="With --from-db: the tenant's name.")
    ] = None,
    policy: PolicyOption = None,
    scorecard: ScorecardOption = None,
    today: TodayOption = None,
    output_format: FormatOption = "text",
    output: OutputOption = None,
    workers: WorkersOption = 1,
    lang: LangOption = "id",
) -> None:
    """Replay a loan book under a policy and read it against the loans' outcomes: approval
    and bad rates, how well the score (and the PD) ranks, calibration, fairness."""
    language: Lang = _lang(lang)
    fmt = _format(output_format)
    if from_db and (applications is not None or outcomes is not None):
        raise _usage("--from-db reads the book from the database: give no file with it")
    if not from_db and (applications is None or outcomes is None):
        raise _usage("a backtest needs the applications and --outcomes FILE (or --from-db)")
    if tenant is not None and not from_db:
        raise _usage("--tenant chooses whose stored book --from-db replays: add --from-db")
    settings = _settings()
    chosen = _policy(policy, settings, scorecard)  # a bad policy or scorecard: exit 2 now
    named = _named(chosen)
    if from_db:
        book = _book_from_db(tenant, chosen)
    else:
        assert applications is not None
        book = _book(applications, outcomes, chosen, settings, today)
    replayed = _replay(
        book,
        _policy_file(policy, settings),
        _scorecard_file(scorecard, settings),
        workers,
        settings,
        "cde backtest",
    )
    report = {"policy": named, **backtest(replayed, book.bads)}
    if book.outcomes_without_application:
        report["warnings"].append(
            f"{len(book.outcomes_without_application)} outcomes have no application in the "
            "file and were left out"
        )
    title = f"{named['name']} {named['version']}" + (
        f" + scorecard {named['scorecard']}" if named["scorecard"] else ""
    )
    render = {"json": lambda: _json(report), "html": lambda: backtest_html(report, language, title)}
    _write(render.get(fmt, lambda: backtest_text(report, language, title))(), output)


def simulate_command(
    applications: Annotated[str, typer.Argument(help="The applications (JSON lines), or -.")],
    policy: Annotated[Path, typer.Option("--policy", help="The new policy (TOML or JSON) to try.")],
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="The policy it would replace (default: CDE_POLICY_FILE, else the shipped one).",
        ),
    ] = None,
    scorecard: ScorecardOption = None,
    baseline_scorecard: Annotated[
        Path | None,
        typer.Option("--baseline-scorecard", help="A scorecard for the baseline policy."),
    ] = None,
    outcomes: OutcomesOption = None,
    today: TodayOption = None,
    output_format: FormatOption = "text",
    output: OutputOption = None,
    workers: WorkersOption = 1,
    lang: LangOption = "id",
) -> None:
    """Decide the same book under a baseline policy and a new one: the swap set (who moves
    from approve to decline and back), the approval rate, the plafon, and with outcomes
    the bad rate of each group."""
    language: Lang = _lang(lang)
    fmt = _format(output_format)
    settings = _settings()
    old_file = _policy_file(baseline, settings)
    old_card = _scorecard_file(baseline_scorecard, settings)
    new_card = _scorecard_file(scorecard, settings)
    old = _policy(old_file, settings, old_card)
    new = _policy(policy, settings, new_card)
    named_old, named_new = _named(old), _named(new)
    book = _book(applications, outcomes, new, settings, today)
    before = _replay(book, old_file, old_card, workers, settings, "baseline")
    after = _replay(book, policy, new_card, workers, settings, "new policy")
    report = {
        "baseline": named_old,
        "new": named_new,
        **simulate(before, after, book.bads if outcomes is not None else None),
    }
    title = (
        f"{named_old['name']} {named_old['version']} → {named_new['name']} {named_new['version']}"
    )
    render = {"json": lambda: _json(report), "html": lambda: simulate_html(report, language, title)}
    _write(render.get(fmt, lambda: simulate_text(report, language, title))(), output)
