"""``merbench leaderboard build``: the static site from validated result files; rejected
files are listed, and fail the command under ``--strict``; audits signed by a ``--trust``
key count as audited. ``merbench leaderboard export``: one benchmark's table as CSV, LaTeX
or Markdown (:mod:`merbench.leaderboard.export`). ``merbench leaderboard list``: the
benchmarks' ids, which export needs and nothing else printed, with their runs.

``--results`` defaults to ``leaderboards/results`` where the working folder has one, as a
checkout of merbench has: the folder the README and the guide build from."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from merbench.base.atomic import atomic_write_bytes
from merbench.base.errors import MerbenchError
from merbench.base.terminal import counted, path_shown, say
from merbench.cli.benchmarks_given import refuse_result_definitions
from merbench.cli.leaderboard_diff import main as diff_main
from merbench.cli.out_places import (
    file_to_write,
    refuse_cache_in_out,
    refuse_idle_force,
    refuse_replacing,
    refuse_result_place,
)
from merbench.cli.parser import EXIT_USAGE
from merbench.cli.result_progress import ResultProgress
from merbench.kinds import started_files
from merbench.kinds.no_result import no_result_said, unfinished_under
from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.leaderboard.export import export, refuse_unknown
from merbench.leaderboard.kind_tables import kind_sections, kind_tables
from merbench.leaderboard.result_walk import RESULTS_GIVE, unpublishable, walked
from merbench.leaderboard.site import build_site
from merbench.results.out_folders import (
    refuse_missing_folder,
    refuse_read_place,
    refuse_system_place,
)
from merbench.results.safe_files import refuse_special_target
from merbench.results.signing_keys import read_trusted_keys
from merbench.verification.validation_record import Mode, Tally, checking

DEFAULT_RESULTS = Path("leaderboards") / "results"
#: the name a table of each --format is offered under, where --out names no file
_SUFFIXES = {"csv": "csv", "latex": "tex", "markdown": "md"}


def results_folders(given: list[Path] | None) -> list[Path]:
    """The ``--results`` folders: those given, else ``leaderboards/results`` when it is
    here; without either, one line saying what to give."""
    if given is not None:
        return list(given)
    if DEFAULT_RESULTS.is_dir():
        return [DEFAULT_RESULTS]
    raise MerbenchError(f"no --results given, and this folder has no {DEFAULT_RESULTS}/; give "
                        "--results DIR, a folder holding run directories")


@contextlib.contextmanager
def _checking(folders: list[Path] | None, mode: Mode, one_kind: bool = False
              ) -> Iterator[Tally]:
    """A block whose checks use validation records as ``mode`` says
    (:mod:`~merbench.verification.validation_record`), with a bar (a line each tenth
    without a terminal) counting the results read under ``folders``, from the first one
    read: a bad input is refused in one line with nothing printed before it. Afterwards, a
    line on stderr says how many were recomputed (``one_kind``: and, once lines were said,
    how many results of other kinds it did not read)."""
    expected = [path for _, tree in walked(folders or []) for path in tree.results]
    with ResultProgress(expected) as progress, checking(mode, progress) as tally:
        yield tally
    if one_kind:  # an export reads the results of its table's kind only
        progress.say_the_rest("are of other kinds than this table's, which it does not read")
    if progress.spoke:  # a long command: how much of it the records saved
        say(f"merbench: {tally.said()}", file=sys.stderr)


def _mode(args: argparse.Namespace) -> Mode:
    if getattr(args, "strict", False):
        return "strict"
    return "revalidate" if args.revalidate else "recorded"


def main(args: argparse.Namespace) -> int:
    # a run's folder given for definitions: said, before its files are read as ones
    refuse_result_definitions(getattr(args, "benchmarks", None))
    if args.leaderboard_command == "diff":
        return diff_main(args)
    if args.leaderboard_command == "list":
        has_default = args.results is not None or DEFAULT_RESULTS.is_dir()
        folders = results_folders(args.results) if has_default else None
        load_benchmarks(args.benchmarks)  # a bad definition is refused before any result
        with _checking(folders, _mode(args)):
            return _list(folders, args.benchmarks)
    if args.leaderboard_command == "export":
        return _export(args)
    # before validating, which writes records there: a site refuses what it did not write
    refuse_cache_in_out(args.out, "--out", said_as="the site folder of 'merbench leaderboard "
                        "build'", outside=str(args.out))
    trusted = read_trusted_keys(list(args.trust))  # a bad key file fails before any work
    folders = results_folders(args.results)
    refuse_result_place(args.out, "--out", link_ok=True, example="site")
    load_benchmarks(args.benchmarks)  # a bad definition is refused before any result
    empty = _empty_results(folders, args.strict)
    with _checking(folders, _mode(args)) as tally:
        report = build_site(folders, args.out, args.benchmarks, trusted, args.strict,
                            args.require_audit)
    for item in report.rejected:
        say(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    for said in empty:  # after the build: a refusal of its own is said alone
        say(f"merbench: warning: {said}", file=sys.stderr)
    lead, published = report.lead  # the emotion runs, said even when none
    others = ", ".join(counted(n, kind) for kind, n in report.others.items() if n)
    out = path_shown(report.out)
    site = (f"site: {path_shown(report.out / 'index.html')}" if report.written else
            f"site: not written (--strict), {out} left as it was" if report.out.exists()
            else "site: not written (--strict)")
    say(f"{site} ({counted(report.benchmarks, 'benchmark')}, "
        f"{counted(published, lead)}, {len(report.rejected)} rejected"
          f"{f'; also {others}' if others else ''})")
    if args.require_audit:
        summaries = report.summaries_held_back
        say(f"--require-audit: {counted(report.held_back, 'result')} without an audit a "
            "trusted key signed left out" + (
                f"; {counted(summaries, 'summary over seeds', 'summaries over seeds')} left "
                "out (a summary is not itself audited; its audited seed runs are shown)"
                if summaries else ""))
    say(f"validation: {tally.said()}")
    if trusted:
        say(f"audits count when signed by: {', '.join(k.shown for k in trusted.values())}")
    else:
        say("no --trust: no audit is verified; audits show as claimed, not verified")
    if report.rejected and args.strict:
        say(f"merbench: error: {len(report.rejected)} rejected (--strict): results, or "
            "entries of the results folders that no result may be",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _empty_results(folders: list[Path], strict: bool) -> list[str]:
    """What is said, in validate's words, of each ``--results`` folder holding no result
    (nothing found, nothing rejected): refused under ``strict``, else returned for the
    build to warn of. ``--strict`` is the publishing gate, and a wrong ``--results`` (a
    folder of someone's files, a results folder CI has not filled) passed it as a site of
    no run. Without it such a site is a true answer, as an export of a benchmark nobody
    has run is: its pages name the benchmarks, what a run would cost and the published
    baselines, and the warning keeps it from passing in silence. So are the runs not
    finished yet under a folder that holds results too, which the site leaves out."""
    trees = walked(folders, started_files())
    said = [f"--results {no_result_said(folder, RESULTS_GIVE, tree.started)}"
            for folder, tree in trees if not (tree.results or unpublishable(tree))]
    if said and strict:
        raise MerbenchError(said[0])
    for folder, tree in trees:
        refused = {item.path for item in unpublishable(tree)}  # said of its own
        if tree.results and (begun := [p for p in tree.started if p not in refused]):
            said.append(f"--results {folder}: not published, {unfinished_under(folder, begun)}")
    return said


def _list(folders: list[Path] | None, benchmarks: Path | None) -> int:
    """Every kind's tables in the order the site's index shows them (the benchmarks most
    important first), two lines each: its id (what ``export`` takes), dataset / protocol and
    runs (counted only where ``folders`` are given), then its title."""
    sections = kind_sections(load_benchmarks(benchmarks))
    tables, rejected = kind_tables(sections, folders or [])
    shown = [(table.id, table.where, table.title, None if folders is None else table.runs)
             for table in tables]
    width = max(len(bench_id) for bench_id, _, _, _ in shown)
    place_width = max(len(where) for _, where, _, _ in shown)
    for bench_id, where, title, count in shown:
        plural = "" if count == 1 else "s"
        runs = "" if count is None else f"  {count:>3} run{plural}"
        say(f"{bench_id:<{width}}  {where:<{place_width}}{runs}".rstrip())
        say(f"    {title}")
    for item in rejected:
        say(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    if folders is None:
        say(f"no --results given and no {DEFAULT_RESULTS}/ here: give --results DIR to count "
            "each benchmark's runs")
    else:
        say(f"runs: validated runs under {', '.join(map(path_shown, folders))}; a benchmark's "
            "table: merbench leaderboard export ID")
    return 0


def _check_export_out(out: Path, force: bool, results: list[Path] | None,
                      benchmarks: Path | None) -> None:
    """Refuse an ``--out`` that would destroy a file, before any result is read. A CSV,
    LaTeX or Markdown table carries no mark of who wrote it, so an existing file may be the
    paper it was meant to be pasted into: only ``--force`` replaces one. What it reads
    (``--results``, ``--benchmarks``) it never writes into: ``--force`` replaced the
    benchmark's own definition with its table."""
    if os.path.isdir(out) and not os.path.islink(out):
        raise MerbenchError(f"--out {out} is a folder; give the file to write the table to")
    # --force replaces a file; a fifo, a device or a link is never replaced by one
    refuse_special_target(out, "--out", "a table")
    refuse_system_place(out, "--out", "tables/composite.csv", noun="file")
    refuse_missing_folder(out)
    # a file of a result's own there would be replaced, or make it rejected
    refuse_result_place(out, "--out", what="file")
    refuse_read_place(out, "--out", [*(("--results", folder) for folder in results or []),
                                     ("--benchmarks", benchmarks)])
    refuse_replacing(out, "--out", force)


def _export(args: argparse.Namespace) -> int:
    """One benchmark's table, to stdout or ``--out``; rejected files are listed as by build."""
    refuse_idle_force(args.force, "--out", args.out is not None)  # the table to the screen
    if args.out is not None:
        args.out = file_to_write(args.out, "--out", f"{args.benchmark}.{_SUFFIXES[args.format]}")
        _check_export_out(args.out, args.force, args.results, args.benchmarks)
    folders = results_folders(args.results)
    refuse_unknown(args.benchmark, args.benchmarks)  # before any result is read
    with _checking(folders, _mode(args), one_kind=True):
        text, rejected = export(args.benchmark, folders, args.format, args.benchmarks)
    for item in rejected:
        say(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:  # whole or not at all: an interrupted write leaves the old file (--force)
            atomic_write_bytes(args.out, text.encode("utf-8"))
        except OSError as exc:
            say(f"merbench: error: cannot write {args.out} ({exc.strerror or exc}); choose a "
                "file you can write", file=sys.stderr)
            return EXIT_USAGE
        say(f"{args.format}: {path_shown(args.out)}")  # one line, as run's 'results: PATH'
    return 0
