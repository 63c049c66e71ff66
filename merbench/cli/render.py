"""Rich tables for the CLI: run results and plugin load failures."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from merbench.base.console import LiteralConsole
from merbench.base.literal import counted
from merbench.base.terminal import path_shown, say
from merbench.plugin_system.manager import Plugins
from merbench.results.model import Intervals, Results, SkippedSample
from merbench.verification.declared_defaults import DeclaredDefaults, declared_for

if TYPE_CHECKING:
    from merbench.results.schema import Trained


def scores_fmt(value: float | None) -> str:
    """A score with four decimals; "—" where it is undefined."""
    return "—" if value is None else f"{value:.4f}"


def _pair(pair: list[float] | None) -> str:
    return "—" if pair is None else f"[{pair[0]:.2f}, {pair[1]:.2f}]"


def with_interval(value: float | None, pair: list[float] | None) -> str:
    """``0.6859 [0.63, 0.74]``: a score and its 95% interval (two decimals: the interval is
    a few hundredths wide, more digits would claim a precision it does not have)."""
    if value is None:
        return "—"
    return f"{value:.4f}" if pair is None else f"{value:.4f} {_pair(pair)}"


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


def print_plugin_failures(plugins: Plugins) -> None:
    for record in plugins.failures:
        say(f"merbench: warning: {record.failure_line()}", file=sys.stderr)
    for line in plugins.conflicts:
        say(f"merbench: warning: {line}", file=sys.stderr)


def print_results(results: Results, run_dir: Path, went_on: Sequence[str] = ()) -> None:
    """The pooled scores, overall and per database, and where the files are; ``went_on``:
    the folds this command went on training from an earlier command's saved state."""
    # deferred: numpy (through metrics), which 'merbench list' (plugin failures) must not load
    from merbench.scores.metrics import exclusion_notes

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
        table.add_row(scope, str(m.n), with_interval(m.uf1, pairs.get("uf1")),
                      with_interval(m.uar, pairs.get("uar")), scores_fmt(m.accuracy))
        notes.extend(exclusion_notes(scope, m))
    console.print(table)
    note = _interval_note(intervals)
    if note:
        console.print(note)
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
    for line in went_on:
        console.print(f"note: {line}", soft_wrap=True)
    console.print(f"results: {path_shown(run_dir / 'results.json')}")
    console.print(f"predictions: {path_shown(run_dir / 'predictions.csv')}")


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


def recipe_verdict(results: Trained) -> str:
    """``" (the model's recipe)"``, or ``" — a REDUCED setting, ..."`` and why: the word every
    kind of run (emotion, AU) says of a departure from its model's declared recipe or
    options, as the leaderboard marks it."""
    # deferred: pandas (through results.schema), as metrics in print_results
    from merbench.results.schema import departures_from_declared

    recipe, precision, options = [], [], []
    # an option recorded at its declared default is no departure, as on the leaderboard
    model_defaults = (declared_for(results.model, "model", DeclaredDefaults())
                      if results.model.options else None)
    for what, value, declared in departures_from_declared(results, model_defaults):
        if what == "precision":
            precision.append(f"the model's recipe trains in {declared}")
        elif declared is None:
            options.append(f"{what}={json.dumps(value)}")
        else:
            recipe.append(f"lr {declared:g}" if what == "lr"
                          else f"{declared:g} {what.replace('_', ' ')}")
    reasons = precision
    if recipe:
        reasons.insert(0, f"the model's recipe is {', '.join(recipe)}")
    if options:
        reasons.append("model options " + ", ".join(options))
    if reasons:
        return (" — a REDUCED setting, not comparable with published numbers ("
                + "; ".join(reasons) + ")")
    return " (the model's recipe)"


def mean_std(mean: float | None, std: float | None, seeds: int) -> str:
    """``0.6859 ± 0.0123``: a mean over ``seeds`` seeds and its std ("—" where undefined;
    none of one seed, whose sample standard deviation is undefined, not 0)."""
    if mean is None:
        return "—"
    return f"{mean:.4f}" if seeds < 2 else f"{mean:.4f} ± {std:.4f}"


def std_note(std: str, seeds: int) -> str:
    """The footnote saying what the std is (none shown for one seed)."""
    return f"std is the {std}" + ("; one seed has none" if seeds < 2 else "")


def print_extraction(feature: str, dataset: str, report: dict[str, Any], summary: str) -> None:
    """What ``merbench extract`` did: cache hits versus computed samples (per-sample features),
    and the feature's own summary (e.g. faces not found)."""
    facts = report.get("extraction")
    if facts:
        say(f"{feature} on {dataset}: {facts.get('n_samples')} samples, "
              f"{facts.get('n_from_cache')} read from the cache, {facts.get('n_computed')} "
              f"computed ({counted(int(facts.get('workers') or 0), 'worker')}, "
              f"{facts.get('seconds')} s); "
              f"cache: {facts.get('cache_dir')}")
    if summary:
        say(f"feature {feature}: {summary}")


def print_cache_info(root: Path, stores: list[Any]) -> None:
    """Entries and size of every store in the feature cache."""
    console = LiteralConsole()
    if not stores:
        console.print(f"the cache {path_shown(root)} is empty")
        return
    table = Table(title=f"merbench cache: {path_shown(root)}")
    for column in ("store", "entries", "size"):
        table.add_column(column, justify="left" if column == "store" else "right")
    for store in stores:
        table.add_row(store.name, str(store.entries), f"{store.bytes / 1e6:.2f} MB")
    table.add_row("total", str(sum(s.entries for s in stores)),
                  f"{sum(s.bytes for s in stores) / 1e6:.2f} MB")
    console.print(table)
