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
from merbench.leaderboard.copies import Claim, settle
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


def main(args: argparse.Namespace) -> int:
    rejected = 0
    runs: list[tuple[str, ValidatedRun]] = []
    claims: dict[tuple[object, ...], list[Checked]] = {}
    args.files = expanded(args.files)
    for path in args.files:
        try:
            checked = _checked(Path(path))
        except ResultRejected as exc:
            rejected += 1
            say(f"merbench: rejected: {exc}", file=sys.stderr)
            continue
        say(f"ok: {path} ({checked.summary})")
        for line in checked.notes:
            say(f"note: {path}: {line}")
        if checked.run is not None:
            runs.append((str(path), checked.run))
        if checked.claim is not None:
            claims.setdefault(checked.claim, []).append(checked)
    rejected += _copies(runs) + _conflicting(claims)
    if rejected:
        say(f"merbench: error: {rejected} of {len(args.files)} result file(s) rejected",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _conflicting(claims: dict[tuple[object, ...], list[Checked]]) -> int:
    """Say which results make one claim (configuration and seed) with other evidence (an
    AU run's predictions): none of them can be trusted until an audit says which was
    edited; how many a leaderboard would reject."""
    rejected = 0
    for copies in claims.values():
        folders = {c.path.resolve(): c for c in copies}  # a folder named twice is one
        if len(folders) < 2:
            continue
        shown = ", ".join(str(c.path) for c in folders.values())
        if len({c.evidence for c in folders.values()}) == 1:
            say(f"reproduced {len(folders)}x: {shown} claim the same configuration and seed "
                "with the same predictions")
            continue
        for copy in folders.values():
            say(f"merbench: rejected: {copy.path}: claims the configuration and seed of "
                f"{shown} with other predictions: one of them was edited ('merbench audit' "
                "of each says which); publish only the genuine one", file=sys.stderr)
        rejected += len(folders)
    return rejected


def _copies(runs: list[tuple[str, ValidatedRun]]) -> int:
    """Say what files claiming one configuration and seed come to; how many a leaderboard
    would reject (no audit vouches for any copy here: ``leaderboard build --trust`` can)."""
    claims: dict[tuple[str, int], list[Claim]] = {}
    seen: set[Path] = set()
    defaults = DeclaredDefaults()  # each plugin's asked once, for every file
    for path, checked in runs:
        if checked.run_dir.resolve() in seen:
            continue  # the same folder named twice
        seen.add(checked.run_dir.resolve())
        key = (group_key(checked.results, defaults), checked.results.seed)
        claims.setdefault(key, []).append(Claim(path, checked.run_dir, checked.results))
    rejected = 0
    for twins in claims.values():
        if len(twins) < 2:
            continue
        try:
            settled = settle(twins, lambda claim: False)
        except ResultRejected as exc:
            say(f"merbench: rejected: {exc}", file=sys.stderr)
            rejected += len(twins)
            continue
        if settled.kept is not None:
            copies = [settled.kept, *settled.reproductions]
            say(f"reproduced {len(copies)}x: {', '.join(c.path for c in copies)} claim the "
                f"same configuration and seed {settled.kept.results.seed} with every fold's "
                "per-epoch predictions identical; a leaderboard ranks them once, as "
                "'reproduced', each copy listed with its machine")
        for claim, reason in settled.rejected:
            rejected += 1
            say(f"merbench: rejected: {claim.path}: {reason}", file=sys.stderr)
    return rejected
