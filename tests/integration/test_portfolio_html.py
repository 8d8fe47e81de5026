"""The HTML reports: one self-contained file (no script, nothing fetched from a network),
its tables and inline SVG charts, in Indonesian and English; and, where Debian's Chromium
is installed, rendered by a real headless browser."""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cde.entrypoints.cli import app
from generate_loan_book import loan_book, write_book
from scorecards import small_scorecard


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.links.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("book")
    apps, outs = write_book(loan_book(300, seed=8), folder)
    card = folder / "card.json"
    card.write_bytes(orjson.dumps(small_scorecard()))
    return apps, outs, card


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDE_POLICY_FILE", raising=False)
    monkeypatch.delenv("CDE_SCORECARD_FILE", raising=False)


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def parsed(html: str) -> Collect:
    found = Collect()
    found.feed(html)
    found.close()
    return found


@pytest.mark.parametrize(("lang", "words"), [("id", "Daya pembeda"), ("en", "Ranking")])
def test_the_backtest_is_one_self_contained_file(
    book: tuple[Path, Path, Path], tmp_path: Path, lang: str, words: str
) -> None:
    apps, outs, card = book
    target = tmp_path / "report.html"
    run(
        "backtest",
        str(apps),
        "--outcomes",
        str(outs),
        "--scorecard",
        str(card),
        "--format",
        "html",
        "--lang",
        lang,
        "-o",
        str(target),
    )
    html = target.read_text("utf-8")
    found = parsed(html)
    assert found.tags.count("svg") == 4  # ROC, score distribution, by grade, by risk band
    assert "polyline" in found.tags  # the ROC curves
    assert "script" not in found.tags
    assert found.links == []  # nothing to fetch: no stylesheet, image or font from anywhere
    assert words in html
    assert f'<html lang="{lang}">' in html


def test_the_simulation_is_one_self_contained_file(
    book: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    apps, outs, _ = book
    strict = tmp_path / "strict.toml"
    text = (Path(__file__).resolve().parents[2] / "src/cde/policies/default.toml").read_text()
    strict.write_text(text.replace("decline_below_score = 35", "decline_below_score = 60"))
    html = run(
        "simulate",
        str(apps),
        "--policy",
        str(strict),
        "--outcomes",
        str(outs),
        "--format",
        "html",
        "--lang",
        "en",
    )
    found = parsed(html)
    assert found.tags.count("svg") == 1
    assert "script" not in found.tags
    assert found.links == []
    assert "swapped out (approve → decline)" in html
    assert "DECLINE_SCORE_LOW" in html  # what drives the swaps


def test_a_real_browser_renders_the_report(
    book: tuple[Path, Path, Path], tmp_path: Path, chromium: str
) -> None:
    apps, outs, card = book
    target = tmp_path / "report.html"
    run(
        "backtest",
        str(apps),
        "--outcomes",
        str(outs),
        "--scorecard",
        str(card),
        "--format",
        "html",
        "-o",
        str(target),
    )
    # the DOM after rendering, with the network switched off: the charts are there
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-extensions",
            "--proxy-server=127.0.0.1:9",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    dom = proc.stdout.decode("utf-8")
    assert dom.count("<svg") == 4
    assert "Kurva ROC" in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1100,1400",
            target.as_uri(),
        ],
        capture_output=True,
        timeout=90,
        check=True,
    )
    assert shot.stat().st_size > 20_000  # a page with charts, not a blank one
