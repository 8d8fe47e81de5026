"""``benchmarks/bench_narration.py --quick`` runs and prints its figures."""

from __future__ import annotations

import re

from test_bench_smoke import run_quick


def test_quick_narration_benchmark_prints_its_figures() -> None:
    out = run_quick("bench_narration.py", timeout=120)
    for name in ("blind", "reference", "kept", "blind2", "blind3"):
        assert re.search(
            rf"^== {name}: tests/narration_corpus/(blind[23]/)?{name}\.json, \d+ cases ==$",
            out,
            re.M,
        )
    served = re.findall(r"^  faithful served: (\d+)/(\d+) ", out, re.M)
    assert len(served) == 6, out  # all but kept, which holds no faithful case
    assert all(0 <= int(a) <= int(b) and int(b) > 0 for a, b in served)
    refused = re.findall(r"^  unfaithful refused: (\d+)/(\d+) ", out, re.M)
    assert len(refused) == 6, out  # all but reference, which holds no unfaithful case
    assert all(0 <= int(a) <= int(b) and int(b) > 0 for a, b in refused)
    engine, check = (
        float(re.search(rf"^  {name}\s+median\s+([\d.]+) µs per call$", out, re.M).group(1))  # type: ignore[union-attr]
        for name in ("engine", "check")
    )
    assert engine > 0
    assert check > 0
    assert re.search(r"^ratio check/engine: median [\d.]+x$", out, re.M)
