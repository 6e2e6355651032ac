"""Server-side SVG charts for the reports: readable without script, with a title and a
description for screen readers, and the numbers written on the bars.

* ``compliance_bars``: one stacked bar per slice (on time, late, violated), share met written;
* ``weekly_columns``: share met per week as columns against a 0-100 % scale;
* ``timing_bars``: average and p90 business time per tier;
* ``csat_bars``: CSAT (the share of satisfied answers) per group;
* ``trend_lines``: weekly lines (time to first response and resolution; reopen rate and CSAT).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from caseclock.console.templating import duration
from caseclock.services.csat import CsatSlice
from caseclock.services.reports import Slice, TimeStats

WIDTH = 640
LABEL_W = 165
VALUE_W = 120
ROW_H = 30
BAR_H = 18
ON_TIME, LATE, VIOLATED = "#1f7a3a", "#b45309", "#b42318"
AVERAGE, P90 = "#5b8def", "#1d3f91"
INK, MUTED, GRID = "#1b1f24", "#57606a", "#d0d7de"


def _svg(title: str, description: str, height: int, body: list[str]) -> Markup:
    ident = "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 (every value is escaped)


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, bold: bool = False
) -> str:
    weight = ' font-weight="600"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{weight}>'
        f"{escape(text)}</text>"
    )


# The most characters a row's label shows in the label column (13 px type, ~7 units a character);
# a longer one ends in an ellipsis, its whole text on hover and in the chart's description.
LABEL_CHARS = (LABEL_W - 14) // 7


def _row_label(y: float, label: str) -> str:
    """A row's label, right-aligned in the label column, cut short to fit it."""
    if len(label) <= LABEL_CHARS:
        return _text(LABEL_W - 10, y, label, anchor="end")
    short = label[: LABEL_CHARS - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
    return (
        f'<text x="{LABEL_W - 10:.1f}" y="{y:.1f}" text-anchor="end" fill="{INK}">'
        f"<title>{escape(label)}</title>{escape(short)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, *, fill: str, label: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" rx="2" '
        f'fill="{fill}"><title>{escape(label)}</title></rect>'
    )


def _legend(y: float, items: Sequence[tuple[str, str]]) -> list[str]:
    out, x = [], LABEL_W
    for colour, name in items:
        out.append(_rect(x, y - 10, 12, 12, fill=colour, label=name))
        out.append(_text(x + 18, y, name, fill=MUTED))
        x += 30 + 8 * len(name)
    return out


def compliance_bars(title: str, slices: Sequence[Slice]) -> Markup:
    """Stacked bars of on-time, late and violated shares, one per slice."""
    track = WIDTH - LABEL_W - VALUE_W
    body = _legend(16, [(ON_TIME, "met"), (LATE, "completed late"), (VIOLATED, "violated")])
    described = []
    for index, item in enumerate(slices):
        y = 32 + index * ROW_H
        c = item.counts
        body.append(_row_label(y + 13, item.label))
        body.append(_rect(LABEL_W, y, track, BAR_H, fill="#eef1f4", label="no decided milestones"))
        x = float(LABEL_W)
        for amount, colour, name in (
            (c.on_time, ON_TIME, "met"),
            (c.late, LATE, "late"),
            (c.violated, VIOLATED, "violated"),
        ):
            if c.decided and amount:
                w = track * amount / c.decided
                body.append(
                    _rect(x, y, w, BAR_H, fill=colour, label=f"{item.label}: {amount} {name}")
                )
                x += w
        share = "no data" if c.rate is None else f"{c.rate:.0%}"
        body.append(_text(WIDTH - VALUE_W + 10, y + 13, share, bold=True))
        body.append(_text(WIDTH - 6, y + 13, f"of {c.decided}", anchor="end", fill=MUTED))
        described.append(f"{item.label}: {share} met of {c.decided}")
    height = 32 + max(len(slices), 1) * ROW_H
    if not slices:
        body.append(_text(LABEL_W, 50, "Nothing decided in this period.", fill=MUTED))
    return _svg(title, "; ".join(described) or "no data", height, body)


def weekly_columns(title: str, slices: Sequence[Slice]) -> Markup:
    """Share met per week as columns; gridlines at 50 % and 90 %."""
    height, top, bottom, left = 240, 16, 200, 44
    inner_w = WIDTH - left - 10
    body = []
    for share in (0.0, 0.5, 0.9, 1.0):
        y = bottom - (bottom - top) * share
        body.append(
            f'<line x1="{left}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-dasharray="{"0" if share in (0.0, 1.0) else "4 3"}"/>'
        )
        body.append(_text(left - 6, y + 4, f"{share:.0%}", anchor="end", fill=MUTED))
    n = max(len(slices), 1)
    step = inner_w / n
    col = min(step * 0.7, 48)
    described = []
    for index, item in enumerate(slices):
        rate = item.counts.rate
        x = left + index * step + (step - col) / 2
        label = item.label[5:] if len(item.label) == 10 else item.label  # "2026-03-09" -> "03-09"
        if rate is not None:
            h = (bottom - top) * rate
            colour = ON_TIME if rate >= 0.9 else LATE if rate >= 0.75 else VIOLATED
            body.append(
                _rect(x, bottom - h, col, h, fill=colour, label=f"week of {item.label}: {rate:.0%}")
            )
            body.append(_text(x + col / 2, bottom - h - 4, f"{rate:.0%}", anchor="middle"))
        body.append(_text(x + col / 2, bottom + 16, label, anchor="middle", fill=MUTED))
        described.append(f"week of {item.label}: {'no data' if rate is None else f'{rate:.0%}'}")
    body.append(_text(left, height - 4, "week starting (Monday)", fill=MUTED))
    return _svg(title, "; ".join(described) or "no data", height, body)


def timing_bars(title: str, stats: Sequence[TimeStats]) -> Markup:
    """Average and p90 business time side by side per tier."""
    track = WIDTH - LABEL_W - VALUE_W - 40  # room for the value written after the longest bar
    longest = max((s.p90.total_seconds() for s in stats if s.p90 is not None), default=0.0)
    body = _legend(16, [(AVERAGE, "average"), (P90, "90th percentile")])
    described = []
    row = 2 * BAR_H + 14
    for index, item in enumerate(stats):
        y = 30 + index * row
        body.append(_row_label(y + BAR_H + 3, item.label))
        for offset, value, colour, name in (
            (0, item.average, AVERAGE, "average"),
            (BAR_H + 2, item.p90, P90, "p90"),
        ):
            if value is None:
                continue
            w = track * value.total_seconds() / longest if longest else 0
            body.append(
                _rect(LABEL_W, y + offset, w, BAR_H, fill=colour, label=f"{item.label} {name}")
            )
            body.append(
                _text(LABEL_W + w + 6, y + offset + 13, f"{name} {duration(value)}", fill=INK)
            )
        body.append(
            _text(WIDTH - 10, y + BAR_H + 3, f"{item.count} cases", anchor="end", fill=MUTED)
        )
        described.append(
            f"{item.label}: average {duration(item.average)}, p90 {duration(item.p90)}"
        )
    height = 30 + max(len(stats), 1) * row
    return _svg(title, "; ".join(described) or "no data", height, body)


CSAT_BAR, SPEED_FR, SPEED_RES, REOPEN, CSAT_LINE = (
    "#1f7a3a",
    "#5b8def",
    "#1d3f91",
    "#b42318",
    "#1f7a3a",
)


def csat_bars(title: str, slices: Sequence[CsatSlice]) -> Markup:
    """CSAT (the share of satisfied answers) per group as bars, answers counted beside."""
    track = WIDTH - LABEL_W - VALUE_W
    body = []
    described = []
    for index, item in enumerate(slices):
        y = 10 + index * ROW_H
        body.append(_row_label(y + 13, item.label))
        body.append(_rect(LABEL_W, y, track, BAR_H, fill="#eef1f4", label="no answers"))
        rate = item.rate
        if rate is not None:
            name = f"{item.label}: {rate:.0%} satisfied"
            body.append(_rect(LABEL_W, y, track * rate, BAR_H, fill=CSAT_BAR, label=name))
        shown = "no data" if rate is None else f"{rate:.0%}"
        body.append(_text(WIDTH - VALUE_W + 10, y + 13, shown, bold=True))
        body.append(_text(WIDTH - 6, y + 13, f"of {item.answers}", anchor="end", fill=MUTED))
        described.append(f"{item.label}: {shown} satisfied of {item.answers} answers")
    if not slices:
        body.append(_text(LABEL_W, 28, "No answers in this period.", fill=MUTED))
    height = 10 + max(len(slices), 1) * ROW_H
    return _svg(title, "; ".join(described) or "no data", height, body)


Series = tuple[str, str, Sequence[float | None]]  # name, colour, one value per week


def trend_lines(
    title: str,
    weeks: Sequence[str],
    series: Sequence[Series],
    *,
    top: float | None = None,
    shown: Callable[[float], str],
) -> Markup:
    """One line per series over the weeks (a week without a value breaks the line), the
    vertical scale from 0 to ``top`` (or the largest value), values written at the points."""
    height, upper, bottom, left = 250, 34, 200, 64
    inner_w = WIDTH - left - 24
    largest = max((v for _, _, values in series for v in values if v is not None), default=0.0)
    ceiling = top if top is not None else (largest or 1.0)
    body = _legend(14, [(colour, name) for name, colour, _ in series])
    for part in (0.0, 0.5, 1.0):
        y = bottom - (bottom - upper) * part
        body.append(
            f'<line x1="{left}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-dasharray="{"0" if part in (0.0, 1.0) else "4 3"}"/>'
        )
        body.append(_text(left - 6, y + 4, shown(ceiling * part), anchor="end", fill=MUTED))
    step = inner_w / max(len(weeks) - 1, 1)
    every = max(1, round(len(weeks) / 8))  # at most about eight week labels
    for index, week in enumerate(weeks):
        if index % every == 0:
            x = left + index * step
            body.append(_text(x, bottom + 16, week[5:], anchor="middle", fill=MUTED))
    described = []
    for name, colour, values in series:
        points: list[tuple[float, float, float]] = []
        dots: list[tuple[float, float, float]] = []
        for index, value in enumerate(values):
            if value is None:
                body.extend(_polyline(points, colour))
                points = []
                continue
            x = left + index * step
            y = bottom - (bottom - upper) * min(value / ceiling, 1.0) if ceiling else bottom
            points.append((x, y, value))
            dots.append((x, y, value))
        body.extend(_polyline(points, colour))
        words = ", ".join(
            f"{week}: {'no data' if v is None else shown(v)}"
            for week, v in zip(weeks, values, strict=True)
        )
        described.append(f"{name}: {words}")
        body.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
            f"<title>{escape(name)}: {escape(shown(value))}</title></circle>"
            for x, y, value in dots
        )
    body.append(_text(left, height - 4, "week starting (Monday)", fill=MUTED))
    return _svg(title, "; ".join(described) or "no data", height, body)


def _polyline(points: Sequence[tuple[float, float, float]], colour: str) -> list[str]:
    if len(points) < 2:
        return []
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
    return [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>']
