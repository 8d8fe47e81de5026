"""``benchmarks/bench_backtest.py --quick`` works and prints its figures."""

from __future__ import annotations

import re

from test_bench_smoke import run_quick


def test_quick_backtest_benchmark_prints_its_figures() -> None:
    out = run_quick("bench_backtest.py", timeout=240)
    batch = re.search(r"cde batch:\s+([\d.]+) s", out)
    backtest = re.search(r"cde backtest:\s+([\d.]+) s", out)
    ratio = re.search(r"ratio backtest / batch: ([\d.]+)", out)
    assert batch is not None, out
    assert backtest is not None, out
    assert ratio is not None, out
    shown, a, b = float(ratio.group(1)), float(batch.group(1)), float(backtest.group(1))
    # the times are printed to 0.01 s and the ratio to 0.001: what rounding can explain
    slack = (b / a) * (0.005 / a + 0.005 / b) + 0.0005 + 1e-9
    assert abs(b / a - shown) <= slack
