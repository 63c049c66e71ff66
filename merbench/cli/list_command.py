"""``merbench list [KIND]``: the datasets, features, models, protocols and plugins that the
installed plugins provide (without importing torch: listing builds no model)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from merbench.cli.listing_render import print_listing
from merbench.plugin_system.manager import Plugins


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    print_listing(load(args), args.kind)
    return 0
