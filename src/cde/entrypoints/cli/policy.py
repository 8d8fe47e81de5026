"""``cde policy check`` and ``cde policy show`` (the ``policy_app`` group), and
``cde version``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from cde import __version__
from cde.entrypoints.cli._common import PolicyOption, _load_policy, _policy, _settings, err
from cde.policies import default_policy

__all__ = ["policy_app", "version_command"]

policy_app = typer.Typer(help="Inspect and validate credit policy files.", no_args_is_help=True)


@policy_app.command("check")
def policy_check(file: Annotated[Path, typer.Argument(help="Policy file (TOML or JSON).")]) -> None:
    """Validate a policy file; list every problem."""
    chosen = _load_policy(file)
    err.print(f"[green]ok[/]: {chosen.name} version {chosen.version}", highlight=False)
    card, section = chosen.scorecard_model, chosen.scorecard
    if card is not None and section is not None:
        cut = [
            f"{label} {value:.2%}"
            for label, value in (
                ("approve below", section.approve_below_pd),
                ("decline above", section.decline_above_pd),
            )
            if value is not None
        ]
        role = "PD " + ", ".join(cut) if cut else "no PD cut-off: the PD is for information"
        err.print(
            f"scorecard {card.name} {card.version} ({section.file}; trained under policy "
            f"{card.training.get('policy', '?')}): {role}",
            highlight=False,
        )


@policy_app.command("show")
def policy_show(policy: PolicyOption = None) -> None:
    """Print the effective policy (--policy FILE, else CDE_POLICY_FILE, else the shipped
    default) as JSON."""
    chosen = _policy(policy, _settings())
    data: dict[str, Any] = chosen.model_dump(mode="json")
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def version_command() -> None:
    """Print the engine version and the default policy."""
    chosen = default_policy()
    typer.echo(f"cde {__version__} (policy {chosen.name} {chosen.version})")
