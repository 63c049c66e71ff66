"""Confusion matrices as inline SVG: people would rather look at one than read it.

Drawn here rather than with a plotting library so the site needs no image files and no
network; every piece of text that comes from a result (class names, the title) is shown
as :func:`merbench.base.literal.literal_html` shows it: escaped, hidden characters as escapes.
A cell's shade is its share of the true class (its row), so classes of different sizes read
alike; the count is written in the cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench.base.literal import literal_html

CELL = 54
LEFT = 96  # room for the true-class labels
TOP = 58  # room for the title and the predicted-class labels


def _text(value: object) -> str:
    """Text in the SVG, shown as the templates show text: the SVG reaches a page as
    markup, which is not escaped again."""
    return literal_html(value)


def _shade(share: float) -> str:
    """White to a deep blue; light text on dark cells keeps the count readable."""
    share = min(max(share, 0.0), 1.0)
    low, high = (247, 251, 255), (8, 69, 148)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def confusion_svg(matrix: Sequence[Sequence[int]], classes: Sequence[str], title: str,
                  description: str = "") -> str:
    """An SVG fragment (all text escaped) for a confusion matrix; rows are true classes,
    columns predicted ones. ``title`` is drawn above it, ``description`` (say, the selection
    policy) goes only into its accessible name and tooltip."""
    n = len(classes)
    width = max(LEFT + n * CELL + 12, LEFT + len(title) * 8)
    height = TOP + n * CELL + 34
    rows = [[int(v) for v in row] for row in matrix]
    if len(rows) != n or any(len(row) != n for row in rows):
        raise ValueError(f"a {n}-class confusion matrix needs {n} x {n} counts")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="confusion" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_text(" ".join((title, description)).strip())}">',
        f"<title>{_text(' '.join((title, description)).strip())}</title>",
        f'<text x="{LEFT + n * CELL / 2}" y="16" class="cm-title">{_text(title)}</text>',
        f'<text x="{LEFT + n * CELL / 2}" y="32" class="cm-axis">predicted</text>',
        f'<text x="14" y="{TOP + n * CELL / 2}" class="cm-axis" '
        f'transform="rotate(-90 14 {TOP + n * CELL / 2})">true</text>',
    ]
    for j, name in enumerate(classes):
        parts.append(f'<text x="{LEFT + j * CELL + CELL / 2}" y="{TOP - 8}" '
                     f'class="cm-label">{_text(name)}</text>')
    for i, name in enumerate(classes):
        total = sum(rows[i])
        y = TOP + i * CELL
        parts.append(f'<text x="{LEFT - 6}" y="{y + CELL / 2 + 4}" class="cm-label cm-row">'
                     f"{_text(name)}</text>")
        for j, count in enumerate(rows[i]):
            share = count / total if total else 0.0
            x = LEFT + j * CELL
            ink = " on-dark" if share > 0.55 else ""
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" '
                f'fill="{_shade(share)}" stroke="#c8ccd2"><title>true {_text(name)}, '
                f"predicted {_text(classes[j])}: {count} of {total}</title></rect>"
                f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 5}" '
                f'class="cm-count{ink}">{count}</text>')
    parts.append(f'<text x="{LEFT + n * CELL / 2}" y="{height - 8}" class="cm-note">'
                 "shade: share of the true class</text>")
    parts.append("</svg>")
    return "".join(parts)
