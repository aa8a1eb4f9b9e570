"""Charts drawn on the server as SVG, with no JavaScript: bars per district and lines over terms. Pure.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`; the page
puts a data table beside it, for screen readers and for copying. Lines differ by marker shape and
dash as well as by colour, and every series is named in a legend, so nothing is told apart by
colour alone (WCAG 1.4.1); each colour has at least 3:1 contrast against white (WCAG 1.4.11).
Every scale guards its span, so an empty chart or all-zero values never divide by zero.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 640
COLOURS = ("#0a4f8f", "#b00020", "#1d5e2d", "#7a4a00", "#5b2a86", "#00626b", "#4a4a4a")
DASHES = ("", "7 4", "2 4", "10 4 2 4", "4 4", "12 3", "1 3")
MARKERS = ("circle", "square", "triangle", "diamond", "down", "cross", "bar")

BAR_LABEL_WIDTH, BAR_TEXT_WIDTH, BAR_ROW = 170, 170, 28
LINE_HEIGHT, LINE_LEFT, LINE_RIGHT, LINE_TOP, LINE_BOTTOM, LEGEND_ROW = 260, 56, 24, 16, 36, 22


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None   # in the chart's unit; None: no figure (no bar, "–" beside it)
    text: str             # the value as written beside the bar, e.g. "67 %"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per label of the chart; None leaves a gap in the line


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar], *, lowest: float = 0.0,
              highest: float = 0.0, empty_text: str = "–") -> str:
    """Horizontal bars from a zero line (negative values to the left), one row per bar with its label and
    value written out; the scale spans at least `lowest`..`highest` (e.g. 0..100 for per cent)."""
    if not bars:
        return _empty(chart_id, title, description, empty_text)
    values = [b.value for b in bars if b.value is not None]
    low, high = _domain([*values, lowest, highest, 0.0])
    left, right = BAR_LABEL_WIDTH, WIDTH - BAR_TEXT_WIDTH

    def x(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    height = BAR_ROW * len(bars) + 16
    parts = [_open(chart_id, title, description, height),
             f'<line x1="{_n(x(0))}" y1="4" x2="{_n(x(0))}" y2="{height - 8}" stroke="#1b1b1b" stroke-width="1"/>']
    for row, bar in enumerate(bars):
        top = 8 + row * BAR_ROW
        middle = top + BAR_ROW / 2
        parts.append(f'<text x="{left - 8}" y="{_n(middle)}" text-anchor="end" dominant-baseline="middle" '
                     f'font-size="14">{escape(bar.label)}</text>')
        if bar.value is not None:
            start, end = sorted((x(0), x(bar.value)))
            parts.append(f'<rect class="bar" x="{_n(start)}" y="{top + 5}" width="{_n(end - start)}" '
                         f'height="{BAR_ROW - 10}" fill="{COLOURS[0]}" data-value="{_n(bar.value)}"/>')
        parts.append(f'<text x="{right + 8}" y="{_n(middle)}" dominant-baseline="middle" font-size="14">'
                     f'{escape(bar.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(chart_id: str, title: str, description: str, labels: Sequence[str], series: Sequence[Series], *,
               lowest: float = 0.0, highest: float = 0.0, unit: str = "", decimal: str = ",",
               empty_text: str = "–") -> str:
    """Lines over `labels` (e.g. terms), one per series, with markers at each value, a labelled vertical scale
    of five steps and a legend below; the scale spans at least `lowest`..`highest`."""
    values = [v for s in series for v in s.values if v is not None]
    if not labels or not series:
        return _empty(chart_id, title, description, empty_text)
    low, high = _domain([*values, lowest, highest])
    left, right, top, bottom = LINE_LEFT, WIDTH - LINE_RIGHT, LINE_TOP, LINE_HEIGHT - LINE_BOTTOM

    def x(index: int) -> float:
        return (left + right) / 2 if len(labels) == 1 else left + index * (right - left) / (len(labels) - 1)

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    height = LINE_HEIGHT + LEGEND_ROW * len(series) + 8
    parts = [_open(chart_id, title, description, height)]
    for step in range(5):
        value = low + step * (high - low) / 4
        parts.append(f'<line x1="{left}" y1="{_n(y(value))}" x2="{right}" y2="{_n(y(value))}" stroke="#c9ced6" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{_n(y(value))}" text-anchor="end" dominant-baseline="middle" '
                     f'font-size="12">{escape(_tick(value, high - low, decimal) + unit)}</text>')
    for index, label in enumerate(labels):
        parts.append(f'<text x="{_n(x(index))}" y="{bottom + 20}" text-anchor="middle" font-size="13">'
                     f'{escape(label)}</text>')
    for number, line in enumerate(series):
        colour, dash, marker = (options[number % len(options)] for options in (COLOURS, DASHES, MARKERS))
        points = [(x(i), y(v)) for i, v in enumerate(line.values[:len(labels)]) if v is not None]
        for segment in _segments(line.values[:len(labels)]):
            path = " ".join(f"{'M' if n == 0 else 'L'}{_n(x(i))},{_n(y(v))}" for n, (i, v) in enumerate(segment))
            parts.append(f'<path class="line" d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"'
                         + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        parts.extend(_marker(marker, px, py, colour) for px, py in points)
        legend = LINE_HEIGHT + 4 + number * LEGEND_ROW
        parts.append(f'<line x1="{left}" y1="{legend + 8}" x2="{left + 36}" y2="{legend + 8}" stroke="{colour}" '
                     f'stroke-width="2.5"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        parts.append(_marker(marker, left + 18, legend + 8, colour))
        parts.append(f'<text x="{left + 46}" y="{legend + 8}" dominant-baseline="middle" font-size="13">'
                     f'{escape(line.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# -- pieces -------------------------------------------------------------------------------------------

def _open(chart_id: str, title: str, description: str, height: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" aria-labelledby={quoteattr(f"{chart_id}-title {chart_id}-desc")} '
            f'id={quoteattr(chart_id)}>'
            f'<title id={quoteattr(chart_id + "-title")}>{escape(title)}</title>'
            f'<desc id={quoteattr(chart_id + "-desc")}>{escape(description)}</desc>')


def _empty(chart_id: str, title: str, description: str, text: str) -> str:
    return (_open(chart_id, title, description, 48)
            + f'<text x="8" y="28" font-size="14">{escape(text)}</text></svg>')


def _domain(values: Sequence[float]) -> tuple[float, float]:
    """The scale's ends; a span of zero (no values, or all the same) is widened so nothing divides by it."""
    low, high = min(values), max(values)
    return (low, high) if high > low else (low, low + 1.0)


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive values, so a term without a figure leaves a gap rather than a made-up line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    size = 5.0
    points = {
        "square": [(-size, -size), (size, -size), (size, size), (-size, size)],
        "triangle": [(0, -size - 1), (size + 1, size), (-size - 1, size)],
        "diamond": [(0, -size - 1), (size + 1, 0), (0, size + 1), (-size - 1, 0)],
        "down": [(-size - 1, -size), (size + 1, -size), (0, size + 1)],
        "cross": [(-2, -size), (2, -size), (2, -2), (size, -2), (size, 2), (2, 2), (2, size), (-2, size), (-2, 2),
                  (-size, 2), (-size, -2), (-2, -2)],
        "bar": [(-size - 1, -2), (size + 1, -2), (size + 1, 2), (-size - 1, 2)],
    }
    if shape == "circle":
        return f'<circle class="marker" cx="{_n(x)}" cy="{_n(y)}" r="{size}" fill="{colour}"/>'
    corners = " ".join(f"{_n(x + dx)},{_n(y + dy)}" for dx, dy in points[shape])
    return f'<polygon class="marker" points="{corners}" fill="{colour}"/>'


def _tick(value: float, span: float, decimal: str) -> str:
    text = f"{value:.0f}" if span >= 4 else f"{value:.1f}"
    if text.strip("-0.") == "":  # no "−0"
        text = text.lstrip("-")
    return text.replace(".", decimal).replace("-", "−")


def _n(number: float) -> str:
    """A coordinate with two decimals at most, as SVG reads it."""
    return f"{number:.2f}".rstrip("0").rstrip(".")
