"""``merbench migrate PATH...``: older result files rewritten in the current layout."""

from __future__ import annotations

import argparse
import functools

from merbench.base.terminal import say
from merbench.cli.result_progress import ResultProgress
from merbench.results.upgrade import migrated_files, upgrade
from merbench.training.epoch_end_stop import finish_fold_first


def main(args: argparse.Namespace) -> int:
    paths = list(args.paths)
    # every path checked before the first file is read (and before anything is printed)
    with ResultProgress(migrated_files(paths), verb="migrated", noun="files") as progress:
        # a stop while a result's files are written waits until they all are, its record
        # last (the stop the runner holds while a fold's file is written): a record left
        # naming rewritten files by their old digests rejected the run (pass 84s S11)
        report = upgrade(paths, progress, functools.partial(finish_fold_first, from_now=True))
    for path in report.rewritten:
        say(f"migrated: {path}")
    for folder, count in report.repaired:
        say(f"{folder}: its results.json now records the {count} file(s) an interrupted "
            "migration had rewritten (each checked against what the run records of it)")
    for folder in report.audits_voided:
        # kept, not removed (nothing computed is lost), but no longer of these files
        say(f"{folder}: its audit.json records audits of the files as they were before "
            "this migration, which vouch for nothing now ('merbench validate' says which); "
            "run 'merbench audit' on it again")
    # what was checked, said: a layout, never the values ('merbench validate' checks those,
    # and a tuning's runs.tar.xz, which no migration reads)
    say(f"{len(report.rewritten)} file(s) rewritten in the current layout, "
        f"{len(report.current)} already in it; migrate checks layouts only ('merbench "
        "validate' checks the values, and a tuning's runs.tar.xz)")
    return 0
