"""The backtest and simulation reports as plain text, for a terminal or a file.

Every rate is written with its 95 % interval (``12.3% [9.1–16.4%]``) and a ``*`` when the
group is small (fewer than :data:`~cde.portfolio.metrics.SMALL_GROUP`): the intervals are
the point of a report on a cooperative's few hundred loans.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cde.domain.text import Lang, rupiah

__all__ = ["backtest_text", "simulate_text"]

_WORDS: dict[str, tuple[str, str]] = {
    "backtest": ("Backtest", "Backtest"),
    "policy": ("Kebijakan", "Policy"),
    "applications": ("permohonan", "applications"),
    "unreadable": ("tidak terbaca", "unreadable"),
    "with_outcome": ("dengan hasil", "with an outcome"),
    "bad_rate": ("tingkat macet", "bad rate"),
    "decisions": ("Keputusan", "Decisions"),
    "approval": ("tingkat persetujuan", "approval rate"),
    "bad_approved": ("macet di antara yang disetujui", "bad rate among the approved"),
    "bad_declined": ("macet di antara yang ditolak", "bad rate among the declined"),
    "ranking": ("Daya pembeda", "Ranking"),
    "score": ("skor 5C", "5C score"),
    "pd": ("PD scorecard", "scorecard PD"),
    "by_grade": ("Per grade", "By grade"),
    "by_score_band": ("Per rentang skor", "By score band"),
    "by_pd_band": ("Per kelas risiko", "By risk band"),
    "calibration": ("Kalibrasi PD (desil)", "PD calibration (deciles)"),
    "fairness": ("Keadilan", "Fairness"),
    "gender": ("jenis kelamin", "gender"),
    "age": ("usia", "age"),
    "warnings": ("Peringatan", "Warnings"),
    "small": (
        "* kelompok kecil (< 30): baca dengan intervalnya",
        "* small group (< 30): read it with its interval",
    ),
    "simulation": ("Simulasi", "Simulation"),
    "swap": ("Tabel perpindahan (baseline → baru)", "Swap table (baseline → new)"),
    "approved_both": ("disetujui keduanya", "approved by both"),
    "declined_both": ("ditolak keduanya", "declined by both"),
    "swapped_out": ("keluar (setuju → tolak)", "swapped out (approve → decline)"),
    "swapped_in": ("masuk (tolak → setuju)", "swapped in (decline → approve)"),
    "plafon": ("Total plafon rekomendasi", "Total recommended plafon"),
    "drivers": ("Alasan perpindahan", "What drives the swaps"),
}


def _w(key: str, lang: Lang) -> str:
    return _WORDS[key][0 if lang == "id" else 1]


def _pct(value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}%"
    return text.replace(".", ",") if lang == "id" else text


def _rate(r: Mapping[str, Any], lang: Lang) -> str:
    if r["rate"] is None:
        return "— (0)"
    star = "*" if r["small"] else ""
    return (
        f"{_pct(r['rate'], lang)} [{_pct(r['low'], lang)}–{_pct(r['high'], lang)}] "
        f"({r['events']}/{r['count']}){star}"
    )


def _num(value: float | None, lang: Lang, digits: int = 3) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "id" else text


def _ranking(name: str, r: Mapping[str, Any], lang: Lang) -> str:
    line = (
        f"  {name:<14} AUC {_num(r['auc'], lang)} [{_num(r['auc_low'], lang)}–"
        f"{_num(r['auc_high'], lang)}]  Gini {_num(r['gini'], lang)}  KS {_num(r['ks'], lang)}"
    )
    if "brier" in r:
        line += f"  Brier {_num(r['brier'], lang, 4)}"
    return line + f"  ({r['bads']}/{r['loans']})"


def backtest_text(report: Mapping[str, Any], lang: Lang, title: str = "") -> str:
    """The backtest report as text."""
    b, d = report["book"], report["decisions"]
    lines = [f"{_w('backtest', lang)}{' — ' + title if title else ''}", ""]
    lines.append(
        f"{b['applications']} {_w('applications', lang)}, {b['unreadable']} "
        f"{_w('unreadable', lang)}, {b['with_outcome']} {_w('with_outcome', lang)}; "
        f"{_w('bad_rate', lang)} {_rate(b['bad'], lang)}"
    )
    lines += ["", _w("decisions", lang)]
    lines.append(
        f"  approve {d['approve']} · approve_with_conditions {d['approve_with_conditions']} · "
        f"decline {d['decline']} · plafon {rupiah(d['total_plafon'], lang)}"
    )
    for key, label in (
        ("approval", "approval"),
        ("bad_among_approved", "bad_approved"),
        ("bad_among_declined", "bad_declined"),
    ):
        lines.append(f"  {_w(label, lang):<34} {_rate(d[key], lang)}")
    lines += ["", _w("ranking", lang)]
    for key in ("score", "pd"):
        if key in report["ranking"]:
            lines.append(_ranking(_w(key, lang), report["ranking"][key], lang))
    for section in ("by_grade", "by_score_band", "by_pd_band"):
        if section in report:
            lines += ["", _w(section, lang)]
            lines += [f"  {g['group']:<10} {_rate(g, lang)}" for g in report[section]]
    if "calibration" in report:
        lines += ["", _w("calibration", lang)]
        for c in report["calibration"]:
            lines.append(
                f"  PD {_pct(c['pd_low'], lang)}–{_pct(c['pd_high'], lang)}: "
                f"{_pct(c['predicted'], lang)} vs {_rate(c['observed'], lang)}"
            )
    lines += ["", _w("fairness", lang)]
    for key, groups in report["fairness"].items():
        lines.append(f"  {_w(key, lang)}:")
        for g in groups:
            ratio = _num(g["adverse_impact"], lang, 2)
            flag = "  ⚠" if g["flagged"] else ""
            plafon = rupiah(g["mean_plafon"], lang) if g["mean_plafon"] is not None else "—"
            lines.append(
                f"    {g['group']:<20} n={g['applicants']:<6} {_w('approval', lang)} "
                f"{_rate(g['approval'], lang)}  AIR {ratio}{flag}  plafon {plafon}  "
                f"{_w('bad_rate', lang)} {_rate(g['bad'], lang)}"
            )
    if report["warnings"]:
        lines += ["", _w("warnings", lang)]
        lines += [f"  - {w}" for w in report["warnings"]]
    lines += ["", _w("small", lang)]
    return "\n".join(lines) + "\n"


def simulate_text(report: Mapping[str, Any], lang: Lang, title: str = "") -> str:
    """The simulation report as text."""
    lines = [f"{_w('simulation', lang)}{' — ' + title if title else ''}", ""]
    lines.append(
        f"{report['applications']} {_w('applications', lang)}, {report['unreadable']} "
        f"{_w('unreadable', lang)}"
    )
    lines += ["", _w("swap", lang)]
    columns = list(next(iter(report["table"].values())))
    lines.append(f"  {'':<26}" + "".join(f"{c:>26}" for c in columns))
    for row, counts in report["table"].items():
        lines.append(f"  {row:<26}" + "".join(f"{counts[c]:>26}" for c in columns))
    lines.append("")
    for cell, count in report["swap"].items():
        bad = (
            f"  {_w('bad_rate', lang)} {_rate(report['bad'][cell], lang)}"
            if "bad" in report
            else ""
        )
        lines.append(f"  {_w(cell, lang):<34} {count:>7}{bad}")
    a = report["approval"]
    lines.append(
        f"  {_w('approval', lang):<34} {_rate(a['baseline'], lang)} → {_rate(a['new'], lang)} "
        f"({a['change']:+d})"
    )
    p = report["plafon"]
    lines += [
        "",
        f"{_w('plafon', lang)}: {rupiah(p['baseline'], lang)} → {rupiah(p['new'], lang)} "
        f"({'+' if p['change'] >= 0 else '-'}{rupiah(abs(p['change']), lang)})",
        f"  approved by both: more {p['approved_both']['more']}, less "
        f"{p['approved_both']['less']}, same {p['approved_both']['same']}",
        "",
        _w("drivers", lang),
    ]
    for cell in ("swapped_out", "swapped_in"):
        found = report["drivers"][cell]
        shown = ", ".join(f"{x['code']} {x['count']}" for x in found[:8]) or "—"
        lines.append(f"  {_w(cell, lang)}: {shown}")
    lines += ["", _w("small", lang)]
    return "\n".join(lines) + "\n"
