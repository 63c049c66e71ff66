"""Forest plots as inline SVG: each row's score with its interval, on one axis.

A table of intervals hides how much they overlap; one line per row on a shared axis, with a
vertical line at the best row's score, shows it at a glance. Drawn here, like the confusion
matrices of :mod:`merbench.leaderboard.svg`, so the site needs no image file, script or
network; every label that comes from a result is escaped, with hidden characters shown as
escapes (:func:`merbench.base.literal.literal_html`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from merbench.base.literal import literal_html

LEFT = 300  # room for the row labels
PLOT = 420  # width of the axis
RIGHT = 150  # room for the numbers
ROW = 26
LABEL_CHARS = 46  # a longer label is cut; the whole of it stays in the row's tooltip
TOP = 30
BOTTOM = 46


@dataclass(frozen=True)
class Entry:
    """One row of the plot; ``low``/``high`` None: no interval (``why`` is drawn instead)."""

    label: str
    value: float | None
    low: float | None
    high: float | None
    why: str = ""


# The plot styles itself, so it reads the same inside the page, saved alone or converted
# (scoped: a <style> inside inline SVG applies to the whole page).
STYLE = (
    "svg.forest text { font-size: 12px; fill: #1a1a1a; } "
    "svg.forest text.fp-label { text-anchor: end; } "
    "svg.forest text.fp-title { font-weight: 600; font-size: 13px; text-anchor: middle; } "
    "svg.forest text.fp-tick, svg.forest text.fp-axis "
    "{ fill: #5b6470; font-size: 11px; text-anchor: middle; } "
    "svg.forest text.fp-none { fill: #8a4b00; font-style: italic; } "
    "svg.forest line.fp-grid { stroke: #eceff3; } "
    "svg.forest line.fp-interval { stroke: #0b4f9c; stroke-width: 2.5; } "
    "svg.forest circle.fp-point { fill: #0b4f9c; } "
    "svg.forest line.fp-best { stroke: #8a4b00; stroke-width: 1.5; stroke-dasharray: 5 4; } "
)


def _text(value: object) -> str:
    """Text in the SVG, shown as the templates show text: the SVG reaches a page as
    markup, which is not escaped again."""
    return literal_html(value)


def _axis(entries: Sequence[Entry], reference: float | None) -> tuple[float, float]:
    """The axis range: every interval and the reference, widened to whole tenths in [0, 1]."""
    values = [v for e in entries for v in (e.low, e.high, e.value) if v is not None]
    if reference is not None:
        values.append(reference)
    if not values:
        return 0.0, 1.0
    low = max(0.0, math.floor(min(values) * 10) / 10)
    high = min(1.0, math.ceil(max(values) * 10) / 10)
    if high - low < 0.1:
        low, high = max(0.0, high - 0.1), max(high, 0.1)
    return low, high


def forest_svg(entries: Sequence[Entry], reference: float | None, axis_label: str,
               title: str) -> str:
    """An SVG fragment: one line per entry (its interval, a dot at its value) and a dashed
    vertical line at ``reference`` (the best row's value); all text escaped."""
    low, high = _axis(entries, reference)
    width = LEFT + PLOT + RIGHT
    height = TOP + ROW * len(entries) + BOTTOM

    def x(value: float) -> float:
        return round(LEFT + (value - low) / (high - low) * PLOT, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="forest" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_text(title)}">',
        f"<title>{_text(title)}</title>",
        f"<style>{STYLE}</style>",
        f'<text x="{LEFT + PLOT / 2}" y="16" class="fp-title">{_text(title)}</text>',
    ]
    bottom = TOP + ROW * len(entries)
    ticks = round((high - low) * 20)  # every 0.05
    for k in range(ticks + 1):
        value = low + k * 0.05
        parts.append(f'<line x1="{x(value)}" y1="{TOP}" x2="{x(value)}" y2="{bottom}" '
                     f'class="fp-grid"/><text x="{x(value)}" y="{bottom + 14}" '
                     f'class="fp-tick">{value:.2f}</text>')
    parts.append(f'<text x="{LEFT + PLOT / 2}" y="{bottom + 34}" class="fp-axis">'
                 f"{_text(axis_label)}</text>")
    for n, entry in enumerate(entries):
        y = TOP + ROW * n + ROW / 2
        label = entry.label if len(entry.label) <= LABEL_CHARS else \
            entry.label[:LABEL_CHARS - 1] + "…"
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4}" class="fp-label">{_text(label)}'
                     f"<title>{_text(entry.label)}</title></text>")
        if entry.low is None or entry.high is None or entry.value is None:
            parts.append(f'<text x="{LEFT + 4}" y="{y + 4}" class="fp-none">no interval: '
                         f"{_text(entry.why)}</text>")
            continue
        shown = f"{entry.value:.4f} [{entry.low:.2f}, {entry.high:.2f}]"
        parts.append(
            f'<g class="fp-row"><title>{_text(entry.label)}: {shown}</title>'
            f'<line x1="{x(entry.low)}" y1="{y}" x2="{x(entry.high)}" y2="{y}" '
            f'class="fp-interval"/><circle cx="{x(entry.value)}" cy="{y}" r="4" '
            f'class="fp-point"/></g>'
            f'<text x="{LEFT + PLOT + 8}" y="{y + 4}" class="fp-value">{shown}</text>')
    if reference is not None:
        parts.append(f'<line x1="{x(reference)}" y1="{TOP - 4}" x2="{x(reference)}" '
                     f'y2="{bottom}" class="fp-best"><title>best row: '
                     f"{reference:.4f}</title></line>")
    parts.append("</svg>")
    return "".join(parts)
