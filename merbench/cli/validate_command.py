"""``merbench validate FILE...``: each result file checked, one line each, then the files
that claim one configuration and seed together: reproductions (identical predictions) or a
conflict, as the leaderboard build says it (:mod:`merbench.leaderboard.copies`); exit status
2 when any is rejected."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from merbench.cli.literal import counted, say
from merbench.cli.parser import EXIT_USAGE
from merbench.leaderboard.collect import group_key
from merbench.leaderboard.copies import Claim, settle
from merbench.leaderboard.declared_defaults import DeclaredDefaults
from merbench.results.au_file import AU_RESULTS_FILE, AUResults
from merbench.results.audit_file import check_audit_file
from merbench.results.folder_walk import folders_holding, holds_marker
from merbench.results.spotting_file import SPOTTING_FILE, SpottingResults
from merbench.results.tune_file import NESTED, TUNE_FILE, TuneResults
from merbench.verification.spotting_check import spotting_path
from merbench.verification.str_check import str_beside
from merbench.verification.tune_check import validate_tune
from merbench.verification.validate import (
    RESULTS_FILE,
    SEEDS_FILE,
    ResultRejected,
    ValidatedRun,
    validate_path,
)


def is_tuning(path: Path) -> bool:
    """A tuning's folder or its ``tune.json``: the tuning is checked, run folders and all.
    A ``tune.json`` that is a folder, a fifo or a link still names a tuning, whose check
    then says what is wrong with it (not that the folder holds no result)."""
    return path.name == TUNE_FILE or (path.is_dir() and os.path.lexists(path / TUNE_FILE)
                                      and not os.path.lexists(path / "results.json"))


#: a results folder's results lie this far down at most (leaderboards/results/tunings/
#: NAME/test-scored is three levels; a folder of such folders one more)
RESULTS_BELOW = 5
MARKERS = (RESULTS_FILE, SEEDS_FILE, SPOTTING_FILE, AU_RESULTS_FILE, TUNE_FILE)


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


def main(args: argparse.Namespace) -> int:
    rejected = 0
    runs: list[tuple[str, ValidatedRun]] = []
    args.files = expanded(args.files)
    for path in args.files:
        try:
            checked = (validate_tune(Path(path)) if is_tuning(Path(path))
                       else validate_path(path))
        except ResultRejected as exc:
            rejected += 1
            say(f"merbench: rejected: {exc}", file=sys.stderr)
            continue
        if isinstance(checked, SpottingResults):
            say(f"ok: {path} (spotter {checked.spotter.name} v{checked.spotter.version} on "
                f"{checked.dataset.name}, {counted(checked.dataset.n_videos, 'video')} of "
                f"{counted(checked.dataset.n_subjects, 'subject')}, "
                f"{counted(len(checked.variants), 'setting')}; "
                f"recomputed {', '.join(checked.policies)}"
                + (", and its str.json" if str_beside(spotting_path(path)) else "") + ")")
            continue
        if isinstance(checked, AUResults):
            audits = check_audit_file(Path(path) if Path(path).is_dir() else Path(path).parent)
            say(f"ok: {path} ({checked.model.name} v{checked.model.version} on "
                f"{checked.dataset.name}/{checked.protocol.name}, AU detection over "
                f"{len(checked.au_set)} AUs, {checked.protocol.n_folds} folds, "
                f"{checked.protocol.n_samples} samples; recomputed every score"
                f"{f'; audit.json: {audits.text}' if audits else ''})")
            continue
        if isinstance(checked, TuneResults):
            trials = sum(len(o.trials) for o in checked.outer)
            how = (f"nested, {len(checked.outer)} outer folds x {checked.inner_folds} inner"
                   if checked.mode == NESTED else "TEST-SCORED")
            say(f"ok: {path} ({checked.model} on {checked.dataset}/{checked.protocol}, "
                f"{checked.sampler} search, {how}, {trials} trials; every run validates and "
                f"every trial's score, choice and the outer UF1 {checked.overall.uf1:.4f} "
                "recompute)")
            continue
        if not isinstance(checked, ValidatedRun):  # a seeds summary
            say(f"ok: {path} (seeds {', '.join(map(str, checked.seeds))}: every seed run "
                  "validates and the summary matches them)")
            continue
        runs.append((str(path), checked))
        r = checked.results
        say(f"ok: {path} ({r.model.name} v{r.model.version} on "
              f"{r.dataset.name}/{r.protocol.name}, {r.protocol.n_folds} "
              f"folds, {r.protocol.n_samples} samples; recomputed "
              f"{', '.join(checked.policies)}"
              f"{f'; audit.json: {checked.audits.text}' if checked.audits else ''})")
        for line in checked.unchecked:
            say(f"note: {path}: {line}")
    rejected += _copies(runs)
    if rejected:
        say(f"merbench: error: {rejected} of {len(args.files)} result file(s) rejected",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


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
