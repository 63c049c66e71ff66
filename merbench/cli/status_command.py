"""``merbench status DIR...``: how far each run has got, one line a run; exit status 2 when
a directory cannot be read (the others are still shown)."""

from __future__ import annotations

import argparse
import sys

from merbench.cli.literal import say
from merbench.cli.parser import EXIT_USAGE
from merbench.errors import MerbenchError
from merbench.run_status import describe, run_dirs, run_status
from merbench.runner.identity import DEFAULT_RUNS_DIR
from merbench.tuning.status import is_tuning_folder, tuning_status


def main(args: argparse.Namespace) -> int:
    unreadable = 0
    for path in args.dirs or [DEFAULT_RUNS_DIR]:
        if is_tuning_folder(path):  # one line for the search, not one a trial's run
            try:
                say(tuning_status(path))
            except MerbenchError as exc:
                unreadable += 1
                say(f"merbench: error: {exc}", file=sys.stderr)
            continue
        for run_dir in run_dirs(path):
            try:
                say(describe(run_status(run_dir)))
            except MerbenchError as exc:  # one bad directory hides none of the others
                unreadable += 1
                say(f"merbench: error: {exc}", file=sys.stderr)
    return EXIT_USAGE if unreadable else 0
