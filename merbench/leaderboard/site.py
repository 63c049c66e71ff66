"""Rendering the static site: index, one page per benchmark, one page per run.

The pages are plain files with their CSS and script inline, so they work from ``file://``
and from any static host, and load nothing from the network. Everything that comes from a
result file or a benchmark definition reaches the page through jinja2's autoescaping, and
before that through the environment's ``finalize`` hook, which every ``{{ }}`` of every
template passes, attributes included: there :func:`merbench.base.literal.literal` shows control,
bidirectional and invisible characters as escapes (so a name cannot reverse the words after
it), and the results folders' absolute paths become their names (:class:`PagePaths`).
Links are emitted only for http(s) URLs; and each page's Content-Security-Policy allows no
script but the page's own (by hash), so even a string that slipped through could not run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from merbench.base.atomic import TEMP_SUFFIX, current_umask, remove_leftovers, temp_prefix
from merbench.base.errors import MerbenchError
from merbench.leaderboard.au_view import find_au_runs, render_au_pages
from merbench.leaderboard.audit_badges import (
    TrustedKeys,
    audit_lines,
)
from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.benchmarks import (
    REPORTED_SELECTION,
    Benchmark,
    load_benchmarks,
)
from merbench.leaderboard.collect import Collection, Run, benchmark_rows, collect, reduced_setting
from merbench.leaderboard.comparison import compare_page, method
from merbench.leaderboard.copies import Claim
from merbench.leaderboard.costs import load_costs
from merbench.leaderboard.curves import curves_view, selection_gaps
from merbench.leaderboard.labels import configuration_label, configuration_notes
from merbench.leaderboard.not_run import not_run_models
from merbench.leaderboard.ordering import by_importance
from merbench.leaderboard.page_environment import page_environment, trust_keys
from merbench.leaderboard.page_views import (
    PagePaths,
    collapse_text,
    policy_views,
    reduced_view,
    reported_rows,
    reported_vs_reproduced,
    reproduced_text,
    subjects_view,
)
from merbench.leaderboard.per_class import per_class_table
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.site_swap import build_lock, restore_aside, swap_in
from merbench.leaderboard.spotting_view import (
    copy_spotting_files,
    copy_str_seeds_files,
    find_spotting_runs,
    find_str_seeds,
    spotting_sections,
)
from merbench.leaderboard.tuning_view import render_tuning_page
from merbench.leaderboard.uncertainty import Loader, table_uncertainty
from merbench.plugin_system.manager import default_plugins
from merbench.results.audited_files import run_folder
from merbench.results.out_folders import refuse_system_place
from merbench.results.result_files import SITE_MARKER
from merbench.results.safe_files import copy_regular_file, entry_kind
from merbench.verification.validation_record import said_now

RUN_FILES = ("results.json", "run.json", "predictions.csv", "audit.json")


@dataclass(frozen=True)
class BuildReport:
    """What a build produced, for the command line to print."""

    out: Path
    benchmarks: int
    runs: int  # emotion runs, on the benchmarks' pages
    rejected: list[Rejected]
    #: what the other kinds' pages show: AU runs, spotting runs, tunings (by its name)
    others: dict[str, int] = field(default_factory=dict)
    written: bool = True  # False: --strict found a rejected file, and ``out`` is as it was
    held_back: int = 0  # results --require-audit left out: no audit a trusted key signed


@dataclass(frozen=True)
class Rendered:
    """What :func:`render_site` published besides the collection's runs, and rejected."""

    rejected: list[Rejected]
    others: dict[str, int]


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


def _check_out(out: Path, folders: list[Path]) -> None:
    """Refuse to replace a folder merbench did not write, or one holding the results."""
    out_resolved = out.resolve()
    for folder in folders:
        folder_resolved = Path(folder).resolve()
        if out_resolved == folder_resolved or out_resolved in folder_resolved.parents \
                or folder_resolved in out_resolved.parents:
            raise MerbenchError(f"--out {out} overlaps --results {folder}; write the site to "
                                "a separate folder such as site/")
    refuse_system_place(out, example="site")
    if out.exists() and not out.is_dir():
        raise MerbenchError(f"--out {out} is {entry_kind(out)}; choose a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).exists():
        raise MerbenchError(f"--out {out} holds files that merbench did not write; choose an "
                            "empty or new folder")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def render_site(collection: Collection, benchmarks: list[Benchmark], out: Path,
                trusted: TrustedKeys | None = None, folders: Sequence[Path] = (),
                strict: bool = False, gate: AuditGate | None = None) -> Rendered:
    """Write every page of the site into the (empty) folder ``out``; audits count when
    signed by a key in ``trusted`` (None: none counts). ``folders``: the results folders the
    collection was found in, which the pages name by their names, never by where they lie.
    Returns how many results of the other kinds it published, and the spotting, AU and
    tuning files under them that were rejected (the collection's are its own).
    ``strict``: every file checked as ``merbench validate`` checks it, a tuning's trials
    included (``leaderboard build --strict``)."""
    env = page_environment(PagePaths(folders))
    trust_keys(env, trusted or {})
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
    gate = gate or AuditGate(trusted or {})
    found, spotting_rejected = find_spotting_runs(folders)
    spotting, refused = copy_spotting_files([r for r in found if gate.keeps([r.audited])], out)
    summaries, summaries_rejected = find_str_seeds(folders, spotting_rejected + refused)
    summaries = [] if gate.required else summaries  # a summary over seeds is not audited
    over_seeds, summaries_refused = copy_str_seeds_files(summaries, out)
    spotting_rejected += refused + summaries_rejected + summaries_refused
    _write(out / "spotting.html", env.get_template("spotting.html").render(
        root="", sections=spotting_sections(spotting, registries, over_seeds)))
    au_runs, au_rejected = find_au_runs(folders)
    au_runs = [run for run in au_runs if gate.keeps([run_folder(run.path, run.results)])]
    au_pages = render_au_pages(env, au_runs, out)
    au_items = sorted(({"run": run, "row": row, "page": page["id"]}
                       for page in au_pages for table in page["tables"]
                       for row in (*table["rows"], *table["reduced"]) for run in row.runs),
                      key=lambda item: (item["run"].results.model.name, item["page"],
                                        item["run"].results.seed))
    tunings, tuning_rejected = render_tuning_page(env, folders, out, strict,
                                                  gate.keeps if gate.required else None)
    _write(out / "index.html", env.get_template("index.html").render(
        root="", benchmarks=[item for item in ordered if item["runs"]],
        empty=[item["bench"] for item in ordered if not item["runs"]], runs=run_items,
        spotting_runs=len(spotting), au_pages=au_pages, au_runs=au_items, tunings=tunings,
        validated=said_now(),
        rejected=[*collection.rejected, *spotting_rejected, *au_rejected,
                  *tuning_rejected]))
    _write(out / SITE_MARKER, "Built by merbench leaderboard build; the next build replaces "
                              "this folder.\n")
    return Rendered([*spotting_rejected, *au_rejected, *tuning_rejected],
                    {"AU run": len({id(item["run"]) for item in au_items}),
                     "spotting run": len(spotting), "tuning": tunings})


def build_site(results: list[Path], out: Path,
               benchmarks_dir: Path | None = None,
               trusted: TrustedKeys | None = None, strict: bool = False,
               require_audit: bool = False) -> BuildReport:
    """Validate the results, then write the site to ``out`` in one step (a failed build
    leaves the previous site as it was). ``benchmarks_dir`` None: the shipped benchmarks;
    ``trusted``: the keys whose signed audits count (None: none); ``strict``: every file
    checked as ``merbench validate`` checks it, and nothing written where one is rejected
    (a job that deploys the folder whatever the exit status must not publish a site that
    passes over a rejected file); ``require_audit``: only results whose audit a trusted key
    signed are published (:mod:`merbench.leaderboard.audit_gate`)."""
    out = Path(out)
    keys: TrustedKeys = trusted or {}
    gate = AuditGate(keys, require_audit)  # refused before any work without --trust
    _check_out(out, results)
    benchmarks = load_benchmarks(benchmarks_dir)

    def vouched(claim: Claim) -> bool:  # a bit-identical audit signed by a trusted key
        return any(line.vouches for line in audit_lines(run_folder(claim.run_dir,
                                                                   claim.results), keys))

    try:  # before any result is read: a refusal comes first, and alone
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # FileExistsError: a file stands where a folder must be
        why = f"{exc.filename} is a file" if isinstance(exc, FileExistsError) else exc.strerror
        raise MerbenchError(f"--out {out} cannot be created ({why}); choose a folder you can "
                            "write to") from None
    collection = gate.collection(collect(results, vouched=vouched))
    with build_lock(out):  # a second build into this folder waits for the first
        restore_aside(out)  # a build killed inside the two-rename swap
        _check_out(out, results)  # what another build left there is checked again
        remove_leftovers(out.parent)  # staging folders of builds that were killed
        staging = Path(tempfile.mkdtemp(prefix=temp_prefix(out), suffix=TEMP_SUFFIX,
                                        dir=out.parent))
        try:
            rendered = render_site(collection, benchmarks, staging, trusted, results, strict,
                                   gate)
            rejected = [*collection.rejected, *rendered.rejected]
            written = not (strict and rejected)
            if written:
                # mkdtemp makes it private; a site is for reading, as the umask allows
                os.chmod(staging, 0o777 & ~current_umask())
                swap_in(staging, out)
            else:
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildReport(out=out, benchmarks=len(benchmarks), runs=len(collection.runs),
                       rejected=rejected, others=rendered.others, written=written,
                       held_back=gate.held_back)
