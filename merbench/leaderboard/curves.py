"""Learning curves of a run: pooled UF1 and UAR after every epoch, with the selection gap.

merbench keeps every epoch's test predictions, so a run page can show what the ``fixed``
number (the last epoch) and the ``oracle`` number (each fold's best epoch on its own test
subject) are taken from: the pooled score after every epoch, the band its seeds span, the
last epoch marked, and a tick for each fold at the epoch ``oracle`` picked for it. The gap
between the two numbers, which test-set selection adds and a paper's table hides, is stated
beside the curve. Drawn as inline SVG (no image files, no network), every label escaped
(:func:`merbench.base.literal.literal_html`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from merbench.base.literal import literal_html
from merbench.results.run_files import load_folds
from merbench.scores.selection import epoch_uf1
from merbench.stats.confusion import counts_from_labels, uar
from merbench.verification.validate import ValidatedRun

WIDTH, HEIGHT = 660, 250
LEFT, RIGHT, TOP, BOTTOM = 44, 130, 22, 40  # margins: axis labels, legend, title, ticks
MAX_POINTS = 400  # a polyline of 800 epochs is drawn through at most this many points
COLOURS = ("#1f5fa8", "#c8571b", "#2e8540", "#7a3e9d", "#8a6d00")


def epoch_uar(predictions: np.ndarray, y_true: np.ndarray, n_classes: int) -> np.ndarray:
    """UAR after every epoch: the mean recall of the classes the samples hold (0 for an epoch
    with no sample), all epochs in one batch."""
    scores = uar(counts_from_labels(y_true, predictions, n_classes))
    return np.where(np.isnan(scores), 0.0, scores)


@dataclass(frozen=True)
class Curves:
    """One run's pooled scores after every epoch (index 0: epoch 1)."""

    uf1: np.ndarray
    uar: np.ndarray
    per_database: dict[str, np.ndarray]  # UF1 restricted to each database's samples
    oracle_epochs: list[int]  # 1-based, one per fold ([] when the run has no oracle)

    @property
    def epochs(self) -> int:
        return len(self.uf1)


def run_curves(checked: ValidatedRun) -> Curves | None:
    """The curves of a validated run (None: a single epoch, nothing to draw)."""
    results = checked.results
    folds = checked.folds if checked.folds is not None else \
        load_folds(checked.run_dir, results.protocol.n_folds)
    predictions = np.concatenate([f.epoch_predictions for f in folds], axis=1)
    if predictions.shape[0] < 2:
        return None
    n_classes = len(results.dataset.classes)
    y_true = np.concatenate([f.y_true for f in folds]).astype(int)
    database_of = dict(zip(checked.predictions["sample_id"].astype(str),
                           checked.predictions["database"].astype(str), strict=True))
    databases = np.array([database_of[str(s)] for f in folds for s in f.sample_ids])
    oracle_epochs = [e for fold in results.folds
                     if (e := fold.epoch_by_policy.get("oracle")) is not None]
    per_database = {str(db): epoch_uf1(predictions[:, databases == db],
                                       y_true[databases == db], n_classes)
                    for db in sorted(set(databases.tolist()))}
    return Curves(epoch_uf1(predictions, y_true, n_classes),
                  epoch_uar(predictions, y_true, n_classes), per_database, oracle_epochs)


def _x(epoch: float, epochs: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (epoch - 1) / max(1, epochs - 1)


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value)


def _points(values: np.ndarray) -> list[tuple[float, float]]:
    step = max(1, int(np.ceil(len(values) / MAX_POINTS)))
    kept = list(range(0, len(values), step))
    if kept[-1] != len(values) - 1:
        kept.append(len(values) - 1)
    return [(_x(i + 1, len(values)), _y(float(values[i]))) for i in kept]


def _polyline(values: np.ndarray, colour: str, dashed: bool = False) -> str:
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in _points(values))
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    return (f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="1.6"{dash}/>')


def epoch_ticks(epochs: int) -> list[int]:
    """The epochs the x axis names: the first, the last, and the multiples of a round step
    (1, 2 or 5 times a power of ten, about five of them) between: 1, 200, 400, 600, 800,
    where spacing five ticks evenly named epoch 201 of 800."""
    raw = max(epochs / 5, 1.0)
    power = 10 ** int(np.floor(np.log10(raw)))
    step = next(k * power for k in (1, 2, 5, 10) if k * power >= raw)
    inner = range(step, epochs - step // 2, step) if epochs > step else range(0)
    return sorted({1, *inner, epochs})


def curve_svg(title: str, lines: Sequence[tuple[str, np.ndarray, bool]],
              band: tuple[np.ndarray, np.ndarray] | None = None,
              oracle_epochs: Sequence[int] = ()) -> str:
    """An SVG line chart of scores (0 to 1) over epochs: ``lines`` of (label, values,
    dashed), an optional ``band`` (low, high) behind the first line, the last epoch marked
    as ``fixed``'s, and a tick at each of ``oracle_epochs``."""
    epochs = len(lines[0][1])
    label = literal_html(title)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="curve" width="{WIDTH}" '
             f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{label}">', f"<title>{label}</title>",
             f'<text x="{LEFT}" y="14" class="cv-title">{label}</text>']
    for level in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        y = _y(level)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                     'class="cv-grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="cv-axis cv-left">'
                     f"{level:.1f}</text>")
    bottom = HEIGHT - BOTTOM
    for epoch in epoch_ticks(epochs):
        parts.append(f'<text x="{_x(epoch, epochs):.1f}" y="{bottom + 26}" class="cv-axis">'
                     f"{epoch}</text>")
    parts.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 2}" class="cv-axis">'
                 "epoch</text>")
    if band is not None:
        low, high = band
        upper = _points(high)
        lower = _points(low)[::-1]
        polygon = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower)
        parts.append(f'<polygon points="{polygon}" class="cv-band"/>')
    for epoch in oracle_epochs:  # each fold's oracle epoch, a tick on the axis
        x = _x(epoch, epochs)
        parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 8}" '
                     'class="cv-oracle"/>')
    x_fixed = _x(epochs, epochs)
    parts.append(f'<line x1="{x_fixed:.1f}" y1="{TOP}" x2="{x_fixed:.1f}" y2="{bottom}" '
                 'class="cv-fixed"/>')
    for number, (name, values, dashed) in enumerate(lines):
        colour = COLOURS[number % len(COLOURS)]
        parts.append(_polyline(values, colour, dashed))
        y = TOP + 14 + 16 * number
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        parts.append(f'<line x1="{WIDTH - RIGHT + 8}" y1="{y - 4}" x2="{WIDTH - RIGHT + 24}" '
                     f'y2="{y - 4}" stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 28}" y="{y}" class="cv-legend">'
                     f"{literal_html(name)}</text>")
    notes = ["dotted: fixed's epoch"]
    if oracle_epochs:
        notes.append("ticks: oracle's epochs")
    for number, note in enumerate(notes):
        parts.append(f'<text x="{WIDTH - RIGHT + 8}" y="{TOP + 30 + 16 * (len(lines) + number)}"'
                     f' class="cv-note">{literal_html(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class CurvesView:
    """What a run page shows of its curves."""

    scores: str  # SVG: pooled UF1 and UAR, the seeds' band, fixed and oracle marked
    per_database: str  # SVG: UF1 of each database's samples
    gap: str  # the selection gap in words ("" without an oracle)


def curves_view(checked: ValidatedRun, seeds: Sequence[ValidatedRun],
                cache: dict[object, Curves | None]) -> CurvesView | None:
    """The curves of ``checked``, with the band of ``seeds`` (its configuration's runs,
    itself included), each run's curves computed once through ``cache``."""
    def curves_of(run: ValidatedRun) -> Curves | None:
        if run.run_dir not in cache:
            cache[run.run_dir] = run_curves(run)
        return cache[run.run_dir]

    mine = curves_of(checked)
    if mine is None:
        return None
    others = [c for run in seeds if (c := curves_of(run)) is not None
              and c.epochs == mine.epochs]
    band = None
    if len(others) > 1:
        stacked = np.stack([c.uf1 for c in others])
        band = (stacked.min(axis=0), stacked.max(axis=0))
    seed = checked.results.seed
    title = f"pooled UF1 and UAR after every epoch, seed {seed}" + (
        f" (band: UF1 of the {len(others)} seeds)" if band is not None else "")
    scores = curve_svg(title, [("UF1", mine.uf1, False), ("UAR", mine.uar, True)], band,
                       mine.oracle_epochs)
    per_database = curve_svg("UF1 of each database's samples",
                             [(db, values, False) for db, values in mine.per_database.items()])
    metrics = checked.metrics_by_policy
    gap = ""
    if "oracle" in metrics and "fixed" in metrics:
        fixed, oracle = metrics["fixed"].overall, metrics["oracle"].overall
        f_uf1, o_uf1, f_uar, o_uar = fixed.uf1, oracle.uf1, fixed.uar, oracle.uar
        if f_uf1 is not None and o_uf1 is not None and f_uar is not None \
                and o_uar is not None:
            gap = (f"Selection gap: oracle (each fold's best epoch on its own test subject) "
                   f"scores UF1 {o_uf1:.4f} against fixed's {f_uf1:.4f} (last epoch), "
                   f"{o_uf1 - f_uf1:+.4f}; UAR {o_uar:.4f} against {f_uar:.4f}, "
                   f"{o_uar - f_uar:+.4f}. That much of an oracle number is chosen on the "
                   "test set.")
    return CurvesView(scores, per_database, gap)


@dataclass(frozen=True)
class Gap:
    """How much higher a configuration scores when each fold's epoch is chosen on its test
    subject (oracle) than at the last epoch (fixed): over its seeds."""

    model: str
    setting: str
    seeds: int
    fixed_uf1: float
    oracle_uf1: float
    gap_uf1: float
    gap_uf1_std: float | None
    gap_uar: float


def selection_gaps(groups: Sequence[Sequence[ValidatedRun]], label: dict[int, str]
                   ) -> list[Gap]:
    """Each configuration (its seeds' validated runs) that has both policies, largest gap
    first; ``label`` names a configuration's setting by its position."""
    gaps = []
    for position, runs in enumerate(groups):
        pairs = [(r.metrics_by_policy["fixed"].overall, r.metrics_by_policy["oracle"].overall)
                 for r in runs if {"fixed", "oracle"} <= set(r.metrics_by_policy)]
        pairs = [(f, o) for f, o in pairs if None not in (f.uf1, o.uf1, f.uar, o.uar)]
        if not pairs or len(pairs) != len(runs):
            continue
        uf1 = np.array([(o.uf1 or 0.0) - (f.uf1 or 0.0) for f, o in pairs])
        uar = np.array([(o.uar or 0.0) - (f.uar or 0.0) for f, o in pairs])
        first = runs[0].results.model
        gaps.append(Gap(
            model=f"{first.name} v{first.version}", setting=label.get(position, ""),
            seeds=len(pairs), fixed_uf1=float(np.mean([f.uf1 or 0.0 for f, _ in pairs])),
            oracle_uf1=float(np.mean([o.uf1 or 0.0 for _, o in pairs])),
            gap_uf1=float(uf1.mean()),
            gap_uf1_std=float(uf1.std(ddof=1)) if len(uf1) > 1 else None,
            gap_uar=float(uar.mean())))
    return sorted(gaps, key=lambda g: -g.gap_uf1)
