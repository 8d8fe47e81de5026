"""``benchmarks/bench_guard.py --quick`` runs and prints its figures."""

from __future__ import annotations

import re

from test_bench_smoke import run_quick

from guard_corpus import guard_cases  # tests/guard_corpus (pytest's pythonpath: tests/)


def _figures(section: str, out: str) -> tuple[int, int, int, int, int]:
    """(faithful passed, faithful, caught as their kind, refused at all, unfaithful) of one
    set's section, checked for consistency."""
    faithful = re.search(r"^faithful passed:\s+(\d+)/(\d+) \(\s*[\d.]+%\)", section, re.M)
    unfaithful = re.search(
        r"^unfaithful caught:\s+(\d+)/(\d+) \(\s*[\d.]+%\) as their kind;"
        r" refused at all (\d+)/(\d+)",
        section,
        re.M,
    )
    assert faithful, out
    assert unfaithful, out
    passed, total_f = int(faithful[1]), int(faithful[2])
    caught, total_u, refused = int(unfaithful[1]), int(unfaithful[2]), int(unfaithful[3])
    assert int(unfaithful[4]) == total_u
    assert 0 < passed <= total_f
    assert 0 < caught <= refused <= total_u
    for kind in ("number", "outcome", "age", "occupation", "gender", "name"):
        assert re.search(rf"^  {kind}\s+\d+/\d+", section, re.M), kind
    assert re.search(r"^  id: faithful \d+/\d+, unfaithful \d+/\d+", section, re.M)
    assert re.search(r"^  en: faithful \d+/\d+, unfaithful \d+/\d+", section, re.M)
    wrongly = re.search(r"^wrongly refused \(.*?\): (\d+)", section, re.M)
    missed = re.search(r"^missed \(.*?\): (\d+)", section, re.M)
    assert wrongly, out
    assert missed, out
    assert int(wrongly[1]) == total_f - passed
    assert int(missed[1]) == total_u - caught
    return passed, total_f, caught, refused, total_u


def test_quick_guard_benchmark_prints_its_figures() -> None:
    out = run_quick("bench_guard.py", timeout=60)

    # one section per set, in the order of guard_cases.SETS, each with its own figures
    sections = re.split(
        r"^(?===? guard accuracy)", out.split("== LLM narrator overhead")[0], flags=re.M
    )
    sections = [s for s in sections if s.startswith("== guard accuracy")]
    assert len(sections) == len(guard_cases.SETS), out
    summary: dict[str, tuple[int, int, int, int]] = {}
    for cs, section in zip(guard_cases.SETS, sections, strict=True):
        title = "guard accuracy" if cs.first_run is None else f"guard accuracy, {cs.name}"
        heading = title if cs.first_run is None else f"{title} (first run: {cs.first_run})"
        assert section.startswith(f"== {heading}: tests/guard_corpus/{cs.path.name} "), section
        passed, total_f, caught, _, total_u = _figures(section, out)
        assert total_f >= 40, cs.name
        assert total_u >= 40, cs.name
        summary[title] = (passed, total_f, caught, total_u)

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
    for title, figures in summary.items():
        row = re.search(
            rf"^  {re.escape(title)}: faithful passed (\d+)/(\d+) \([\d.]+%\),"
            r" unfaithful caught (\d+)/(\d+) \([\d.]+%\)$",
            out,
            re.M,
        )
        assert row, (title, out)
        assert tuple(int(x) for x in row.groups()) == figures, title
