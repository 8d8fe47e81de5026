"""The clock the tests give the service, so that no test depends on today's date.

Import it by name (``from clocks import TestClock``): ``tests/`` is on pytest's
``pythonpath`` (pyproject.toml).

:class:`TestClock` starts at a set instant and then runs at the real pace (by the
monotonic clock, which the date of the machine never moves), so that leases, waits and the
rate limiter behave as in production while every date the service sees — "today" of the
analysis, ages, membership lengths, record and audit times — is the one the test chose.
``advance`` moves it on at once.

``TEST_NOW`` is the instant every service under test starts at: 10:00 in Jakarta on
23 November 2026. On it the seed applicant (born 10 April 1984, member since
1 August 2020) is 42 and has been a member for 6 years 3 months.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["TEST_NOW", "TEST_TODAY", "TestClock"]

TEST_NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TEST_TODAY: date = TEST_NOW.astimezone(ZoneInfo("Asia/Jakarta")).date()


class TestClock:
    """An aware UTC clock that starts at ``start`` and runs at the real pace."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, start: datetime = TEST_NOW) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's start must be an aware datetime")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            offset = self._offset
        return self._start + offset + timedelta(seconds=time.monotonic() - self._origin)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
