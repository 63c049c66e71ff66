"""Per-subject scores of a run: which subjects a model fails on, as a table and a strip plot.

LOSO pools its folds' predictions into one score, which hides that a model may get some
subjects all right and others all wrong. A run page lists, for the reported policy, each
subject's (database, subject) accuracy and UF1 over its own test samples, and draws them as
a strip plot, one dot per subject in a row per database, so the spread across subjects is
seen at once. A subject with few samples gives a coarse score (one sample: 0 or 1); the
table says how many each has. Inline SVG, every label escaped
(:func:`merbench.base.literal.literal_html`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.base.literal import literal_html
from merbench.scores.selection import epoch_uf1

ROW, LEFT, RIGHT, TOP = 34, 90, 24, 30
WIDTH = 560


@dataclass(frozen=True)
class SubjectScore:
    database: str
    subject: str
    n: int
    accuracy: float
    uf1: float


def subject_scores(predictions: Any, n_classes: int) -> list[SubjectScore]:
    """Each subject's accuracy and UF1 over its test samples (``predictions.csv`` as
    validated: the reported policy's predictions), worst accuracy first."""
    found = []
    for (database, subject), rows in predictions.groupby(["database", "subject"], sort=True):
        y_true = rows["y_true"].to_numpy(dtype=int)
        y_pred = rows["y_pred"].to_numpy(dtype=int)
        found.append(SubjectScore(str(database), str(subject), len(rows),
                                  float((y_true == y_pred).mean()),
                                  float(epoch_uf1(y_pred[None, :], y_true, n_classes)[0])))
    return sorted(found, key=lambda s: (s.accuracy, s.database, s.subject))


def strip_svg(scores: list[SubjectScore], title: str) -> str:
    """One row per database, a dot per subject at its accuracy (0 to 1), its size by its
    number of samples; each dot's tooltip names the subject."""
    databases = sorted({s.database for s in scores})
    height = TOP + ROW * len(databases) + 30
    span = WIDTH - LEFT - RIGHT
    label = literal_html(title)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="strip" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{label}">', f"<title>{label}</title>",
             f'<text x="{LEFT}" y="16" class="st-title">{label}</text>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = LEFT + span * tick
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" '
                     f'y2="{height - 26}" class="st-grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" class="st-axis">{tick:.2f}</text>')
    rng = np.random.default_rng(0)  # a fixed jitter, so the page is the same every build
    for row, database in enumerate(databases):
        y = TOP + ROW * row + ROW / 2
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" class="st-label">'
                     f"{literal_html(database)}</text>")
        for score in (s for s in scores if s.database == database):
            x = LEFT + span * score.accuracy
            jitter = float(rng.uniform(-ROW / 3, ROW / 3))
            radius = 2.5 + min(score.n, 12) / 4
            tip = literal_html(f"{score.database}/{score.subject}: accuracy {score.accuracy:.2f}, "
                         f"UF1 {score.uf1:.2f}, {score.n} sample(s)")
            parts.append(f'<circle cx="{x:.1f}" cy="{y + jitter:.1f}" r="{radius:.1f}" '
                         f'class="st-dot"><title>{tip}</title></circle>')
    parts.append(f'<text x="{LEFT + span / 2}" y="{height - 1}" class="st-axis">accuracy of '
                 "the subject's test samples</text>")
    parts.append("</svg>")
    return "".join(parts)
