"""What the batch tests submit: generated applications as JSON lines, a readable but invalid
application, the caller the items are stored for. Shared by ``tests/unit/test_batches.py``,
``tests/unit/test_batch_service.py`` (on the fakes) and
``tests/integration/test_batch_service_sql.py`` (on the SQL store)."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from cde.service.ports import Caller
from generate_applications import generate  # benchmarks/ (pytest's pythonpath)

__all__ = ["CALLER", "QUOTA_ERROR", "applications", "invalid_application", "jsonl"]

CALLER = Caller(
    user_id="123",
    user_name="Samehada",
    user_role="Eksekutif",
    claimed_ip="127.0.0.1",
    remote_addr="203.0.113.7",
)
QUOTA_ERROR = {"message": "quota exhausted"}


def applications(n: int, seed: int = 11) -> list[dict[str, Any]]:
    return list(generate(n, seed))


def jsonl(values: list[Any]) -> bytes:
    return b"".join(orjson.dumps(v) + b"\n" for v in values)


def invalid_application(base: dict[str, Any], loan_id: str) -> dict[str, Any]:
    """Readable JSON, but not an application: the loan's plafon is not a number."""
    bad = copy.deepcopy(base)
    bad["loan_id"] = loan_id
    bad["application"]["plafon"] = "banyak"
    return bad
