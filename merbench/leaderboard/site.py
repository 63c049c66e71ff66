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

import base64
import dataclasses
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from merbench import __version__
from merbench.base.atomic import TEMP_SUFFIX, current_umask, remove_leftovers, temp_prefix
from merbench.base.errors import MerbenchError
from merbench.base.literal import literal
from merbench.leaderboard.au_view import find_au_runs, render_au_pages
from merbench.leaderboard.audit_badges import (
    TrustedKeys,
    audit_badge,
    audit_lines,
    results_badge,
)
from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.benchmarks import (
    METRIC_LABELS,
    REPORTED_SELECTION,
    Benchmark,
    load_benchmarks,
)
from merbench.leaderboard.collect import (
    Collection,
    Group,
    Rejected,
    Run,
    benchmark_rows,
    collect,
    reduced_setting,
)
from merbench.leaderboard.comparison import compare_page, method
from merbench.leaderboard.copies import Claim
from merbench.leaderboard.costs import load_costs
from merbench.leaderboard.curves import curves_view, selection_gaps
from merbench.leaderboard.labels import configuration_label, configuration_notes
from merbench.leaderboard.not_run import not_run_models
from merbench.leaderboard.ordering import by_importance
from merbench.leaderboard.page_views import (
    PagePaths,
    collapse_text,
    policy_views,
    reduced_view,
    reported_rows,
    reported_vs_reproduced,
    reproduced_text,
    slug,
    subjects_view,
)
from merbench.leaderboard.per_class import per_class_table
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
_URL = re.compile(r"https?://[^\s<>\"']+")


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


def safe_url(value: object) -> str | None:
    """``value`` if it is an http(s) URL with a host and nothing that could break out of an
    attribute; None otherwise (the text is then shown, not linked)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or any(c.isspace() or ord(c) < 32 for c in url) or any(c in url for c in "<>\"'`\\"):
        return None
    if literal(url) != url:  # a bidi or invisible character: the link would not say where
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def paper_url(citation: object) -> str | None:
    """The first http(s) link in a model's citation text, if it is safe to link."""
    if not isinstance(citation, str):
        return None
    match = _URL.search(citation)
    return safe_url(match.group(0).rstrip(".,;)")) if match else None


CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "huggingface.co")


def link_label(url: str) -> str:
    """What a model's citation link is, said on its row: a code repository is "code" (the
    timm models cite timm's repository, which a "paper" link mislabelled), else "paper"."""
    host = url.split("//", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
    return "code" if host in CODE_HOSTS else "paper"


def colid(scope: str, metric: str) -> str:
    """A column's id (``samm-uf1``): what the sort script and #sort= links name it by."""
    return f"{slug(scope)}-{slug(metric)}"


def duration(seconds: float | None) -> str:
    """Run times people read at a glance: ``54 min 09 s``, ``1 h 05 min``."""
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:.1f} kB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _group_helpers() -> dict[str, Any]:
    def devices(group: Group) -> str:
        """The devices, as short as they stay clear: "cuda (NVIDIA H100 80GB HBM3)" took
        four lines of a narrow column; its GPU's name says it is CUDA."""
        def short(device: str) -> str:
            name = device.partition(" (")[2].removesuffix(")") if " (" in device else device
            return name.removeprefix("NVIDIA ") or device
        return ", ".join(sorted({short(str(r.results.environment.device))
                                 for r in group.runs}))

    def precisions(group: Group) -> str:
        """The arithmetic each row trained in (fp32, bf16, tf32), shown for every row: a
        precision is part of a run's identity, and the GPU rows may train in bf16 once the
        precision study decides (benchmarks/README.md)."""
        return ", ".join(sorted({str(r.results.precision or "fp32") for r in group.runs}))

    def mean_time(group: Group) -> float:
        return sum(float(r.results.run_time_s) for r in group.runs) / len(group.runs)

    def latest_date(group: Group) -> str:
        return max(str(r.results.created)[:10] for r in group.runs)

    def versions(group: Group) -> list[str]:
        found = set()
        for run in group.runs:
            env = run.results.environment
            commit = env.git_commit
            found.add(f"{env.merbench}" + (f" ({str(commit)[:7]})" if commit else ""))
        return sorted(found)

    def record_fields(record: Any) -> dict[str, Any]:
        """A record's fields by name, for a page that lists them all (``dictsort``)."""
        return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}

    return {"devices": devices, "precisions": precisions, "mean_time": mean_time,
            "latest_date": latest_date, "versions": versions, "record_fields": record_fields}


def _script() -> tuple[str, str]:
    """The inline script and its CSP hash, so the policy allows exactly this script."""
    text = resources.files("merbench.leaderboard").joinpath("templates/page.js").read_text()
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return text, f"sha256-{digest}"


def _trust(env: Any, keys: TrustedKeys) -> None:
    """The pages' audit badges and lists, counting audits signed by ``keys`` (none: every
    audit is only claimed)."""
    env.globals.update(audit_badge=lambda group: audit_badge(group, keys),
                       results_badge=lambda audited, parts="folds": results_badge(
                           audited, keys, parts),
                       audit_lines=lambda run: audit_lines(
                           run_folder(run.checked.run_dir, run.results), keys),
                       run_badge=lambda run: results_badge(
                           [run_folder(run.checked.run_dir, run.results)], keys),
                       au_run_badge=lambda run: results_badge(
                           [run_folder(run.path, run.results)], keys))


def _environment(paths: PagePaths | None = None) -> Any:
    """The templates' environment: autoescaped, and every ``{{ }}`` value shown literally
    with the results folders named as ``paths`` names them (see the module's docstring)."""
    try:  # deferred: jinja2, needed only to build pages, and if missing the one line below
        import jinja2
    except ImportError:  # pragma: no cover - jinja2 is a dependency
        raise MerbenchError("building the leaderboard needs jinja2: pip install jinja2") from None
    from jinja2.utils import htmlsafe_json_dumps  # deferred with jinja2
    from markupsafe import Markup  # deferred with jinja2, whose dependency it is

    shown = paths or PagePaths()

    def finalize(value: Any) -> Any:
        """What every ``{{ }}`` prints, before autoescaping: here, and not in each template,
        so that no template, attribute or title can forget it. Markup (a macro's output, the
        SVG drawn in Python, ``|safe``, ``|tojson``) is HTML already: escaping it again would
        show its tags, so it only has any hidden character shown as an escape, which adds
        nothing but ASCII letters and digits to it."""
        if isinstance(value, Markup):
            return Markup(literal(str(value)))
        return literal(shown(str(value)))

    def tojson(value: Any, indent: int | None = None) -> Any:
        """jinja2's ``tojson``, with the folders named as on the rest of the page; and
        ``ensure_ascii`` said, not assumed, so a hidden character shows as ``\\u202e``."""
        return htmlsafe_json_dumps(shown.tree(value), dumps=json.dumps, indent=indent,
                                   sort_keys=True, ensure_ascii=True)

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("merbench.leaderboard", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, finalize=finalize,
    )
    env.filters["tojson"] = tojson
    script, script_hash = _script()
    style = resources.files("merbench.leaderboard").joinpath("templates/style.css").read_text()
    env.globals.update(
        safe_url=safe_url, paper_url=paper_url, link_label=link_label, colid=colid,
        duration=duration,
        metric_label=lambda m: METRIC_LABELS.get(m, m),
        metric_cols=lambda bench: [colid(c.scope, m) for c in bench.columns
                                   for m in bench.metrics],
        script=Markup(script), script_hash=script_hash, style=Markup(style),
        build={"version": __version__,
               "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")},
        **_group_helpers(),
    )
    _trust(env, {})  # a build that trusts keys says so (render_site)
    return env


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
    env = _environment(PagePaths(folders))
    _trust(env, trusted or {})
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
