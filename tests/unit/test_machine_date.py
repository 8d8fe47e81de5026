"""The clock of the tests (``tests/clocks.py``) and the machine-date runs
(``tests/conftest.py``): the services see the date a test sets, whatever the machine's."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from clocks import TEST_NOW, TEST_TODAY, TestClock  # tests/ (pytest's pythonpath)

MACHINE_DATE = "CDE_TEST_MACHINE_DATE"  # tests/conftest.py

MOVED = os.environ.get(MACHINE_DATE)


@pytest.mark.skipif(not MOVED, reason=f"{MACHINE_DATE} is not set: the machine's real date")
def test_the_machine_clock_was_moved_to_the_date_asked_for() -> None:
    """Without this, a run 'on another date' could silently be a run on today's."""
    assert MOVED is not None
    asked = datetime.fromisoformat(MOVED)
    assert abs(datetime.now(UTC) - asked) < timedelta(hours=2)  # it ticks on from there
    assert abs(time.time() - asked.timestamp()) < 2 * 3600
    assert date.today() in {asked.date(), asked.date() + timedelta(days=1)}


def test_the_test_clock_starts_at_its_instant_whatever_the_machine_date() -> None:
    clock = TestClock()
    first = clock()
    assert first.tzinfo is UTC
    assert timedelta(0) <= first - TEST_NOW < timedelta(seconds=30)
    assert date(2026, 11, 23) == TEST_TODAY


def test_the_test_clock_runs_on_and_can_be_moved() -> None:
    clock = TestClock(datetime(2030, 1, 31, 16, 59, 59, tzinfo=UTC))
    before = clock()
    time.sleep(0.01)
    after = clock()
    assert after > before
    clock.advance(86_400)
    assert clock().date() == date(2030, 2, 1)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        TestClock(datetime(2030, 1, 1))
