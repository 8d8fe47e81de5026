"""Idempotency-Key claims on the in-memory fakes, no database: a first claim is fresh, a
repeat with the same body replays the stored record, another body conflicts, a stale
reservation is taken over under the same id, a released one is free again."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from cde.service.idempotency import Idempotency, IdempotencyConflictError
from cde.service.ports import Caller, StoredRecommendation
from clocks import TestClock
from fakes import DEFAULT_TENANT_ID, FakeIdempotencyStore, FakeRecommendations, sequential_ids

BODY = "a" * 64  # a body's SHA-256, as hex
OTHER_BODY = "b" * 64


class World:
    def __init__(self, wait_seconds: float = 10.0) -> None:
        self.clock = TestClock()
        self.store = FakeIdempotencyStore()
        self.records = FakeRecommendations()
        self.idempotency = Idempotency(
            self.store,
            self.records.get,
            self.clock,
            sequential_ids("rec"),
            wait_seconds=wait_seconds,
            stale_after=timedelta(seconds=60),
        )

    def store_record(
        self, record_id: str, tenant_id: str = DEFAULT_TENANT_ID
    ) -> StoredRecommendation:
        record = StoredRecommendation(
            id=record_id,
            created_at=self.clock(),
            loan_id="L1",
            customer_id="C1",
            status="success",
            payload="{}",
            result="{}",
            error=None,
            lang="id",
            policy_name="default",
            policy_version="1",
            engine_version="test",
            caller=Caller(),
            tenant_id=tenant_id,
        )
        self.records.add(record, spend_quota=False)
        return record


@pytest.fixture
def world() -> World:
    return World()


def test_a_first_claim_is_fresh_and_reserves_the_record_id(world: World) -> None:
    claim = world.idempotency.claim("t1", "key-1", BODY)
    assert (claim.kind, claim.record_id, claim.record) == ("fresh", "rec-000000000001", None)
    reservation = world.store.reservations[("t1", "key-1")]
    assert (reservation.body_sha256, reservation.record_id) == (BODY, "rec-000000000001")


def test_a_repeat_with_the_same_body_replays_the_stored_record(world: World) -> None:
    first = world.idempotency.claim(DEFAULT_TENANT_ID, "key-1", BODY)
    record = world.store_record(first.record_id)
    repeat = world.idempotency.claim(DEFAULT_TENANT_ID, "key-1", BODY)
    assert (repeat.kind, repeat.record_id, repeat.record) == ("replay", record.id, record)


def test_a_repeat_with_another_body_conflicts(world: World) -> None:
    first = world.idempotency.claim(DEFAULT_TENANT_ID, "key-1", BODY)
    world.store_record(first.record_id)
    with pytest.raises(IdempotencyConflictError):
        world.idempotency.claim(DEFAULT_TENANT_ID, "key-1", OTHER_BODY)


def test_keys_are_per_tenant(world: World) -> None:
    first = world.idempotency.claim("t1", "key-1", BODY)
    other = world.idempotency.claim("t2", "key-1", OTHER_BODY)
    assert (first.kind, other.kind) == ("fresh", "fresh")
    assert first.record_id != other.record_id


def test_a_stale_reservation_is_taken_over_under_the_same_id(world: World) -> None:
    first = world.idempotency.claim("t1", "key-1", BODY)
    world.clock.advance(61)  # the first request died before storing its record
    again = world.idempotency.claim("t1", "key-1", BODY)
    assert (again.kind, again.record_id) == ("fresh", first.record_id)
    taken = world.store.reservations[("t1", "key-1")]
    assert taken.created_at > world.clock() - timedelta(seconds=1)  # refreshed


def test_a_reservation_still_in_flight_is_waited_for_then_refused() -> None:
    world = World(wait_seconds=0.1)
    world.idempotency.claim("t1", "key-1", BODY)
    started = time.monotonic()
    with pytest.raises(Exception, match="still running"):
        world.idempotency.claim("t1", "key-1", BODY)
    assert time.monotonic() - started >= 0.1


def test_a_record_arriving_while_waiting_is_replayed() -> None:
    world = World(wait_seconds=5)
    first = world.idempotency.claim("t1", "key-1", BODY)
    lookups = 0
    find = world.idempotency.find

    def arrives_on_the_second_look(record_id: str, tenant_id: str) -> StoredRecommendation | None:
        nonlocal lookups
        lookups += 1
        if lookups == 2:
            world.store_record(first.record_id, "t1")
        return find(record_id, tenant_id)

    world.idempotency.find = arrives_on_the_second_look
    repeat = world.idempotency.claim("t1", "key-1", BODY)
    assert (repeat.kind, repeat.record_id) == ("replay", first.record_id)
    assert lookups == 2  # it looked again after waiting, and found it


def test_release_frees_the_key_for_its_own_record_only(world: World) -> None:
    first = world.idempotency.claim("t1", "key-1", BODY)
    world.idempotency.release("t1", "key-1", "someone-else")
    assert ("t1", "key-1") in world.store.reservations
    world.idempotency.release("t1", "key-1", first.record_id)
    assert ("t1", "key-1") not in world.store.reservations
    again = world.idempotency.claim("t1", "key-1", OTHER_BODY)  # any body: a fresh key
    assert again.kind == "fresh"
    assert again.record_id != first.record_id
