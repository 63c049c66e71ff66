"""``merbench validate FILE...``: each result file checked, one line each; exit status 2
when any is rejected."""

from __future__ import annotations

import argparse
import sys

from merbench.cli.literal import say
from merbench.cli.parser import EXIT_USAGE
from merbench.results.validate import ResultRejected, ValidatedRun, validate_path


def main(args: argparse.Namespace) -> int:
    rejected = 0
    for path in args.files:
        try:
            checked = validate_path(path)
        except ResultRejected as exc:
            rejected += 1
            say(f"merbench: rejected: {exc}", file=sys.stderr)
            continue
        if not isinstance(checked, ValidatedRun):  # a seeds summary
            say(f"ok: {path} (seeds {', '.join(map(str, checked.seeds))}: every seed run "
                  "validates and the summary matches them)")
            continue
        r = checked.results
        say(f"ok: {path} ({r.model.name} v{r.model.version} on "
              f"{r.dataset.name}/{r.protocol.name}, {r.protocol.n_folds} "
              f"folds, {r.protocol.n_samples} samples; recomputed "
              f"{', '.join(checked.policies)}"
              f"{f'; audit.json: {checked.audits.text}' if checked.audits else ''})")
        for line in checked.unchecked:
            say(f"note: {path}: {line}")
    if rejected:
        say(f"merbench: error: {rejected} of {len(args.files)} result file(s) rejected",
              file=sys.stderr)
        return EXIT_USAGE
    return 0
