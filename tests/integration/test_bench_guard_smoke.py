"""``benchmarks/bench_guard.py --quick`` runs and prints its figures."""

from __future__ import annotations

import re

from test_bench_smoke import run_quick


def test_quick_guard_benchmark_prints_its_figures() -> None:
    out = run_quick("bench_guard.py", timeout=60)

    # accuracy on the corpus
    faithful = re.search(r"^faithful passed:\s+(\d+)/(\d+) \(\s*[\d.]+%\)", out, re.M)
    unfaithful = re.search(r"^unfaithful caught:\s+(\d+)/(\d+) \(\s*[\d.]+%\)", out, re.M)
    assert faithful, out
    assert unfaithful, out
    assert int(faithful[2]) >= 50
    assert int(unfaithful[2]) >= 50
    assert 0 < int(faithful[1]) <= int(faithful[2])
    assert 0 < int(unfaithful[1]) <= int(unfaithful[2])
    for kind in ("number", "outcome", "age", "occupation", "gender", "name"):
        assert re.search(rf"^  {kind}\s+\d+/\d+", out, re.M), kind
    wrongly = re.search(r"^wrongly refused \(.*?\): (\d+)", out, re.M)
    missed = re.search(r"^missed \(.*?\): (\d+)", out, re.M)
    assert wrongly, out
    assert missed, out
    assert int(wrongly[1]) == int(faithful[2]) - int(faithful[1])

    # accuracy on the held-out set, apart from the tuning corpus and after it
    tuning, marker, held_out = out.partition(
        "== guard accuracy, held out (first run: 46/46, 33/47): "
    )
    assert marker, out
    assert held_out.startswith("tests/guard_corpus/holdout.json"), out
    assert faithful.end() < len(tuning)  # the figures above are the tuning corpus's
    h_faithful = re.search(r"^faithful passed:\s+(\d+)/(\d+) \(\s*[\d.]+%\)", held_out, re.M)
    h_unfaithful = re.search(r"^unfaithful caught:\s+(\d+)/(\d+) \(\s*[\d.]+%\)", held_out, re.M)
    assert h_faithful, out
    assert h_unfaithful, out
    assert int(h_faithful[2]) >= 40
    assert int(h_unfaithful[2]) >= 40
    assert int(h_faithful[1]) <= int(h_faithful[2])
    assert int(h_unfaithful[1]) <= int(h_unfaithful[2])
    for kind in ("number", "outcome", "plafon", "tenure", "age", "occupation", "gender", "name"):
        assert re.search(rf"^  {kind}\s+\d+/\d+", held_out, re.M), kind
    h_wrongly = re.search(r"^wrongly refused \(.*?\): (\d+)", held_out, re.M)
    h_missed = re.search(r"^missed \(.*?\): (\d+)", held_out, re.M)
    assert h_wrongly, out
    assert h_missed, out
    assert int(h_wrongly[1]) == int(h_faithful[2]) - int(h_faithful[1])
    assert int(h_missed[1]) == int(h_unfaithful[2]) - int(h_unfaithful[1])

    # accuracy on the blind set, apart from the other two and after them
    before_blind, marker, blind = held_out.partition(
        "== guard accuracy, blind (first run: 41/42, 32/62): "
    )
    assert marker, out
    assert blind.startswith("tests/guard_corpus/holdout2.json"), out
    assert h_faithful.end() < len(before_blind)  # the held-out figures are the held-out set's
    b_faithful = re.search(r"^faithful passed:\s+(\d+)/(\d+) \(\s*[\d.]+%\)", blind, re.M)
    b_unfaithful = re.search(
        r"^unfaithful caught:\s+(\d+)/(\d+) \(\s*[\d.]+%\) as their kind;"
        r" refused at all (\d+)/(\d+)",
        blind,
        re.M,
    )
    assert b_faithful, out
    assert b_unfaithful, out
    assert int(b_faithful[2]) >= 35
    assert int(b_unfaithful[2]) >= 45
    assert int(b_faithful[1]) <= int(b_faithful[2])
    assert int(b_unfaithful[1]) <= int(b_unfaithful[3]) <= int(b_unfaithful[4])
    assert int(b_unfaithful[4]) == int(b_unfaithful[2])
    for kind in ("number", "outcome", "plafon", "tenure", "age", "occupation", "gender", "name"):
        assert re.search(rf"^  {kind}\s+\d+/\d+", blind, re.M), kind
    assert re.search(r"^  id: faithful \d+/\d+, unfaithful \d+/\d+", blind, re.M)
    assert re.search(r"^  en: faithful \d+/\d+, unfaithful \d+/\d+", blind, re.M)
    b_wrongly = re.search(r"^wrongly refused \(.*?\): (\d+)", blind, re.M)
    b_missed = re.search(r"^missed \(.*?\): (\d+)", blind, re.M)
    assert b_wrongly, out
    assert b_missed, out
    assert int(b_wrongly[1]) == int(b_faithful[2]) - int(b_faithful[1])
    assert int(b_missed[1]) == int(b_unfaithful[2]) - int(b_unfaithful[1])

    # overhead: the engine, the guard and the narrator, timed in the same run
    for name in ("engine alone", r"grounds\(\)\+check\(\)", "LLM narrate"):
        row = re.search(rf"^  {name}\s+median\s+([\d.]+) ms/request", out, re.M)
        assert row, name
        assert float(row[1]) > 0, name
    assert "every narration was the model's" in out
    ratio = re.search(r"^ratio narrate/engine: median ([\d.]+)x", out, re.M)
    assert ratio, out
    assert float(ratio[1]) > 0, out
    assert re.search(r"^ratio guard/engine: median [\d.]+x", out, re.M)
    assert "== summary" in out
    assert re.search(r"guard accuracy: faithful passed \d+/\d+ .*unfaithful caught \d+/\d+", out)
    assert re.search(
        r"guard accuracy, held out: faithful passed \d+/\d+ .*unfaithful caught \d+/\d+", out
    )
    summary = re.search(
        r"^  guard accuracy, blind: faithful passed (\d+)/(\d+) \([\d.]+%\),"
        r" unfaithful caught (\d+)/(\d+) \([\d.]+%\)$",
        out,
        re.M,
    )
    assert summary, out
    assert summary.groups() == (b_faithful[1], b_faithful[2], b_unfaithful[1], b_unfaithful[2])
