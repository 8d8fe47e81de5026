"""Child processes of the tests: stopping one politely, then for sure.

Import it by name (``from processes import terminate``): ``tests/`` is on pytest's
``pythonpath`` (pyproject.toml).
"""

from __future__ import annotations

import subprocess

__all__ = ["terminate"]


def terminate(proc: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 15) -> None:
    """SIGTERM ``proc`` and wait up to ``grace`` seconds for it to finish its shutdown,
    then SIGKILL it; nothing if it has already exited."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
