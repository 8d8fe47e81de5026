"""What several ``cde`` commands share: the stderr console, usage errors, the options
``--lang``, ``--policy`` and ``--today``, reading settings, policies and input, and
bootstrapping the service.

"Now" is the package attribute ``cde.entrypoints.cli.clock`` (tests replace it there):
:func:`_clock` reads it at each call, never at import.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, cast

import typer
from alembic.util.exc import CommandError as AlembicCommandError
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from cde import __version__
from cde.bootstrap import Container, bootstrap
from cde.domain.scorecard.model import ScorecardError
from cde.domain.text import Lang
from cde.policies import Policy, PolicyError, attach_scorecard, default_policy, load_policy
from cde.service.instructions import InstructionFileError
from cde.service.ports import Clock
from cde.settings import Settings

err = Console(stderr=True, soft_wrap=True)  # never hard-wrap paths or messages in logs

LangOption = Annotated[
    str, typer.Option("--lang", help="Language of messages and narratives: id or en.")
]
PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="A policy file (TOML or JSON) instead of the shipped default."),
]
ScorecardOption = Annotated[
    Path | None,
    typer.Option(
        "--scorecard",
        help="A scorecard file (JSON, from `cde scorecard train`) to score with, in place of "
        "the one the policy names (default: CDE_SCORECARD_FILE).",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Evaluation date YYYY-MM-DD (default: today in CDE_TIMEZONE, Asia/Jakarta).",
    ),
]


def _clock() -> Clock:
    """The one source of "now" of every command: ``cde.entrypoints.cli.clock``, read
    when called, so that replacing that attribute reaches every command."""
    from cde.entrypoints import cli  # the package, fully imported by the time a command runs

    return cli.clock


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
    return _clock()().astimezone(settings.zone).date()


def _policy_file(path: Path | None, settings: Settings) -> Path | None:
    """The policy file a command uses: ``--policy``, else ``CDE_POLICY_FILE`` (environment
    or ``.env``), else None (the shipped default)."""
    return path if path is not None else settings.policy_file


def _scorecard_file(path: Path | None, settings: Settings) -> Path | None:
    """The scorecard a command scores with in place of the policy's: ``--scorecard``,
    else ``CDE_SCORECARD_FILE``, else None (the policy's own, if it names one)."""
    return path if path is not None else settings.scorecard_file


def _policy(path: Path | None, settings: Settings, scorecard: Path | None = None) -> Policy:
    """The policy of :func:`_policy_file` with the scorecard of :func:`_scorecard_file`,
    read and validated: an unreadable or invalid file is a usage error, never a silent
    fall back to the default."""
    chosen = _policy_file(path, settings)
    policy = _load_policy(chosen) if chosen is not None else default_policy()
    try:
        return attach_scorecard(policy, _scorecard_file(scorecard, settings))
    except ScorecardError as exc:
        raise _usage(str(exc)) from None


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
        return bootstrap(settings, clock=_clock())
    except (PolicyError, ScorecardError, InstructionFileError) as exc:
        raise _usage(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _usage(f"cannot open the database {settings.effective_database_url}: {exc}") from None
    except AlembicCommandError as exc:
        raise _usage(
            f"the database schema is not one this cde {__version__} knows ({exc}); "
            "it was probably migrated by a newer version: run that version"
        ) from None


class _Admin:
    """A bootstrapped container for one CLI command, closed afterwards."""

    def __enter__(self) -> Container:
        self.container = _container(_settings())
        return self.container

    def __exit__(self, *exc: object) -> None:
        self.container.close()
