"""``merbench migrate PATH...``: older result files rewritten in the current layout."""

from __future__ import annotations

import argparse

from merbench.cli.literal import say
from merbench.results.upgrade import upgrade


def main(args: argparse.Namespace) -> int:
    report = upgrade(list(args.paths))
    for path in report.rewritten:
        say(f"migrated: {path}")
    say(f"{len(report.rewritten)} file(s) rewritten in the current layout, "
        f"{len(report.current)} already in it")
    return 0
