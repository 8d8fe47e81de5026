"""The ``cde`` command line end to end: typer's CliRunner on ``cde.entrypoints.cli.app``,
plus real subprocess runs of ``cde.entrypoints.cli.main``.

Exit codes (the CLI's docstring): 0 success; 1 the application is invalid; 2 a usage
problem (unreadable file, bad option, invalid policy file). No output ever contains a
traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cde import __version__
from cde.entrypoints.cli import app

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed_request.json"
DEFAULT_POLICY = ROOT / "src" / "cde" / "policies" / "default.toml"
TODAY = "2024-10-21"
MAIN = "from cde.entrypoints.cli import main; main()"


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


def cli(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Run:
    """Invoke the typer app in-process."""
    result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return _no_traceback(Run(result.exit_code, result.stdout_bytes, result.stderr))


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CDE_POLICY_FILE", "COLUMNS", "LINES", "CDE_PROGRESS")
    }
    env.update(extra)
    return env


def real(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> Run:
    """Run the command line in a real child process (no PATH needed)."""
    proc = subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env if env is not None else _clean_env(),
        cwd=cwd,
        timeout=60,
        check=False,
    )
    return _no_traceback(Run(proc.returncode, proc.stdout, proc.stderr.decode("utf-8")))


@pytest.fixture(autouse=True)
def _no_policy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDE_POLICY_FILE", raising=False)


@pytest.fixture
def custom_policy(tmp_path: Path) -> Path:
    """The default policy under another name and version."""
    path = tmp_path / "custom.toml"
    shutil.copyfile(DEFAULT_POLICY, path)
    text = path.read_text("utf-8")
    text, named = re.subn(r'(?m)^name = ".*"$', 'name = "ksp-sejahtera"', text, count=1)
    text, versioned = re.subn(r'(?m)^version = ".*"$', 'version = "2025.1.7"', text, count=1)
    assert named == versioned == 1
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def broken_policy(tmp_path: Path) -> Path:
    """A policy whose one bad setting is ``capacity.dsr_healthy_pct``."""
    path = tmp_path / "broken.toml"
    text = DEFAULT_POLICY.read_text("utf-8")
    text, n = re.subn(r"(?m)^dsr_healthy_pct = 30", 'dsr_healthy_pct = "tiga puluh"', text)
    assert n == 1
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def invalid_application(tmp_path: Path) -> Path:
    raw = orjson.loads(SEED.read_bytes())
    raw["character"]["age"] = "abc"
    del raw["application"]["plafon"]
    path = tmp_path / "invalid.json"
    path.write_bytes(orjson.dumps(raw))
    return path


# --- evaluate: success ----------------------------------------------------------------


def test_evaluate_seed_prints_the_result_object_with_a_decline() -> None:
    run = cli("evaluate", str(SEED), "--today", TODAY)
    assert run.code == 0, run.stderr
    result = run.json()
    assert result["decision"]["outcome"] == "decline"
    assert result["recommendation"] == {"plafon": "0", "tenure": result["recommendation"]["tenure"]}
    assert set(result) >= {
        "5c",
        "recommendation",
        "decision",
        "assessment",
        "data_quality",
        "analytic",
        "policy",
        "narrative_source",
        "engine_version",
    }
    assert result["policy"] == {"name": "cde-default", "version": result["policy"]["version"]}
    assert result["engine_version"] == __version__
    assert result["analytic"].startswith("### Analisis Kredit")


def test_evaluate_markdown_prints_the_memo() -> None:
    run = cli("evaluate", str(SEED), "--today", TODAY, "--format", "markdown")
    assert run.code == 0, run.stderr
    assert run.text.startswith("### Analisis Kredit")
    assert "21bef131-7ef0-405f-bb80-bcc2a53b34ef" in run.text
    # the memo is the result's `analytic`, verbatim
    result = cli("evaluate", str(SEED), "--today", TODAY).json()
    assert run.text == result["analytic"] + "\n"


def test_evaluate_in_english() -> None:
    memo = cli("evaluate", str(SEED), "--today", TODAY, "--format", "markdown", "--lang", "en")
    assert memo.code == 0, memo.stderr
    assert memo.text.startswith("### Credit Analysis")
    result = cli("evaluate", str(SEED), "--today", TODAY, "--lang", "en").json()
    assert result["analytic"].startswith("### Credit Analysis")
    assert result["decision"]["outcome"] == "decline"


def test_evaluate_reads_stdin_with_a_dash() -> None:
    from_file = cli("evaluate", str(SEED), "--today", TODAY)
    from_stdin = cli("evaluate", "-", "--today", TODAY, stdin=SEED.read_bytes())
    assert from_stdin.code == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout


def test_evaluate_reads_stdin_in_a_real_process() -> None:
    run = real("evaluate", "-", "--today", TODAY, stdin=SEED.read_bytes())
    assert run.code == 0, run.stderr
    assert run.json()["decision"]["outcome"] == "decline"


def test_two_real_runs_print_byte_identical_output() -> None:
    first = real("evaluate", str(SEED), "--today", TODAY)
    second = real("evaluate", str(SEED), "--today", TODAY)
    assert first.code == second.code == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout == cli("evaluate", str(SEED), "--today", TODAY).stdout


def test_policy_option_decides_and_is_named_in_the_result(custom_policy: Path) -> None:
    run = cli("evaluate", str(SEED), "--today", TODAY, "--policy", str(custom_policy))
    assert run.code == 0, run.stderr
    assert run.json()["policy"] == {"name": "ksp-sejahtera", "version": "2025.1.7"}


def test_policy_file_environment_variable(custom_policy: Path) -> None:
    env = {"CDE_POLICY_FILE": str(custom_policy)}
    run = cli("evaluate", str(SEED), "--today", TODAY, env=env)
    assert run.code == 0, run.stderr
    assert run.json()["policy"] == {"name": "ksp-sejahtera", "version": "2025.1.7"}
    shown = cli("policy", "show", env=env)
    assert shown.json()["name"] == "ksp-sejahtera"


def test_policy_environment_variable_in_a_real_process(custom_policy: Path) -> None:
    run = real(
        "evaluate", str(SEED), "--today", TODAY, env=_clean_env(CDE_POLICY_FILE=str(custom_policy))
    )
    assert run.code == 0, run.stderr
    assert run.json()["policy"] == {"name": "ksp-sejahtera", "version": "2025.1.7"}


def test_policy_option_wins_over_the_environment(custom_policy: Path, broken_policy: Path) -> None:
    run = cli(
        "evaluate",
        str(SEED),
        "--today",
        TODAY,
        "--policy",
        str(custom_policy),
        env={"CDE_POLICY_FILE": str(broken_policy)},
    )
    assert run.code == 0, run.stderr
    assert run.json()["policy"]["name"] == "ksp-sejahtera"


# --- settings from a .env file, as the service reads them -------------------------------


def _dotenv(folder: Path, **values: str) -> Path:
    """A ``.env`` file in ``folder`` (the working directory of the commands run there)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{name}={value}\n" for name, value in values.items())
    (folder / ".env").write_text(text, "utf-8")
    return folder


def test_evaluate_and_serve_read_the_policy_named_in_a_dotenv_file(
    tmp_path: Path, custom_policy: Path
) -> None:
    """``cde serve`` always read .env; ``cde evaluate`` used the shipped policy instead, so
    the two could decide the same application differently."""
    here = _dotenv(tmp_path / "work", CDE_POLICY_FILE=str(custom_policy))
    run = real("evaluate", str(SEED), "--today", TODAY, cwd=here)
    assert run.code == 0, run.stderr
    assert run.json()["policy"] == {"name": "ksp-sejahtera", "version": "2025.1.7"}
    shown = real("policy", "show", cwd=here)
    assert shown.json()["name"] == "ksp-sejahtera"
    lines = SEED.read_bytes().replace(b"\n", b" ") + b"\n"
    batch = real("batch", "-", "--output", "-", "--today", TODAY, stdin=lines, cwd=here)
    assert batch.code == 0, batch.stderr
    assert orjson.loads(batch.stdout)["result"]["policy"]["name"] == "ksp-sejahtera"


@pytest.mark.parametrize("command", ["evaluate", "batch", "policy-show", "serve"])
@pytest.mark.parametrize("problem", ["invalid", "missing"])
def test_an_unreadable_policy_in_a_dotenv_file_is_an_error_never_the_shipped_one(
    tmp_path: Path, broken_policy: Path, command: str, problem: str
) -> None:
    named = broken_policy if problem == "invalid" else tmp_path / "nowhere.toml"
    here = _dotenv(tmp_path / "work", CDE_POLICY_FILE=str(named), CDE_DATA_DIR="data")
    args = {
        "evaluate": ["evaluate", str(SEED), "--today", TODAY],
        "batch": ["batch", str(SEED), "--output", "-", "--today", TODAY],
        "policy-show": ["policy", "show"],
        "serve": ["serve", "--port", "1"],  # refused before it would listen
    }[command]
    run = real(*args, cwd=here)
    assert run.code == 2, run.stderr
    assert run.stdout == b""
    expected = "capacity.dsr_healthy_pct" if problem == "invalid" else "nowhere.toml"
    assert expected in run.flat_stderr


def test_the_time_zone_of_a_dotenv_file_decides_what_today_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --today, "today" is the clock's date in the configured zone: at 20:00 UTC
    it is already the next day in Jakarta, not yet in UTC."""
    from cde.entrypoints import cli as cli_module
    from clocks import TestClock  # tests/clocks.py (pytest's pythonpath)

    monkeypatch.setattr(cli_module, "clock", TestClock(datetime(2026, 3, 9, 20, 0, tzinfo=UTC)))
    monkeypatch.delenv("CDE_TIMEZONE", raising=False)
    monkeypatch.chdir(_dotenv(tmp_path / "utc", CDE_TIMEZONE="UTC"))
    assert cli("evaluate", str(SEED)).json()["assessment"]["as_of"] == "2026-03-09"
    monkeypatch.chdir(_dotenv(tmp_path / "jakarta", CDE_TIMEZONE="Asia/Jakarta"))
    assert cli("evaluate", str(SEED)).json()["assessment"]["as_of"] == "2026-03-10"
    monkeypatch.chdir(_dotenv(tmp_path / "mars", CDE_TIMEZONE="Mars/Olympus_Mons"))
    refused = cli("evaluate", str(SEED))
    assert refused.code == 2
    assert "CDE_TIMEZONE" in refused.stderr


# --- evaluate: errors -----------------------------------------------------------------


def test_missing_file_is_a_usage_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a short relative name: rich wraps stderr at 80 columns
    run = cli("evaluate", "missing.json", "--today", TODAY)
    assert run.code == 2
    assert "missing.json" in run.stderr
    assert run.stdout == b""


def test_missing_file_in_a_real_process(tmp_path: Path) -> None:
    run = real("evaluate", "nope.json", "--today", TODAY, cwd=tmp_path)
    assert run.code == 2
    assert "nope.json" in run.stderr
    assert run.stdout == b""


def test_a_long_missing_path_is_named_whole_on_stderr(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 40) / ("e" * 40)
    missing = deep / "missing_application.json"
    run = real("evaluate", str(missing), "--today", TODAY)
    assert run.code == 2
    assert str(missing) in run.stderr


def test_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    run = cli("evaluate", str(tmp_path), "--today", TODAY)
    assert run.code == 2


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"loan_id": }', b"\xff\xfe{}", b"not json at all"],
    ids=["empty", "truncated", "bad-value", "not-utf8", "text"],
)
def test_invalid_json_is_a_usage_error(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(body)
    run = cli("evaluate", str(path), "--today", TODAY)
    assert run.code == 2
    assert "JSON" in run.stderr
    assert run.stdout == b""


def test_invalid_json_on_stdin_is_a_usage_error() -> None:
    run = cli("evaluate", "-", "--today", TODAY, stdin=b'{"a": ')
    assert run.code == 2


def test_invalid_application_exits_1_listing_every_bad_field(invalid_application: Path) -> None:
    run = cli("evaluate", str(invalid_application), "--today", TODAY)
    assert run.code == 1
    assert "character.age" in run.stderr
    assert "application.plafon" in run.stderr
    assert run.stdout == b""


def test_invalid_application_in_english(invalid_application: Path) -> None:
    run = cli("evaluate", str(invalid_application), "--today", TODAY, "--lang", "en")
    assert run.code == 1
    assert "Invalid application" in run.stderr
    assert "character.age" in run.stderr
    assert "application.plafon" in run.stderr
    assert "is required" in run.flat_stderr


def test_invalid_application_in_a_real_process(invalid_application: Path) -> None:
    run = real("evaluate", str(invalid_application), "--today", TODAY)
    assert run.code == 1
    assert "character.age" in run.stderr
    assert "application.plafon" in run.stderr


@pytest.mark.parametrize("body", [b"[1, 2, 3]", b'"text"', b"42", b"null"])
def test_a_body_that_is_not_an_object_is_an_invalid_application(
    tmp_path: Path, body: bytes
) -> None:
    path = tmp_path / "body.json"
    path.write_bytes(body)
    run = cli("evaluate", str(path), "--today", TODAY)
    assert run.code == 1
    assert "(body)" in run.stderr


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--lang", "xx"], "--lang"),
        (["--today", "2024-13-01"], "--today"),
        (["--today", "kemarin"], "--today"),
        (["--format", "docx"], "--format"),
    ],
)
def test_bad_options_are_usage_errors(args: list[str], mentions: str) -> None:
    run = cli("evaluate", str(SEED), "--today", TODAY, *args)
    assert run.code == 2
    assert mentions in run.stderr
    assert run.stdout == b""


def test_bad_time_zone_is_a_usage_error() -> None:
    run = cli("evaluate", str(SEED), env={"CDE_TIMEZONE": "Mars/Olympus_Mons"})
    assert run.code == 2
    assert "CDE_TIMEZONE" in run.stderr


def test_invalid_policy_file_is_a_usage_error_naming_the_setting(broken_policy: Path) -> None:
    run = cli("evaluate", str(SEED), "--today", TODAY, "--policy", str(broken_policy))
    assert run.code == 2
    assert "capacity.dsr_healthy_pct" in run.stderr
    assert run.stdout == b""


def test_invalid_policy_from_the_environment_is_a_usage_error(broken_policy: Path) -> None:
    run = cli("evaluate", str(SEED), "--today", TODAY, env={"CDE_POLICY_FILE": str(broken_policy)})
    assert run.code == 2
    assert "capacity.dsr_healthy_pct" in run.stderr


def test_missing_policy_file_is_a_usage_error(tmp_path: Path) -> None:
    run = cli("evaluate", str(SEED), "--today", TODAY, "--policy", str(tmp_path / "none.toml"))
    assert run.code == 2


def test_policy_with_bad_syntax_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "syntax.toml"
    path.write_text('name = "x"\n[weights\n', "utf-8")
    run = cli("policy", "check", str(path))
    assert run.code == 2
    assert "syntax" in run.stderr


# --- policy, version, schedule --------------------------------------------------------


def test_policy_check_accepts_the_default_file() -> None:
    run = cli("policy", "check", str(DEFAULT_POLICY))
    assert run.code == 0, run.stderr
    assert "cde-default" in run.stderr


def test_policy_check_rejects_a_broken_file(broken_policy: Path) -> None:
    run = cli("policy", "check", str(broken_policy))
    assert run.code == 2
    assert "capacity.dsr_healthy_pct" in run.stderr


def test_policy_check_lists_every_problem(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text("utf-8")
    text = re.sub(r"(?m)^dsr_healthy_pct = 30", "dsr_healthy_pct = -5", text)
    text = re.sub(r"(?m)^min_age = 21", "min_age = 3", text)
    path = tmp_path / "two.toml"
    path.write_text(text, "utf-8")
    run = cli("policy", "check", str(path))
    assert run.code == 2
    assert "capacity.dsr_healthy_pct" in run.stderr
    assert "character.min_age" in run.stderr


def test_policy_check_in_a_real_process(broken_policy: Path) -> None:
    assert real("policy", "check", str(DEFAULT_POLICY)).code == 0
    broken = real("policy", "check", str(broken_policy))
    assert broken.code == 2
    assert "capacity.dsr_healthy_pct" in broken.stderr


def test_policy_show_prints_the_default_as_json() -> None:
    run = cli("policy", "show")
    assert run.code == 0, run.stderr
    policy = run.json()
    assert policy["name"] == "cde-default"
    assert policy["weights"]["character"] == 30


def test_policy_show_with_a_policy_file(custom_policy: Path) -> None:
    run = cli("policy", "show", "--policy", str(custom_policy))
    assert run.code == 0, run.stderr
    assert run.json()["name"] == "ksp-sejahtera"
    assert run.json()["version"] == "2025.1.7"


def test_version_prints_the_version() -> None:
    run = cli("version")
    assert run.code == 0
    assert __version__ in run.text
    assert "cde-default" in run.text


def test_version_in_a_real_process() -> None:
    run = real("version")
    assert run.code == 0, run.stderr
    assert run.text.startswith(f"cde {__version__}")


def test_schedule_json_first_installment() -> None:
    run = cli(
        "schedule",
        "--plafon",
        "10000000",
        "--tenure",
        "12",
        "--interest",
        "12",
        "--method",
        "anuitas",
        "--format",
        "json",
    )
    assert run.code == 0, run.stderr
    schedule = run.json()
    assert schedule["installment"] == 888488
    assert schedule["rows"][0]["installment"] == 888488
    assert len(schedule["rows"]) == 12
    assert schedule["rows"][-1]["balance"] == 0


def test_schedule_bad_format_is_a_usage_error() -> None:
    run = cli("schedule", "--plafon", "1000000", "--tenure", "12", "--interest", "12",
              "--format", "pdf")  # fmt: skip
    assert run.code == 2


def test_no_arguments_prints_help_without_a_traceback() -> None:
    run = cli()
    assert run.code in (0, 2)
    assert "evaluate" in run.text + run.stderr


def test_unknown_command_is_a_usage_error() -> None:
    run = cli("evaluat", str(SEED))
    assert run.code == 2
