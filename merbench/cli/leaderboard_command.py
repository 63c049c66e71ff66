"""``merbench leaderboard build``: the static site from validated result files; rejected
files are listed, and fail the command under ``--strict``; audits signed by a ``--trust``
key count as audited. ``merbench leaderboard export``: one benchmark's table as CSV, LaTeX
or Markdown (:mod:`merbench.leaderboard.export`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from merbench.atomic import atomic_write_bytes
from merbench.cli.literal import say
from merbench.cli.parser import EXIT_USAGE
from merbench.errors import MerbenchError
from merbench.leaderboard.export import export
from merbench.leaderboard.site import build_site
from merbench.results.signing_keys import read_trusted_keys


def main(args: argparse.Namespace) -> int:
    if args.leaderboard_command == "export":
        return _export(args)
    trusted = read_trusted_keys(list(args.trust))  # a bad key file fails before any work
    report = build_site(list(args.results), args.out, args.benchmarks, trusted)
    for item in report.rejected:
        say(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    say(f"site: {report.out / 'index.html'} ({report.benchmarks} benchmarks, {report.runs} "
          f"runs, {len(report.rejected)} rejected file(s))")
    if trusted:
        say(f"audits count when signed by: {', '.join(k.shown for k in trusted.values())}")
    else:
        say("no --trust: no audit is verified; audits show as claimed, not verified")
    if report.rejected and args.strict:
        say(f"merbench: error: {len(report.rejected)} result file(s) rejected (--strict)",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _check_export_out(out: Path, force: bool) -> None:
    """Refuse an ``--out`` that would destroy a file, before any result is read. A CSV,
    LaTeX or Markdown table carries no mark of who wrote it, so an existing file may be the
    paper it was meant to be pasted into: only ``--force`` replaces one."""
    if out.is_dir():
        raise MerbenchError(f"--out {out} is a folder; give the file to write the table to")
    if not out.parent.is_dir():
        raise MerbenchError(f"--out {out}: no folder {out.parent}; create it first")
    if os.path.lexists(out) and not force:
        raise MerbenchError(f"--out {out} exists; merbench does not replace a file unasked: "
                            "give --force to replace it, or choose another --out")


def _export(args: argparse.Namespace) -> int:
    """One benchmark's table, to stdout or ``--out``; rejected files are listed as by build."""
    if args.out is not None:
        _check_export_out(args.out, args.force)
    text, rejected = export(args.benchmark, list(args.results), args.format, args.benchmarks)
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
        say(f"{args.format}: {args.out}")
    return 0
