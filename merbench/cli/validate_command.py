"""``merbench validate FILE...``: each result file checked, one line each, then the files
that claim one configuration and seed together: reproductions (identical predictions) or a
conflict, as the leaderboard build says it (:mod:`merbench.leaderboard.copies`); exit status
2 when any is rejected."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from merbench.cli.literal import say
from merbench.cli.parser import EXIT_USAGE
from merbench.kinds import MARKERS, RESULT_KINDS, Checked, kind_of
from merbench.leaderboard.collect import group_key
from merbench.leaderboard.copies import Claim, by_evidence, settle
from merbench.leaderboard.declared_defaults import DeclaredDefaults
from merbench.results.folder_walk import folders_holding, holds_marker
from merbench.verification.validate import ResultRejected, ValidatedRun

#: a results folder's results lie this far down at most (leaderboards/results/tunings/
#: NAME/test-scored is three levels; a folder of such folders one more)
RESULTS_BELOW = 5


def expanded(paths: list[str]) -> list[Path]:
    """Each path as given, except a folder that is no result of its own: every result under
    it (``merbench validate leaderboards/results``, a sweep's folder), as ``status`` and
    ``leaderboard build`` take one. A folder is one result where it holds a result's file
    (its seed runs are checked through its ``seeds.json``, a tuning's trials through it)."""
    found: list[Path] = []
    for given in map(Path, paths):
        if not given.is_dir() or holds_marker(given, MARKERS):
            found.append(given)
            continue
        # a link to a folder is each refused by name, never skipped
        found += folders_holding(given, MARKERS, RESULTS_BELOW, with_links=True,
                                 what="a result folder or a folder of results",
                                 noun="merbench result",
                                 give="a run directory, a result file or a folder of results")
    return found


def _checked(path: Path) -> Checked:
    """``path`` validated by its kind; rejected in one line where it is none."""
    if not path.exists() and not path.is_symlink():
        raise ResultRejected(path, "no such file or directory")
    kind = kind_of(path)
    if kind is None:
        if path.is_dir():
            raise ResultRejected(path, f"holds none of {', '.join(MARKERS)}; pass a run "
                                       "directory, a tuning's or a results file")
        kind = RESULT_KINDS[0]  # a file of another name: the emotion run's check says why
    return kind.validate(path)


#: a line to say after every file is checked: (text, to the error stream)
Line = tuple[str, bool]


def main(args: argparse.Namespace) -> int:
    rejected = 0
    accepted: list[tuple[str, Checked]] = []
    args.files = expanded(args.files)
    for path in args.files:
        try:
            accepted.append((str(path), _checked(Path(path))))
        except ResultRejected as exc:
            rejected += 1
            say(f"merbench: rejected: {exc}", file=sys.stderr)
    # copies of one claim are settled before any is called ok: a copy rejected as a
    # conflict was said "ok" first, then "rejected"
    refused, lines = _copies([(path, c.run) for path, c in accepted if c.run is not None])
    more, also = _conflicting([c for _, c in accepted if c.claim is not None])
    refused |= more
    for path, checked in accepted:
        if path in refused:
            continue
        say(f"ok: {path} ({checked.summary})")
        for line in checked.notes:
            say(f"note: {path}: {line}")
    for text, to_stderr in (*lines, *also):
        say(text, file=sys.stderr if to_stderr else None)
    rejected += len(refused)
    if rejected:
        say(f"merbench: error: {rejected} of {len(args.files)} result file(s) rejected",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _conflicting(checked: list[Checked]) -> tuple[set[str], list[Line]]:
    """Which results make one claim with other evidence (an AU run's predictions, a
    spotting run's intervals), as the leaderboard settles them
    (:func:`merbench.leaderboard.copies.by_evidence`), and what to say of them."""
    once = list({result.path.resolve(): result for result in checked}.values())  # named twice
    kept, conflicts = by_evidence(once, lambda c: c.claim, lambda c: c.evidence or "",
                                  lambda c: c.path, "configuration and seed")
    lines: list[Line] = [
        (f"reproduced {len(copies)}x: {', '.join(str(c.path) for c in copies)} claim the "
         "same configuration and seed with the same results", False)
        for copies in kept if len(copies) > 1]
    lines += [(f"merbench: rejected: {path}: {reason}", True) for path, reason in conflicts]
    return {str(path) for path, _ in conflicts}, lines


def _copies(runs: list[tuple[str, ValidatedRun]]) -> tuple[set[str], list[Line]]:
    """Which emotion runs claiming one configuration and seed a leaderboard would reject
    (no audit vouches for any copy here: ``leaderboard build --trust`` can), and what to say
    of the copies."""
    claims: dict[tuple[str, int], list[Claim]] = {}
    seen: set[Path] = set()
    defaults = DeclaredDefaults()  # each plugin's asked once, for every file
    for path, checked in runs:
        if checked.run_dir.resolve() in seen:
            continue  # the same folder named twice
        seen.add(checked.run_dir.resolve())
        key = (group_key(checked.results, defaults), checked.results.seed)
        claims.setdefault(key, []).append(Claim(path, checked.run_dir, checked.results))
    refused: set[str] = set()
    lines: list[Line] = []
    for twins in claims.values():
        if len(twins) < 2:
            continue
        try:
            settled = settle(twins, lambda claim: False)
        except ResultRejected as exc:
            lines.append((f"merbench: rejected: {exc}", True))
            refused |= {twin.path for twin in twins}
            continue
        if settled.kept is not None:
            copies = [settled.kept, *settled.reproductions]
            lines.append((f"reproduced {len(copies)}x: {', '.join(c.path for c in copies)} "
                          f"claim the same configuration and seed {settled.kept.results.seed}"
                          " with every fold's per-epoch predictions identical; a leaderboard "
                          "ranks them once, as 'reproduced', each copy listed with its "
                          "machine", False))
        for claim, reason in settled.rejected:
            refused.add(claim.path)
            lines.append((f"merbench: rejected: {claim.path}: {reason}", True))
    return refused, lines


