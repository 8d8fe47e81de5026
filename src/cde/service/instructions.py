"""System-instruction files for the LLM narrator, and how a request may name one.

An instruction file is a JSON object (``docs/llm.md``)::

    {"schema_version": 1, "name": "default", "language": "request",
     "tone": "…", "instructions": "…",
     "sections": {"character": "…", "capacity": "…", "capital": "…",
                  "collateral": "…", "condition": "…", "analytic": "…"},
     "example": {"5c": {"character": "… {character.verdict} …", …}, "analytic": "…"},
     "output_schema_version": 2, "temperature": 0.2, "max_tokens": 2500}

The model writes by reference (output schema version 2): every figure, verdict and
finding as a ``{fact.id}`` placeholder that the engine renders. ``example`` (optional) is
a worked answer in that syntax, shown to the model; the engine adds the reference rules
to every prompt itself, so a file written before them (no ``example``,
``output_schema_version`` 1) still loads and works the same way.

The package ships ``cde/instructions/default.json``; ``CDE_LLM_INSTRUCTION_FILE`` may
replace it. A caller may name another file with ``X-Cde-Custom-System-Instruction-File``
(testing only). It is refused unless custom instructions are enabled, and then accepted
only as a relative path to an existing ``.json`` file inside the configured directory: no
absolute paths, no ``..``, no symlink that leads outside, no other file type, and the file
must hold a valid instruction object.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from cde.errors import FieldMessage, FieldProblem, InvalidInputError
from cde.narration.render import PLACEHOLDER

__all__ = [
    "Example",
    "InstructionFileError",
    "Instructions",
    "Sections",
    "default_instructions",
    "load_instruction_file",
    "read_instructions",
    "resolve_instruction_file",
]

_Text = Annotated[str, Field(min_length=1, max_length=8000)]


class InstructionFileError(InvalidInputError):
    """The named file is refused; the message says why (safe to show the caller)."""

    status = 400
    message_key = "instruction_file"
    audit_outcome = "instruction_file_refused"

    @property
    def field_errors(self) -> Sequence[FieldProblem]:
        return (FieldMessage("X-Cde-Custom-System-Instruction-File", str(self)),)


class Sections(BaseModel):
    """What each text should cover."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    character: _Text
    capacity: _Text
    capital: _Text
    collateral: _Text
    condition: _Text
    analytic: _Text


def _references_only(text: str) -> str:
    """Every brace in an example text must belong to a ``{fact.id}`` placeholder."""
    rest = PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        raise ValueError("a brace that is not a {fact.id} placeholder (ids: lower-case, dotted)")
    return text


_ExampleText = Annotated[
    str, Field(min_length=1, max_length=20000), AfterValidator(_references_only)
]


class ExampleTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    character: _ExampleText
    capacity: _ExampleText
    capital: _ExampleText
    collateral: _ExampleText
    condition: _ExampleText


class Example(BaseModel):
    """A worked answer in output schema version 2 (without its ``schema_version``): texts
    with ``{fact.id}`` placeholders, shown to the model as an illustration of the syntax."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    five_c: ExampleTexts = Field(alias="5c")
    analytic: _ExampleText


class Instructions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    language: Literal["id", "en", "request"] = "request"  # "request": Accept-Language
    tone: _Text
    instructions: Annotated[str, Field(min_length=1, max_length=20000)]
    sections: Sections
    example: Example | None = None
    # 2: answers by reference. 1 (files written before) is accepted: the engine asks for
    # version 2 and checks every answer the same way whatever the file says.
    output_schema_version: Literal[1, 2] = 2
    temperature: Annotated[float, Field(ge=0, le=2)] | None = 0.2
    max_tokens: Annotated[int, Field(ge=256, le=32000)] | None = 2500


def read_instructions(data: bytes, source: str) -> Instructions:
    """Parse an instruction file; InstructionFileError says what is wrong with it."""
    try:
        content = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise InstructionFileError(f"{source}: not valid JSON") from None
    if not isinstance(content, dict):
        raise InstructionFileError(f"{source}: must hold a JSON object")
    try:
        return Instructions.model_validate(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise InstructionFileError(f"{source}: {where}: {first['msg']}") from None


@cache
def _shipped() -> Instructions:
    data = files("cde.instructions").joinpath("default.json").read_bytes()
    return read_instructions(data, "default.json")


def default_instructions(path: Path | None = None) -> Instructions:
    """The configured default instructions: ``path`` if given, else the shipped file."""
    if path is None:
        return _shipped()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InstructionFileError(f"{path}: cannot be read ({exc.strerror})") from None
    return read_instructions(data, str(path))


def resolve_instruction_file(name: str, directory: Path | None, enabled: bool) -> Path:
    if not enabled or directory is None:
        raise InstructionFileError("custom system-instruction files are not enabled")
    if not name or len(name) > 255 or "\x00" in name or "\\" in name:
        raise InstructionFileError("the file name is empty, too long or has forbidden characters")
    relative = PurePosixPath(name)
    if relative.is_absolute():
        raise InstructionFileError("absolute paths are refused; name a file in the directory")
    if any(part == ".." for part in relative.parts):
        raise InstructionFileError("'..' is refused; name a file inside the directory")
    if relative.suffix.lower() != ".json":
        raise InstructionFileError("only .json instruction files are accepted")
    root = directory.resolve()
    target = (root / relative).resolve()  # follows symlinks
    if not target.is_relative_to(root):
        raise InstructionFileError("the file resolves outside the instruction directory")
    if not target.is_file():
        raise InstructionFileError("no such instruction file")
    return target


def load_instruction_file(name: str, directory: Path | None, enabled: bool) -> Instructions:
    """The instructions a request names, confined to ``directory`` and validated."""
    target = resolve_instruction_file(name, directory, enabled)
    try:
        data = target.read_bytes()
    except OSError:
        raise InstructionFileError("the instruction file cannot be read") from None
    return read_instructions(data, name)
