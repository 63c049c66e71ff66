"""The action-unit pages: validated ``merbench run --task au`` runs, one page per AU
benchmark, with one column per AU.

An AU run reports per-AU F1 and MEB's mean F1 in ``au-results.json``
(:mod:`merbench.au.record`), not UF1 and UAR, so it has pages of its own rather than
rows in a recognition benchmark. Every ``au-results.json`` under the results folders is
validated (every score recomputed from the fold files,
:mod:`merbench.au_kind.check`); one that fails, or whose names came from another
package than the one pinned for them (:mod:`merbench.leaderboard.providers`), is listed with
the rejected files, never shown.

An ``au-seeds.json`` (``merbench run --task au --seeds``) is validated, never shown
apart: its seed runs are found as any others and make the configuration's row.

A benchmark is a (dataset, protocol, AU set); inside it, one table per ground truth (the
dataset's version, options, sample list and AU labels, the protocol's folds), so the pooled
positives in a table's header are every row's. A row is a configuration, keyed as the
emotion pages key theirs (:func:`merbench.leaderboard.collect.group_key`: the model, its
options and version, the feature, the training settings): its seeds' mean of the mean F1 and
of each AU's F1, ± their std over seeds, and the interval of the mean F1 over subjects (its
seeds averaged; a single seed's as its file records it). Rows are ordered by mean F1; each
ranked row is tested against the first, as the emotion pages test theirs (a paired
permutation test over subjects on the mean F1, Holm-corrected over the rows compared), and
each seed links the files it was checked from (``au-results.json``, ``au-predictions.csv``
and ``run.json``, the recipe).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from merbench.au.record import (
    AU_PREDICTIONS_FILE,
    AU_RESULTS_FILE,
    AU_SEEDS_FILE,
    AUResults,
    read_au_seeds,
)
from merbench.au.seed_pool import StoredAURun, mean_f1_interval, stored_au_run
from merbench.au_kind.check import validate_au_run
from merbench.au_kind.comparison import au_claim, compare_au, predictions_digest
from merbench.au_kind.confirmed import confirmed_au_run
from merbench.au_kind.seeds_check import validate_au_seeds
from merbench.base.errors import MerbenchError
from merbench.kinds.emotion_text import lone_scopes
from merbench.leaderboard.collect import Cell, mark_best_cells, reduced_setting
from merbench.leaderboard.copies import by_evidence
from merbench.leaderboard.page_views import slug
from merbench.leaderboard.providers import Pins, first_party_pins, providers_mismatch
from merbench.leaderboard.result_walk import Rejected, holding, walked
from merbench.leaderboard.uncertainty import ALPHA
from merbench.results.audited_files import AuditedFiles, run_folder
from merbench.results.run_files import ResultRejected
from merbench.results.rundir import RUN_FILE
from merbench.results.safe_files import UnsafeFile, copy_regular_file
from merbench.stats.paired import p_text
from merbench.verification.declared_defaults import (
    DeclaredDefaults,
    Defaults,
    hyperparameters_set,
    options_set,
)
from merbench.verification.provenance import recorded_providers
from merbench.verification.validation_record import no_facts, once, read_back

#: MEB's published AU figures go here once read with their protocol (which samples, which
#: folds, which threshold and epoch), so they can be shown apart beside merbench's rows, as
#: the spotting page shows MEGC's; none is shown until then.
PUBLISHED_AU_ROWS: tuple[Any, ...] = ()



def au_note(thresholds: Sequence[float]) -> str:
    """What every number of an AU page was scored under (``thresholds``: its runs')."""
    return (f"Threshold {' / '.join(f'{t:g}' for t in sorted(set(thresholds)))} on each AU's "
            "sigmoid; each fold's last epoch (no selection); AU codes marked uncertain in the "
            "sheets are scored nowhere (neither present nor absent); samples without AU coding "
            "(SMIC) are in no fold; mean F1 is MEB's average over every AU of the set, an AU "
            "whose F1 is undefined counting 0.")


@dataclass(frozen=True)
class AURun:
    """A validated AU run and the folder it was found in."""

    path: Path  # the run folder
    results: AUResults


@dataclass
class AURow:
    """A configuration's seeds in one table: the mean F1 and each AU's F1 over seeds."""

    runs: list[AURun]
    mean_f1: Cell
    per_au: list[Cell]
    undefined: list[bool]  # some seed's F1 of the AU is the 0 of an undefined F1
    span: dict[str, float] | None  # the interval of the mean F1 over subjects
    setting: str  # what sets the configuration apart from the model as declared
    copies: list[Path] = field(default_factory=list)  # another folder of a seed shown
    #: why it is not the model as declared (fewer epochs, other options), or None: such a
    #: row is shown apart, never ranked (as on the emotion pages)
    reduced: str | None = None
    #: against the table's first ranked row: "best", "tied", "differs" or "untested" (why
    #: in ``tie_note``); "" for a row tested against nothing (reduced, or alone)
    tie: str = ""
    tie_note: str = ""
    #: each seed's files copied into the site: (seed, folder relative to the site)
    files: list[tuple[int, str]] = field(default_factory=list)
    #: why the mean F1 has no interval (its test subjects one), or "": a point, no span
    lone: str = ""

    @property
    def first(self) -> AUResults:
        return self.runs[0].results

    @property
    def audited(self) -> list[AuditedFiles]:
        """What its seeds' audit records are about, for its badge."""
        return [run_folder(run.path, run.results) for run in self.runs]

    @functools.cached_property
    def stored(self) -> StoredAURun:
        """The row's seeds' predictions, as ``merbench compare`` reads an AU run: read once
        for the row's interval and its test against the best."""
        return stored_au_run(self.runs[0].path.parent,
                             [(run.path, run.results) for run in self.runs])


def find_au_runs(folders: Sequence[Path], pins: Pins | None = None
                 ) -> tuple[list[AURun], list[Rejected]]:
    """Every ``au-results.json`` under ``folders``, validated; the rejected ones with why.
    Every ``au-seeds.json`` is validated too (its seed runs are the rows' runs, found as any
    others: a summary adds no row), and listed with the rejected where it does not hold."""
    pins = first_party_pins() if pins is None else pins
    runs: list[AURun] = []
    rejected: list[Rejected] = []
    trees = walked(folders)  # once, for the runs and their summaries
    accepted: dict[Path, AUResults] = {}
    for path, _ in holding(trees, AU_RESULTS_FILE):
        try:
            results = once("action-unit run", path.parent,
                           functools.partial(validate_au_run, path), no_facts,
                           read_back(confirmed_au_run, path))
        except ResultRejected as exc:
            rejected.append(Rejected(path.parent, exc.reason))
            continue
        accepted[path.parent.resolve()] = results
        foreign = providers_mismatch(recorded_providers(results), pins)
        if foreign is not None:
            rejected.append(Rejected(path.parent, foreign))
            continue
        runs.append(AURun(path.parent, results))
    for path, _ in holding(trees, AU_SEEDS_FILE):
        try:
            once("action-unit seeds summary", path.parent,
                 functools.partial(validate_au_seeds, path, runs=accepted), no_facts,
                 read_back(read_au_seeds, path))
        except ResultRejected as exc:
            rejected.append(Rejected(path, exc.reason))
    return _without_conflicts(runs, rejected)


def _without_conflicts(runs: list[AURun], rejected: list[Rejected]
                       ) -> tuple[list[AURun], list[Rejected]]:
    """``runs`` less every copy of a claim (configuration and seed) whose predictions differ
    from another copy's: a forged copy was ranked in place of the genuine run, whichever
    folder sorted first. Identical copies stay (a row counts them once)."""
    def evidence(run: AURun) -> str:
        try:
            return predictions_digest(run.path)
        except (MerbenchError, OSError) as exc:  # gone since validation: no copy agrees
            return f"unreadable: {exc}"

    kept, conflicts = by_evidence(runs, lambda run: au_claim(run.results), evidence,
                                  lambda run: run.path, "configuration and seed")
    return [run for copies in kept for run in copies], [
        *rejected, *(Rejected(path, reason) for path, reason in conflicts)]


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


def configuration_key(results: AUResults, defaults: Defaults) -> str:
    """What makes two AU runs of one table the same configuration: all but the seed."""
    model, feature = results.model, results.feature
    return _digest({
        "model": [model.name, model.version, options_set(model, "model", defaults),
                  *([model.built_from] if model.built_from else [])],
        "feature": [feature.name, feature.version, options_set(feature, "feature", defaults)],
        "hyperparameters": hyperparameters_set(results.hyperparameters.recorded()),
        "shuffle_train_labels": results.shuffle_train_labels,
        "threshold": results.threshold, "selection": results.selection})


def truth_key(results: AUResults, defaults: Defaults) -> str:
    """What decides a table's samples, labels and folds: runs scored on the same ones."""
    data, protocol = results.dataset, results.protocol
    return _digest({
        "dataset": [data.version, options_set(data, "dataset", defaults), data.fingerprint,
                    data.labels_sha256, data.n_scored],
        "protocol": [protocol.version, options_set(protocol, "protocol", defaults),
                     protocol.folds_fingerprint]})


def setting_line(results: AUResults, defaults: Defaults) -> str:
    """The feature, and each way the run departs from its model as declared (the recipe's
    epochs, batch size and learning rate, the precision, the model's options)."""
    parts = []
    declared = results.model.recipe.to_dict() if results.model.recipe is not None else {}
    trained = results.hyperparameters.recipe
    used = trained.to_dict() if trained is not None else {}
    parts += [f"{k}={used[k]} (recipe {declared[k]})" for k in ("epochs", "batch_size", "lr")
              if k in declared and k in used and declared[k] != used[k]]
    if results.precision not in ("fp32", None):
        parts.append(f"precision {results.precision}")
    model_options = options_set(results.model, "model", defaults)
    parts += [f"{k}={v}" for k, v in sorted(model_options.items())]
    feature = results.feature
    feature_options = options_set(feature, "feature", defaults)
    parts.append(f"feature {feature.name}" + "".join(
        f" {k}={v}" for k, v in sorted(feature_options.items())))
    return ", ".join(parts)


def _cell(values: Sequence[float | None]) -> Cell:
    found = [float(v) for v in values if v is not None]
    if not found:
        return Cell(None, None, 0)
    std = float(np.std(found, ddof=1)) if len(found) > 1 else None
    return Cell(float(np.mean(found)), std, len(found))


def _row(runs: list[AURun], defaults: Defaults) -> AURow:
    by_seed: dict[int, AURun] = {}
    copies = []
    for run in sorted(runs, key=lambda r: (r.results.seed, str(r.path))):
        if run.results.seed in by_seed:
            copies.append(run.path)  # the same seed again: counted once
        else:
            by_seed[run.results.seed] = run
    kept = list(by_seed.values())
    n_aus = len(kept[0].results.au_set)
    row = AURow(
        runs=kept, mean_f1=_cell([r.results.overall.mean_f1 for r in kept]),
        per_au=[_cell([r.results.overall.f1[i] for r in kept]) for i in range(n_aus)],
        undefined=[any(not r.results.overall.f1_defined[i] for r in kept)
                   for i in range(n_aus)],
        span=None, setting=setting_line(kept[0].results, defaults), copies=copies,
        reduced=reduced_setting(kept[0].results, defaults))
    row.lone = lone_scopes(kept[0].path / AU_PREDICTIONS_FILE).get("overall", "")
    if row.lone:  # its seeds test the same subjects: a point is recorded, no interval
        return row
    if len(kept) == 1:
        bounds = kept[0].results.intervals.overall.mean_f1
        if bounds is not None:
            row.span = {"low": bounds[0], "high": bounds[1]}
    else:  # the seeds averaged, resampled as one seed's was when it was recorded
        with contextlib.suppress(MerbenchError, OSError):  # a file gone since validation
            found = mean_f1_interval(row.stored)
            if found is not None:
                row.span = {"low": found[0], "high": found[1]}
    return row


def _mark_best(rows: Sequence[AURow]) -> None:
    """Bold the best mean F1 and the best F1 of each AU among ``rows`` (ties all bold), as
    the emotion pages mark theirs (:func:`mark_best_cells`); a reduced row never is."""
    table = [[row.mean_f1, *row.per_au] for row in rows]
    mark_best_cells(table)
    for row, cells in zip(rows, table, strict=True):
        row.mean_f1, row.per_au = cells[0], cells[1:]


def _mark_ties(ranked: list[AURow]) -> None:
    """Each ranked row against the first (the best mean F1): tied where the Holm-adjusted p
    of the mean F1's paired permutation test is at least :data:`ALPHA`, as on the emotion
    pages; rows that cannot be paired (other samples) say so."""
    if len(ranked) < 2:
        return
    ranked[0].tie = "best"
    try:
        found = compare_au(ranked[0].stored, [row.stored for row in ranked[1:]])
    except (MerbenchError, OSError) as exc:  # not one truth; a file gone since validation
        for row in ranked[1:]:
            row.tie, row.tie_note = "untested", str(exc)
        return
    for row, comparison in zip(ranked[1:], found, strict=True):
        row.tie = "tied" if comparison.mean_f1_holm >= ALPHA else "differs"
        row.tie_note = f"Holm-adjusted {p_text(comparison.mean_f1_holm)}"


def _positives(rows: Sequence[AURow], n_aus: int) -> list[str]:
    """Each AU's pooled positives, as every run of the table counts them."""
    shown = []
    for i in range(n_aus):
        found = sorted({run.results.overall.positives[i] for row in rows for run in row.runs})
        shown.append(str(found[0]) if len(found) == 1 else f"{found[0]}–{found[-1]}")
    return shown


def au_benchmarks(runs: Sequence[AURun], defaults: Defaults | None = None,
                  ties: bool = True) -> list[dict[str, Any]]:
    """One page per (dataset, protocol, AU set) that has a validated run: its id (the page's
    file name without ``.html``), its tables, each with its rows best first. ``ties``: each
    ranked row tested against the best (the page's; a listing or a table has no use for
    the permutation tests, seconds a table)."""
    lookup = defaults if defaults is not None else DeclaredDefaults()
    benches: dict[tuple[str, str, tuple[int, ...]], list[AURun]] = {}
    for run in runs:
        r = run.results
        benches.setdefault((r.dataset.name, r.protocol.name, tuple(r.au_set)), []).append(run)
    pages = []
    taken: set[str] = set()
    for (dataset, protocol, au_set), members in sorted(benches.items()):
        page_id = slug(f"au-{dataset}-{protocol}")[:60]
        if page_id in taken:  # another AU set of the same dataset and protocol
            page_id = f"{page_id}-{_digest(list(au_set))[:8]}"
        taken.add(page_id)
        truths: dict[str, dict[str, list[AURun]]] = {}
        for run in members:
            configs = truths.setdefault(truth_key(run.results, lookup), {})
            configs.setdefault(configuration_key(run.results, lookup), []).append(run)
        tables: list[dict[str, Any]] = []
        for _, configs in sorted(truths.items()):
            rows = [_row(group, lookup) for _, group in sorted(configs.items())]
            rows.sort(key=lambda row: (row.mean_f1.mean is None, -(row.mean_f1.mean or 0.0),
                                       row.first.model.name, str(row.runs[0].path)))
            first = rows[0].first
            ranked = [row for row in rows if row.reduced is None]
            _mark_best(ranked)
            if ties:
                _mark_ties(ranked)
            tables.append({"dataset": first.dataset, "protocol": first.protocol,
                           "positives": _positives(rows, len(au_set)), "rows": ranked,
                           "reduced": [row for row in rows if row.reduced is not None]})
        pages.append({"id": page_id, "dataset": dataset, "protocol": protocol,
                      "au_set": list(au_set), "tables": tables,
                      "runs": sum(len(row.runs) for t in tables
                                  for row in (*t["rows"], *t["reduced"])),
                      "published": PUBLISHED_AU_ROWS})
    return pages


def render_au_pages(env: Any, runs: Sequence[AURun], out: Path) -> list[dict[str, Any]]:
    """Write one ``au-<dataset>-<protocol>.html`` per AU benchmark into ``out`` with the
    site's environment ``env`` (so through its escaping and ``finalize`` hook); the pages,
    for the index to link."""
    pages = au_benchmarks(runs)
    template = env.get_template("au.html")
    for page in pages:
        _copy_files(page, out)
        (out / f"{page['id']}.html").write_text(
            template.render(root="", page=page, note=au_note(
                [row.first.threshold for table in page["tables"] for row in table["rows"]])),
            encoding="utf-8")
    return pages


#: the files of an AU run a page links, each checked by validation before it is copied
AU_RUN_FILES = (AU_RESULTS_FILE, AU_PREDICTIONS_FILE, RUN_FILE)


def _copy_files(page: dict[str, Any], out: Path) -> None:
    """Each seed run's files into ``out/au-runs/PAGE/N/`` (N counting the page's runs), for
    a reader to validate or read the recipe of; the row then links them."""
    number = 0
    for table in page["tables"]:
        for row in (*table["rows"], *table["reduced"]):
            for run in row.runs:
                number += 1
                folder = f"au-runs/{page['id']}/{number}"
                (out / folder).mkdir(parents=True, exist_ok=True)
                try:
                    for name in AU_RUN_FILES:
                        copy_regular_file(run.path / name, out / folder / name)
                except (UnsafeFile, OSError):  # swapped or gone since validated: linked nowhere
                    shutil.rmtree(out / folder)
                    continue
                row.files.append((run.results.seed, folder))
