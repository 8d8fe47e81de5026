"""Credit policies as data: the shipped default and loading a cooperative's own file."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cde.domain.scorecard.model import ScorecardError, load_scorecard
from cde.errors import InvalidInputError
from cde.policies.model import Policy

__all__ = [
    "Policy",
    "PolicyError",
    "attach_scorecard",
    "default_policy",
    "load_policy",
    "parse_policy",
]


class PolicyError(InvalidInputError):
    """A policy file that cannot be read or does not validate.

    ``problems`` lists ``(setting, message)`` pairs, every one found, so that a policy
    author fixes the file in one go.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {where}: {what}" for where, what in problems)
        super().__init__(f"invalid policy {source}:\n{lines}")


def parse_policy(
    data: dict[str, Any], source: str = "<policy>", base_dir: Path | None = None
) -> Policy:
    """Validate a decoded policy; a ``[scorecard]`` it names is loaded too, its ``file``
    read relative to ``base_dir`` (the policy file's folder; else the working directory)."""
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in err["loc"]) or "(top level)", err["msg"])
            for err in exc.errors(include_url=False)
        ]
        raise PolicyError(source, problems) from None
    if policy.scorecard is None:
        return policy
    file = Path(policy.scorecard.file)
    if not file.is_absolute() and base_dir is not None:
        file = base_dir / file
    try:
        return policy.with_scorecard(load_scorecard(file))
    except ScorecardError as exc:
        problems = [
            (f"scorecard.file ({file})", f"{where}: {what}") for where, what in exc.problems
        ]
        raise PolicyError(source, problems) from None


def attach_scorecard(policy: Policy, file: str | Path | None) -> Policy:
    """``policy`` scoring with the scorecard in ``file`` (``--scorecard``,
    ``CDE_SCORECARD_FILE``), in place of the one the policy names; ``None``: unchanged.

    The policy's PD cut-offs, if it has any, apply to it; without a ``[scorecard]``
    section the PD is reported and decides nothing. Raises
    :class:`~cde.domain.scorecard.model.ScorecardError`.
    """
    if file is None:
        return policy
    return policy.with_scorecard(load_scorecard(file))


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file (``.toml`` or ``.json``)."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise PolicyError(str(file), [("(file)", exc.strerror or str(exc))]) from None
    try:
        if file.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PolicyError(str(file), [("(syntax)", str(exc))]) from None
    if not isinstance(data, dict):
        raise PolicyError(str(file), [("(top level)", "expected a table of settings")])
    return parse_policy(data, str(file), file.parent)


@cache
def default_policy() -> Policy:
    """The policy shipped with the package (``cde/policies/default.toml``)."""
    text = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    return parse_policy(tomllib.loads(text), "default.toml")
