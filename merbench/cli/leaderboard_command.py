"""``merbench leaderboard build``: the static site from validated result files; rejected
files are listed, and fail the command under ``--strict``."""

from __future__ import annotations

import argparse
import sys

from merbench.cli.literal import say
from merbench.cli.parser import EXIT_USAGE
from merbench.leaderboard.site import build_site


def main(args: argparse.Namespace) -> int:
    report = build_site(list(args.results), args.out, args.benchmarks)
    for item in report.rejected:
        say(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    say(f"site: {report.out / 'index.html'} ({report.benchmarks} benchmarks, {report.runs} "
          f"runs, {len(report.rejected)} rejected file(s))")
    if report.rejected and args.strict:
        say(f"merbench: error: {len(report.rejected)} result file(s) rejected (--strict)",
              file=sys.stderr)
        return EXIT_USAGE
    return 0
