"""The ids (issue 15): RFC 9562 UUIDv7 by its "Method 1" (a counter within a millisecond),
random bits from a generator seeded once from os.urandom, none read per id."""

from __future__ import annotations

import os
import uuid
from unittest import mock

from cde.bootstrap import UuidV7, new_hex_id, new_id


def _parts(value: int) -> tuple[int, int, int, int]:
    """(milliseconds, version, variant, counter) of a UUIDv7 by Method 1."""
    ms = value >> 80
    version = (value >> 76) & 0xF
    variant = (value >> 62) & 0b11
    counter = ((value >> 64) & 0xFFF) << 30 | (value >> 32) & 0x3FFF_FFFF
    return ms, version, variant, counter


def test_ids_are_standard_uuid7s_in_the_usual_text() -> None:
    made = new_id()
    parsed = uuid.UUID(made)
    assert str(parsed) == made
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    hex_id = new_hex_id()
    assert len(hex_id) == 32
    assert uuid.UUID(hex_id).version == 7


def test_ids_grow_strictly_within_a_millisecond_and_across_them() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_the_clock_standing_still_or_stepping_back_keeps_the_order() -> None:
    now = [1_800_000_000_000_000_000]
    source = UuidV7(time_ns=lambda: now[0])
    first = source()
    second = source()
    now[0] -= 5_000_000_000  # five seconds back
    third = source()
    assert first < second < third
    assert _parts(first)[0] == _parts(second)[0] == _parts(third)[0] == 1_800_000_000_000
    assert _parts(second)[3] == _parts(first)[3] + 1
    assert _parts(third)[3] == _parts(first)[3] + 2
    now[0] += 10_000_000_000  # a new millisecond: the counter starts afresh
    fourth = source()
    assert fourth > third
    assert _parts(fourth)[0] == 1_800_000_005_000
    assert _parts(fourth)[1:3] == (7, 0b10)


def test_a_counter_that_runs_out_borrows_the_next_millisecond() -> None:
    source = UuidV7(time_ns=lambda: 1_800_000_000_000_000_000)
    source()
    source._counter = (1 << 42) - 1
    later = source()
    assert _parts(later)[0] == 1_800_000_000_001
    assert _parts(later)[3] < 1 << 41


def test_no_system_call_for_randomness_per_id() -> None:
    source = UuidV7()
    with mock.patch.object(os, "urandom", side_effect=AssertionError("urandom read")):
        made = {source() for _ in range(1_000)}
    assert len(made) == 1_000


def test_two_generators_seeded_apart_do_not_collide() -> None:
    a = UuidV7(time_ns=lambda: 1_800_000_000_000_000_000)
    b = UuidV7(time_ns=lambda: 1_800_000_000_000_000_000)
    assert {a() for _ in range(100)}.isdisjoint({b() for _ in range(100)})
