"""``benchmarks/bench_scorecard.py --quick`` works and prints its figures."""

from __future__ import annotations

import re

from test_bench_smoke import run_quick


def test_quick_scorecard_benchmark_prints_its_figures() -> None:
    out = run_quick("bench_scorecard.py", timeout=120)
    rows = re.findall(
        r"^\s+1,000\s+(\d+)\s+[\d.]+s\s+([\d.]+)s\s+(out-of-time|random)\s+(\d+)\s+"
        r"([\d.]+)\s+([\d.]+)$",
        out,
        re.MULTILINE,
    )
    assert len(rows) == 1, out
    bads, train_s, _, held_out, true_auc, trained_auc = rows[0]
    assert int(bads) > 0
    assert float(train_s) > 0
    assert 0 < int(held_out) < 1000
    assert 0.5 < float(true_auc) <= 1
    assert 0 < float(trained_auc) <= 1
    ratios = re.findall(r"without a scorecard ([\d.]+) µs, with ([\d.]+) µs; ratio ([\d.]+)", out)
    assert len(ratios) == 2, out  # the medians and the fastest rounds
    for found in ratios:
        without, with_card, shown = (float(x) for x in found)
        assert without > 0
        assert with_card > 0
        assert abs(with_card / without - shown) < 0.002
