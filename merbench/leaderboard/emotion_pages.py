"""The emotion benchmarks' pages: one page per benchmark (with its comparison page), one
page per run (with the files it was validated from), and what the index shows of them (the
benchmarks' cards, those with no run yet, and the table of every run).

The largest part of the site and the first the index shows, rendered by its kind's section
(:mod:`merbench.leaderboard.emotion_section`) as every kind's pages are
(:data:`merbench.leaderboard.kind_tables.KIND_SECTIONS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from merbench.leaderboard.benchmarks import REPORTED_SELECTION, Benchmark
from merbench.leaderboard.collect import Collection, Run, benchmark_rows, reduced_setting
from merbench.leaderboard.comparison import compare_page, method
from merbench.leaderboard.costs import load_costs
from merbench.leaderboard.curves import curves_view, selection_gaps
from merbench.leaderboard.labels import configuration_label, configuration_notes
from merbench.leaderboard.not_run import not_run_models
from merbench.leaderboard.ordering import by_importance
from merbench.leaderboard.page_views import (
    collapse_text,
    policy_views,
    reduced_view,
    reported_rows,
    reported_vs_reproduced,
    reproduced_text,
    subjects_view,
)
from merbench.leaderboard.per_class import per_class_table
from merbench.leaderboard.uncertainty import Loader, table_uncertainty
from merbench.plugin_system.manager import default_plugins
from merbench.results.safe_files import copy_regular_file

RUN_FILES = ("results.json", "run.json", "predictions.csv", "audit.json")


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:.1f} kB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _copy_run_files(run: Run, target: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Copy only the files a run directory is made of (never anything else found there)."""
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for name in RUN_FILES:
        source = run.checked.run_dir / name
        if source.is_file():
            copy_regular_file(source, target / name)
            files.append((name, _size(source)))
    folds = []
    n_folds = run.results.protocol.n_folds
    (target / "folds").mkdir(exist_ok=True)
    for index in range(n_folds):
        name = f"fold-{index:03d}.npz"
        copy_regular_file(run.checked.run_dir / "folds" / name, target / "folds" / name)
        folds.append(name)
    return files, folds


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def render_emotion_pages(env: Any, collection: Collection, benchmarks: list[Benchmark],
                         out: Path) -> dict[str, Any]:
    """Write every benchmark's page, comparison page and run page into ``out`` with the
    site's environment ``env`` (giving it what those pages and the index call); what the
    index shows of them: ``benchmarks`` (with runs, most important first), ``empty``
    (those with none) and ``runs``."""
    env.globals.update(reproduced=reproduced_text, collapse=collapse_text)
    env.globals["method"] = method()
    loader = Loader()  # each configuration's intervals drawn once, from validated predictions
    notes = configuration_notes(collection.groups, collection.defaults)
    group_of = {run.page_id: group for group in collection.groups for run in group.runs}
    env.globals.update(
        reduced_setting=lambda results: reduced_setting(results, collection.defaults),
        setting=lambda group: configuration_label(group, notes),
        run_setting=lambda run: notes.get(group_of[run.page_id].key, ""))
    tables: list[dict[str, Any]] = []
    member_of: dict[str, list[Benchmark]] = {run.page_id: [] for run in collection.runs}
    first_cols = [("model", "model", "text"), ("selection", "selection", "text")]
    last_cols = [("seeds", "seeds", "num"), ("device", "device", "text"),
                 ("run time", "time", "num"), ("date", "date", "text"),
                 ("merbench", "version", "text")]
    registries = default_plugins().registries
    costs = load_costs()
    for bench in benchmarks:
        rows = benchmark_rows(bench, collection.groups)
        ranked, apart = rows.ranked, rows.test_set
        table = table_uncertainty(bench, ranked, loader)
        tables.append({"bench": bench, "ranked": ranked, "apart": apart,
                       "runs": rows.run_count(),  # the best row's first interval: its card's
                       "span": table.rows[0].cells[0] if table.rows else None})
        for group in collection.groups:
            if bench.mismatch(group.first) is None:
                for run in group.runs:
                    member_of[run.page_id].append(bench)
        gap_groups = [row.group for row in ranked if row.policy == "fixed"]
        gaps = selection_gaps([[run.checked for run in g.runs] for g in gap_groups],
                              {i: configuration_label(g, notes)
                               for i, g in enumerate(gap_groups)})
        page = env.get_template("benchmark.html").render(
            root="../", bench=bench, ranked=ranked, apart=apart, weights=rows.saved_weights,
            gaps=gaps, not_run=not_run_models(bench, rows, registries, costs),
            uncertainty=table, per_class=per_class_table(bench, ranked),
            reduced=reduced_view(rows.reduced),
            reported=reported_rows(bench), first_cols=first_cols, last_cols=last_cols,
            paper_vs_merbench=reported_vs_reproduced(bench, ranked, apart, table),
            reported_selection=[REPORTED_SELECTION[key] for key in REPORTED_SELECTION
                                if any(row.selection == key for row in bench.reported)],
            reported_first_cols=[("method", "model", "text"),
                                 ("selection", "selection", "text")],
            reported_last_cols=[("note", "note", "text"), ("interval", "interval", "text")])
        _write(out / "benchmarks" / f"{bench.id}.html", page)
        _write(out / "compare" / f"{bench.id}.html",
               compare_page(env, bench, ranked, table, loader))
    run_items: list[dict[str, Any]] = []
    curve_cache: dict[object, Any] = {}  # each run's curves, read once for its seeds' bands
    for run in collection.runs:
        files, folds = _copy_run_files(run, out / "runs" / run.page_id / "files")
        mine = member_of[run.page_id]
        seeds = [other.checked for other in group_of[run.page_id].runs]
        page = env.get_template("run.html").render(
            root="../../", run=run, benchmarks=mine, policies=policy_views(run),
            has_inner_val=any(f.n_inner_val for f in run.results.folds),
            files=files, fold_files=folds,
            curves=curves_view(run.checked, seeds, curve_cache),
            subjects=subjects_view(run))
        _write(out / "runs" / run.page_id / "index.html", page)
        why_not = "" if mine else "; ".join(
            f"{b.id}: {b.mismatch(run.results)}" for b in benchmarks)
        run_items.append({"run": run, "benchmarks": mine, "why_not": why_not,
                          "seeds": len(group_of[run.page_id].runs)})
    run_items.sort(key=lambda item: (item["run"].results.model.name,
                                     item["run"].results.dataset.name,
                                     item["run"].results.protocol.name,
                                     item["run"].results.seed))
    ordered = by_importance(tables, lambda item: item["bench"], lambda item: item["runs"])
    return {"benchmarks": [item for item in ordered if item["runs"]],
            "empty": [item["bench"] for item in ordered if not item["runs"]],
            "runs": run_items}
