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
from cde.portfolio.backtest import OUTCOMES
from cde.portfolio.stability_text import stability_word
from cde.portfolio.text import pct, word

__all__ = ["backtest_html", "simulate_html", "stability_html"]


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


def _short_bin(label: str) -> str:
    """ "500 < x <= 540" → "≤540", "> 700" → ">700": a bin by its upper edge, under a bar."""
    if "<= " in label:
        return "≤" + label.rsplit("<= ", 1)[1]
    return label.replace("> ", ">")


def stability_html(report: Mapping[str, Any], lang: Lang, title: str = "") -> str:
    """The stability report (:func:`cde.portfolio.stability.stability_report`) as HTML: the
    PSI over time (each week of the current period against the baseline, with the
    thresholds), the score's bins in both periods, the approval rate by week."""

    def sw(key: str) -> str:
        return stability_word(key, lang)

    weeks = report["weekly"]["current"]
    labels = [line["week"][5:] for line in weeks]  # "W07": the year is in the table
    t = report["thresholds"]
    drawn = {
        "psi_over_time": charts.trend(
            labels,
            [
                (
                    "PSI",
                    "#2b6cb0",
                    [line["score_psi"]["psi"] if line["score_psi"] else None for line in weeks],
                ),
                (
                    sw("chance"),
                    "#a0aec0",
                    [
                        line["score_psi"]["chance_95"] if line["score_psi"] else None
                        for line in weeks
                    ],
                ),
            ],
            sw("psi_over_time"),
            "PSI",
            guides=[(t["shift"], "shift"), (t["significant"], "significant")],
        ),
        "approval": charts.trend(
            labels,
            [(sw("approval"), "#38a169", [line["approval"]["rate"] for line in weeks])],
            sw("approval_weekly"),
            sw("approval"),
            percent=True,
        ),
        "score_bins": (
            charts.grouped_bars(
                [_short_bin(b["bin"]) for b in report["score"]["bins"]],
                [
                    (sw("baseline"), "#a0aec0", [b["baseline"] for b in report["score"]["bins"]]),
                    (sw("current"), "#2b6cb0", [b["current"] for b in report["score"]["bins"]]),
                ],
                sw("score_bins"),
                sw("decisions"),
            )
            if report["score"]
            else ""
        ),
    }
    heading = sw("title")
    template = _environment().get_template("stability.html.j2")
    return template.render(
        r=report,
        heading=f"{heading}{' — ' + title if title else ''}",
        subtitle="",
        sw=sw,
        outcomes=OUTCOMES,
        charts={k: Markup(v) for k, v in drawn.items()},  # SVG drawn by charts.py, its text escaped
        **_common(lang),
    )
