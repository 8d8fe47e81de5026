"""The workspace's dashboard (``cde.service.dashboard``) read through the SQL adapters, on
SQLite and on PostgreSQL: the hand-worked book of ``tests/unit/test_dashboard.py``
(``tests/dashboard_book.py``) gives, byte for byte, the view the fakes give; and the
container's dashboard reads what the service stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import orjson
import pytest

from cde.adapters.db.challenger import SqlChallengerResults
from cde.adapters.db.engine import create_db_engine, migrate
from cde.adapters.db.monitoring import SqlMonitoring
from cde.adapters.db.outcomes import SqlOutcomes
from cde.adapters.db.repository import SqlRecommendations
from cde.adapters.db.writer import DbWriter
from cde.bootstrap import Container
from cde.domain.text import rupiah
from cde.service.ports import Caller
from clocks import TEST_TODAY
from dashboard_book import (
    FIRST,
    LAST,
    Stores,
    World,
    jakarta,
    nov,
    psi_book,
    shadowed,
    the_book,
)
from fakes import DEFAULT_TENANT_ID


@pytest.fixture
def sql_stores(database_url: str | None, data_dir: Path) -> Iterator[Stores]:
    """The SQL adapters on the test's database (SQLite file, or PostgreSQL reset)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{(data_dir / 'cde.db').as_posix()}"
    engine = create_db_engine(url)
    migrate(engine)
    writer = DbWriter(engine)
    try:
        yield Stores(
            records=SqlRecommendations(engine, writer),
            outcomes=SqlOutcomes(engine),
            results=SqlChallengerResults(engine),
            monitoring=SqlMonitoring(engine),
        )
    finally:
        writer.close()
        engine.dispose()


def whole_book(w: World) -> None:
    """The hand-worked book, the PSI's periods before it and a challenger's results."""
    the_book(w)
    psi_book(w)
    m = 1_000_000
    shadowed(w, 1, 10, ("approve", 10 * m), ("approve", 12 * m))
    shadowed(w, 2, 12, ("approve", 5 * m), ("decline", 0))
    shadowed(w, 3, 13, ("decline", 0), ("approve", 8 * m))
    shadowed(w, 4, 23, ("decline", 0), ("approve", 8 * m))  # after the range


def test_the_sql_stores_give_the_view_the_fakes_give(sql_stores: Stores) -> None:
    on_sql, on_fakes = World(sql_stores), World()
    whole_book(on_sql)
    whole_book(on_fakes)
    view = on_sql.view()
    assert view.figures == [
        ("Periode", "9 November 2026 – 22 November 2026"),
        ("Rekomendasi", "8"),
        ("Tingkat persetujuan", "50,0%"),
        ("Total plafon rekomendasi", "Rp 50.000.000"),
        ("Skor 5C rata-rata", "60,9"),
        ("Gagal diproses", "1"),
        ("Pinjaman dengan hasil", "5 dari 8"),
        ("Tingkat macet", "60,0%"),
        ("PSI skor 5C", dict(on_fakes.view().figures)["PSI skor 5C"]),
        ("Dinilai challenger", "3"),
    ]
    assert len(view.sections) == 8
    for lang in ("id", "en"):
        for start, end in (
            (FIRST, LAST),
            (None, None),
            (date(2026, 11, 16), date(2026, 11, 16)),
            (date(2026, 11, 22), date(2026, 10, 1)),  # the other way round
            (date(2020, 1, 1), None),  # capped
        ):
            assert on_sql.view(lang, start, end) == on_fakes.view(lang, start, end)
    for tenant in ("x", "nobody"):
        assert on_sql.view(tenant_id=tenant) == on_fakes.view(tenant_id=tenant)


def test_the_sql_path_reads_each_day_in_the_services_zone(sql_stores: Stores) -> None:
    w = World(sql_stores)
    w.add(nov(9, 0, 0), "approve", "A", 80, 3_000_000)  # the first minute of the range
    w.add(nov(8, 23, 59), "approve", "A", 80, 3_000_000)  # the last minute before it
    w.add(nov(22, 23, 59), "decline", "E", 20, 0)  # the last minute of the range
    w.add(nov(23, 0, 0), "decline", "E", 20, 0)  # the first after it
    w.add(jakarta(date(2026, 11, 15)), "approve", "A", 80, 9_000_000, tenant_id="x")
    view = w.view()
    assert view.figures[1:4] == [
        ("Rekomendasi", "2"),
        ("Tingkat persetujuan", "50,0%"),
        ("Total plafon rekomendasi", "Rp 3.000.000"),
    ]


def test_the_containers_dashboard_reads_what_the_service_stored(
    container: Container, seed_bytes: bytes
) -> None:
    done = container.recommender.recommend(
        seed_bytes, orjson.loads(seed_bytes), Caller("123", "Samehada", "Eksekutif"), "id"
    )
    view = container.dashboard.overview(DEFAULT_TENANT_ID, "id", None, None)
    assert (view.first, view.last) == (date(2026, 8, 26), TEST_TODAY)
    assert not view.empty
    figures = dict(view.figures)
    assert figures["Rekomendasi"] == "1"
    assert figures["Total plafon rekomendasi"] == rupiah(done.result["decision"]["plafon"], "id")
    grade = done.result["assessment"]["grade"]
    assert f"{grade}: 1" in dict(view.sections)["Grade"]
    assert container.dashboard.overview("nobody", "en", None, None).empty
