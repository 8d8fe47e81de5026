"""Small SVG charts for the HTML reports and the workspace's dashboard: drawn here, inline,
so that a page opens with no network and no script. Every chart is a string of SVG whose
texts are all escaped here; the caller marks it safe. Pure: the same data give the same
bytes.

Each chart is an image to assistive technology (``role="img"``, named by its ``<title>``;
``desc``, when given, is its ``<desc>``: the numbers it shows, in words) and scales to its
container (``width="100%"`` over a fixed ``viewBox``), a phone's too."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

__all__ = ["bars", "grouped_bars", "line", "nice_top", "trend"]

W, H = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 30, 40


def _frame(body: list[str], title: str, desc: str = "") -> str:
    described = f"<desc>{escape(desc)}</desc>" if desc else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
        f"{described}"
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="600">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _axes(
    body: list[str],
    y_max: float,
    y_label: str,
    percent: bool,
    tick: Callable[[float], str] | None = None,
) -> None:
    x0, y0, x1, y1 = LEFT, H - BOTTOM, W - RIGHT, TOP
    body.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#444"/>')
    body.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#444"/>')
    for k in range(5):
        value = y_max * k / 4
        y = y0 - (y0 - y1) * k / 4
        digits = 2 if y_max < 5 else 0  # small values (a PSI) need decimals; counts do not
        text = f"{value * 100:.0f}%" if percent else f"{value:.{digits}f}"
        if tick is not None:
            text = escape(tick(value))
        body.append(f'<line x1="{x0 - 4}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}" stroke="#444"/>')
        body.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{text}</text>'
        )
    body.append(
        f'<text x="12" y="{(y0 + y1) / 2:.0f}" font-size="10" '
        f'transform="rotate(-90 12 {(y0 + y1) / 2:.0f})" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )


def _whole(value: float) -> str:
    return f"{value:.0f}"


def nice_top(value: float) -> float:
    """The top of an axis of counts or amounts up to ``value`` (at least 4): four steps
    of 1, 2, 2.5 (from 10 up) or 5 × 10ⁿ, the least that reach ``value``."""
    step = max(value, 4.0) / 4
    magnitude = 1.0
    while magnitude * 10 <= step:
        magnitude *= 10
    factors = (1.0, 2.0, 2.5, 5.0) if magnitude >= 10 else (1.0, 2.0, 5.0)
    found = next((f for f in factors if f * magnitude >= step), 10.0)
    return found * magnitude * 4


def bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    title: str,
    y_label: str,
    *,
    percent: bool = True,
    desc: str = "",
    texts: Sequence[str] | None = None,
    tick: Callable[[float], str] | None = None,
) -> str:
    """One bar per label: a rate 0–1 (``percent``), else a count or an amount on an axis
    up to :func:`nice_top` (``tick`` writes its values); None: no bar, marked "—".
    ``texts``, one per bar (an empty one: none), are written above the bars. With many
    labels only every n-th is written under the axis (eight to fifteen of them)."""
    if texts is not None and len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts for {len(labels)} bars")
    body: list[str] = []
    known = [v for v in values if v is not None]
    top = max([*known, 0.01]) if percent else nice_top(max([*known, 0.0]))
    if tick is None and not percent:
        tick = _whole  # the axis of nice_top has whole steps
    _axes(body, top, y_label, percent=percent, tick=tick)
    slot = (W - LEFT - RIGHT) / max(len(labels), 1)
    step = max(1, len(labels) // 8)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + slot * i
        if value is None:
            body.append(
                f'<text x="{x + slot / 2:.1f}" y="{H - BOTTOM - 4}" font-size="10" '
                'text-anchor="middle">—</text>'
            )
        else:
            h = (H - BOTTOM - TOP) * value / top
            body.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{H - BOTTOM - h:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#2b6cb0"/>'
            )
            if texts is not None and texts[i]:
                body.append(
                    f'<text x="{x + slot / 2:.1f}" y="{H - BOTTOM - h - 3:.1f}" font-size="10" '
                    f'text-anchor="middle">{escape(texts[i])}</text>'
                )
        if i % step == 0:
            body.append(
                f'<text x="{x + slot / 2:.1f}" y="{H - BOTTOM + 14}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _frame(body, title, desc)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    title: str,
    y_label: str,
    *,
    percent: bool = False,
    desc: str = "",
) -> str:
    """Bars side by side per label: ``series`` is ``(name, colour, values)`` (counts; or
    shares 0–1 with ``percent``)."""
    body: list[str] = []
    top = max([v for _, _, values in series for v in values] + [0.01 if percent else 1.0])
    _axes(body, top, y_label, percent=percent)
    slot = (W - LEFT - RIGHT) / max(len(labels), 1)
    width = slot * 0.8 / max(len(series), 1)
    for i, label in enumerate(labels):
        x = LEFT + slot * i + slot * 0.1
        for j, (_, colour, values) in enumerate(series):
            h = (H - BOTTOM - TOP) * values[i] / top
            body.append(
                f'<rect x="{x + width * j:.1f}" y="{H - BOTTOM - h:.1f}" width="{width:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
        body.append(
            f'<text x="{LEFT + slot * i + slot / 2:.1f}" y="{H - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for j, (name, colour, _) in enumerate(series):
        body.append(
            f'<rect x="{W - 150}" y="{TOP + 14 * j}" width="10" height="10" fill="{colour}"/>'
        )
        body.append(
            f'<text x="{W - 136}" y="{TOP + 9 + 14 * j}" font-size="10">{escape(name)}</text>'
        )
    return _frame(body, title, desc)


def line(
    series: Sequence[tuple[str, str, Sequence[tuple[float, float]]]],
    title: str,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
    *,
    desc: str = "",
) -> str:
    """Lines on a unit square (a ROC curve): ``series`` is ``(name, colour, points)``."""
    body: list[str] = []
    _axes(body, 1.0, y_label, percent=True)
    x0, y0, x1, y1 = LEFT, H - BOTTOM, W - RIGHT, TOP

    def at(p: tuple[float, float]) -> str:
        return f"{x0 + (x1 - x0) * p[0]:.1f},{y0 - (y0 - y1) * p[1]:.1f}"

    if diagonal:
        body.append(
            f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#aaa" stroke-dasharray="4"/>'
        )
    for j, (name, colour, points) in enumerate(series):
        if points:
            body.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{" ".join(at(p) for p in points)}"/>'
            )
        body.append(
            f'<rect x="{W - 150}" y="{y0 - 40 + 14 * j}" width="10" height="10" fill="{colour}"/>'
        )
        body.append(
            f'<text x="{W - 136}" y="{y0 - 31 + 14 * j}" font-size="10">{escape(name)}</text>'
        )
    body.append(
        f'<text x="{(x0 + x1) / 2:.0f}" y="{H - 8}" font-size="10" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    return _frame(body, title, desc)


def trend(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    title: str,
    y_label: str,
    *,
    percent: bool = False,
    guides: Sequence[tuple[float, str]] = (),
    desc: str = "",
    y_max: float | None = None,
) -> str:
    """Values over ordered labels (weeks): ``series`` is ``(name, colour, values)``, a None
    a gap in its line; ``guides`` are dashed horizontal lines ``(value, name)`` (thresholds);
    ``y_max`` the top of the axis (default: a tenth above the highest value or guide)."""
    body: list[str] = []
    known = [v for _, _, values in series for v in values if v is not None]
    top = y_max if y_max is not None else max([*known, *(g for g, _ in guides), 0.01]) * 1.1
    _axes(body, top, y_label, percent=percent)
    x0, y0, x1, y1 = LEFT, H - BOTTOM, W - RIGHT, TOP
    slot = (x1 - x0) / max(len(labels), 1)

    def y_of(value: float) -> float:
        return y0 - (y0 - y1) * value / top

    for level, name in guides:
        body.append(
            f'<line x1="{x0}" y1="{y_of(level):.1f}" x2="{x1}" y2="{y_of(level):.1f}" '
            'stroke="#c53030" stroke-dasharray="4"/>'
        )
        body.append(
            f'<text x="{x1 - 2}" y="{y_of(level) - 3:.1f}" font-size="9" text-anchor="end" '
            f'fill="#c53030">{escape(name)}</text>'
        )
    step = max(1, len(labels) // 8)  # at most about eight labels under the axis
    for i, label in enumerate(labels):
        if i % step == 0:
            body.append(
                f'<text x="{x0 + slot * (i + 0.5):.1f}" y="{y0 + 14}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for j, (name, colour, values) in enumerate(series):
        run: list[str] = []
        padded: list[float | None] = [*values, None]  # the None ends the last run
        for i, value in enumerate(padded):
            if value is None:
                if len(run) > 1:
                    body.append(
                        f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                        f'points="{" ".join(run)}"/>'
                    )
                run = []
                continue
            x, y = f"{x0 + slot * (i + 0.5):.1f}", f"{y_of(value):.1f}"
            run.append(f"{x},{y}")
            body.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
        body.append(
            f'<rect x="{W - 150}" y="{TOP + 14 * j}" width="10" height="10" fill="{colour}"/>'
        )
        body.append(
            f'<text x="{W - 136}" y="{TOP + 9 + 14 * j}" font-size="10">{escape(name)}</text>'
        )
    return _frame(body, title, desc)
