"""``cde batch`` end to end: one output line per input line, in order, never aborting;
the same bytes whatever the number of workers; the same results as ``evaluate()``; and
memory that stays flat as the input grows."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

import generate_applications as gen  # benchmarks/ (pytest's pythonpath)
from cde.domain.engine import evaluate
from cde.entrypoints.cli import app
from cde.policies import default_policy

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2024-10-21"
DAY = date(2024, 10, 21)
MAIN = "from cde.entrypoints.cli import main; main()"
N_LINES = 200
BAD_JSON, BLANK, INVALID_FIELD, ARRAY = 10, 50, 100, 150  # 0-based indexes of bad lines


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CDE_POLICY_FILE", "COLUMNS", "LINES", "CDE_PROGRESS")
    }
    env.update(extra)
    return env


def real(
    *args: str, stdin: bytes = b"", timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        input=stdin,
        capture_output=True,
        env=_env(),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    assert b"Traceback" not in proc.stdout
    assert b"Traceback" not in proc.stderr
    return proc


def flat(text: str) -> str:
    return " ".join(text.split())


SUMMARY = re.compile(
    r"(?P<lines>\d+) lines: (?P<evaluated>\d+) evaluated, (?P<errors>\d+) errors; "
    r"outcomes: (?P<outcomes>.*?); total"
)


def parse_summary(stderr: str) -> dict[str, Any]:
    match = SUMMARY.search(flat(stderr))
    assert match, stderr
    outcomes: dict[str, int] = {}
    if match["outcomes"] != "—":
        for part in match["outcomes"].split(", "):
            name, count = part.rsplit(" ", 1)
            outcomes[name] = int(count)
    return {
        "lines": int(match["lines"]),
        "evaluated": int(match["evaluated"]),
        "errors": int(match["errors"]),
        "outcomes": outcomes,
    }


# --- the mixed input ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_lines() -> list[bytes]:
    """200 lines: generated applications with four bad lines among them."""
    apps = list(gen.generate(N_LINES, seed=7))
    lines = [orjson.dumps(a) for a in apps]
    lines[BAD_JSON] = b'{"loan_id": "broken", "character": {'
    lines[BLANK] = b""
    invalid = apps[INVALID_FIELD]
    invalid["character"]["age"] = "abc"
    lines[INVALID_FIELD] = orjson.dumps(invalid)
    lines[ARRAY] = orjson.dumps([apps[ARRAY]])
    return lines


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory: pytest.TempPathFactory, mixed_lines: list[bytes]) -> Path:
    path = tmp_path_factory.mktemp("batch") / "in.jsonl"
    path.write_bytes(b"\n".join(mixed_lines) + b"\n")
    return path


@pytest.fixture(scope="module")
def batch_run(
    tmp_path_factory: pytest.TempPathFactory, mixed_file: Path
) -> tuple[list[bytes], str, int]:
    out = tmp_path_factory.mktemp("batch-out") / "out.jsonl"
    result = CliRunner().invoke(
        app, ["batch", str(mixed_file), "--output", str(out), "--today", TODAY], env=_env()
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return out.read_bytes().splitlines(), result.stderr, result.exit_code


def test_batch_exits_0_despite_bad_lines(batch_run: tuple[list[bytes], str, int]) -> None:
    _, stderr, code = batch_run
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_one_output_line_per_input_line_in_order(
    batch_run: tuple[list[bytes], str, int], mixed_lines: list[bytes]
) -> None:
    out, _, _ = batch_run
    assert len(out) == len(mixed_lines) == N_LINES
    for i, (line_in, line_out) in enumerate(zip(mixed_lines, out, strict=True)):
        record = orjson.loads(line_out)
        if i in (BAD_JSON, BLANK, ARRAY):
            continue
        assert record["loan_id"] == orjson.loads(line_in)["loan_id"], f"line {i + 1}"


def test_good_lines_carry_the_result(
    batch_run: tuple[list[bytes], str, int], mixed_lines: list[bytes]
) -> None:
    out, _, _ = batch_run
    bad = {BAD_JSON, BLANK, INVALID_FIELD, ARRAY}
    for i, line_out in enumerate(out):
        if i in bad:
            continue
        record = orjson.loads(line_out)
        raw = orjson.loads(mixed_lines[i])
        assert set(record) == {"loan_id", "customer_id", "result"}, f"line {i + 1}"
        assert record["customer_id"] == raw["customer_id"]
        assert record["result"]["decision"]["outcome"] in {
            "approve",
            "approve_with_conditions",
            "decline",
        }


def test_bad_lines_carry_an_error_with_their_line_number(
    batch_run: tuple[list[bytes], str, int], mixed_lines: list[bytes]
) -> None:
    out, _, _ = batch_run
    for i in (BAD_JSON, BLANK, INVALID_FIELD, ARRAY):
        record = orjson.loads(out[i])
        assert set(record) == {"loan_id", "error"}, f"line {i + 1}: {record}"
        error = record["error"]
        assert error["line"] == i + 1
        assert isinstance(error["message"], str)
        assert error["message"]
    assert orjson.loads(out[BAD_JSON])["loan_id"] is None
    assert orjson.loads(out[BLANK])["loan_id"] is None
    assert orjson.loads(out[ARRAY])["loan_id"] is None
    assert orjson.loads(out[ARRAY])["error"]["errors"][0]["field"] == "(body)"


def test_invalid_application_names_the_field(
    batch_run: tuple[list[bytes], str, int], mixed_lines: list[bytes]
) -> None:
    out, _, _ = batch_run
    record = orjson.loads(out[INVALID_FIELD])
    assert record["loan_id"] == orjson.loads(mixed_lines[INVALID_FIELD])["loan_id"]
    fields = [e["field"] for e in record["error"]["errors"]]
    assert fields == ["character.age"]
    assert all(e["message"] for e in record["error"]["errors"])


def test_summary_counts_lines_errors_and_outcomes(
    batch_run: tuple[list[bytes], str, int],
) -> None:
    out, stderr, _ = batch_run
    summary = parse_summary(stderr)
    records = [orjson.loads(line) for line in out]
    outcomes = Counter(r["result"]["decision"]["outcome"] for r in records if "result" in r)
    assert summary["lines"] == N_LINES
    assert summary["errors"] == 4
    assert summary["evaluated"] == N_LINES - 4
    assert summary["outcomes"] == dict(outcomes)
    assert sum(outcomes.values()) == N_LINES - 4
    assert len(outcomes) >= 2  # the generated applications are varied


@pytest.mark.parametrize("lang", ["id", "en"])
def test_batch_results_equal_evaluate_of_the_same_line(
    tmp_path: Path, mixed_file: Path, mixed_lines: list[bytes], lang: str
) -> None:
    out = tmp_path / "out.jsonl"
    proc = real("batch", str(mixed_file), "-o", str(out), "--today", TODAY, "--lang", lang)
    assert proc.returncode == 0, proc.stderr
    policy = default_policy()
    compared = 0
    for line_in, line_out in zip(mixed_lines, out.read_bytes().splitlines(), strict=True):
        record = orjson.loads(line_out)
        if "result" not in record:
            continue
        expected = evaluate(orjson.loads(line_in), policy=policy, today=DAY, lang=lang)  # type: ignore[arg-type]
        assert record["result"] == orjson.loads(orjson.dumps(expected))
        compared += 1
    assert compared == N_LINES - 4


def test_two_workers_write_the_same_bytes_as_one(tmp_path: Path, mixed_lines: list[bytes]) -> None:
    # more lines than one chunk per worker, so that chunks really run in parallel
    lines = mixed_lines + [orjson.dumps(a) for a in gen.generate(1500, seed=11)]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}.jsonl"
        proc = real("batch", str(source), "-o", str(out), "--today", TODAY, "--workers", workers)
        assert proc.returncode == 0, proc.stderr
        outputs[workers] = out.read_bytes()
        assert parse_summary(proc.stderr.decode())["lines"] == len(lines)
    assert outputs["1"] == outputs["2"]
    assert outputs["1"].count(b"\n") == len(lines)


def test_stdin_to_stdout_with_dashes(
    mixed_file: Path, batch_run: tuple[list[bytes], str, int]
) -> None:
    proc = real("batch", "-", "--output", "-", "--today", TODAY, stdin=mixed_file.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == batch_run[0]
    assert parse_summary(proc.stderr.decode())["lines"] == N_LINES


def test_stdin_to_stdout_in_process(
    mixed_file: Path, batch_run: tuple[list[bytes], str, int]
) -> None:
    result = CliRunner().invoke(
        app, ["batch", "-", "-o", "-", "--today", TODAY], input=mixed_file.read_bytes(), env=_env()
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.splitlines() == batch_run[0]


def test_input_without_a_final_newline_and_with_crlf(tmp_path: Path) -> None:
    apps = [orjson.dumps(a) for a in gen.generate(3, seed=3)]
    source = tmp_path / "crlf.jsonl"
    source.write_bytes(b"\r\n".join(apps))  # CRLF line ends, none after the last line
    out = tmp_path / "out.jsonl"
    proc = real("batch", str(source), "-o", str(out), "--today", TODAY)
    assert proc.returncode == 0, proc.stderr
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [r["loan_id"] for r in records] == [orjson.loads(a)["loan_id"] for a in apps]
    assert all("result" in r for r in records)


def test_empty_input_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_bytes(b"")
    out = tmp_path / "out.jsonl"
    proc = real("batch", str(source), "-o", str(out), "--today", TODAY)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == b""
    assert parse_summary(proc.stderr.decode())["lines"] == 0


def test_batch_usage_errors(tmp_path: Path, mixed_file: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        app, ["batch", "nope.jsonl", "-o", str(tmp_path / "o.jsonl")], env=_env()
    )
    assert missing.exit_code == 2
    assert "nope.jsonl" in missing.stderr
    unwritable = runner.invoke(
        app, ["batch", str(mixed_file), "-o", str(tmp_path / "no" / "dir" / "o.jsonl")], env=_env()
    )
    assert unwritable.exit_code == 2
    zero = runner.invoke(app, ["batch", str(mixed_file), "-o", "-", "-w", "0"], env=_env())
    assert zero.exit_code == 2
    bad_lang = runner.invoke(app, ["batch", str(mixed_file), "-o", "-", "--lang", "xx"], env=_env())
    assert bad_lang.exit_code == 2
    for result in (missing, unwritable, zero, bad_lang):
        assert "Traceback" not in result.output


def test_batch_with_an_invalid_policy_is_a_usage_error(tmp_path: Path, mixed_file: Path) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text('name = "x"\nversion = "1"\n', "utf-8")
    out = tmp_path / "o.jsonl"
    proc = real("batch", str(mixed_file), "-o", str(out), "--policy", str(policy))
    assert proc.returncode == 2
    assert b"weights" in proc.stderr


def test_batch_policy_file_names_the_policy_in_every_result(tmp_path: Path) -> None:
    text = (ROOT / "src" / "cde" / "policies" / "default.toml").read_text("utf-8")
    text = re.sub(r'(?m)^name = ".*"$', 'name = "ksp-batch"', text, count=1)
    policy = tmp_path / "p.toml"
    policy.write_text(text, "utf-8")
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in gen.generate(300, seed=5)))
    out = tmp_path / "o.jsonl"
    proc = real(
        "batch", str(source), "-o", str(out), "--policy", str(policy), "-w", "2", "--today", TODAY
    )
    assert proc.returncode == 0, proc.stderr
    names = {
        orjson.loads(line)["result"]["policy"]["name"] for line in out.read_bytes().splitlines()
    }
    assert names == {"ksp-batch"}


# --- the generator --------------------------------------------------------------------


def test_generator_is_reproducible_varied_and_valid() -> None:
    first = list(gen.generate(400, seed=1))
    assert first == list(gen.generate(400, seed=1))
    assert first != list(gen.generate(400, seed=2))
    assert len({a["loan_id"] for a in first}) == 400
    policy = default_policy()
    outcomes = Counter(evaluate(a, policy=policy, today=DAY)["decision"]["outcome"] for a in first)
    assert set(outcomes) == {"approve", "approve_with_conditions", "decline"}
    kolek = {a["internal_data"]["collectability"] for a in first}
    assert len(kolek) == 5
    codes = {c["code"] for a in first for c in a["collaterals"]}
    assert codes >= {"LAND", "MBL", "MTR", "DEPOSITO", "EMAS"}
    assert {len(a["collaterals"]) for a in first} == {0, 1, 2, 3}
    assert {a["application"]["loan_interest_method"] for a in first} == {1, 2, 3}
    assert {a["application"]["purpose"] for a in first} == {"Konsumtif", "Modal Kerja", "Investasi"}
    assert all(6 <= a["application"]["tenure"] <= 60 for a in first)
    assert all(1_000_000 <= a["application"]["plafon"] <= 200_000_000 for a in first)


def test_generator_script_writes_n_lines(tmp_path: Path) -> None:
    out = tmp_path / "gen.jsonl"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate_applications.py"), "25", str(out)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = out.read_bytes().splitlines()
    assert len(lines) == 25
    assert [orjson.loads(line) for line in lines] == list(gen.generate(25, seed=0))


# --- memory stays flat ----------------------------------------------------------------

SMALL, LARGE = 5_000, 20_000
MEMORY_SLACK_KB = 30 * 1024

_PEAK = textwrap.dedent(
    """
    import os, sys
    from datetime import date
    from cde.service.batch_file import run_batch

    with open(sys.argv[1], "rb") as source, open(os.devnull, "wb") as sink:
        summary = run_batch(source, sink, policy_file=None, today=date(2024, 10, 21),
                            lang="id", workers=int(sys.argv[2]))
    print(summary.lines, summary.errors, flush=True)
    """
)
# ru_maxrss survives exec: a child started straight from pytest would report at least
# pytest's own peak and hide its growth. A tiny launcher starts the measured process and
# reports os.wait4's figure for it: the largest of that process and its reaped workers.
_LAUNCHER = textwrap.dedent(
    """
    import os, sys
    pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
    _, status, usage = os.wait4(pid, 0)
    print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, flush=True)
    """
)


@pytest.fixture(scope="module")
def sized_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("memory")
    lines = [orjson.dumps(a) + b"\n" for a in gen.generate(LARGE, seed=42)]
    files = {}
    for n in (SMALL, LARGE):
        files[n] = folder / f"{n}.jsonl"
        files[n].write_bytes(b"".join(lines[:n]))
    return files


def _peak_kb(path: Path, workers: int) -> tuple[int, int]:
    proc = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, sys.executable, "-c", _PEAK, str(path), str(workers)],
        capture_output=True,
        env=_env(),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines, errors, code, peak_kb = (int(x) for x in proc.stdout.split())
    assert code == 0, proc.stderr
    assert errors == 0
    return lines, peak_kb


@pytest.mark.parametrize("workers", [1, 2])
def test_memory_stays_flat_as_the_input_grows(sized_inputs: dict[int, Path], workers: int) -> None:
    small_lines, small_peak = _peak_kb(sized_inputs[SMALL], workers)
    large_lines, large_peak = _peak_kb(sized_inputs[LARGE], workers)
    assert (small_lines, large_lines) == (SMALL, LARGE)
    # 15,000 more lines are ~200 MB more output: holding them would show at once
    assert large_peak - small_peak <= MEMORY_SLACK_KB, (
        f"peak RSS {small_peak / 1024:.0f} MB for {SMALL} lines, "
        f"{large_peak / 1024:.0f} MB for {LARGE} lines"
    )


# --- the exact output bytes -----------------------------------------------------------

# The output of ``cde batch`` for PINNED_INPUT on TODAY, pinned by its SHA-256 (taken from
# the line-by-line implementation before the batch was rewritten to hand whole blocks to
# its workers). Every way of running the batch must write exactly these bytes.
PINNED_LINES = 700
PINNED_SHA256 = {
    "id": "316f2a24fba94e091a2bab683ef04f88d066f885bd20dcac55bf656c31ee6c20",
    "en": "38d08b94d8960d50645a2211a8f512935185ae36babaac310cfb5a8e5205d4d5",
}
PINNED_ERRORS = (3, 40, 41, 99, 150, 255, 256, 300, 600)  # 0-based indexes of bad lines


def pinned_input() -> bytes:
    """700 generated applications, bad lines among them (broken JSON, blank, whitespace
    only, an invalid field, an array, a number, a string, null, two invalid fields), a CRLF
    line end, and no newline after the last line."""
    apps = list(gen.generate(PINNED_LINES, seed=15))
    lines = [orjson.dumps(a) for a in apps]
    lines[3] = b'{"loan_id": "broken", "character": {'
    lines[40] = b""
    lines[41] = b"   "
    apps[99]["character"]["age"] = "abc"
    lines[99] = orjson.dumps(apps[99])
    lines[150] = orjson.dumps([apps[150]])
    lines[255] = b"42"
    lines[256] = b'"text"'
    lines[300] = b"null"
    lines[511] = orjson.dumps(apps[511]) + b"\r"
    apps[600]["application"]["plafon"] = "banyak"
    del apps[600]["collaterals"]
    lines[600] = orjson.dumps(apps[600])
    return b"\n".join(lines)


@pytest.fixture(scope="module")
def pinned_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pinned") / "in.jsonl"
    path.write_bytes(pinned_input())
    return path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("workers", "lang"), [("1", "id"), ("2", "id"), ("2", "en")])
def test_batch_writes_the_pinned_bytes(
    tmp_path: Path, pinned_file: Path, workers: str, lang: str
) -> None:
    out = tmp_path / "out.jsonl"
    proc = real(
        "batch", str(pinned_file), "-o", str(out), "-w", workers, "--today", TODAY, "--lang", lang
    )
    assert proc.returncode == 0, proc.stderr
    written = out.read_bytes()
    assert written.count(b"\n") == PINNED_LINES
    assert _sha256(written) == PINNED_SHA256[lang]
    summary = parse_summary(proc.stderr.decode())
    assert (summary["lines"], summary["errors"]) == (PINNED_LINES, len(PINNED_ERRORS))
    errors = [i for i, line in enumerate(written.splitlines()) if b'"error":{"line":' in line]
    assert errors == list(PINNED_ERRORS)


def test_batch_writes_the_pinned_bytes_from_stdin_to_stdout() -> None:
    proc = real("batch", "-", "-o", "-", "-w", "2", "--today", TODAY, stdin=pinned_input())
    assert proc.returncode == 0, proc.stderr
    assert _sha256(proc.stdout) == PINNED_SHA256["id"]


@pytest.mark.parametrize("workers", [1, 2])
def test_final_newlines_and_blank_last_lines(tmp_path: Path, workers: int) -> None:
    """A final newline adds no line; each further one is a blank line (an error line)."""
    from cde.service.batch_file import run_batch

    body = pinned_input()
    outputs = []
    for tail in (b"", b"\n", b"\n\n", b"\n\r\n"):
        sink = io.BytesIO()
        summary = run_batch(
            io.BytesIO(body + tail), sink, policy_file=None, today=DAY, lang="id", workers=workers
        )
        outputs.append((sink.getvalue(), summary.lines, summary.errors))
    (plain, n, errors), (newline, n1, errors1) = outputs[0], outputs[1]
    assert _sha256(plain) == _sha256(newline) == PINNED_SHA256["id"]
    assert (n, errors) == (n1, errors1) == (PINNED_LINES, len(PINNED_ERRORS))
    blank = b'{"loan_id":null,"error":{"line":701,"message":"baris kosong"}}\n'
    for extra, lines, errs in outputs[2:]:
        assert extra == plain + blank
        assert (lines, errs) == (PINNED_LINES + 1, len(PINNED_ERRORS) + 1)


def test_invalid_utf8_and_lone_carriage_returns_are_error_lines(tmp_path: Path) -> None:
    from cde.service.batch_file import run_batch

    app = orjson.dumps(next(iter(gen.generate(1, seed=4))))
    body = b"\xff\xfe{}\n\r\n\r\r\n" + app + b"\r\r\n" + b" " + app + b" \n"
    sink = io.BytesIO()
    summary = run_batch(io.BytesIO(body), sink, policy_file=None, today=DAY, lang="en")
    lines = sink.getvalue().splitlines()
    assert (summary.lines, summary.errors, len(lines)) == (5, 3, 5)
    assert orjson.loads(lines[0])["error"]["message"].startswith("invalid JSON: ")
    assert [orjson.loads(x)["error"]["message"] for x in lines[1:3]] == ["empty line"] * 2
    assert "result" in orjson.loads(lines[3])
    assert "result" in orjson.loads(lines[4])


@pytest.mark.parametrize("size", [1, 777, 4096, 1 << 20])
def test_chunk_boundaries_do_not_change_the_bytes(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Wherever the reads cut the input (inside a line, at a line end, after it), the
    output is the pinned one."""
    from cde.service import batch_file

    monkeypatch.setattr(batch_file, "CHUNK_BYTES", size)
    sink = io.BytesIO()
    summary = batch_file.run_batch(
        io.BytesIO(pinned_input()), sink, policy_file=None, today=DAY, lang="id"
    )
    assert _sha256(sink.getvalue()) == PINNED_SHA256["id"]
    assert (summary.lines, summary.errors) == (PINNED_LINES, len(PINNED_ERRORS))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_chunks_are_whole_lines_numbered_from_one(size: int) -> None:
    from cde.service.batch_file import _chunks

    body = b"a\n\nbb\r\n" + b"c" * 150 + b"\n\n\nd\ne"
    chunks = list(_chunks(io.BytesIO(body), size, 3))
    assert b"".join(data for _, data, _ in chunks) == body
    assert all(data.endswith(b"\n") for _, data, _ in chunks[:-1])
    assert [slot for _, _, slot in chunks] == [i % 3 for i in range(len(chunks))]
    numbers = [first for first, _, _ in chunks]
    expected = [1]
    for _, data, _ in chunks[:-1]:
        expected.append(expected[-1] + data.count(b"\n"))
    assert numbers == expected
    assert list(_chunks(io.BytesIO(b""), size, 3)) == []


@pytest.mark.parametrize(
    ("slot_bytes", "through_slots"), [(None, "all"), (1, "none"), (600_000, "some")]
)
def test_results_come_back_through_shared_memory_or_as_bytes(
    monkeypatch: pytest.MonkeyPatch, slot_bytes: int | None, through_slots: str
) -> None:
    """Workers put a chunk's output in its shared slot, or return it as bytes when it does
    not fit: the parent writes the same bytes either way."""
    from cde.service import batch_file

    monkeypatch.setattr(batch_file, "CHUNK_BYTES", 64 * 1024)
    if slot_bytes is not None:
        monkeypatch.setattr(batch_file, "SLOT_BYTES", slot_bytes)
    from_slots: list[int] = []
    write_slot = batch_file._write_slot

    def counted(sink: Any, slot: Any, length: int) -> None:
        from_slots.append(length)
        write_slot(sink, slot, length)

    monkeypatch.setattr(batch_file, "_write_slot", counted)
    sink = io.BytesIO()
    summary = batch_file.run_batch(
        io.BytesIO(pinned_input()), sink, policy_file=None, today=DAY, lang="id", workers=2
    )
    assert _sha256(sink.getvalue()) == PINNED_SHA256["id"]
    assert summary.lines == PINNED_LINES
    chunks = len(list(batch_file._chunks(io.BytesIO(pinned_input()), 64 * 1024, 1)))
    expected = {"all": chunks, "none": 0}.get(through_slots)
    if expected is None:
        assert 0 < len(from_slots) < chunks
    else:
        assert len(from_slots) == expected
    assert batch_file._SLOTS == []
