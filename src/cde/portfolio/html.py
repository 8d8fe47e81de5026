"""The backtest and simulation reports as one self-contained HTML file: tables and inline
SVG charts (:mod:`cde.portfolio.charts`), no script, no network, in Bahasa Indonesia or
English. Jinja2 renders the templates in ``cde/portfolio/templates`` with autoescaping;
only the charts this package draws are marked safe."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from cde import __version__
from cde.domain.text import Lang, rupiah
from cde.portfolio import charts
from cde.portfolio.text import pct, word

__all__ = ["backtest_html", "simulate_html"]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cde.portfolio", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _common(lang: Lang) -> dict[str, Any]:
    def fmt(value: float, digits: int = 3) -> str:
        text = f"{value:.{digits}f}"
        return text.replace(".", ",") if lang == "id" else text

    return {
        "lang": lang,
        "w": lambda key: word(key, lang),
        "pct": lambda value: pct(value, lang),
        "fmt": fmt,
        "rupiah": lambda value: rupiah(value, lang),
        "version": __version__,
    }


def _rates(groups: list[Mapping[str, Any]]) -> tuple[list[str], list[float | None]]:
    return [str(g["group"]) for g in groups], [g["rate"] for g in groups]


def backtest_html(report: Mapping[str, Any], lang: Lang, title: str = "") -> str:
    """The backtest report (:func:`cde.portfolio.backtest.backtest`) as HTML."""
    w = _common(lang)["w"]
    roc = [(w("score"), "#2b6cb0", [tuple(p) for p in report["roc"]["score"]])]
    if "pd" in report["roc"]:
        roc.append((w("pd"), "#c05621", [tuple(p) for p in report["roc"]["pd"]]))
    bands = report["by_score_band"]
    drawn = {
        "roc": charts.line(roc, w("roc"), w("fpr"), w("tpr"), diagonal=True),
        "distribution": charts.grouped_bars(
            [g["group"] for g in bands],
            [
                (w("goods"), "#38a169", [g["count"] - g["events"] for g in bands]),
                (w("bads"), "#c53030", [g["events"] for g in bands]),
            ],
            w("distribution"),
            w("loans"),
        ),
        "by_grade": charts.bars(*_rates(report["by_grade"]), w("by_grade"), w("bad_rate")),
        "by_pd_band": (
            charts.bars(*_rates(report["by_pd_band"]), w("by_pd_band"), w("bad_rate"))
            if "by_pd_band" in report
            else ""
        ),
    }
    template = _environment().get_template("backtest.html.j2")
    return template.render(
        r=report,
        heading=f"{w('backtest')}{' — ' + title if title else ''}",
        subtitle=title,
        charts={k: Markup(v) for k, v in drawn.items()},  # SVG drawn by charts.py, its text escaped
        **_common(lang),
    )


def simulate_html(report: Mapping[str, Any], lang: Lang, title: str = "") -> str:
    """The simulation report (:func:`cde.portfolio.simulate.simulate`) as HTML."""
    w = _common(lang)["w"]
    cells = list(report["swap"])
    swap = charts.grouped_bars(
        [w(c) for c in cells],
        [(w("applicants"), "#2b6cb0", [report["swap"][c] for c in cells])],
        w("swap"),
        w("applicants"),
    )
    template = _environment().get_template("simulate.html.j2")
    return template.render(
        r=report,
        heading=f"{w('simulation')}{' — ' + title if title else ''}",
        subtitle=title,
        new_label="baru" if lang == "id" else "new",
        charts={"swap": Markup(swap)},  # SVG drawn by charts.py, its text escaped
        **_common(lang),
    )
