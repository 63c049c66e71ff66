"""An AU run's finished text: per-AU F1 with intervals, MEB's mean F1 per scope; and an AU
configuration's seeds' (``au-seeds.json``): each seed's, their mean ± std. What the AU kinds
(:mod:`merbench.au_kind.kind`) answer when ``merbench run`` or ``merbench show`` asks for
the text of such a result: it lives with its kind (issue 82), printed through the one
renderer (:mod:`merbench.base.console`) with the cells every kind shares
(:mod:`merbench.kinds.score_cells`). It imports Rich, so the kinds import it only to print."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from merbench.au.record import (
    AU_PREDICTIONS_FILE,
    AU_RESULTS_FILE,
    AU_SEEDS_FILE,
    AUResults,
    AUSeedsSummary,
)
from merbench.base.console import LiteralConsole
from merbench.base.literal import counted
from merbench.base.terminal import path_shown
from merbench.kinds.contract import FinishedText
from merbench.kinds.emotion_text import lone_scopes, print_files, print_notes, say_lone
from merbench.kinds.score_cells import mean_std, recipe_verdict, scores_fmt, std_note, with_interval


def print_au_results(results: AUResults, run_dir: Path, went_on: Sequence[str] = ()) -> None:
    """:func:`au_run_text`, all of it (``went_on``: the folds this command went on training
    from an earlier command's saved state)."""
    au_run_text(results, run_dir).show(went_on)


def au_run_text(results: AUResults, run_dir: Path) -> FinishedText:
    """The text of the AU run ``results`` in ``run_dir``: every scope's mean F1 and each
    AU's F1 (with positives), then the training and where the files are; a command's notes
    are ``note:`` lines before the files, as an emotion run says them."""
    lone = lone_scopes(run_dir / AU_PREDICTIONS_FILE)
    return FinishedText(lambda: _print_au_scores(results, lone),
                        lambda: print_files(run_dir, AU_RESULTS_FILE, AU_PREDICTIONS_FILE),
                        print_notes)  # as an emotion run says them


def _print_au_scores(results: AUResults, lone: dict[str, str]) -> None:
    """``lone``: the scopes with no subject to resample, whose recorded point is no
    interval (said below the tables, as an emotion run's)."""
    console = LiteralConsole()
    title = (f"{results.model.name} v{results.model.version} on {results.dataset.name} — "
             f"{results.protocol.name}, {results.protocol.n_folds} folds, AU detection "
             f"(threshold {results.threshold:g}, last epoch)")
    table = Table(title=title)
    for column in ("AU", "positives", "F1", "precision", "recall"):
        table.add_column(column, justify="left" if column == "AU" else "right")
    overall, intervals = results.overall, results.intervals.overall
    for i, au in enumerate(results.au_set):
        mark = "" if overall.f1_defined[i] else " (0: none coded, none predicted)"
        table.add_row(f"AU{au}", str(overall.positives[i]),
                      with_interval(overall.f1[i], None if "overall" in lone
                                    else intervals.f1[i]) + mark,
                      f"{overall.precision[i]:.4f}", f"{overall.recall[i]:.4f}")
    console.print(table)
    scopes = Table(title="mean F1 over the AU set (MEB's average; an undefined AU counts 0)")
    for column in ("scope", "samples", "mean F1"):
        scopes.add_column(column, justify="left" if column == "scope" else "right")
    scopes.add_row("overall", str(overall.n), with_interval(
        overall.mean_f1, None if "overall" in lone else intervals.mean_f1))
    for db, scores in sorted(results.per_database.items()):
        scopes.add_row(db, str(scores.n), with_interval(
            scores.mean_f1, None if db in lone else results.intervals.per_database[db].mean_f1))
    console.print(scopes)
    method = results.intervals.method
    named = ["overall", *sorted(results.per_database)]
    if len(lone) < len(named):  # an interval is shown
        console.print(f"[low, high]: {method.level:.0%} interval, {method.method}, "
                      f"{method.resamples} resamples")
    say_lone(console, lone, named)
    left_out = results.dataset.n_samples - results.dataset.n_scored
    if left_out:
        console.print(f"note: {left_out} of the dataset's {results.dataset.n_samples} samples "
                      "have no AU coding (SMIC codes none) and are in no fold")
    training = _training_line(results)
    if training:
        console.print(training)
    console.print(f"device {results.environment.device}, {results.wall_time_s:.1f} s")


def print_au_seeds(summary: AUSeedsSummary, out: Path, first: AUResults | None = None
                   ) -> None:
    """:func:`au_seeds_text`, all of it."""
    au_seeds_text(summary, out, first).show()


def au_seeds_text(summary: AUSeedsSummary, out: Path, first: AUResults | None = None
                  ) -> FinishedText:
    """The text of the AU summary over seeds ``summary`` in ``out``: its scores
    (:func:`_print_au_seeds`), then the line naming its file and its seed runs' folder."""
    runs = list(summary.runs.values())
    # every seed tests the same samples: the first's are every one's
    lone = lone_scopes(out / runs[0] / AU_PREDICTIONS_FILE) if runs else {}

    def files() -> None:
        LiteralConsole().print(f"summary: {path_shown(out / AU_SEEDS_FILE)}; one run "
                               f"directory per seed in {path_shown(out)}")

    return FinishedText(lambda: _print_au_seeds(summary, first, lone.get("overall", "")),
                        files)


def _print_au_seeds(summary: AUSeedsSummary, first: AUResults | None, lone: str) -> None:
    """The mean F1 and each AU's F1 over seeds (mean ± std, then every seed's), and the
    interval of the seeds' mean F1 over subjects, as the AU page's row shows them; with
    ``first`` (the first seed's results), whether the recipe is a REDUCED setting. ``lone``:
    why the seeds' mean has no interval (their test subjects are one, or one a database:
    the recorded point is none), said as an AU run says it, or ""."""
    console = LiteralConsole()
    seeds = [str(s) for s in summary.seeds]
    over = summary.overall
    table = Table(title=(f"{summary.model.name} v{summary.model.version} on "
                         f"{summary.dataset.name} — {summary.protocol.name}, "
                         f"{summary.protocol.n_folds} folds, AU detection, seeds "
                         f"{', '.join(seeds)}"))
    for column in ("score", "mean ± std", *(f"seed {s}" for s in seeds)):
        table.add_column(column, justify="left" if column == "score" else "right")
    table.add_row("mean F1", mean_std(over.mean.mean_f1, over.std.mean_f1, len(seeds)),
                  *(scores_fmt(over.per_seed[s].mean_f1) for s in seeds))
    for i, au in enumerate(summary.au_set):
        table.add_row(f"AU{au} F1", mean_std(over.mean.f1[i], over.std.f1[i], len(seeds)),
                      *(scores_fmt(over.per_seed[s].f1[i]) for s in seeds))
    console.print(table)
    method, pair = summary.interval.method, summary.interval.mean_f1
    if lone:
        console.print("mean F1 of the seeds' mean " + scores_fmt(over.mean.mean_f1))
        say_lone(console, {"overall": lone}, ["overall"])
    else:
        console.print("mean F1 of the seeds' mean " + with_interval(over.mean.mean_f1, pair)
                      + f" ([low, high]: {method.level:.0%} interval, {method.method}, "
                      f"{method.resamples} resamples, every seed's predictions in each)")
    console.print(f"{std_note(summary.std, len(seeds))}; mean F1 is MEB's average over "
                  "the AU set (an undefined AU counts 0)")
    training = _training_line(first) if first is not None else None
    if training:
        console.print(training, soft_wrap=True)


def _training_line(results: AUResults) -> str | None:
    """How an AU run's folds were trained (a seeds summary says its first seed's), and
    whether that is the model's own recipe; None where nothing was trained."""
    recipe = results.hyperparameters.recipe
    if recipe is None:
        return None
    return (f"training: {counted(recipe.epochs, 'epoch')}, batch {recipe.batch_size}, "
            f"{recipe.optimizer} lr {recipe.lr:g}, sigmoid + binary cross-entropy"
            + recipe_verdict(results))
