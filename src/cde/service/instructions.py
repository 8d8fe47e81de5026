"""Confining the ``X-Cde-Custom-System-Instruction-File`` header to one directory.

A caller may name a system-instruction file for the LLM narrator (testing only). It is
refused unless custom instructions are enabled, and then accepted only as a relative path
to an existing ``.json`` file inside the configured directory: no absolute paths, no
``..``, no symlink that leads outside, no other file type, and the file must hold a JSON
object.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import orjson

__all__ = ["InstructionFileError", "resolve_instruction_file"]


class InstructionFileError(ValueError):
    """The named file is refused; the message says why (safe to show the caller)."""


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
    try:
        content = orjson.loads(target.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        raise InstructionFileError("the instruction file is not valid JSON") from None
    if not isinstance(content, dict):
        raise InstructionFileError("the instruction file must hold a JSON object")
    return target
