"""``cde backtest`` and ``cde simulate`` end to end: typer's CliRunner on
``cde.entrypoints.cli.app``, plus a real subprocess run with worker processes.

The book is generated (``benchmarks/generate_loan_book.py``); every figure the reports
give is checked against an independent reading of the same book: each application
evaluated here with :func:`cde.domain.engine.evaluate` on its own ``applied_at`` day, the
AUC by scikit-learn. Exit codes: 0 success, 2 a usage problem; never a traceback.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from cde.domain.engine import evaluate
from cde.entrypoints.cli import app
from cde.policies import Policy, default_policy, load_policy
from generate_loan_book import LoanBook, loan_book, write_book
from scorecards import small_scorecard

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = ROOT / "src" / "cde" / "policies" / "default.toml"
TODAY = "2024-10-21"
MAIN = "from cde.entrypoints.cli import main; main()"
# MAIN, with the pool's ProcessPoolExecutor noting its worker processes' ids (and this
# process's) in the file CDE_TEST_PROBE: that the workers really started
PROBE = """
import os
import cde.service.pool as pool

class Noting(pool.ProcessPoolExecutor):
    def shutdown(self, *args, **kwargs):
        workers = sorted(self._processes or {})
        super().shutdown(*args, **kwargs)
        with open(os.environ["CDE_TEST_PROBE"], "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}:{' '.join(map(str, workers))}\\n")

pool.ProcessPoolExecutor = Noting
from cde.entrypoints.cli import main
main()
"""
BOOK_SIZE = 300
BOOK_SEED = 7
APPROVED = ("approve", "approve_with_conditions")
_ENV = ("CDE_POLICY_FILE", "CDE_SCORECARD_FILE", "CDE_PROGRESS")


# --- running the command line -------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")

    @property
    def flat_stderr(self) -> str:
        """stderr with every run of whitespace as one space (rich wraps long lines)."""
        return " ".join(self.stderr.split())

    def json(self) -> Any:
        return orjson.loads(self.stdout)


def _no_traceback(run: Run) -> Run:
    assert "Traceback" not in run.text
    assert "Traceback" not in run.stderr
    return run


def cli(*args: str | Path) -> Run:
    """Invoke the typer app in-process."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return _no_traceback(Run(result.exit_code, result.stdout_bytes, result.stderr))


def ok(*args: str | Path) -> Run:
    run = cli(*args)
    assert run.code == 0, run.stderr
    return run


def usage_error(*args: str | Path) -> Run:
    """A run that must exit 2 with a message on stderr and nothing on stdout."""
    run = cli(*args)
    assert run.code == 2, (run.code, run.stderr, run.text[:500])
    assert run.stdout == b""
    assert "error" in run.stderr.lower()
    return run


def real(*args: str | Path, code: str = MAIN, **extra_env: str) -> Run:
    """Run the command line in a real child process (no PATH needed)."""
    env = {k: v for k, v in os.environ.items() if k not in (*_ENV, "COLUMNS", "LINES")}
    env.update(extra_env)
    proc = subprocess.run(
        [sys.executable, "-c", code, *(str(a) for a in args)],
        input=b"",
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    return _no_traceback(Run(proc.returncode, proc.stdout, proc.stderr.decode("utf-8")))


# --- the book, the policies and the independent reading -----------------------------------


@pytest.fixture(scope="module", autouse=True)
def _no_cde_env() -> Iterator[None]:
    """No CDE_POLICY_FILE / CDE_SCORECARD_FILE of the environment reaches a command (module
    scope, so that the module's own fixtures run without them as well)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in _ENV:
            mp.delenv(name, raising=False)
        yield


@dataclass(frozen=True)
class Book:
    book: LoanBook
    applications: Path
    outcomes: Path
    folder: Path

    @property
    def bads(self) -> list[int]:
        return [int(r["bad"]) for r in self.book.outcomes]

    @property
    def days(self) -> list[date]:
        return [r["applied_at"] for r in self.book.outcomes]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    folder = tmp_path_factory.mktemp("book")
    loans = loan_book(BOOK_SIZE, BOOK_SEED)
    apps, outcomes = write_book(loans, folder)
    # the file as written is the file as generated: the independent reading reads the same
    rows = list(csv.DictReader(outcomes.read_text("utf-8").splitlines()))
    assert [r["loan_id"] for r in rows] == [a["loan_id"] for a in loans.applications]
    return Book(loans, apps, outcomes, folder)


def _policy_variant(folder: Path, name: str, version: str, cut_off: int | None = None) -> Path:
    text = DEFAULT_POLICY.read_text("utf-8")
    text, versioned = re.subn(r'(?m)^version = ".*"$', f'version = "{version}"', text, count=1)
    assert versioned == 1
    if cut_off is not None:
        text, cut = re.subn(
            r"(?m)^decline_below_score = 35\b", f"decline_below_score = {cut_off}", text
        )
        assert cut == 1
    path = folder / name
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``strict``: the default with decline_below_score 50; ``default_copy``: the default
    under another version; ``broken``: one setting of the wrong type."""
    folder = tmp_path_factory.mktemp("policies")
    broken = folder / "broken.toml"
    text, n = re.subn(
        r"(?m)^dsr_healthy_pct = 30",
        'dsr_healthy_pct = "tiga puluh"',
        DEFAULT_POLICY.read_text("utf-8"),
    )
    assert n == 1
    broken.write_text(text, "utf-8")
    return {
        "strict": _policy_variant(folder, "strict.toml", "2026.11.1-strict", cut_off=50),
        "default_copy": _policy_variant(folder, "default-copy.toml", "2026.11.1-copy"),
        "broken": broken,
    }


@pytest.fixture(scope="module")
def scorecard_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scorecard") / "unit.json"
    path.write_bytes(orjson.dumps(small_scorecard()))
    return path


@dataclass(frozen=True)
class Decided:
    """One application evaluated here, independently of the replay."""

    outcome: str
    score: int
    plafon: int
    reasons: tuple[str, ...]

    @property
    def approved(self) -> bool:
        return self.outcome in APPROVED


def _decide_all(book: Book, policy: Policy) -> list[Decided]:
    out = []
    for raw, day in zip(book.book.applications, book.days, strict=True):
        result = evaluate(raw, policy=policy, today=day)
        out.append(
            Decided(
                outcome=result["decision"]["outcome"],
                score=result["assessment"]["score"],
                plafon=result["decision"]["plafon"],
                reasons=tuple(r["code"] for r in result["decision"]["reasons"]),
            )
        )
    return out


@pytest.fixture(scope="module")
def under_default(book: Book) -> list[Decided]:
    return _decide_all(book, default_policy())


@pytest.fixture(scope="module")
def under_strict(book: Book, policies: dict[str, Path]) -> list[Decided]:
    return _decide_all(book, load_policy(policies["strict"]))


def backtest_args(book: Book, *extra: str | Path) -> list[str | Path]:
    return [
        "backtest",
        book.applications,
        "--outcomes",
        book.outcomes,
        "--today",
        TODAY,
        *extra,
    ]


@pytest.fixture(scope="module")
def backtest_json(book: Book) -> Run:
    return ok(*backtest_args(book, "--format", "json"))


# --- 1. the backtest against an independent reading ---------------------------------------


def test_backtest_counts_the_book_and_its_outcomes(book: Book, backtest_json: Run) -> None:
    report = backtest_json.json()
    b = report["book"]
    assert b["applications"] == BOOK_SIZE
    assert b["evaluated"] == BOOK_SIZE
    assert b["unreadable"] == 0
    assert b["with_outcome"] == BOOK_SIZE
    assert b["bad"]["events"] == sum(book.bads)
    assert b["bad"]["count"] == BOOK_SIZE
    assert 0 < sum(book.bads) < BOOK_SIZE  # both classes: the AUC is defined
    d = report["decisions"]
    assert d["approve"] + d["approve_with_conditions"] + d["decline"] == b["evaluated"]
    assert report["policy"] == {"name": "cde-default", "version": "2026.11.1", "scorecard": None}
    assert not [w for w in report["warnings"] if "no application" in w or "no bad" in w]


def test_backtest_replays_each_application_on_its_own_day(
    book: Book, backtest_json: Run, under_default: list[Decided]
) -> None:
    report = backtest_json.json()
    expected_auc = roc_auc_score(book.bads, [-d.score for d in under_default])
    assert report["ranking"]["score"]["auc"] == pytest.approx(expected_auc, abs=1e-12)
    assert report["ranking"]["score"]["loans"] == BOOK_SIZE
    assert report["ranking"]["score"]["bads"] == sum(book.bads)
    decisions = report["decisions"]
    for outcome in ("approve", "approve_with_conditions", "decline"):
        assert decisions[outcome] == sum(d.outcome == outcome for d in under_default), outcome
    approved = sum(d.approved for d in under_default)
    assert decisions["approval"]["events"] == approved
    assert decisions["approval"]["count"] == BOOK_SIZE
    assert decisions["approval"]["rate"] == pytest.approx(approved / BOOK_SIZE)
    assert decisions["total_plafon"] == sum(d.plafon for d in under_default)
    approved_bads = sum(b for b, d in zip(book.bads, under_default, strict=True) if d.approved)
    assert decisions["bad_among_approved"]["events"] == approved_bads
    assert decisions["bad_among_declined"]["events"] == sum(book.bads) - approved_bads


def test_the_replay_day_matters_so_the_check_above_can_fail(
    book: Book, under_default: list[Decided]
) -> None:
    """Guard of the test above: had the book been replayed on --today, the scores (and so
    the AUC) would differ, which the comparison would catch."""
    on_today = [
        evaluate(raw, policy=default_policy(), today=date.fromisoformat(TODAY))
        for raw in book.book.applications
    ]
    assert [r["assessment"]["score"] for r in on_today] != [d.score for d in under_default]


# --- 2. with a scorecard -----------------------------------------------------------------


def test_backtest_with_a_scorecard_reads_the_pd(
    book: Book, scorecard_file: Path, backtest_json: Run
) -> None:
    report = ok(*backtest_args(book, "--format", "json", "--scorecard", scorecard_file)).json()
    assert report["policy"]["scorecard"] == "unit 1"
    pd = report["ranking"]["pd"]
    assert pd["loans"] == BOOK_SIZE
    assert pd["bads"] == sum(book.bads)
    assert 0.0 <= pd["auc"] <= 1.0
    assert pd["brier"] is not None
    bins = report["calibration"]
    assert len(bins) == 10
    assert sum(c["count"] for c in bins) == report["book"]["with_outcome"] == BOOK_SIZE
    assert sum(c["observed"]["events"] for c in bins) == sum(book.bads)
    bands = report["by_pd_band"]
    assert {g["group"] for g in bands} <= {"A", "B"}
    assert sum(g["count"] for g in bands) == BOOK_SIZE
    # the 5C score ranks the same with or without the scorecard
    assert report["ranking"]["score"] == backtest_json.json()["ranking"]["score"]


def test_backtest_without_a_scorecard_has_no_pd(backtest_json: Run) -> None:
    report = backtest_json.json()
    assert "pd" not in report["ranking"]
    assert "calibration" not in report
    assert "by_pd_band" not in report


# --- 3. determinism and workers -----------------------------------------------------------


def test_two_runs_give_byte_identical_json(book: Book, backtest_json: Run) -> None:
    again = ok(*backtest_args(book, "--format", "json"))
    assert again.stdout == backtest_json.stdout


def test_two_workers_give_the_same_json_as_one(book: Book, scorecard_file: Path) -> None:
    args = backtest_args(book, "--format", "json", "--scorecard", scorecard_file)
    one = ok(*args, "--workers", "1")
    two = ok(*args, "--workers", "2")
    assert two.stdout == one.stdout


# --- 4. the text report -------------------------------------------------------------------


def test_text_report_in_english(book: Book) -> None:
    text = ok(*backtest_args(book, "--format", "text", "--lang", "en")).text
    assert text.startswith("Backtest — cde-default 2026.11.1\n")
    for heading in ("Decisions", "Ranking", "By grade", "By score band", "Fairness"):
        assert f"\n{heading}\n" in text, heading
    assert re.search(r"(?m)^  5C score +AUC 0\.\d{3} \[0\.\d{3}–[01]\.\d{3}\]", text), text
    assert f"{BOOK_SIZE} applications, 0 unreadable, {BOOK_SIZE} with an outcome" in text


def test_text_report_in_indonesian_by_default(book: Book) -> None:
    text = ok(*backtest_args(book)).text  # --format text and --lang id are the defaults
    assert text.startswith("Backtest — cde-default 2026.11.1\n")
    for heading in ("Keputusan", "Daya pembeda", "Per grade", "Keadilan"):
        assert f"\n{heading}\n" in text, heading
    assert re.search(r"(?m)^  skor 5C +AUC 0,\d{3} \[0,\d{3}–[01],\d{3}\]", text), text
    assert re.search(r"tingkat persetujuan +\d+,\d%", text)
    assert "AUC 0." not in text


def test_text_report_with_a_scorecard_names_it(book: Book, scorecard_file: Path) -> None:
    text = ok(*backtest_args(book, "--lang", "en", "--scorecard", scorecard_file)).text
    assert text.startswith("Backtest — cde-default 2026.11.1 + scorecard unit 1\n")
    assert re.search(r"(?m)^  scorecard PD +AUC [01]\.\d{3} .*Brier 0\.\d{4}", text)
    assert "\nPD calibration (deciles)\n" in text
    assert "\nBy risk band\n" in text


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_output_file_is_written_and_stdout_stays_empty(
    book: Book, tmp_path: Path, backtest_json: Run, fmt: str
) -> None:
    out = tmp_path / f"report.{fmt}"
    run = ok(*backtest_args(book, "--format", fmt, "--output", out))
    assert run.stdout == b""
    assert out.is_file()
    if fmt == "json":
        assert out.read_bytes() == backtest_json.stdout
    else:
        assert out.read_text("utf-8") == ok(*backtest_args(book)).text


# --- 5. usage errors ----------------------------------------------------------------------


def test_backtest_needs_the_outcomes(book: Book) -> None:
    run = usage_error("backtest", book.applications, "--today", TODAY)
    assert "--outcomes" in run.flat_stderr


def test_an_invalid_outcome_line_names_the_line_and_the_field(book: Book, tmp_path: Path) -> None:
    lines = book.outcomes.read_text("utf-8").splitlines()
    assert lines[0] == "loan_id,bad,applied_at"
    loan, _, day = lines[3].split(",")
    lines[3] = f"{loan},maybe,{day}"  # the fourth line of the file
    bad_file = tmp_path / "outcomes.csv"
    bad_file.write_text("\n".join(lines) + "\n", "utf-8")
    run = usage_error("backtest", book.applications, "--outcomes", bad_file, "--today", TODAY)
    message = run.flat_stderr
    assert str(bad_file) in message
    assert "line 4: bad:" in message
    assert "1 outcome problems" in message


def test_an_invalid_outcome_line_in_json_lines(book: Book, tmp_path: Path) -> None:
    rows = [
        {"loan_id": r["loan_id"], "bad": r["bad"], "applied_at": r["applied_at"].isoformat()}
        for r in book.book.outcomes
    ]
    rows[1]["bad"] = "maybe"
    rows[4]["applied_at"] = "kemarin"
    bad_file = tmp_path / "outcomes.jsonl"
    bad_file.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    run = usage_error("backtest", book.applications, "--outcomes", bad_file, "--today", TODAY)
    assert "line 2: bad:" in run.flat_stderr
    assert "line 5: applied_at:" in run.flat_stderr
    assert "2 outcome problems" in run.flat_stderr


@pytest.mark.parametrize("fmt", ["xml", "pdf", "JSON"])
def test_an_unsupported_format_is_a_usage_error(book: Book, fmt: str) -> None:
    # (html was "not supported yet" when this was written; it is now, so it is left out)
    message = usage_error(*backtest_args(book, "--format", fmt)).flat_stderr
    assert "--format must be text, json" in message
    assert message.endswith(f"not '{fmt}'")


def test_a_missing_applications_file_is_a_usage_error(book: Book, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    run = usage_error("backtest", missing, "--outcomes", book.outcomes, "--today", TODAY)
    assert f"cannot read {missing}" in run.flat_stderr


def test_a_missing_outcomes_file_is_a_usage_error(book: Book, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    run = usage_error("backtest", book.applications, "--outcomes", missing, "--today", TODAY)
    assert f"cannot read {missing}" in run.flat_stderr


def test_an_invalid_policy_file_is_a_usage_error(book: Book, policies: dict[str, Path]) -> None:
    run = usage_error(*backtest_args(book, "--policy", policies["broken"]))
    assert "dsr_healthy_pct" in run.flat_stderr


def test_an_invalid_scorecard_file_is_a_usage_error(book: Book, tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    card.write_text('{"format": "cde-scorecard/1"}', "utf-8")
    usage_error(*backtest_args(book, "--scorecard", card))


def test_a_bad_today_is_a_usage_error(book: Book) -> None:
    run = usage_error("backtest", book.applications, "--outcomes", book.outcomes, "--today", "x")
    assert "--today" in run.flat_stderr


def test_simulate_errors_are_usage_errors(book: Book, policies: dict[str, Path]) -> None:
    args: list[str | Path] = ["simulate", book.applications, "--today", TODAY]
    usage_error(*args, "--policy", policies["broken"])
    usage_error(*args, "--policy", policies["strict"], "--baseline", policies["broken"])
    usage_error(*args, "--policy", policies["strict"], "--format", "xml")


# --- 6. unreadable applications -----------------------------------------------------------


def test_unreadable_applications_are_counted_and_do_not_stop_the_backtest(
    book: Book, tmp_path: Path, under_default: list[Decided]
) -> None:
    lines = book.applications.read_bytes().splitlines()
    first = book.book.applications[0]["loan_id"]
    lines[0] = orjson.dumps({"loan_id": first, "character": "?"})  # an invalid application
    lines.insert(10, b'{"loan_id": "L-broken", ')  # not JSON
    lines.insert(20, b"[1, 2, 3]")  # JSON, but no application
    apps = tmp_path / "applications.jsonl"
    apps.write_bytes(b"\n".join(lines) + b"\n")
    run = ok("backtest", apps, "--outcomes", book.outcomes, "--today", TODAY, "--format", "json")
    report = run.json()
    b = report["book"]
    assert b["applications"] == BOOK_SIZE + 2
    assert b["unreadable"] == 3
    assert b["evaluated"] == BOOK_SIZE - 1
    assert b["with_outcome"] == BOOK_SIZE - 1
    assert b["bad"]["events"] == sum(book.bads[1:])
    rest = under_default[1:]
    d = report["decisions"]
    assert d["approve"] + d["approve_with_conditions"] + d["decline"] == BOOK_SIZE - 1
    assert d["approval"]["events"] == sum(x.approved for x in rest)
    expected_auc = roc_auc_score(book.bads[1:], [-x.score for x in rest])
    assert report["ranking"]["score"]["auc"] == pytest.approx(expected_auc, abs=1e-12)
    # the outcome of the unreadable application has an application: no such warning
    assert not [w for w in report["warnings"] if "no application" in w]


def test_outcomes_without_an_application_are_left_out_with_a_warning(
    book: Book, tmp_path: Path
) -> None:
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(
        book.outcomes.read_text("utf-8") + "L-ghost-1,1,2024-01-02\nL-ghost-2,0,2024-01-03\n",
        "utf-8",
    )
    report = ok(
        "backtest", book.applications, "--outcomes", outcomes, "--today", TODAY, "--format", "json"
    ).json()
    assert report["book"]["with_outcome"] == BOOK_SIZE
    assert report["book"]["bad"]["events"] == sum(book.bads)
    assert "2 outcomes have no application in the file and were left out" in report["warnings"]


def test_a_loan_id_written_differently_still_dates_the_application(
    book: Book, tmp_path: Path, under_default: list[Decided]
) -> None:
    today = date.fromisoformat(TODAY)
    moved = [
        i
        for i, raw in enumerate(book.book.applications)
        if evaluate(raw, policy=default_policy(), today=today)["assessment"]["score"]
        != under_default[i].score
    ][:2]
    assert len(moved) == 2
    scores = [d.score for d in under_default]
    expected_auc = roc_auc_score(book.bads, [-s for s in scores])
    on_today = list(scores)
    for i in moved:
        on_today[i] = evaluate(book.book.applications[i], policy=default_policy(), today=today)[
            "assessment"
        ]["score"]
    assert roc_auc_score(book.bads, [-s for s in on_today]) != expected_auc  # a visible change
    apps = [dict(a) for a in book.book.applications]
    outcome_rows = book.outcomes.read_text("utf-8").splitlines()
    first, second = moved
    apps[first]["loan_id"] = 900001  # the id as a number (the outcome's CSV cell: 900001)
    outcome_rows[first + 1] = "900001," + outcome_rows[first + 1].split(",", 1)[1]
    apps[second]["loan_id"] = f" {apps[second]['loan_id']} "  # a space around the id
    (tmp_path / "applications.jsonl").write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in apps))
    (tmp_path / "outcomes.csv").write_text("\n".join(outcome_rows) + "\n", "utf-8")
    report = ok(
        "backtest",
        tmp_path / "applications.jsonl",
        "--outcomes",
        tmp_path / "outcomes.csv",
        "--today",
        TODAY,
        "--format",
        "json",
    ).json()
    assert report["book"]["with_outcome"] == BOOK_SIZE  # both are joined with their outcome
    # each replayed on its outcome's applied_at, as the other applications
    assert report["ranking"]["score"]["auc"] == pytest.approx(expected_auc, abs=1e-12)
    assert not [w for w in report["warnings"] if "no application" in w], report["warnings"]


# --- 7. and 8. simulate -------------------------------------------------------------------


def simulate_args(book: Book, *extra: str | Path) -> list[str | Path]:
    return [
        "simulate",
        book.applications,
        "--outcomes",
        book.outcomes,
        "--today",
        TODAY,
        "--format",
        "json",
        *extra,
    ]


@pytest.fixture(scope="module")
def strict_simulation(book: Book, policies: dict[str, Path]) -> dict[str, Any]:
    report: dict[str, Any] = ok(*simulate_args(book, "--policy", policies["strict"])).json()
    return report


def test_simulate_a_stricter_cut_off_only_swaps_out(
    book: Book,
    strict_simulation: dict[str, Any],
    under_default: list[Decided],
    under_strict: list[Decided],
) -> None:
    report = strict_simulation
    assert report["baseline"] == {"name": "cde-default", "version": "2026.11.1", "scorecard": None}
    assert report["new"]["version"] == "2026.11.1-strict"
    assert report["applications"] == BOOK_SIZE
    assert report["unreadable"] == 0
    assert sum(n for row in report["table"].values() for n in row.values()) == BOOK_SIZE
    for before in report["table"]:
        for after, n in report["table"][before].items():
            expected = sum(
                a.outcome == before and b.outcome == after
                for a, b in zip(under_default, under_strict, strict=True)
            )
            assert n == expected, (before, after)
    out = [
        i
        for i, (a, b) in enumerate(zip(under_default, under_strict, strict=True))
        if a.approved and not b.approved
    ]
    assert out  # the cut-off from 35 to 50 does move some loans, or the test proves nothing
    swap = report["swap"]
    assert swap["swapped_in"] == 0
    assert swap["swapped_out"] == len(out)
    assert swap["approved_both"] == sum(
        a.approved and b.approved for a, b in zip(under_default, under_strict, strict=True)
    )
    assert sum(swap.values()) == BOOK_SIZE
    assert [x["code"] for x in report["drivers"]["swapped_out"]] == ["DECLINE_SCORE_LOW"]
    assert report["drivers"]["swapped_out"][0]["count"] == len(out)
    assert report["drivers"]["swapped_in"] == []
    assert report["approval"]["change"] == -swap["swapped_out"]
    assert report["approval"]["baseline"]["events"] == sum(d.approved for d in under_default)
    assert report["approval"]["new"]["events"] == sum(d.approved for d in under_strict)
    assert report["plafon"]["baseline"] == sum(d.plafon for d in under_default)
    assert report["plafon"]["new"] == sum(d.plafon for d in under_strict)
    assert report["plafon"]["change"] == -sum(under_default[i].plafon for i in out)
    assert report["bad"]["swapped_out"]["count"] == swap["swapped_out"]
    assert report["bad"]["swapped_out"]["events"] == sum(book.bads[i] for i in out)
    assert report["bad"]["swapped_in"]["count"] == 0


def test_simulate_reversed_swaps_in_what_the_strict_one_swapped_out(
    book: Book, policies: dict[str, Path], strict_simulation: dict[str, Any]
) -> None:
    report = ok(
        *simulate_args(book, "--baseline", policies["strict"], "--policy", policies["default_copy"])
    ).json()
    assert report["baseline"]["version"] == "2026.11.1-strict"
    assert report["new"]["version"] == "2026.11.1-copy"
    swapped_out = strict_simulation["swap"]["swapped_out"]
    assert report["swap"]["swapped_in"] == swapped_out
    assert report["swap"]["swapped_out"] == 0
    assert report["approval"]["change"] == swapped_out
    assert report["plafon"]["change"] == -strict_simulation["plafon"]["change"]
    assert report["bad"]["swapped_in"] == strict_simulation["bad"]["swapped_out"]
    assert report["drivers"]["swapped_in"] == strict_simulation["drivers"]["swapped_out"]


@pytest.mark.parametrize("which", ["default_copy", "strict"])
def test_simulate_a_policy_against_itself_swaps_nothing(
    book: Book, policies: dict[str, Path], which: str
) -> None:
    policy = policies[which]
    report = ok(*simulate_args(book, "--baseline", policy, "--policy", policy)).json()
    assert report["swap"]["swapped_in"] == report["swap"]["swapped_out"] == 0
    assert report["swap"]["approved_both"] + report["swap"]["declined_both"] == BOOK_SIZE
    assert report["approval"]["change"] == 0
    assert report["plafon"]["change"] == 0
    assert report["plafon"]["approved_both"]["more"] == 0
    assert report["plafon"]["approved_both"]["less"] == 0
    off_diagonal = [n for b, row in report["table"].items() for a, n in row.items() if a != b and n]
    assert off_diagonal == []


def test_simulate_without_outcomes_has_no_bad_rates(book: Book, policies: dict[str, Path]) -> None:
    report = ok(
        "simulate",
        book.applications,
        "--policy",
        policies["strict"],
        "--today",
        TODAY,
        "--format",
        "json",
    ).json()
    assert "bad" not in report
    assert report["applications"] == BOOK_SIZE


def test_simulate_text_report(book: Book, policies: dict[str, Path]) -> None:
    run = ok(*simulate_args(book, "--policy", policies["strict"], "--format", "text"))
    text = run.text
    assert text.startswith("Simulasi — cde-default 2026.11.1 → cde-default 2026.11.1-strict\n")
    assert "Tabel perpindahan (baseline → baru)" in text
    assert "DECLINE_SCORE_LOW" in text
    english = ok(
        *simulate_args(book, "--policy", policies["strict"], "--format", "text", "--lang", "en")
    ).text
    assert "Swap table (baseline → new)" in english
    assert re.search(r"swapped out \(approve → decline\) +\d+", english)


def test_simulate_workers_give_the_same_json(book: Book, policies: dict[str, Path]) -> None:
    args = simulate_args(book, "--policy", policies["strict"])
    assert ok(*args, "--workers", "2").stdout == ok(*args, "--workers", "1").stdout


# --- 9. a real child process with worker processes ----------------------------------------


def test_backtest_with_two_workers_in_a_real_process(book: Book, tmp_path: Path) -> None:
    shutil.copyfile(book.applications, tmp_path / "applications.jsonl")
    run = real(
        "backtest",
        tmp_path / "applications.jsonl",
        "--outcomes",
        book.outcomes,
        "--today",
        TODAY,
        "--workers",
        "2",
        "--lang",
        "en",
    )
    assert run.code == 0, run.stderr
    assert run.text.startswith("Backtest — cde-default 2026.11.1\n")
    assert f"{BOOK_SIZE} applications, 0 unreadable, {BOOK_SIZE} with an outcome" in run.text
    assert re.search(r"(?m)^  5C score +AUC 0\.\d{3}", run.text)
    assert run.stderr == ""


def test_simulate_starts_worker_processes_in_a_real_process(
    book: Book, policies: dict[str, Path], tmp_path: Path
) -> None:
    probe = tmp_path / "probe.txt"
    run = real(
        *simulate_args(book, "--policy", policies["strict"], "--workers", "2"),
        code=PROBE,
        CDE_TEST_PROBE=str(probe),
    )
    assert run.code == 0, run.stderr
    assert orjson.loads(run.stdout)["applications"] == BOOK_SIZE
    pools = [line.split(":") for line in probe.read_text("utf-8").splitlines()]
    assert len(pools) == 2  # one pool for the baseline's replay, one for the new policy's
    for parent, workers in pools:
        pids = workers.split()
        assert 1 <= len(pids) <= 2
        assert parent not in pids


def test_a_usage_error_in_a_real_process(book: Book) -> None:
    run = real("backtest", book.applications, "--today", TODAY)
    assert run.code == 2
    assert run.stdout == b""
    assert "--outcomes" in run.flat_stderr
