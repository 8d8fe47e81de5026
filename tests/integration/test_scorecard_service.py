"""A scorecard at the edges: ``cde evaluate|batch --scorecard``, ``CDE_SCORECARD_FILE``,
a policy's ``[scorecard]``, ``cde policy check``, and the HTTP service scoring every
recommendation it stores. The scorecard is ``tests/scorecards.small_scorecard`` (its
figures are hand-worked in tests/unit/test_scorecard_decisions.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cde.bootstrap import bootstrap
from cde.domain.scorecard.model import ScorecardError
from cde.entrypoints.cli import app
from conftest import KOCEK_HEADERS, SEED_FILE, MakeClient, MakeSettings
from scorecards import small_scorecard

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = ROOT / "src" / "cde" / "policies" / "default.toml"
TODAY = "2024-10-21"
ROUTE = "/kocek/cde/credit-recommendation"


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout_bytes, " ".join(result.stderr.split())


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDE_POLICY_FILE", raising=False)
    monkeypatch.delenv("CDE_SCORECARD_FILE", raising=False)


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    path = tmp_path / "card.json"
    path.write_bytes(orjson.dumps(small_scorecard()))
    return path


@pytest.fixture
def scoring_policy(tmp_path: Path, card_file: Path) -> Path:
    """The default policy under another name, naming ``card.json`` beside it and declining
    above a PD of 50 %: the seed (PD 85,5 % on this scorecard) is declined by it too."""
    folder = tmp_path / "policy"
    folder.mkdir()
    shutil.copyfile(card_file, folder / "card.json")
    text = DEFAULT_POLICY.read_text("utf-8")
    text = re.sub(r'(?m)^name = ".*"$', 'name = "ksp-scorecard"', text, count=1)
    text += '\n[scorecard]\nfile = "card.json"\napprove_below_pd = 0.05\ndecline_above_pd = 0.5\n'
    path = folder / "policy.toml"
    path.write_text(text, "utf-8")
    return path


def _scorecard(out: bytes) -> dict[str, Any]:
    scored: dict[str, Any] = orjson.loads(out)["assessment"]["scorecard"]
    return scored


# --- the command line -------------------------------------------------------------------------


def test_evaluate_with_scorecard_adds_the_pd_and_changes_nothing_else(card_file: Path) -> None:
    code, plain, _ = cli("evaluate", str(SEED_FILE), "--today", TODAY)
    assert code == 0
    code, scored, _ = cli(
        "evaluate", str(SEED_FILE), "--today", TODAY, "--scorecard", str(card_file)
    )
    assert code == 0
    with_card, without = orjson.loads(scored), orjson.loads(plain)
    card = with_card["assessment"].pop("scorecard")
    assert card["name"] == "unit"
    assert card["version"] == "1"
    assert 0 < card["pd"] < 1
    assert card["band"] in ("A", "B")
    # no cut-offs in the default policy: the PD is stated, the decision is the same
    for key in ("outcome", "reasons", "conditions", "plafon", "tenure"):
        assert with_card["decision"][key] == without["decision"][key]
    assert with_card["decision"]["thresholds"].pop("approve_below_pd") is None
    assert with_card["decision"]["thresholds"].pop("decline_above_pd") is None
    assert with_card["assessment"] == without["assessment"]
    assert "PD ini sebagai informasi" in with_card["analytic"]


def test_the_environment_names_the_scorecard_and_the_option_wins(
    card_file: Path, tmp_path: Path
) -> None:
    other = small_scorecard()
    other["name"] = "from-option"
    option_file = tmp_path / "option.json"
    option_file.write_bytes(orjson.dumps(other))
    env = {"CDE_SCORECARD_FILE": str(card_file)}
    code, out, _ = cli("evaluate", str(SEED_FILE), "--today", TODAY, env=env)
    assert code == 0
    assert _scorecard(out)["name"] == "unit"
    code, out, _ = cli(
        "evaluate", str(SEED_FILE), "--today", TODAY, "--scorecard", str(option_file), env=env
    )
    assert code == 0
    assert _scorecard(out)["name"] == "from-option"


def test_a_policy_naming_a_scorecard_decides_by_its_pd(scoring_policy: Path) -> None:
    code, out, _ = cli(
        "evaluate", str(SEED_FILE), "--today", TODAY, "--policy", str(scoring_policy)
    )
    assert code == 0
    result = orjson.loads(out)
    assert result["policy"]["name"] == "ksp-scorecard"
    assert result["decision"]["thresholds"]["decline_above_pd"] == 0.5
    assert result["assessment"]["scorecard"]["pd"] > 0.5
    assert result["decision"]["outcome"] == "decline"  # knocked out before the PD is read
    assert result["decision"]["reasons"][0]["code"] == "DECLINE_KNOCKOUT"
    code, memo, _ = cli(
        "evaluate",
        str(SEED_FILE),
        "--today",
        TODAY,
        "--policy",
        str(scoring_policy),
        "--format",
        "markdown",
    )
    assert code == 0
    assert "#### Scorecard" in memo.decode()
    assert "ditolak bila PD di atas 50,00%" in memo.decode()


def test_batch_scores_every_line_with_the_scorecard(card_file: Path, tmp_path: Path) -> None:
    seed = orjson.loads(SEED_FILE.read_bytes())
    lines = [orjson.dumps({**seed, "loan_id": f"loan-{i}"}) for i in range(3)]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    target = tmp_path / "out.jsonl"
    code, _, err = cli(
        "batch", str(source), "-o", str(target), "--today", TODAY, "--scorecard", str(card_file)
    )
    assert code == 0, err
    results = [orjson.loads(line) for line in target.read_bytes().splitlines()]
    assert len(results) == 3
    pds = {r["result"]["assessment"]["scorecard"]["pd"] for r in results}
    assert len(pds) == 1  # the same application, the same PD


def test_a_bad_scorecard_file_is_a_usage_error(card_file: Path, tmp_path: Path) -> None:
    code, out, err = cli(
        "evaluate", str(SEED_FILE), "--today", TODAY, "--scorecard", str(tmp_path / "none.json")
    )
    assert code == 2
    assert out == b""
    assert "invalid scorecard" in err
    assert "none.json" in err
    tampered = small_scorecard()
    tampered["features"].append({**tampered["features"][0], "name": "gender"})
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps(tampered))
    code, _, err = cli("batch", str(SEED_FILE), "-o", str(tmp_path / "o"), "--scorecard", str(bad))
    assert code == 2
    assert "protected or identifying attributes may not be used: gender" in err


def test_policy_check_names_the_scorecard_and_its_cut_offs(scoring_policy: Path) -> None:
    code, _, err = cli("policy", "check", str(scoring_policy))
    assert code == 0
    assert "ok: ksp-scorecard" in err
    assert "scorecard unit 1 (card.json" in err
    assert "PD approve below 5.00%, decline above 50.00%" in err


def test_policy_check_refuses_a_policy_whose_scorecard_is_missing(
    scoring_policy: Path,
) -> None:
    (scoring_policy.parent / "card.json").unlink()
    code, _, err = cli("policy", "check", str(scoring_policy))
    assert code == 2
    assert "scorecard.file" in err


# --- the service ------------------------------------------------------------------------------


def test_the_service_scores_every_recommendation_it_stores(
    make_client: MakeClient, card_file: Path, seed_bytes: bytes
) -> None:
    container, client = make_client(scorecard_file=card_file)
    assert container.policy.scorecard_model is not None
    response = client.post(ROUTE, content=seed_bytes, headers=KOCEK_HEADERS)
    assert response.status_code == 200
    data = response.json()["data"]
    card = data["assessment"]["scorecard"]
    assert card["name"] == "unit"
    assert 0 < card["pd"] < 1
    stored = client.get(f"{ROUTE}/{data['id']}", headers=KOCEK_HEADERS)
    assert stored.status_code == 200
    assert stored.json()["data"]["result"]["assessment"]["scorecard"] == card

    _, plain_client = make_client()  # another process of the deployment, without one
    plain = plain_client.post(ROUTE, content=seed_bytes, headers=KOCEK_HEADERS).json()["data"]
    assert "scorecard" not in plain["assessment"]
    assert plain["decision"]["outcome"] == data["decision"]["outcome"]


def test_the_service_refuses_to_start_on_a_bad_scorecard(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    with pytest.raises(ScorecardError) as refused:
        bootstrap(make_settings(scorecard_file=tmp_path / "none.json"))
    assert "none.json" in str(refused.value)


def test_cde_serve_says_why_it_cannot_start(database_env: dict[str, str], tmp_path: Path) -> None:
    env = {**database_env, "CDE_SCORECARD_FILE": str(tmp_path / "none.json")}
    code, _, err = cli("serve", env=env)
    assert code == 2
    assert "invalid scorecard" in err
    assert "none.json" in err
