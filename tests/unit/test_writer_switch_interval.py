"""The group-commit writer shortens the interpreter's switch interval only while it writes
a group (``adapters/db/writer.py``), and every overlapping use gives it back."""

from __future__ import annotations

import sys
import threading

from cde.adapters.db.writer import _GROUP_SWITCH_INTERVAL, _prompt_gil


def test_the_interval_is_short_while_a_group_is_written_and_restored_after() -> None:
    before = sys.getswitchinterval()
    with _prompt_gil():
        assert sys.getswitchinterval() == min(before, _GROUP_SWITCH_INTERVAL)
        with _prompt_gil():  # a second writer (another engine) at the same time
            assert sys.getswitchinterval() == min(before, _GROUP_SWITCH_INTERVAL)
        assert sys.getswitchinterval() == min(before, _GROUP_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == before


def test_overlapping_writers_in_threads_leave_the_interval_as_it_was() -> None:
    before = sys.getswitchinterval()
    start = threading.Barrier(4)

    def write() -> None:
        start.wait()
        for _ in range(200):
            with _prompt_gil():
                pass

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sys.getswitchinterval() == before
