"""``merbench cache info|clear``: the feature cache's entries and size, or clearing them."""

from __future__ import annotations

import argparse

from merbench.cache import cache_info, clear_cache, default_cache_dir
from merbench.cli.literal import say
from merbench.cli.render import print_cache_info


def main(args: argparse.Namespace) -> int:
    if args.action == "info":
        print_cache_info(default_cache_dir(), cache_info())
        return 0
    removed = clear_cache(args.feature)
    entries = sum(info.entries for info in removed)
    size = sum(info.bytes for info in removed)
    names = ", ".join(info.name for info in removed) or "nothing"
    say(f"cleared {entries} entries ({size / 1e6:.1f} MB) from {default_cache_dir()}: {names}")
    return 0
