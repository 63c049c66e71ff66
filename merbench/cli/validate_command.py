"""``merbench validate FILE...``: each result file checked, one line each, then the files
that claim one configuration and seed together: reproductions (identical predictions) or a
conflict, as the leaderboard build says it (:mod:`merbench.leaderboard.copies`); exit status
2 when any is rejected."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.terminal import say
from merbench.cli.parser import EXIT_USAGE
from merbench.cli.result_progress import ResultProgress
from merbench.kinds import (
    Checked,
    kind_of,
    markers,
    part_of_result,
    refuse_stray_files,
    result_kinds,
    started_files,
    started_kind,
    unfinished,
)
from merbench.kinds.no_result import GIVE, no_result_said, summary_gone, unfinished_under
from merbench.leaderboard.collect import group_key
from merbench.leaderboard.copies import Claim, by_evidence, settle
from merbench.leaderboard.result_walk import Rejected, unpublishable, walk_results
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import not_there
from merbench.results.out_folders import is_system_folder
from merbench.results.result_files import not_finished
from merbench.verification.declared_defaults import DeclaredDefaults
from merbench.verification.seed_folders import SeedRejected
from merbench.verification.validate import ResultRejected, ValidatedRun

#: a folder given with the runs under it that are not finished yet, which are not checked
Begun = tuple[Path, list[Path]]


def expanded(paths: list[str]) -> tuple[list[Path], list[Rejected], list[Begun]]:
    """Each path as given, and every result under a folder, as ``leaderboard build`` finds
    them (:func:`~merbench.leaderboard.result_walk.walk_results`, one walk for both): a
    ``--seeds`` folder and each of its runs, a tuning (its trials through it), every result
    of a folder of results (``merbench validate leaderboards/results``, a sweep's folder),
    each link to a folder (refused by name, never skipped); with what the walk cannot check
    (a result inside another's folder, folders too deep), rejected; and each folder with
    the runs under it not finished yet, none of these, which are noted as not checked
    (``validate res`` said ``ok`` of the rest and nothing of a stopped run beside them)."""
    found: list[Path] = []
    rejected: list[Rejected] = []
    begun: list[Begun] = []
    for given in map(Path, paths):
        if given.is_symlink() or not given.is_dir():
            found.append(given)
            continue
        if is_system_folder(given):
            raise MerbenchError(f"{given} is a system folder, not a result folder or a folder "
                                f"of results; {GIVE}")
        tree = walk_results(given, started=started_files())
        refused = unpublishable(tree)
        if not tree.results and len(refused) == 1 and tree.links and \
                refused[0].path == tree.links[0].parent:  # an unfinished run's own link
            raise MerbenchError(f"{refused[0].path} {refused[0].reason}")  # as status says it
        found += tree.results
        rejected += refused
        if not (tree.results or tree.links or refused):  # this folder's own, not the rest's
            raise MerbenchError(no_result_said(given, begun=tree.started))
        said = {item.path for item in refused}  # an unfinished run's own link, rejected
        if left := [path for path in tree.started if path not in said]:
            begun.append((given, left))
    return found, rejected, begun


def _checked(path: Path) -> Checked:
    """``path`` validated by its kind; rejected in one line where it is none."""
    missing = not_there(path, GIVE)  # as show says it
    if missing is not None:
        raise ResultRejected(path, missing.removeprefix(f"{path}: "))
    kind = kind_of(path)
    if kind is not None:
        refuse_stray_files(path)  # another kind's result file beside its own
    else:
        started = started_kind(path) if path.is_dir() else None
        if started is not None and started.started_file is not None:  # under way
            raise ResultRejected(path, unfinished(path) or not_finished(
                started.name, started.started_file, started.markers[0], path))
        if path.name in started_files() and (said := unfinished(path.parent)) is not None:
            raise ResultRejected(path.parent, said)  # run.json of a run still training
        if (predicted := command_output_said(path)) is not None:
            raise ResultRejected(path, predicted)
        if (part := part_of_result(path)) is not None:
            raise ResultRejected(path, part)
        if path.is_dir():
            raise ResultRejected(path, f"holds none of {', '.join(markers())}; pass a run "
                                       "directory, a tuning's or a results file")
        kind = result_kinds()[0]  # a file of another name: the emotion run's check says why
    return kind.validate(path)


def _outcome(path: str, done: dict[str, Checked | ResultRejected]) -> Checked | ResultRejected:
    """``path`` checked once (``done``: each path's outcome, kept and reused)."""
    if path not in done:
        try:
            done[path] = _checked(Path(path))
        except ResultRejected as exc:
            done[path] = exc
    return done[path]


def _said(exc: ResultRejected, files: list[Path],
          done: dict[str, Checked | ResultRejected]) -> str:
    """A rejection's line; a summary's rejected for a seed run that is itself among
    ``files`` and rejected too points at the run's own line, which says why (the same
    problem was said on both: an adversarial pass of issue 84)."""
    if not isinstance(exc, SeedRejected):
        return str(exc)
    own = next((f for f in files if _folder(f) == exc.run_dir), None)
    outcome = None if own is None else _outcome(str(own), done)
    if not isinstance(outcome, ResultRejected):
        return str(exc)  # the run checked alone is accepted: the summary's reason is its own
    return exc.pointing(str(outcome.path))  # as the run's line names it


def _folder(path: Path) -> Path | None:
    """The run folder ``path`` names (itself, or the folder of the file it names)."""
    try:
        return (path if path.is_dir() else path.parent).resolve()
    except OSError:
        return None


#: a line to say after every file is checked: (text, to the error stream)
Line = tuple[str, bool]


def main(args: argparse.Namespace) -> int:
    accepted: list[tuple[str, Checked]] = []
    given = [Path(path) for path in args.files]
    args.files, unchecked, begun = expanded(args.files)
    args.files = _once(args.files)
    for found in unchecked:
        say(f"merbench: rejected: {found.path}: {found.reason}", file=sys.stderr, one_line=True)
    rejected = len(unchecked)
    # a bar (a line each tenth off a terminal) where a folder gave several results
    with ResultProgress(args.files if len(args.files) > 1 else [], verb="checked") as progress:
        done: dict[str, Checked | ResultRejected] = {}
        for path in args.files:
            outcome = _outcome(str(path), done)
            if isinstance(outcome, ResultRejected):
                rejected += 1
                say(f"merbench: rejected: {_said(outcome, args.files, done)}",
                    file=sys.stderr, one_line=True)
            else:
                accepted.append((str(path), outcome))
            progress(Path(path))
    # copies of one claim are settled before any is called ok: a copy rejected as a
    # conflict was said "ok" first, then "rejected"
    refused, lines = _copies([(path, c.run) for path, c in accepted if c.run is not None])
    more, also = _conflicting([c for _, c in accepted if c.claim is not None])
    refused |= more
    for path, checked in accepted:
        if path in refused:
            continue
        say(f"ok: {path} ({checked.summary})", one_line=True)
        for line in checked.notes:
            say(f"note: {path}: {line}", one_line=True)
    for text, to_stderr in (*lines, *also):
        say(text, file=sys.stderr if to_stderr else None, one_line=True)
    for folder, gone in _summaries_gone(given, args.files):
        say(f"note: {folder}: {gone}", one_line=True)
    for folder, runs in begun:  # passed over, as status counts them: never in silence
        say(f"note: {folder}: not checked, {unfinished_under(folder, runs)}", one_line=True)
    rejected += len(refused)
    if rejected:
        say(f"merbench: error: {_tally(rejected - len(unchecked), len(args.files), unchecked)}",
            file=sys.stderr, one_line=True)
        return EXIT_USAGE
    return 0


def _summaries_gone(given: list[Path], found: list[Path]) -> list[tuple[Path, str]]:
    """Each folder given that holds only seed runs of one kind and not their summary over
    seeds, with what ``show`` says of it (:func:`~merbench.kinds.no_result.summary_gone`): validate
    called each run ok and said nothing of the summary that ``show`` asks for and
    ``compare`` does without (pass 84z, Z9)."""
    notes = []
    for folder in dict.fromkeys(given):
        if folder.is_symlink() or not folder.is_dir() or kind_of(folder) is not None:
            continue
        inside = [Path(path) for path in found if Path(path).is_relative_to(folder)]
        if (gone := summary_gone(folder, inside)) is not None:
            notes.append((folder, gone))
    return notes


def _once(paths: list[Path]) -> list[Path]:
    """``paths`` with each result once: a folder and its result file (``validate RUN
    RUN/results.json``) were checked, and said ``ok``, twice (pass 84r, R17)."""
    seen: set[object] = set()
    kept = []
    for path in paths:
        key = _folder(path) if kind_of(path) is not None else str(path)
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


def _tally(rejected: int, results: int, unchecked: list[Rejected]) -> str:
    """The rejections counted as what they are: result files, and entries of a results
    folder that are none (a link to a folder of documents is no result file)."""
    said = [f"{rejected} of {results} result file(s) rejected"] if results else []
    if unchecked:
        said.append(f"{len(unchecked)} entr{'y' if len(unchecked) == 1 else 'ies'} of the "
                    "results folders refused unread")
    return "; ".join(said)


def _conflicting(checked: list[Checked]) -> tuple[set[str], list[Line]]:
    """Which results make one claim with other evidence (an AU run's predictions, a
    spotting run's intervals), as the leaderboard settles them
    (:func:`merbench.leaderboard.copies.by_evidence`), and what to say of them."""
    once = list({result.path.resolve(): result for result in checked}.values())  # named twice
    kept: list[list[Checked]] = []
    conflicts: list[tuple[Path, str]] = []
    for claimed in dict.fromkeys(result.claimed for result in once):  # each kind's words
        found, refused = by_evidence([c for c in once if c.claimed == claimed],
                                     lambda c: c.claim, lambda c: c.evidence or "",
                                     lambda c: c.path, claimed)
        kept += found
        conflicts += refused
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


