"""Server-side SVG charts: no script, no external library, printable, readable by screen
readers (each chart has a <title> and a <desc>, and every mark a <title> tooltip).

- `bar_line_chart`: one bar per category on a count axis (left) and a line of shares (0–100 %,
  right axis), e.g. the cases received each month and their 化解率.
- `hbar_chart`: groups of horizontal bars of shares (0–100 %), e.g. the ladder's funnel.

Every text goes through `escape`/`quoteattr`; the result is marked safe for templates. Colours
are presentation attributes, so a chart looks the same inside a page, alone, or printed."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

__all__ = ["HBarSeries", "bar_line_chart", "hbar_chart", "nice_ticks"]

FONT = (
    '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"WenQuanYi Micro Hei", sans-serif'
)
INK = "#1c2430"
MUTED = "#657184"
GRID = "#e8ecf1"
BAR = "#9fbbdc"
LINE = "#b3261e"
SERIES_COLOURS = ("#123f73", "#1d7044", "#8a5a00", "#9fbbdc")


def nice_ticks(maximum: float, *, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum`, about `count` of them (steps of 1, 2 or
    5 times a power of ten; at least a step of 1)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1)
    top = math.ceil(maximum / step) * step
    return [step * i for i in range(int(round(top / step)) + 1)]


def _number(value: float) -> str:
    """A coordinate: one decimal at most, no locale."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _text(x, y, content: str, *, anchor: str = "middle", size: int = 12, fill: str = INK):
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}">{escape(content)}</text>'
    )


def _svg(*, width: int, height: int, id_prefix: str, title: str, description: str, body: list):
    ids = f"{id_prefix}-title {id_prefix}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby={quoteattr(ids)} '
        f"font-family={quoteattr(FONT)}>"
        f"<title id={quoteattr(id_prefix + '-title')}>{escape(title)}</title>"
        f"<desc id={quoteattr(id_prefix + '-desc')}>{escape(description)}</desc>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text escaped above


def bar_line_chart(
    *,
    id_prefix: str,
    title: str,
    description: str,
    labels: Sequence[str],
    bars: Sequence[int],
    line: Sequence[float | None],
    bar_name: str,
    line_name: str,
    sublabels: Sequence[str] = (),
    width: int = 760,
    height: int = 300,
) -> SafeString:
    """Bars of counts (left axis) and a line of shares in [0, 1] (right axis), one of each
    per label. A None share leaves a gap in the line. `sublabels` (e.g. the year under a
    January) go on a second line under the labels."""
    if not len(labels) == len(bars) == len(line):
        raise ValueError("labels, bars and line must have the same length")
    left, right, top, bottom = 48, 52, 34, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(bars, default=0))
    y_max = ticks[-1] or 1
    slot = plot_w / max(len(labels), 1)
    body = []

    def y_count(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    def y_share(share: float) -> float:
        return top + plot_h - plot_h * share

    # Grid and the count axis (left)
    for tick in ticks:
        y = y_count(tick)
        body.append(
            f'<line x1="{left}" y1="{_number(y)}" x2="{left + plot_w}" y2="{_number(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, f"{tick:g}", anchor="end", size=11, fill=MUTED))
    # The share axis (right)
    for share in (0, 0.25, 0.5, 0.75, 1):
        y = y_share(share)
        body.append(_text(left + plot_w + 6, y + 4, f"{share:.0%}", anchor="start", size=11))
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    # Bars and category labels
    bar_w = slot * 0.56
    for index, (label, value) in enumerate(zip(labels, bars, strict=True)):
        x = left + slot * index + (slot - bar_w) / 2
        y = y_count(value)
        body.append(
            f'<rect class="chart-bar" x="{_number(x)}" y="{_number(y)}" '
            f'width="{_number(bar_w)}" height="{_number(top + plot_h - y)}" fill="{BAR}">'
            f"<title>{escape(f'{label} {bar_name} {value}')}</title></rect>"
        )
        centre = left + slot * (index + 0.5)
        body.append(_text(centre, top + plot_h + 16, label, size=11))
        if index < len(sublabels) and sublabels[index]:
            body.append(_text(centre, top + plot_h + 31, sublabels[index], size=10, fill=MUTED))
    # The line, in segments between gaps, with a marker per point
    segments, current = [], []
    for index, share in enumerate(line):
        if share is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append((left + slot * (index + 0.5), y_share(share)))
    if current:
        segments.append(current)
    for segment in segments:
        points = " ".join(f"{_number(x)},{_number(y)}" for x, y in segment)
        body.append(
            f'<polyline class="chart-line" points="{points}" fill="none" stroke="{LINE}" '
            f'stroke-width="2" stroke-linejoin="round"/>'
        )
    for index, share in enumerate(line):
        if share is None:
            continue
        x, y = left + slot * (index + 0.5), y_share(share)
        tip = escape(f"{labels[index]} {line_name} {_percent(share)}")
        body.append(
            f'<circle class="chart-point" cx="{_number(x)}" cy="{_number(y)}" r="3" '
            f'fill="#fff" stroke="{LINE}" stroke-width="2"><title>{tip}</title></circle>'
        )
    # Legend
    body.append(f'<rect x="{left}" y="10" width="14" height="10" fill="{BAR}"/>')
    body.append(_text(left + 20, 19, bar_name, anchor="start"))
    legend_x = left + 40 + 14 * len(bar_name)
    body.append(
        f'<line x1="{legend_x}" y1="15" x2="{legend_x + 18}" y2="15" stroke="{LINE}" '
        f'stroke-width="2"/>'
    )
    body.append(_text(legend_x + 24, 19, line_name, anchor="start"))
    return _svg(
        width=width,
        height=height,
        id_prefix=id_prefix,
        title=title,
        description=description,
        body=body,
    )


@dataclass(frozen=True)
class HBarSeries:
    """One series of an hbar_chart: its name and one share in [0, 1] (or None) per group."""

    name: str
    shares: Sequence[float | None]


def hbar_chart(
    *,
    id_prefix: str,
    title: str,
    description: str,
    groups: Sequence[str],
    series: Sequence[HBarSeries],
    width: int = 560,
    bar_height: int = 14,
) -> SafeString:
    """Horizontal bars of shares (0–100 %): for each group (a row label), one bar per series,
    labelled with its percentage ("—" for None)."""
    left, right, top = 90, 60, 30
    gap, group_gap = 3, 12
    group_h = len(series) * (bar_height + gap) - gap
    height = top + len(groups) * (group_h + group_gap) + 4
    plot_w = width - left - right
    body = []
    for number, item in enumerate(series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        x = left + number * (plot_w // max(len(series), 1))
        body.append(f'<rect x="{x}" y="8" width="14" height="10" fill="{colour}"/>')
        body.append(_text(x + 20, 17, item.name, anchor="start"))
    for index, group in enumerate(groups):
        y0 = top + index * (group_h + group_gap)
        body.append(_text(left - 8, y0 + group_h / 2 + 4, group, anchor="end"))
        for number, item in enumerate(series):
            share = item.shares[index]
            y = y0 + number * (bar_height + gap)
            colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
            length = plot_w * (share or 0)
            shown = "—" if share is None else _percent(share)
            body.append(
                f'<rect class="chart-bar" x="{left}" y="{_number(y)}" '
                f'width="{_number(length)}" height="{bar_height}" fill="{colour}">'
                f"<title>{escape(f'{group} {item.name} {shown}')}</title></rect>"
            )
            body.append(
                _text(left + length + 5, y + bar_height - 3, shown, anchor="start", size=11)
            )
    body.append(
        f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 4}" stroke="{MUTED}" '
        f'stroke-width="1"/>'
    )
    return _svg(
        width=width,
        height=height,
        id_prefix=id_prefix,
        title=title,
        description=description,
        body=body,
    )
