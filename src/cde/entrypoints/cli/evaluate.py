"""``cde evaluate`` (one application) and ``cde batch`` (a JSONL stream)."""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from cde.bootstrap import build_narrator
from cde.documents import PdfUnavailableError, render_memo_pdf, subject_of
from cde.domain.application import InvalidApplicationError, parse_application
from cde.domain.evaluation import Evaluation, assess
from cde.domain.result import result_object
from cde.domain.text import Lang, rupiah
from cde.entrypoints.cli._common import (
    LangOption,
    PolicyOption,
    ScorecardOption,
    TodayOption,
    _clock,
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
from cde.service.batch_file import run_batch
from cde.service.instructions import InstructionFileError, default_instructions
from cde.service.narrators import with_narration
from cde.settings import Settings

__all__ = ["batch_command", "evaluate_command"]


def evaluate_command(
    file: Annotated[str, typer.Argument(help="Application JSON file, or - for stdin.")],
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="json (the result object), markdown (the memo) or pdf (the memo on A4, for "
            "the credit committee; needs --output unless stdout is redirected).",
        ),
    ] = "json",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of stdout."),
    ] = None,
    cooperative: Annotated[
        str | None,
        typer.Option(
            "--cooperative",
            help="The cooperative's name on the PDF memo (default: CDE_COOPERATIVE_NAME).",
        ),
    ] = None,
    lang: LangOption = "id",
    policy: PolicyOption = None,
    scorecard: ScorecardOption = None,
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
    if output_format not in ("json", "markdown", "pdf"):
        raise _usage(f"--format must be json, markdown or pdf, not {output_format!r}")
    if output_format == "pdf" and output is None and sys.stdout.isatty():
        raise _usage("--format pdf writes a binary file: give --output FILE (or redirect stdout)")
    if narrator not in (None, "rules", "llm"):
        raise _usage(f"--narrator must be rules or llm, not {narrator!r}")
    settings = _settings()
    chosen = _policy(policy, settings, scorecard)
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
    if output_format == "pdf":
        content = _memo_pdf(result, raw, language, cooperative, settings)
    elif output_format == "markdown":
        content = result["analytic"].encode("utf-8") + b"\n"
    else:
        content = orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n"
    if output is not None:
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise _usage(escape(f"cannot write {output}: {exc.strerror or exc}")) from None
        return
    out = sys.stdout.buffer
    out.write(content)
    out.flush()


def _memo_pdf(
    result: dict[str, Any],
    raw: Any,
    lang: Lang,
    cooperative: str | None,
    settings: Settings,
) -> bytes:
    """The memo as a PDF, printed "now" (the command's clock) in CDE_TIMEZONE."""
    try:
        return render_memo_pdf(
            result,
            cooperative=cooperative if cooperative is not None else settings.cooperative_name,
            lang=lang,
            generated_at=_clock()().astimezone(settings.zone),
            subject=subject_of(raw if isinstance(raw, dict) else {}),
        )
    except PdfUnavailableError as exc:
        raise _usage(escape(str(exc))) from None  # "cde[pdf]" is no rich markup


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


def batch_command(
    input_file: Annotated[str, typer.Argument(help="JSONL file of applications, or - for stdin.")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="JSONL file for the results, or - for stdout.")
    ],
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=64)] = 1,
    lang: LangOption = "id",
    policy: PolicyOption = None,
    scorecard: ScorecardOption = None,
    today: TodayOption = None,
) -> None:
    """Evaluate a JSONL stream: one output line per input line, a bad line never aborts."""
    language = _lang(lang)
    settings = _settings()
    chosen_file = _policy_file(policy, settings)
    card_file = _scorecard_file(scorecard, settings)
    _policy(chosen_file, settings, card_file)  # a bad policy or scorecard: a usage error now
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
                scorecard_file=str(card_file) if card_file else None,
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
    # The command is done and the process about to exit: the interpreter's collections at
    # exit would go through every object of the imports (≈ 0.5 s of CPU) to free nothing.
    gc.freeze()
