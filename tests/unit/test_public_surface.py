"""The package's public surface: what ``import cde`` offers, and its example runs."""

from __future__ import annotations

import doctest

import cde


def test_the_example_in_the_package_docstring_runs() -> None:
    outcome = doctest.testmod(cde, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted >= 6
    assert outcome.failed == 0


def test_every_name_in_all_is_there_and_errors_share_the_base() -> None:
    for name in cde.__all__:
        assert hasattr(cde, name), name
    assert issubclass(cde.InvalidApplicationError, cde.CdeError)
    assert issubclass(cde.PolicyError, cde.InvalidInputError)
    assert issubclass(cde.ScorecardError, cde.InvalidInputError)
    assert issubclass(cde.InvalidInputError, ValueError)  # what callers caught before
