"""Small bar charts drawn as SVG on the server: no JavaScript, no chart library, no style
attributes (the page's Content-Security-Policy allows none); colours come from classes the
stylesheet defines (``series-0``, ``series-1``)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 360
SERIES_CLASSES = ("series-0", "series-1")


def _nice_max(value: int) -> int:
    """The top of the scale: the largest value rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _legend(names: Sequence[str], y: int) -> str:
    parts = []
    x = 8
    for index, name in enumerate(names):
        css = SERIES_CLASSES[index % len(SERIES_CLASSES)]
        parts.append(f'<rect class="{css}" x="{x}" y="{y - 10}" width="12" height="12"/>')
        parts.append(f'<text class="chart-label" x="{x + 16}" y="{y}">{escape(name)}</text>')
        x += 24 + 14 * len(name)
    return "".join(parts)


def _svg(title: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def grouped_columns(labels: Sequence[str], series: dict[str, Sequence[int]], title: str) -> Markup:
    """Vertical bars, one group per label (e.g. per week), one bar per series."""
    names = list(series)
    top = _nice_max(max((max(values, default=0) for values in series.values()), default=0))
    left, right, plot_top, plot_height = 28, 8, 28, 150
    group_width = (WIDTH - left - right) / max(1, len(labels))
    bar_width = max(2.0, (group_width - 4) / max(1, len(names)))
    parts = [_legend(names, 16)]
    base = plot_top + plot_height
    for fraction in (0, 0.5, 1):
        y = base - fraction * plot_height
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="chart-axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{round(top * fraction)}</text>'
        )
    label_every = max(1, round(len(labels) / 6))
    for index, label in enumerate(labels):
        x0 = left + index * group_width + 2
        for number, name in enumerate(names):
            value = series[name][index]
            height = plot_height * value / top
            css = SERIES_CLASSES[number % len(SERIES_CLASSES)]
            parts.append(
                f'<rect class="{css}" x="{x0 + number * bar_width:.1f}" y="{base - height:.1f}" '
                f'width="{bar_width - 1:.1f}" height="{height:.1f}">'
                f"<title>{escape(label)} {escape(name)}：{value}</title></rect>"
            )
        if index % label_every == 0:
            parts.append(
                f'<text class="chart-axis" x="{x0 + group_width / 2 - 2:.1f}" y="{base + 14}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _svg(title, base + 22, "".join(parts))


def horizontal_bars(
    rows: Sequence[tuple[str, int, int]], names: tuple[str, str], title: str
) -> Markup:
    """One row per label (a category, a grid) with two bars: e.g. listings and exchanges."""
    label_width, right, row_height = 110, 34, 34
    top = _nice_max(max((max(a, b) for _label, a, b in rows), default=0))
    span = WIDTH - label_width - right
    parts = [_legend(names, 16)]
    y = 28
    for label, first, second in rows:
        parts.append(
            f'<text class="chart-label" x="{label_width - 6}" y="{y + 17}" text-anchor="end">'
            f"{escape(label[:8])}</text>"
        )
        for number, value in enumerate((first, second)):
            width = span * value / top
            bar_y = y + 2 + number * 14
            css = SERIES_CLASSES[number]
            parts.append(
                f'<rect class="{css}" x="{label_width}" y="{bar_y}" width="{width:.1f}" height="12"/>'
                f'<text class="chart-axis" x="{label_width + width + 4:.1f}" y="{bar_y + 10}">{value}</text>'
            )
        y += row_height
    if not rows:
        parts.append(
            f'<text class="chart-label" x="{WIDTH / 2}" y="{y + 20}" text-anchor="middle">暂无数据</text>'
        )
        y += 30
    return _svg(title, y + 6, "".join(parts))
