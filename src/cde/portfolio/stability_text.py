"""The stability report (:mod:`cde.portfolio.stability`) as plain text, for a terminal
(``cde report stability``): headings in Indonesian or English, the warnings as the report
writes them. Every rate with its 95 % interval and a ``*`` for a small group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cde.domain.text import Lang
from cde.portfolio.backtest import OUTCOMES
from cde.portfolio.text import num, pct, rate_text

__all__ = ["stability_text", "stability_word"]

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Stabilitas dan keadilan", "Stability and fairness"),
    "baseline": ("baseline", "baseline"),
    "current": ("periode kini", "current"),
    "decisions": ("keputusan", "decisions"),
    "with_outcome": ("dengan hasil", "with an outcome"),
    "score": ("PSI skor 5C", "PSI of the 5C score"),
    "pd": ("PSI PD scorecard", "PSI of the scorecard PD"),
    "no_psi": ("tidak ada PSI (periode kosong)", "no PSI (an empty period)"),
    "characteristics": ("Stabilitas karakteristik (CSI)", "Characteristic stability (CSI)"),
    "weekly": ("Per minggu (ISO)", "By ISO week"),
    "approval": ("persetujuan", "approval"),
    "fairness": ("Keadilan (periode kini)", "Fairness (current period)"),
    "gender": ("jenis kelamin", "gender"),
    "age": ("usia", "age"),
    "warnings": ("Peringatan", "Warnings"),
    "thresholds": ("Ambang PSI", "PSI thresholds"),
    "noise": ("derau", "noise"),
    "chance": ("peluang 95%", "chance 95%"),
    "from_to": ("tanggal", "dates"),
    "psi_over_time": ("PSI skor per minggu", "Score PSI by week"),
    "score_bins": ("Sebaran skor 5C", "5C score distribution"),
    "approval_weekly": ("Tingkat persetujuan per minggu", "Approval rate by week"),
    "applications": ("permohonan", "applications"),
    "small": (
        "* kelompok kecil (< 30): baca dengan intervalnya",
        "* small group (< 30): read it with its interval",
    ),
}


def stability_word(key: str, lang: Lang) -> str:
    """The stability report's word for ``key`` in ``lang`` (the HTML report's too)."""
    return _WORDS[key][0 if lang == "id" else 1]


_w = stability_word


def _psi_line(s: Mapping[str, Any], lang: Lang) -> str:
    return (
        f"{num(s['psi'], lang)} ({s['level']}; noise {num(s['noise'], lang)}, "
        f"chance 95% {num(s['chance_95'], lang)}; n {s['baseline_count']} → "
        f"{s['current_count']})"
    )


def _week_psi(line: Mapping[str, Any], lang: Lang) -> str:
    found = line.get("score_psi")
    if not found:
        return ""
    return f"  PSI {num(found['psi'], lang)} ({_w('chance', lang)} {num(found['chance_95'], lang)})"


def _mix(line: Mapping[str, Any], lang: Lang) -> str:
    return " / ".join(pct(line["mix"][o], lang) for o in OUTCOMES)


def stability_text(report: Mapping[str, Any], lang: Lang = "en", title: str = "") -> str:
    """The stability report as text."""
    periods = report["periods"]
    lines = [f"{_w('title', lang)}{' — ' + title if title else ''}", ""]
    for key in ("baseline", "current"):
        p = periods[key]
        lines.append(
            f"{_w(key, lang):<13} {p['from']}..{p['to']}: {p['applications']} "
            f"{_w('decisions', lang)}, {p['with_outcome']} {_w('with_outcome', lang)}"
        )
    t = report["thresholds"]
    lines.append(
        f"{_w('thresholds', lang)}: stable < {num(t['shift'], lang, 2)} <= shift < "
        f"{num(t['significant'], lang, 2)} <= significant (Siddiqi 2006)"
    )
    lines.append("")
    for key in ("score", "pd"):
        section = report[key]
        if section is not None:
            lines.append(f"{_w(key, lang):<26} {_psi_line(section, lang)}")
        elif key == "score":
            lines.append(f"{_w(key, lang):<26} {_w('no_psi', lang)}")
    if report["characteristics"]:
        lines += ["", _w("characteristics", lang)]
        for c in report["characteristics"]:
            lines.append(f"  {c['feature']:<26} {_psi_line(c, lang)}")
    weekly = report["weekly"]
    lines += ["", _w("weekly", lang) + f"  ({_w('approval', lang)}; {' / '.join(OUTCOMES)})"]
    for line in [weekly["baseline"], *weekly["current"]]:
        lines.append(
            f"  {line['week']:<9} {line['from']}..{line['to']}  n={line['applications']:<5} "
            f"{rate_text(line['approval'], lang)}  {_mix(line, lang)}{_week_psi(line, lang)}"
        )
    lines += ["", _w("fairness", lang)]
    for key, groups in report["fairness"].items():
        lines.append(f"  {_w(key, lang)}:")
        for g in groups:
            flag = "  !" if g["flagged"] else ""
            plafon = "—" if g["mean_plafon"] is None else f"{g['mean_plafon']:,}"
            lines.append(
                f"    {g['group']:<20} n={g['applicants']:<6} {_w('approval', lang)} "
                f"{rate_text(g['approval'], lang)}  AIR {num(g['adverse_impact'], lang, 2)}{flag}"
                f"  plafon {plafon}  bad {rate_text(g['bad'], lang)}"
            )
    if report["warnings"]:
        lines += ["", _w("warnings", lang)]
        lines += [f"  - {w}" for w in report["warnings"]]
    lines += ["", _w("small", lang)]
    return "\n".join(lines) + "\n"
