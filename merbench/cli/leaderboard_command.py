"""``merbench leaderboard build``: the static site from validated result files; rejected
files are listed, and fail the command under ``--strict``; audits signed by a ``--trust``
key count as audited. ``merbench leaderboard export``: one benchmark's table as CSV, LaTeX
or Markdown (:mod:`merbench.leaderboard.export`)."""

from __future__ import annotations

import argparse
import sys

from merbench.cli.literal import say
from merbench.cli.parser import EXIT_USAGE
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


def _export(args: argparse.Namespace) -> int:
    """One benchmark's table, to stdout or ``--out``; rejected files are listed as by build."""
    text, rejected = export(args.benchmark, list(args.results), args.format, args.benchmarks)
    for item in rejected:
        say(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            say(f"merbench: error: cannot write {args.out} ({exc.strerror or exc}); choose a "
                "file you can write", file=sys.stderr)
            return EXIT_USAGE
        say(f"{args.format}: {args.out}")
    return 0
