"""``merbench migrate PATH...``: older result files rewritten in the current layout."""

from __future__ import annotations

import argparse

from merbench.cli.literal import say
from merbench.results.upgrade import upgrade


def main(args: argparse.Namespace) -> int:
    changed = upgrade(list(args.paths))
    for path in changed:
        say(f"migrated: {path}")
    say(f"{len(changed)} file(s) rewritten in the current layout")
    return 0
