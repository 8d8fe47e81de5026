"""``cde scorecard train`` and ``cde scorecard show`` (the ``scorecard_app`` group).

``train`` reads the applications (JSONL) and outcomes (CSV) from files, or with
``--from-db`` the tenant's stored applications joined with its recorded outcomes
(:mod:`cde.service.training_book` states the rules of the join).

``train`` needs the optional extra ``cde[train]`` (optbinning, scikit-learn); without it
the command says so and exits 2. ``show`` needs nothing beyond cde.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape

from cde.domain.scorecard.features import ForbiddenFeatureError
from cde.domain.scorecard.model import Scorecard, ScorecardError, load_scorecard
from cde.entrypoints.cli._common import (
    PolicyOption,
    TodayOption,
    _Admin,
    _policy,
    _read_input,
    _settings,
    _today,
    _usage,
    err,
)
from cde.entrypoints.cli.outcomes import _tenant_id
from cde.policies import Policy
from cde.scorecard import training
from cde.service.training_book import StoredApplicationError

__all__ = ["scorecard_app"]

scorecard_app = typer.Typer(
    help="Train a scorecard on the cooperative's outcomes, and inspect one.",
    no_args_is_help=True,
)


def _applications(file: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for number, line in enumerate(_read_input(str(file)).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise _usage(f"{file}, line {number}: not JSON ({exc})") from None
        if not isinstance(value, dict):
            raise _usage(f"{file}, line {number}: not a JSON object")
        out.append(value)
    return out


def _outcomes(file: Path) -> list[dict[str, Any]]:
    text = _read_input(str(file)).decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    missing = {"loan_id", "bad"} - set(reader.fieldnames or ())
    if missing:
        raise _usage(f"{file}: the header must name loan_id and bad (and may name applied_at)")
    return [
        {"loan_id": row["loan_id"], "bad": row["bad"], "applied_at": row.get("applied_at")}
        for row in reader
    ]


def _report(card: dict[str, Any] | Scorecard) -> list[str]:
    data = card.model_dump(mode="json") if isinstance(card, Scorecard) else card
    t = data["training"]
    book = t.get("book", {})
    v = t.get("validation", {})
    lines = [
        f"scorecard {data['name']} version {data['version']} ({data['format']})",
        f"book: {book.get('rows')} rows, {book.get('bads')} bads, "
        f"bad rate {book.get('bad_rate', 0):.2%}",
        f"input sha256: {t.get('input_sha256')}",
        f"validation: {v.get('method')}"
        + (f" from {v['test_from']}" if v.get("test_from") else "")
        + f"; trained on {v.get('train_rows')} rows ({t.get('bads')} bads), "
        f"tested on {v.get('test_rows')} rows ({v.get('test_bads')} bads)",
    ]
    for part in ("train", "test"):
        m = t.get("metrics", {}).get(part)
        if m:
            lines.append(f"{part:>5}: AUC {m['auc']:.4f}  Gini {m['gini']:.4f}  KS {m['ks']:.4f}")
    lines.append("information value (IV) of each feature:")
    for feature in sorted(data["features"], key=lambda f: (-f["iv"], f["name"])):
        lines.append(f"  {feature['name']:<26} {feature['iv']:.4f}  ({len(feature['bins'])} bins)")
    s = data["scaling"]
    lines.append(
        f"scaling: {s['base_points']:g} points at odds {s['base_odds']:g}:1, "
        f"{s['pdo']:g} points to double the odds"
    )
    return lines


def _from_files(
    applications: Path | None, outcomes: Path | None, tenant: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if tenant is not None:
        raise _usage("--tenant chooses whose stored data --from-db trains on: add --from-db")
    if applications is None or outcomes is None:
        raise _usage(
            "give the APPLICATIONS file and --outcomes CSV, "
            "or --from-db to train on the stored applications and outcomes"
        )
    return _applications(applications), _outcomes(outcomes)


def _from_db(
    applications: Path | None, outcomes: Path | None, tenant: str | None, policy: Policy
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The tenant's stored applications joined with its outcomes
    (:mod:`cde.service.training_book`); prints where they came from."""
    if applications is not None or outcomes is not None:
        given = " and ".join(
            what
            for what, value in (("APPLICATIONS", applications), ("--outcomes", outcomes))
            if value is not None
        )
        raise _usage(
            f"--from-db reads the applications and outcomes from the database: "
            f"{given} must not be given"
        )
    with _Admin() as c:
        tenant_id = _tenant_id(c, tenant)
        found = c.tenants.by_id(tenant_id)
        name = found.name if found is not None else tenant_id
        try:
            book = c.outcomes.training_book(tenant_id, c.settings.zone, policy)
        except StoredApplicationError as exc:
            raise _usage(escape(str(exc))) from None
    typer.echo(book.summary(name))
    return book.applications, book.outcomes


@scorecard_app.command("train")
def scorecard_train(
    output: Annotated[Path, typer.Option("--output", help="The scorecard file to write.")],
    applications: Annotated[
        Path | None,
        typer.Argument(
            help="The applications, one Kocek JSON object a line (JSONL); not with --from-db."
        ),
    ] = None,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes", help="CSV with a header: loan_id,bad[,applied_at]; not with --from-db."
        ),
    ] = None,
    from_db: Annotated[
        bool,
        typer.Option(
            "--from-db",
            help="Train on the tenant's stored applications (the latest of each loan) joined "
            "with its recorded outcomes, in the service's database.",
        ),
    ] = False,
    tenant: Annotated[
        str | None,
        typer.Option(
            "--tenant", help="With --from-db: the tenant's name (default: the default tenant)."
        ),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="The scorecard's name.")] = "cde-scorecard",
    version: Annotated[str, typer.Option("--version", help="The scorecard's version.")] = "1",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = 0,
    policy: PolicyOption = None,
    today: TodayOption = None,
) -> None:
    """Train a scorecard on outcomes and write it (JSON); print the report. The data: the
    APPLICATIONS file and the --outcomes CSV, or (--from-db) the tenant's stored
    applications and outcomes."""
    settings = _settings()
    chosen = _policy(policy, settings)
    day = _today(today, settings)  # for outcomes without applied_at
    if from_db:
        apps, rows = _from_db(applications, outcomes, tenant, chosen)
    else:
        apps, rows = _from_files(applications, outcomes, tenant)
    started = time.perf_counter()
    try:
        card = training.train(
            apps, rows, name=name, version=version, seed=seed, policy=chosen, today=day
        )
    except training.TrainingUnavailableError as exc:
        raise _usage(escape(str(exc))) from None  # "cde[train]" is no rich markup
    except (training.TrainingError, ForbiddenFeatureError) as exc:
        raise _usage(escape(str(exc))) from None
    elapsed = time.perf_counter() - started
    try:
        output.write_bytes(training.dumps(card))
    except OSError as exc:
        raise _usage(f"cannot write {output}: {exc.strerror or exc}") from None
    for line in _report(card):
        typer.echo(line)
    typer.echo(f"wrote {output} in {elapsed:.1f} s")


@scorecard_app.command("show")
def scorecard_show(
    file: Annotated[Path, typer.Argument(help="A scorecard file (JSON).")],
    bins: Annotated[bool, typer.Option("--bins", help="List every bin's points too.")] = False,
) -> None:
    """Validate a scorecard file and print its summary."""
    try:
        card = load_scorecard(file)
    except ScorecardError as exc:
        raise _usage(escape(str(exc))) from None
    for line in _report(card):
        typer.echo(line)
    if bins:
        for feature in card.features:
            typer.echo(f"{feature.name} ({feature.kind}):")
            for b in feature.bins:
                where = (
                    ", ".join(b.categories)
                    if b.categories is not None
                    else (f"< {b.upper:g}" if b.upper is not None else "rest")
                )
                typer.echo(f"  {where:<30} {b.points:>9.2f} points  bad rate {b.bad_rate:.2%}")
            m = feature.missing
            typer.echo(f"  {'(missing)':<30} {m.points:>9.2f} points  bad rate {m.bad_rate:.2%}")
    err.print("[green]ok[/]: the file validates", highlight=False)
