"""Applications stored the way the service stores them, for the tests that read a tenant's
stored book back (the scorecard trainer's ``--from-db``, the backtest's, the stability
report): through the service layer, many at a time, so that the group-commit writer
commits them together."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from cde.bootstrap import Container
from cde.service.ports import Caller

CALLER = Caller("123", "Samehada", "Eksekutif", "127.0.0.1", "203.0.113.7")


def store_many(
    container: Container, applications: Iterable[dict[str, Any]], tenant_id: str = "default"
) -> None:
    """Every application through ``container.recommender``, 16 at a time."""

    def one(application: dict[str, Any]) -> None:
        body = orjson.dumps(application)
        container.recommender.recommend(body, application, CALLER, "id", tenant_id=tenant_id)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, applications))
