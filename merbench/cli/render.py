"""Rich tables for the CLI: run results, registry listings and plugin load failures."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from merbench.base.literal import counted
from merbench.cli.console import LiteralConsole
from merbench.cli.literal import literal, say
from merbench.leaderboard.declared_defaults import DeclaredDefaults, declared_for
from merbench.plugin_system.manager import Plugins
from merbench.results.model import (
    Intervals,
    Results,
    SkippedSample,
)

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
        timing += (f" ({resumed} folds restored from an earlier command, which trained them; "
                   f"this one took {results.wall_time_s:.1f} s)")
    console.print(f"device {results.environment.device}, {timing}")
    for line in went_on:
        console.print(f"note: {line}", soft_wrap=True)
    console.print(f"results: {run_dir / 'results.json'}")
    console.print(f"predictions: {run_dir / 'predictions.csv'}")


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


def _whole(width: int) -> dict[str, Any]:
    """Column options that keep every cell of up to ``width`` characters on one line, whole."""
    return {"min_width": width, "no_wrap": True, "overflow": "fold"}


READABLE = 30  # the narrowest description column worth reading; below it a listing stacks
FOLDED = 12  # the least width of a column that folds (needs, provides, package)
WHOLE = ("version", "feature", "kind")  # short fields, kept whole like names


def print_listing(plugins: Plugins, kind: str | None) -> None:
    """One table per registry (or only ``kind``), with versions and the package of each."""
    console = LiteralConsole()
    registries = plugins.registries
    kinds = [kind] if kind else ["datasets", "features", "models", "protocols", "long-videos",
                                 "spotters", "plugins"]
    for name in kinds:
        if name == "plugins":
            console.print(_plugins_table(plugins, console.width))
            continue
        registry = getattr(registries, name.replace("-", "_"))
        extra = {"models": ("feature", "kind"), "features": ("needs",),
                 "datasets": ("provides",), "long-videos": ("fps",),
                 "spotters": ("tuned",)}.get(name, ())
        rows = sorted([(entry.meta.name, _listed_cells(entry, extra)) for entry in registry] +
                      [(family.pattern, _listed_cells(family, extra))  # timm-<arch>
                       for family in registry.families()])
        columns = ("version", *extra, "description", "package")
        table = (_listing_table(name, columns, rows, console.width)
                 if _fits(console.width, columns, rows)
                 else _stacked_listing(name, rows))
        if not rows:
            table.caption = "none registered"
        console.print(table)


def _listed_cells(entry: Any, extra: tuple[str, ...]) -> dict[str, str]:
    """What ``merbench list`` shows of a registry entry or family, by column."""
    meta = entry.meta
    cells = {"version": str(meta.version)}
    for column in extra:
        value = getattr(meta, column)
        if column == "needs":  # alternatives "a|b" read as "a or b"
            value = tuple(v.replace("|", " or ") for v in value)
        elif column == "tuned":  # (("p", (0.1, 0.2)),) read as "p: 0.1/0.2"
            # nothing tuned (flow-score learns its threshold) is said, not a blank after
            # "tuned" that reads as a value lost
            value = tuple(f"{option}: {'/'.join(f'{v:g}' for v in values)}"
                          for option, values in value) or "none"
        elif column == "fps":
            value = "varies" if value is None else f"{value:g}"
        cells[column] = ", ".join(value) if isinstance(value, tuple) else str(value)
    cells["description"] = meta.description
    cells["package"] = f"{entry.origin.package} ({entry.origin.plugin})"
    return cells


def _whole_width(column: str, cells: list[str]) -> int:
    return max([len(column), *map(len, cells)])


def _word_width(column: str, cells: list[str]) -> int:
    """The least width that folds ``cells`` between words only: the longest word (a package
    name, ``merbench-mymodel``, split mid-word read as two)."""
    return max([FOLDED, len(column), *(len(word) for cell in cells for word in cell.split())])


def _fits(width: int, columns: tuple[str, ...], rows: list[tuple[str, dict[str, str]]]) -> bool:
    """Whether one column per field leaves the description ``READABLE`` characters, with
    names, versions, features and kinds whole (and 3 characters of border per column)."""
    need = _whole_width("name", [n for n, _ in rows]) + 4
    for column in columns:
        if column == "description":
            need += READABLE
        elif column in WHOLE:
            need += _whole_width(column, [cells[column] for _, cells in rows])
        else:
            need += _word_width(column, [cells[column] for _, cells in rows])
        need += 3
    return need <= width


def _listing_table(title: str, columns: tuple[str, ...],
                   rows: list[tuple[str, dict[str, str]]], width: int) -> Table:
    """One column per field: names, versions, features and kinds whole; every other cell
    folds (never an ellipsis) in a share of the width, and the description takes what is
    left. The widths are set here, within ``width``: rich's own layout left such a table a
    few characters wider than the terminal, which cut its right edge."""
    whole = {column: _whole_width(column, [cells[column] for _, cells in rows])
             for column in columns if column in WHOLE}
    whole["name"] = _whole_width("name", [n for n, _ in rows])
    folding = [c for c in columns if c not in WHOLE and c != "description"]
    # each column: 2 characters of padding and 1 of border, and the table's last border
    room = width - 1 - 3 * (len(columns) + 1) - sum(whole.values())
    share = max(FOLDED, (room - READABLE) // max(1, len(folding)))
    folded = {c: max(_word_width(c, [cells[c] for _, cells in rows]),
                     min(share, _whole_width(c, [cells[c] for _, cells in rows])))
              for c in folding}
    table = Table(title=title)
    table.add_column("name", width=whole["name"], no_wrap=True, overflow="fold")
    for column in columns:
        if column in WHOLE:
            table.add_column(column, width=whole[column], no_wrap=True, overflow="fold")
        elif column == "description":
            table.add_column(column, width=max(READABLE, room - sum(folded.values())),
                             overflow="fold")
        else:
            table.add_column(column, width=folded[column], overflow="fold")
    for name, cells in rows:
        table.add_row(Text(literal(name)), *(Text(literal(cells[column])) for column in columns))
    return table


def _plugins_table(plugins: Plugins, width: int) -> Table:
    """Every plugin with its package, version, module and status: a column each where the
    names and modules fit whole, else each plugin's fields stacked beside its name (a module
    split mid-word, ``merbench.protocols.bui`` / ``ltin``, read as two)."""
    records = plugins.records
    longest = max((len(r.origin.plugin) for r in records), default=4)
    module = max((len(r.module) for r in records), default=6)
    package = max((len(r.origin.package) for r in records), default=7)
    version = max((len(r.origin.package_version or "None") for r in records), default=7)
    sizes = {"name": max(4, longest), "package": max(7, package), "version": max(7, version),
             "module": max(6, module), "status": len("loaded")}
    # each column: 2 characters of padding and 1 of border, and the table's last border
    whole = (sum(sizes.values()) + 3 * len(sizes) + 1 <= width
             and all(r.loaded for r in records))
    table = Table(title="plugins", show_lines=not whole)
    if not whole:
        table.add_column("name", **_whole(longest))
        table.add_column("details", overflow="fold")
    else:
        for column, size in sizes.items():
            table.add_column(column, **_whole(size))
    for record in records:
        status = "loaded" if record.loaded else f"FAILED: {record.error}"
        cells = (record.origin.package, record.origin.package_version, record.module, status)
        if whole:
            table.add_row(Text(literal(record.origin.plugin)),
                          *(Text(literal(str(c))) for c in cells))
        else:
            details = Text(literal(f"package {cells[0]} {cells[1]} · {status}"))
            details.append("\nmodule " + literal(record.module))
            table.add_row(Text(literal(record.origin.plugin)), details)
    return table


def _stacked_listing(title: str, rows: list[tuple[str, dict[str, str]]]) -> Table:
    """For a terminal too narrow for a column per field: the name, whole, beside one cell
    that stacks the short fields, the description and the package, so the description
    wraps in all the width the name leaves."""
    table = Table(title=title, show_lines=True)
    table.add_column("name", **_whole(_whole_width("name", [n for n, _ in rows])))
    table.add_column("details", overflow="fold")
    for name, cells in rows:
        short = " · ".join(f"{column} {value}" for column, value in cells.items()
                           if column not in ("description", "package"))
        details = Text(literal(short))
        details.append("\n" + literal(cells["description"]))
        details.append("\npackage " + literal(cells["package"]), style="dim")
        table.add_row(Text(literal(name)), details)
    return table


def print_extraction(feature: str, dataset: str, report: dict[str, Any], summary: str) -> None:
    """What ``merbench extract`` did: cache hits versus computed samples (per-sample features),
    and the feature's own summary (e.g. faces not found)."""
    facts = report.get("extraction")
    if facts:
        say(f"{feature} on {dataset}: {facts.get('n_samples')} samples, "
              f"{facts.get('n_from_cache')} read from the cache, {facts.get('n_computed')} "
              f"computed ({facts.get('workers')} workers, {facts.get('seconds')} s); "
              f"cache: {facts.get('cache_dir')}")
    if summary:
        say(f"feature {feature}: {summary}")


def print_cache_info(root: Path, stores: list[Any]) -> None:
    """Entries and size of every store in the feature cache."""
    console = LiteralConsole()
    if not stores:
        console.print(f"the cache {root} is empty")
        return
    table = Table(title=f"merbench cache: {root}")
    for column in ("store", "entries", "size"):
        table.add_column(column, justify="left" if column == "store" else "right")
    for store in stores:
        table.add_row(store.name, str(store.entries), f"{store.bytes / 1e6:.2f} MB")
    table.add_row("total", str(sum(s.entries for s in stores)),
                  f"{sum(s.bytes for s in stores) / 1e6:.2f} MB")
    console.print(table)
