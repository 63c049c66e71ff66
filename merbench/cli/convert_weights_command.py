"""``merbench convert-weights MODEL SOURCE --out TARGET``: the authors' released weights of
MODEL, in merbench's names, checked to load strictly (:mod:`merbench.authors_weights`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from merbench.authors_weights import convert
from merbench.cli.literal import say
from merbench.plugins import Plugins


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    entry = load(args).registries.models.get(args.model)
    options = dict(args.model_opt or [])
    pairs = convert(entry, args.source, args.out, options)
    for source, target in pairs:
        say(f"{source} -> {target}")
    where = args.out if len(pairs) > 1 or args.out.is_dir() else args.out.parent
    say(f"converted {len(pairs)} checkpoint(s) of {args.model}'s authors into merbench's names; "
        f"score them with: merbench run --model {args.model} --weights {where} ...")
    return 0
