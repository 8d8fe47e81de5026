"""Settings of the whole suite.

``CDE_TEST_MACHINE_DATE``: the proof that no test depends on today's date. Set to an ISO
8601 instant, it moves this process's clock there for the whole session (``time-machine``:
``time.time``, ``datetime.now``, ``date.today`` … then run on from it), in every xdist
worker as well. The services under test read "now" only from the clock each test gives
them (``tests/clocks.py``), so every assertion must hold whatever the machine's date is;
``make test`` runs the date-sensitive tests again under two far-apart dates (the
Makefile's ``MACHINE_DATES``). Child processes (the e2e tests' ``cde serve``) keep the real
date: they are not run that way.
"""

from __future__ import annotations

import os

import pytest

MACHINE_DATE = "CDE_TEST_MACHINE_DATE"


def pytest_configure(config: pytest.Config) -> None:
    moment = os.environ.get(MACHINE_DATE)
    if not moment:
        return
    import time_machine

    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = os.environ.get(MACHINE_DATE)
    return f"machine date moved to {moment} ({MACHINE_DATE})" if moment else None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's headless Chromium (``make browser`` installs it with its
    driver). Missing on a developer's machine: the browser tests are skipped; in CI
    (``CI`` set) the run fails instead, so a green CI always drove a real browser."""
    import shutil

    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI: Debian's chromium is not installed (make browser installs it)")
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    return found
