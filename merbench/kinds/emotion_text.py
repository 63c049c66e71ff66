"""An emotion run's finished text (``merbench run``: its pooled scores, overall and per
database, and where its files are) and its summary over seeds' (``merbench run --seeds``: the
reported policy's table over seeds, the others a line each): what the emotion kinds
(:mod:`merbench.kinds.emotion`) answer when a command or ``merbench show`` asks for the text
of such a result.

It lives with its kinds, not in the command line (issue 82: every kind's text is its own);
the cells are :mod:`merbench.kinds.score_cells`', the console the one renderer
(:mod:`merbench.base.console`). It imports Rich, so the kinds import it only to print.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from merbench.base.console import LiteralConsole
from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.base.terminal import path_shown
from merbench.kinds.contract import FinishedText
from merbench.kinds.score_cells import (
    mean_std,
    pair_text,
    recipe_verdict,
    scores_fmt,
    std_note,
    with_interval,
)
from merbench.results.model import Intervals, Results, SkippedSample
from merbench.results.seeds_model import ScopedScores, SeedScores, SeedsSummary
from merbench.results.user_files import read_user_csv
from merbench.scores.interval_records import lone_notes, lone_subject_scopes
from merbench.scores.metrics import exclusion_notes


def _scope_intervals(intervals: Intervals | None, scope: str) -> dict[str, list[float] | None]:
    if not intervals:
        return {}
    scoped = intervals.overall if scope == "overall" else intervals.per_database.get(scope)
    return {} if scoped is None else {"uf1": scoped.uf1, "uar": scoped.uar}


def _interval_note(intervals: Intervals | None) -> str | None:
    if not intervals:
        return None
    method = intervals.method
    return (f"[low, high]: {method.level:.0%} interval, {method.method}, "
            f"{method.resamples} resamples (merbench compare tests differences)")


def print_results(results: Results, run_dir: Path, went_on: Sequence[str] = ()) -> None:
    """The pooled scores, overall and per database, and where the files are; ``went_on``:
    the folds this command went on training from an earlier command's saved state."""
    run_text(results, run_dir).show(went_on)


def run_text(results: Results, run_dir: Path) -> FinishedText:
    """The text of the emotion run ``results`` in ``run_dir``: its scores, its files, and a
    command's notes each a ``note:`` line between them."""
    return FinishedText(lambda: _print_scores(results, lone_scopes(run_dir / "predictions.csv")),
                        lambda: print_files(run_dir), print_notes)


def lone_scopes(table: Path) -> dict[str, str]:
    """:func:`~merbench.scores.interval_records.lone_subject_scopes` of a run's predictions
    table (any kind's: each row's ``database`` and ``subject``); none where it cannot be
    read (the text still shows what the run records)."""
    try:
        return lone_subject_scopes(read_user_csv(table, "predictions table", dtype=str,
                                                 usecols=["database", "subject"]))
    except (MerbenchError, OSError, ValueError):
        return {}


def print_notes(lines: Sequence[str]) -> None:
    """A command's lines on how it made a run (folds it went on training from an earlier
    command's saved state), each a ``note:`` line, for every kind of run folder."""
    console = LiteralConsole()
    for line in lines:
        console.print(f"note: {line}", soft_wrap=True)


def print_files(run_dir: Path, result_file: str = "results.json",
                predictions_file: str = "predictions.csv") -> None:
    """Where a run's record and predictions are (an AU run's files named by its kind)."""
    console = LiteralConsole()
    console.print(f"results: {path_shown(run_dir / result_file)}")
    console.print(f"predictions: {path_shown(run_dir / predictions_file)}")


def say_lone(console: LiteralConsole, lone: dict[str, str], scopes: list[str]) -> None:
    """A line for each reason some of ``scopes`` (in the table's order) have no interval."""
    for line in lone_notes(lone, scopes):
        console.print(line)


def _print_scores(results: Results, lone: dict[str, str]) -> None:
    """The pooled scores, overall and per database, and how the run was made; ``lone``:
    the scopes with no subject to resample, whose recorded point is no interval."""
    console = LiteralConsole()
    metrics = results.metrics
    selection = results.selection
    policy = selection.policy
    if selection.test_set_selection:
        policy += " (TEST-SET SELECTION: not comparable with fixed / inner-val)"
    title = (f"{results.model.name} v{results.model.version} on "
             f"{results.dataset.name} — {results.protocol.name}, "
             f"{results.protocol.n_folds} folds, selection: {policy}")
    table = Table(title=title)
    for column in ("scope", "samples", "UF1", "UAR", "accuracy"):
        table.add_column(column, justify="left" if column == "scope" else "right")
    rows = [("overall", metrics.overall), *sorted(metrics.per_database.items())]
    notes = []
    intervals = results.intervals
    for scope, m in rows:
        pairs = _scope_intervals(intervals, scope)
        cells = [with_interval(m.uf1, pairs.get("uf1")), with_interval(m.uar, pairs.get("uar"))]
        if scope in lone:  # its recorded point is no interval: said below the table
            cells = [scores_fmt(m.uf1), scores_fmt(m.uar)]
        table.add_row(scope, str(m.n), *cells, scores_fmt(m.accuracy))
        notes.extend(exclusion_notes(scope, m))
    console.print(table)
    note = _interval_note(intervals)
    if note and len(lone) < len(rows):  # an interval is shown
        console.print(note)
    say_lone(console, lone, [scope for scope, _ in rows])
    for note in notes:
        console.print(f"note: {note}")
    for warning in results.notes or ():  # a collapsed model (results.collapse)
        console.print(f"WARNING: {warning}", style="bold red")
    for name, other in results.metrics_by_policy.items():
        if name == selection.policy:
            continue
        mark = " — TEST-SET SELECTION, not comparable" if other.test_set_selection else ""
        overall = other.metrics.overall
        # the mark says it once: a description's own "(TEST-SET SELECTION)" is left out
        described = other.description.replace(" (TEST-SET SELECTION)", "")
        console.print(f"selection {name} ({described}){mark}: UF1 "
                      f"{scores_fmt(overall.uf1)}, UAR {scores_fmt(overall.uar)}")
    training = _training_line(results)
    if training:
        console.print(training)
    engine = results.engine
    if engine is not None and engine.mode == "fold-parallel":
        lowered = engine.lowered_after_out_of_memory_from
        how = (f"{engine.folds_at_once} folds trained at once"
               if engine.folds_at_once > 1 else "one fold at a time")
        console.print(f"engine: {how} (fold-parallel, {engine.reason}"
                      + (f"; lowered from {lowered} after running out of memory"
                         if lowered else "") + ")")
        if engine.captured:
            console.print("engine: each epoch replayed as one captured CUDA graph (--eager "
                          "launches every kernel from Python)")
        if not engine.same_numbers_as_sequential:  # None: not recorded, said as well
            console.print("note: dropout masks differ from one-fold-at-a-time training, so "
                          "these numbers are not those of --parallel-folds 1")
    elif engine is not None and engine.cause in ("not-batchable", "dropout"):
        # the model's own reason
        console.print(f"engine: one fold at a time — {engine.reason}")
    threads = None if engine is None else engine.threads
    if threads and results.environment.device.startswith("cpu"):
        console.print(f"CPU threads: {threads.count} ({threads.reason}; --threads N to "
                      "choose)")
    at_once = [fold.folds_at_once for fold in results.folds]
    alone, together = at_once.count(1), sum(1 for k in at_once if k and k > 1)
    if alone and together:
        console.print(f"note: this run trained {alone} fold(s) alone and {together} "
                      "together with others (folds[].folds_at_once: a resumed run, an "
                      "out-of-memory retry or a group left with one fold); "
                      "with dropout, or in bf16 or tf32, the two ways draw other dropout "
                      "masks or round differently")
    if results.weights:
        console.print(f"note: evaluated the saved weights in {results.weights.dir} "
                      "(one checkpoint per fold; nothing was trained)")
    feature = results.feature
    if feature.summary:
        console.print(f"feature {feature.name}: {feature.summary}", markup=False,
                      highlight=False, soft_wrap=True)
    skipped = results.dataset.skipped or []
    if skipped:
        console.print(skipped_note(results.dataset.name, skipped,
                                   f"the scores are on the remaining "
                                   f"{results.dataset.n_samples}; reasons in "
                                   "results.json (dataset.skipped)"),
                      markup=False, highlight=False, soft_wrap=True)
    if results.shuffle_train_labels:
        console.print("note: training labels were shuffled (leakage control); expect chance")
    resumed = results.folds_resumed
    timing = f"{results.run_time_s:.1f} s"
    if resumed:
        timing += (f" ({counted(resumed, 'fold')} restored from an earlier command, which "
                   f"trained {'it' if resumed == 1 else 'them'}; "
                   f"this one took {results.wall_time_s:.1f} s)")
    console.print(f"device {results.environment.device}, {timing}")


def skipped_note(dataset: str, skipped: list[SkippedSample], consequence: str) -> str:
    """One line naming the samples a dataset left out (``--skip-missing``)."""
    shown = ", ".join(entry.sample_id for entry in skipped[:3])
    more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    return f"note: dataset {dataset} skipped {len(skipped)} sample(s) ({shown}{more}); " \
           f"{consequence}"


def _training_line(results: Results) -> str | None:
    """How the folds were trained, and whether that is the model's own recipe: a demo or a
    quick check with fewer epochs must never pass for the published setting."""
    used = results.hyperparameters.recipe
    if used is None:  # nothing was trained (saved weights) or not a torch model
        return None
    line = (f"training: {counted(used.epochs, 'epoch')}, batch {used.batch_size}, "
            f"{used.optimizer} lr {used.lr:g}")
    if used.schedule != "constant":
        line += f" ({used.schedule} schedule)"
    if results.hyperparameters.precision:
        line += f", {results.hyperparameters.precision} precision"
    if used.data_order == "listed":
        line += ", samples in listed order (not shuffled)"
    elif used.data_order == "authors":
        line += ", samples in the authors' order (class by class, files by name; not shuffled)"
    return line + recipe_verdict(results)


def print_seeds(summary: SeedsSummary, out: Path, first: Results | None = None) -> None:
    """:func:`seeds_text`, all of it."""
    seeds_text(summary, out, first).show()


def seeds_text(summary: SeedsSummary, out: Path, first: Results | None = None
               ) -> FinishedText:
    """The text of the summary over seeds ``summary`` in ``out``: :func:`_print_seeds`, then
    the line naming its file and the folder of its seed runs."""
    runs = list(summary.runs.values())
    # every seed tests the same samples: the first's are every one's
    lone = lone_scopes(out / runs[0] / "predictions.csv") if runs else {}
    return FinishedText(lambda: _print_seeds(summary, first, lone), lambda: LiteralConsole().print(
        f"summary: {path_shown(out / 'seeds.json')}; one run directory per seed in "
        f"{path_shown(out)}"))


def _print_seeds(summary: SeedsSummary, first: Results | None, lone: dict[str, str]) -> None:
    """The reported policy's table first, as a single run's summary has it: per scope, the
    mean ± std over seeds with the interval of the seed mean below it, and each seed's UF1;
    then each other policy in one line. It printed every policy's table in the file's order
    (``fixed`` first, without intervals, and ``first-best``, the reported one, last) and
    wrapped at 80 columns. ``first``, the first seed's results, gives the training line
    and whether it is a REDUCED setting, as a single run prints it; ``lone``: the scopes
    with no subject to resample, whose recorded point is no interval."""
    console = LiteralConsole()
    seeds = [str(s) for s in summary.seeds]
    reported = summary.policies.get(summary.selection)
    if reported is not None:
        console.print(_seeds_table(summary, summary.selection, reported, seeds, lone))
        note = _interval_note(summary.intervals)
        scopes = ["overall", *sorted(reported.mean.per_database)]
        if note and len(lone) < len(scopes):  # an interval is shown
            console.print(note + "; seeds averaged in each resample")
        say_lone(console, lone, scopes)
    for name, policy in summary.policies.items():
        if name == summary.selection:
            continue
        mark = " — TEST-SET SELECTION, not comparable" if policy.test_set_selection else ""
        overall = policy.mean.overall, policy.std.overall
        console.print(f"selection {name}{mark}: UF1 "
                      f"{mean_std(overall[0].uf1, overall[1].uf1, len(seeds))}, UAR "
                      f"{mean_std(overall[0].uar, overall[1].uar, len(seeds))}")
    console.print(std_note(summary.std, len(seeds)))
    training = _training_line(first) if first is not None else None
    if training:
        console.print(training, soft_wrap=True)
    # every seed reads the same samples: the first one's skipped are every seed's (a single
    # run said them, a --seeds folder never did)
    skipped = (first.dataset.skipped or []) if first is not None else []
    if skipped:
        console.print(skipped_note(first.dataset.name, skipped,  # type: ignore[union-attr]
                                   f"every seed's scores are on the remaining "
                                   f"{first.dataset.n_samples}; reasons in each seed's "  # type: ignore[union-attr]
                                   "results.json (dataset.skipped)"),
                      markup=False, highlight=False, soft_wrap=True)


def _seeds_table(summary: SeedsSummary, name: str, policy: Any, seeds: list[str],
                 lone: dict[str, str]) -> Table:
    """One policy's table over seeds (its interval: the reported policy's seed mean)."""
    mark = " — TEST-SET SELECTION, not comparable" if policy.test_set_selection else ""
    table = Table(title=(f"{summary.model.name} v{summary.model.version} on "
                         f"{summary.dataset.name} — {summary.protocol.name}, "
                         f"seeds {', '.join(seeds)}, selection: {name}{mark}"),
                  caption="mean ± std over seeds [interval of the mean]; seed N: its UF1")
    intervals = summary.intervals if name == summary.selection else None
    table.add_column("scope", justify="left")
    for column in ("UF1", "UAR"):
        table.add_column(column, justify="right", no_wrap=True)
    for seed in seeds:
        table.add_column(f"seed {seed}", justify="right", no_wrap=True)
    for scope in ["overall", *sorted(policy.mean.per_database)]:
        def pick(tree: ScopedScores, scope: str = scope) -> SeedScores:
            return tree.overall if scope == "overall" else tree.per_database[scope]
        mean, std = pick(policy.mean), pick(policy.std)
        pairs = _scope_intervals(intervals, scope)
        cells = [mean_std(getattr(mean, m), getattr(std, m), len(seeds))
                 + (f"\n{pair_text(pairs.get(m))}" if intervals and scope not in lone else "")
                 for m in ("uf1", "uar")]
        table.add_row(scope, *cells,
                      *(scores_fmt(pick(policy.per_seed[s]).uf1) for s in seeds))
    return table
