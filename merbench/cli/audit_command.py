"""``merbench audit RESULT [--sign KEY]``: the result made again in part, as its kind makes
it (:mod:`merbench.kinds`), what that prints, and the exit status (1 when something made
again differs). With ``--sign`` the record is signed (:mod:`merbench.results.signature`)
before it is appended, so a leaderboard that trusts the key counts it."""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from merbench.audit.retrain import DEFAULT_FOLDS, GivenCount
from merbench.base.atomic import TEMP_SUFFIX, temp_prefix
from merbench.base.errors import MerbenchError, os_reason
from merbench.base.literal import pasted_command
from merbench.base.terminal import say
from merbench.base.whole_numbers import whole_value
from merbench.cli.audit_progress import AuditProgress
from merbench.cli.key_places import refuse_published_key
from merbench.kinds import (
    AuditRequest,
    check_audit_options,
    kind_of,
    part_of_result,
    refuse_stray_files,
    started_kind,
    unfinished,
)
from merbench.kinds.over_seeds import record_folders
from merbench.leaderboard.result_walk import held_results, outermost, walk_results
from merbench.plugin_system.manager import Plugins
from merbench.results.audit_file import AUDIT_FILE
from merbench.results.command_outputs import command_output_said
from merbench.results.result_files import not_finished
from merbench.results.safe_files import entry_kind

EXIT_DIFFERS = 1


def _count(text: str | None) -> int | None:
    if text is None:  # left out: 3, or all of a result with fewer
        return DEFAULT_FOLDS
    if text.strip().lower() == "all":
        return None
    count = whole_value(text)  # any spelling of a whole number, as every option takes one
    if count is None:
        raise MerbenchError(f"--folds {text!r} is not a number of folds; give K (1 or more) "
                            "or 'all'")
    return GivenCount(count, text)  # said as typed where it is refused


def _not_a_result(path: Path) -> str:
    """Why ``path``, which no kind of result owns, cannot be audited, and what to give."""
    if not path.is_dir() and not path.is_file():  # a fifo, a socket, a device, a dead link
        return (f"{path} is {entry_kind(path)}, not a result; give a finished run's folder, "
                "a --seeds folder, a spotting run's or a tuning's")
    started = started_kind(path) if path.is_dir() else None
    if started is not None and started.started_file is not None:
        said = unfinished(path) or not_finished(  # status's line, as validate quotes it
            started.name, started.started_file, started.markers[0], path)
        return f"{path} {said}; an audit makes again what a finished result holds"
    inside = walk_results(path, given_as="").results if path.is_dir() else []
    held = outermost(inside)  # a --seeds folder's seed runs are its own: audited with it
    if len(held) == 1:  # a folder holding one result: its name said once, as the command
        return (f"{path} is no result but holds one; audit it: "
                f"{pasted_command('merbench audit {}', held[0])}")
    if inside:  # a folder of results, such as one configuration's seed runs
        return f"{held_results(path, inside)}; audit each of them on its own"
    predicted = command_output_said(path)
    if predicted:  # as validate, show and status say it (pass 84s, S6)
        return f"{path} {predicted}"
    part = part_of_result(path)
    if part is not None:  # a run's run.json, a fold file
        return f"{path} {part}"
    if path.is_file():  # a file of a name no result is written in
        return (f"{path} is a file no merbench result is written in; pass a finished run "
                "directory or its results.json, a spotting run, a --seeds folder or a tuning")
    return (f"{path}: no results.json here (nor the file of another kind of result); pass a "
            "finished run directory or its results.json, a spotting run, a --seeds folder or "
            "a tuning")


def _check_writable(folder: Path) -> None:
    """Refuse, before anything is trained again, a folder whose ``audit.json`` cannot be
    written: the audit found it only at the end, after training, and said merbench's
    temporary file. Tried as the record is written, a temporary file beside it (and the
    file itself opened to write, where it is there, which an immutable one refuses)."""
    target = folder / AUDIT_FILE
    try:
        fd, temporary = tempfile.mkstemp(prefix=temp_prefix(target), suffix=TEMP_SUFFIX,
                                         dir=folder)
        os.close(fd)
        os.unlink(temporary)
        if target.is_file():
            with open(target, "ab"):  # nothing written: its bytes and time stay
                pass
    except OSError as exc:
        raise MerbenchError(f"{target} cannot be written ({os_reason(exc)}), and the audit "
                            "keeps its record there; nothing was trained: fix the "
                            "permissions, then run the same command again") from None


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    path, count = Path(args.run), _count(args.folds)  # the options first, as every command
    progress = AuditProgress()  # shows nothing until an epoch is trained again
    request = AuditRequest(count=count, seed=args.seed, data_root=args.data_root,
                           device=args.device, workers=args.workers,
                           # once a command, with the bar hearing the epochs trained again
                           plugins=functools.cache(lambda: load(
                               args, extra=[(f"{__name__}.progress", progress)])),
                           signing_key=args.sign)
    check_audit_options(request)
    if args.sign is not None:  # before the key is read, or anything trained
        refuse_published_key(args.sign)
    if not os.path.lexists(path):
        raise MerbenchError(f"{path}: no such file or folder; give a finished run's folder, "
                            "a --seeds folder, a spotting run's or a tuning's")
    kind = kind_of(path)
    if kind is None:
        raise MerbenchError(_not_a_result(path))
    refuse_stray_files(path)  # as validate refuses it: nothing is trained again
    for folder in record_folders(path, kind):
        _check_writable(folder)
    with progress:
        verdict = kind.audit(path, request, lambda line: say(line, flush=True))
    say(verdict.line)
    return 0 if verdict.passed else EXIT_DIFFERS
