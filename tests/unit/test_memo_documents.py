"""The memo use case (:class:`cde.service.memos.MemoDocuments`) on the in-memory fakes:
which record it prints (a tenant's own, with a result), under which cooperative's name, in
which language, and at the time of the service's clock."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from pypdf import PdfReader

from cde.errors import NotFoundError
from cde.policies import default_policy
from cde.service.memos import (
    MemoDocuments,
    MemoPendingError,
    MemoUnavailableError,
    MemoWithoutResultError,
)
from cde.service.ports import Caller
from cde.service.recommendations import Recommender
from cde.service.tenants import TenantAdmin
from clocks import TEST_NOW
from fakes import DEFAULT_TENANT_ID, FakeRecommendations, FakeTenants, sequential_ids

SEED = (Path(__file__).resolve().parents[2] / "examples" / "seed_request.json").read_bytes()
RAW = orjson.loads(SEED)
CALLER = Caller("123", "Samehada", "Eksekutif", "127.0.0.1", "203.0.113.7")
ZONE = ZoneInfo("Asia/Jakarta")
PRINTED = TEST_NOW + timedelta(days=3, minutes=7)  # 10:07 WIB on 26 November 2026


class World:
    def __init__(self, default_name: str | None = "KSP Induk") -> None:
        self.tenant_ids = sequential_ids("t")
        self.tenants = FakeTenants(now=TEST_NOW)
        self.repository = FakeRecommendations(self.tenants)
        self.recommender = Recommender(
            self.repository, default_policy(), lambda: TEST_NOW, ZONE, sequential_ids("rec")
        )
        self.memos = MemoDocuments(
            self.repository,
            self.tenants,
            lambda: PRINTED,
            ZONE,
            default_tenant_id=DEFAULT_TENANT_ID,
            default_name=default_name,
        )

    def tenant(self, name: str) -> str:
        admin = TenantAdmin(self.tenants, lambda: TEST_NOW, self.tenant_ids)
        tenant, _ = admin.create(name, None)
        return tenant.id

    def record(self, tenant_id: str = DEFAULT_TENANT_ID, lang: str = "id", **kw: bool) -> str:
        done = self.recommender.recommend(
            SEED,
            RAW,
            CALLER,
            "en" if lang == "en" else "id",
            tenant_id=tenant_id,
            processing=kw.get("processing", False),
        )
        return done.record.id


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_tenants_memo_carries_its_name_the_record_and_the_clocks_time() -> None:
    world = World()
    tenant_id = world.tenant("KSP Sejahtera")
    record_id = world.record(tenant_id)

    memo = world.memos.pdf(record_id, tenant_id)

    assert memo.record_id == record_id
    assert memo.filename == f"memo-{record_id}.pdf"
    assert memo.lang == "id"
    text = text_of(memo.content)
    assert text.splitlines()[0] == "KSP Sejahtera"
    assert record_id in text
    assert "Tanggal rekomendasi 23 November 2026, 10.00 WIB" in text  # the record's time
    assert "Dicetak 26 November 2026, 10.07 WIB" in text  # the clock's
    info = PdfReader(io.BytesIO(memo.content)).metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20261126100700+07'00"


def test_the_default_tenants_memo_carries_the_configured_name_or_none() -> None:
    named = World(default_name="KSP Induk")
    memo = named.memos.pdf(named.record(), DEFAULT_TENANT_ID)
    assert text_of(memo.content).splitlines()[0] == "KSP Induk"

    unnamed = World(default_name=None)
    memo = unnamed.memos.pdf(unnamed.record(), DEFAULT_TENANT_ID)
    first = text_of(memo.content).splitlines()[0]
    assert first == "MEMO ANALISIS KREDIT RAHASIA"  # not the tenant's name, "default"
    assert unnamed.memos.cooperative(DEFAULT_TENANT_ID) is None


def test_the_memo_is_in_the_language_of_the_recommendation() -> None:
    world = World()
    memo = world.memos.pdf(world.record(lang="en"), DEFAULT_TENANT_ID)
    assert memo.lang == "en"
    text = text_of(memo.content)
    assert "CREDIT ANALYSIS MEMO" in text
    assert "DECLINE" in text
    assert "Page 1 of" in text


def test_another_tenants_record_is_as_absent_as_a_missing_one() -> None:
    world = World()
    mine, theirs = world.tenant("KSP A"), world.tenant("KSP B")
    record_id = world.record(theirs)

    for record, tenant in [(record_id, mine), ("rec-missing", theirs), ("x" * 65, theirs)]:
        with pytest.raises(NotFoundError):
            world.memos.pdf(record, tenant)
    with pytest.raises(NotFoundError):
        world.memos.pdf(record_id, DEFAULT_TENANT_ID)


def test_a_record_without_a_result_to_print_is_refused_with_409() -> None:
    world = World()
    pending = world.record(processing=True)
    failed = world.recommender.record_failure(SEED, RAW, CALLER, "id", "boom").id

    with pytest.raises(MemoPendingError) as waiting:
        world.memos.pdf(pending, DEFAULT_TENANT_ID)
    with pytest.raises(MemoWithoutResultError) as broken:
        world.memos.pdf(failed, DEFAULT_TENANT_ID)
    for error in (waiting.value, broken.value):
        assert isinstance(error, MemoUnavailableError)
        assert error.status == 409
    assert waiting.value.message_key == "memo_pending"
    assert broken.value.message_key == "memo_failed"


def test_the_print_time_is_the_clocks_in_the_services_zone() -> None:
    world = World()
    utc = World()
    utc.memos.zone = ZoneInfo("UTC")
    moment = datetime(2026, 11, 26, 3, 7, tzinfo=ZoneInfo("UTC"))
    assert moment == PRINTED
    assert "Dicetak 26 November 2026, 03.07 UTC" in text_of(
        utc.memos.pdf(utc.record(), DEFAULT_TENANT_ID).content
    )
    assert "2026, 10.07 WIB" in text_of(world.memos.pdf(world.record(), DEFAULT_TENANT_ID).content)
