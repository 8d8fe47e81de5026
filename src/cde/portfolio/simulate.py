"""The simulation: the same book decided by a baseline policy and by a new one, side by
side — the swap set a credit committee reads before it changes a threshold.

:func:`simulate` pairs the two replays application by application (the same input, in the
same order) and reports:

- ``swap``: the 3×3 table of outcomes (baseline → new), and the four cells that matter:
  approved under both, declined under both, **swapped out** (approved → declined) and
  **swapped in** (declined → approved); an application neither policy could read is
  counted apart;
- ``approval``: the approval rate under each, and the change;
- ``plafon``: the total recommended plafon under each and the change; among the loans
  approved under both, how many get more, less or the same;
- ``drivers``: the reason codes behind the swaps: for a swap out, the new decision's
  decline reason (a knock-out counts each of its codes); for a swap in, the baseline's;
- with outcomes, ``bad`` in each of the four cells (rate, Wilson interval, small flag):
  the swapped-out loans' bad rate is what the new policy avoids, the swapped-in loans'
  what it takes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from cde.portfolio.backtest import OUTCOMES, rate_dict
from cde.portfolio.book import Replayed
from cde.portfolio.metrics import rate_of

__all__ = ["CELLS", "simulate"]

CELLS = ("approved_both", "declined_both", "swapped_out", "swapped_in")
_DECLINE_CODES = ("DECLINE_KNOCKOUT", "DECLINE_SCORE_LOW", "DECLINE_PD_HIGH")


def _cell(before: Replayed, after: Replayed) -> str:
    if before.approved:
        return "approved_both" if after.approved else "swapped_out"
    return "swapped_in" if after.approved else "declined_both"


def _why_declined(r: Replayed) -> list[str]:
    """The codes that declined ``r``: each knock-out met, else its decline reason."""
    if r.knockouts:
        return list(r.knockouts)
    return [next((c for c in r.reasons if c.startswith("DECLINE_")), "DECLINE")]


def simulate(
    baseline: Sequence[Replayed],
    candidate: Sequence[Replayed],
    bads: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The swap set of the module's docstring, as JSON-ready data."""
    if len(baseline) != len(candidate):
        raise ValueError(f"the replays differ in length: {len(baseline)} and {len(candidate)}")
    table = {b: dict.fromkeys((*OUTCOMES, "unreadable"), 0) for b in (*OUTCOMES, "unreadable")}
    cells: dict[str, list[tuple[Replayed, Replayed]]] = {c: [] for c in CELLS}
    unreadable = 0
    drivers: dict[str, Counter[str]] = {"swapped_out": Counter(), "swapped_in": Counter()}
    more = less = same = 0
    for before, after in zip(baseline, candidate, strict=True):
        table[before.outcome or "unreadable"][after.outcome or "unreadable"] += 1
        if before.outcome is None or after.outcome is None:
            unreadable += 1
            continue
        cell = _cell(before, after)
        cells[cell].append((before, after))
        if cell == "swapped_out":
            drivers[cell].update(_why_declined(after))
        elif cell == "swapped_in":
            drivers[cell].update(_why_declined(before))
        elif cell == "approved_both":
            more += after.plafon > before.plafon
            less += after.plafon < before.plafon
            same += after.plafon == before.plafon
    read = [(b, a) for c in CELLS for b, a in cells[c]]
    approved_before = sum(b.approved for b, _ in read)
    approved_after = sum(a.approved for _, a in read)
    total_before = sum(b.plafon for b, _ in read)
    total_after = sum(a.plafon for _, a in read)
    report: dict[str, Any] = {
        "applications": len(baseline),
        "unreadable": unreadable,
        "table": table,
        "swap": {c: len(cells[c]) for c in CELLS},
        "approval": {
            "baseline": rate_dict(rate_of(approved_before, len(read))),
            "new": rate_dict(rate_of(approved_after, len(read))),
            "change": approved_after - approved_before,
        },
        "plafon": {
            "baseline": total_before,
            "new": total_after,
            "change": total_after - total_before,
            "approved_both": {"more": more, "less": less, "same": same},
        },
        "drivers": {
            cell: [{"code": code, "count": n} for code, n in sorted(c.items(), key=_by_count)]
            for cell, c in drivers.items()
        },
    }
    if bads is not None:
        report["bad"] = {}
        for c in CELLS:
            known = [
                bads[b.loan_id] for b, _ in cells[c] if b.loan_id is not None and b.loan_id in bads
            ]
            report["bad"][c] = rate_dict(rate_of(sum(known), len(known)))
    return report


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]
