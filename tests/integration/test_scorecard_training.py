"""Training a scorecard (optbinning, scikit-learn: the extra cde[train]) on generated loan
books whose true PD model is known (benchmarks/generate_loan_book.py), and the
``cde scorecard`` commands."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cde.domain.scorecard.features import ForbiddenFeatureError
from cde.domain.scorecard.model import ScorecardError, load_scorecard, parse_scorecard
from cde.domain.scorecard.scoring import score
from cde.entrypoints.cli import app
from cde.scorecard.training import (
    Fitted,
    TrainingError,
    TrainingUnavailableError,
    _records,
    dumps,
    fit,
    train,
)
from generate_loan_book import LoanBook, loan_book, write_book

pytest.importorskip("optbinning")
pytest.importorskip("sklearn")

from sklearn.metrics import roc_auc_score

BOOK_ROWS = 3000
CLI_ROWS = 1200


@pytest.fixture(scope="module")
def book() -> LoanBook:
    return loan_book(BOOK_ROWS, seed=11)


@pytest.fixture(scope="module")
def fitted(book: LoanBook) -> Fitted:
    return fit(book.applications, book.outcomes, name="test", version="1", seed=5)


def _true_auc_on(book: LoanBook, loan_ids: list[str]) -> float:
    pd = {a["loan_id"]: p for a, p in zip(book.applications, book.pd, strict=True)}
    bad = {o["loan_id"]: o["bad"] for o in book.outcomes}
    return float(roc_auc_score([bad[i] for i in loan_ids], [pd[i] for i in loan_ids]))


def test_training_recovers_most_of_the_true_auc(book: LoanBook, fitted: Fitted) -> None:
    training = fitted.card["training"]
    trained = training["metrics"]["test"]["auc"]
    true = _true_auc_on(book, fitted.test_loan_ids)
    print(f"held-out part: true model's AUC {true:.4f}, trained scorecard's AUC {trained:.4f}")
    assert training["validation"]["method"] == "out-of-time"
    assert training["validation"]["test_rows"] == len(fitted.test_loan_ids)
    assert abs(true - trained) <= 0.05
    assert training["metrics"]["test"]["gini"] == pytest.approx(2 * trained - 1, abs=1e-3)
    assert 0 < training["metrics"]["test"]["ks"] < 1
    # the domain's trends hold: a higher DSR never earns more points
    dsr = next(f for f in fitted.card["features"] if f["name"] == "dsr_pct")
    points = [b["points"] for b in dsr["bins"]]
    assert points == sorted(points, reverse=True)


def test_scoring_py_reproduces_optbinnings_score(fitted: Fitted) -> None:
    card = parse_scorecard(fitted.card)
    names = [f.name for f in card.features]
    for frame in (fitted.train_frame, fitted.test_frame):
        theirs = [float(p) for p in fitted.scorecard.score(frame)]
        ours = [score(r, card).points for r in _records(frame, names)]
        worst = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
        assert worst < 0.01


def test_the_same_data_and_seed_give_the_same_bytes(book: LoanBook, fitted: Fitted) -> None:
    again = train(book.applications, book.outcomes, name="test", version="1", seed=5)
    assert dumps(again) == dumps(fitted.card)


def test_a_book_without_signal_gives_an_auc_near_one_half() -> None:
    flat = loan_book(BOOK_ROWS, seed=12, signal=False)
    card = train(flat.applications, flat.outcomes, name="flat", version="1", seed=5)
    auc = card["training"]["metrics"]["test"]["auc"]
    print(f"no-signal book: held-out AUC {auc:.4f}")
    assert abs(auc - 0.5) <= 0.06


def test_a_tampered_file_is_refused(fitted: Fitted, tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_bytes(dumps(fitted.card))
    assert load_scorecard(path).name == "test"
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    data["features"][0]["bins"][-1]["points"] += 40  # the riskiest DSR bin made friendly
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(ScorecardError, match="do not follow from the WoE"):
        load_scorecard(path)


def test_forbidden_features_are_refused(book: LoanBook) -> None:
    with pytest.raises(ForbiddenFeatureError, match="gender"):
        train(
            book.applications,
            book.outcomes,
            name="x",
            version="1",
            features=["dsr_pct", "gender"],
        )


def test_too_few_bads_are_refused_with_the_numbers(book: LoanBook) -> None:
    outcomes = [dict(o) for o in book.outcomes[:700]]
    bads = [o for o in outcomes if o["bad"]]
    for o in bads[60:]:
        o["bad"] = 0
    with pytest.raises(TrainingError) as caught:
        train(book.applications, outcomes, name="x", version="1")
    message = str(caught.value)
    assert "700 rows with 60 bads" in message
    assert "40 more bads" in message


def test_unmatched_outcomes_are_refused(book: LoanBook) -> None:
    outcomes = [*book.outcomes, {"loan_id": "nope", "bad": 1, "applied_at": None}]
    with pytest.raises(TrainingError, match="1 outcomes have no application: nope"):
        train(book.applications, outcomes, name="x", version="1")


# --- the command line -------------------------------------------------------------------


def test_cli_trains_and_shows(tmp_path: Path) -> None:
    small = loan_book(CLI_ROWS, seed=13)
    apps, outcomes = write_book(small, tmp_path)
    output = tmp_path / "card.json"
    run = CliRunner().invoke(
        app,
        ["scorecard", "train", str(apps), "--outcomes", str(outcomes), "--output", str(output)],
    )
    assert run.exit_code == 0, run.stderr
    for words in ("input sha256", "dsr_pct", "AUC", "Gini", "KS", "bad rate"):
        assert words in run.stdout
    assert load_scorecard(output).training["book"]["rows"] == CLI_ROWS
    shown = CliRunner().invoke(app, ["scorecard", "show", str(output), "--bins"])
    assert shown.exit_code == 0, shown.stderr
    assert "(missing)" in shown.stdout


def test_cli_show_refuses_a_tampered_file(fitted: Fitted, tmp_path: Path) -> None:
    data = dict(fitted.card)
    data["scaling"] = {**data["scaling"], "pdo": 40.0}
    path = tmp_path / "card.json"
    path.write_bytes(orjson.dumps(data))
    run = CliRunner().invoke(app, ["scorecard", "show", str(path)])
    assert run.exit_code == 2
    assert "do not follow from the WoE" in run.stderr
    assert "Traceback" not in run.stderr


def test_cli_without_optbinning_says_to_install_the_extra(
    book: LoanBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_optbinning(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "optbinning" or name.startswith("optbinning."):
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_optbinning)
    monkeypatch.delitem(sys.modules, "optbinning", raising=False)
    with pytest.raises(TrainingUnavailableError, match=r"cde\[train\]"):
        train(book.applications, book.outcomes, name="x", version="1")
    apps, outcomes = write_book(loan_book(10, seed=1), tmp_path)
    run = CliRunner().invoke(
        app,
        [
            "scorecard",
            "train",
            str(apps),
            "--outcomes",
            str(outcomes),
            "--output",
            str(tmp_path / "x.json"),
        ],
    )
    assert run.exit_code == 2
    assert "cde[train]" in run.stderr
    assert run.exception is None or isinstance(run.exception, SystemExit)
    assert "Traceback" not in run.stderr


def test_bad_is_read_as_the_outcomes_give_it(book: LoanBook) -> None:
    words = {0: "tidak", 1: "TRUE"}
    outcomes = [{**o, "bad": words[o["bad"]]} for o in book.outcomes[:10]]
    outcomes.append({"loan_id": book.outcomes[10]["loan_id"], "bad": "maybe"})
    with pytest.raises(TrainingError, match="bad must be 1/0, true/false or ya/tidak"):
        train(book.applications, outcomes, name="x", version="1")
