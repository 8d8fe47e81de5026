"""Credit policies as data: the shipped default and loading a cooperative's own file."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cde.errors import InvalidInputError
from cde.policies.model import Policy

__all__ = ["Policy", "PolicyError", "default_policy", "load_policy", "parse_policy"]


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


def parse_policy(data: dict[str, Any], source: str = "<policy>") -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in err["loc"]) or "(top level)", err["msg"])
            for err in exc.errors(include_url=False)
        ]
        raise PolicyError(source, problems) from None


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
    return parse_policy(data, str(file))


@cache
def default_policy() -> Policy:
    """The policy shipped with the package (``cde/policies/default.toml``)."""
    text = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    return parse_policy(tomllib.loads(text), "default.toml")
