"""``merbench status DIR...``: how far each result has got, one line each, whatever its
kind (:mod:`merbench.kinds`). Exit status 2 when one cannot be read: no result there, a
symbolic link given or found (no result is read through one), files that cannot say how far
it has got (the others are still shown); 0 when each has its line, one saying that validate
refuses the result included: status reports states, validate passes or fails a result."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.terminal import say
from merbench.cli.given_link import given_link
from merbench.cli.parser import EXIT_USAGE
from merbench.kinds import (
    kind_of,
    misnamed_result_file,
    part_of_result,
    refuse_stray_files,
    result_kinds,
    started_files,
    started_kind,
)
from merbench.kinds.contract import ResultKind
from merbench.kinds.no_result import summary_gone
from merbench.results.codec import unreadable
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import (
    RESULTS_BELOW,
    folders_holding,
    holds_marker,
    link_reason,
    not_there,
)
from merbench.results.result_files import summary_markers
from merbench.results.safe_files import (
    UnsafeFile,
    check_entry,
    empty_files,
    state_line,
)
from merbench.results.user_files import UnreadableFile, read_written_json
from merbench.runner.identity import DEFAULT_RUNS_DIR
from merbench.verification.seed_folders import check_structure, read_summary


def under_way(path: Path) -> list[Path]:
    """``path`` if a result of its own was started in it, else every one started under it
    (the seeds of a ``--seeds`` folder, a whole ``runs/``): at most
    :data:`~merbench.results.folder_walk.RESULTS_BELOW` levels down, as validate walks, so a
    folder that is no folder of results (``/``, a home folder) is refused in well under a
    second. A symbolic link to a folder met on the way is among them, for :func:`main` to
    say as validate says it (:func:`linked_entry`)."""
    path = Path(path)
    missing = not_there(path, "give a run directory (--out of 'merbench run', 'spot' or "
                        "'tune'), a --seeds folder or a folder of runs")
    if missing is not None:
        raise MerbenchError(missing)
    linked = given_link(path)
    if linked is not None:
        raise MerbenchError(linked)
    predicted = command_output_said(path)
    if predicted and not path.is_dir() and started_kind(path.parent) is None:
        raise MerbenchError(f"{path} {predicted}")
    part = part_of_result(path)  # validate's and show's words for a result's own file
    if part is not None:
        raise MerbenchError(f"{path} {part}")
    if not path.is_dir():
        raise MerbenchError(f"{path} is not a directory; give a run directory (--out of "
                            "'merbench run', 'spot' or 'tune'), a --seeds folder or a folder "
                            "of runs")
    if started_kind(path) is not None or holds_marker(path, own_files()):
        return [path]
    try:
        return folders_holding(path, own_files(), RESULTS_BELOW,
                               what="a run folder or a folder of runs", noun="merbench run",
                               give="a run directory, a --seeds folder or a folder of runs "
                                    "(such as runs/)", with_links=True,
                               walked_into=summary_markers())
    except MerbenchError:
        if predicted:  # predict's folder: no run, and said as what it is
            raise MerbenchError(f"{path} {predicted}") from None
        raise


def own_files() -> tuple[str, ...]:
    """The files that make a folder one result to ``status``: the file each kind writes
    first, and its result file, as validate finds a result by it: a finished run whose
    ``run.json`` was gone (a spotting run's ``spot-run.json``, a tuning's
    ``tuning.json``) "held no merbench run" to status, while validate and show rejected it
    as the result it is (pass 84u, U6). A summary over seeds is not one: its seed runs are
    (:func:`summary_lines` says what is wrong with it)."""
    return tuple(dict.fromkeys((*started_files(), *(
        marker for kind in result_kinds() if kind.over_seeds is None
        for marker in kind.markers))))


def linked_entry(given: Path, folder: Path) -> str | None:
    """What is said of ``folder``, found under the folder ``given``, where it is a symbolic
    link (to a run, a folder or nothing), as validate's walk rejects it; None for a folder
    of its own. Status said the folder held no merbench run, or passed over the link beside
    a real run with exit status 0, while validate named it (pass 84s, S8)."""
    if folder == given or not folder.is_symlink():
        return None
    return f"{folder}: {link_reason(folder)}"


def summary_lines(folder: Path) -> list[str]:
    """What ``status`` says of a ``--seeds`` folder's summary beside its seed runs, whatever
    its kind (each summary kind of :mod:`merbench.kinds` says what it is): one that is no
    file (a fifo), empty, unreadable or listing a seed run that is gone, never passed over
    in silence. One not written is said by :func:`main` as ``show`` says it (a folder of
    seed runs made one by one, as some committed ones are, has none either). Nor is one in
    a single result's own folder: no command writes a summary there (``run --seeds``
    refuses an ``--out`` holding a run), the folder is its result's, and validate and show
    read it as that result alone; status
    flagged a damaged ``seeds.json`` beside a run's ``results.json`` that validate accepted
    with no word of it (pass 84s, S18). A fifo or link of that name is the run's own check's
    (its files are regular files), said in the run's line."""
    if not _reads_summaries(folder):
        return []
    summaries = [(kind.markers[0], kind) for kind in result_kinds() if kind.over_seeds]
    found = []
    for name, kind in summaries:  # a fifo as any summary: the readers below pass it over
        try:
            check_entry(folder / name, folder)
        except UnsafeFile as exc:
            found.append(state_line(exc, _again(kind)))
    empty = empty_files(folder, tuple(name for name, _ in summaries))
    found += [f"its {name} is empty ('merbench validate' says why); {_again(kind)}"
              for name, kind in summaries if name in empty]
    for name, kind in summaries:
        if name not in empty and (folder / name).is_file() and not (folder / name).is_symlink():
            found += _listed_seeds(folder, name, kind)
    if found:
        return found
    return [line for name, kind in summaries if (line := _summary_refused(folder, name, kind))]


def _reads_summaries(folder: Path) -> bool:
    """Whether ``folder`` is one whose summaries over seeds status reads (not a single
    result's own folder: :func:`summary_lines`)."""
    return folder.is_dir() and started_kind(folder) is None and \
        not holds_marker(folder, own_files())  # a run whose run.json is gone: still its own


def misnamed_summary(folder: Path) -> str | None:
    """A summary over seeds in ``folder`` under another kind's name, said as validate and
    show say it (rename it), or None: said instead of :func:`summary_lines`, and not as a
    summary not written, whose fix (the --seeds command writes it) leaves the file in the
    way."""
    misnamed = misnamed_result_file(folder) if _reads_summaries(folder) else None
    return None if misnamed is None else f"{misnamed} ('merbench validate' refuses it)"


def _again(kind: ResultKind) -> str:
    """How a summary is written again: by the command that wrote it (a ``seeds.json``: run
    --seeds or a sweep, as the structure check names it)."""
    assert kind.over_seeds is not None  # a summary's kind, as summary_lines chose it
    return f"the same {kind.over_seeds.structure.command} writes it again"


def _summary_refused(folder: Path, name: str, kind: ResultKind) -> str | None:
    """Why ``validate`` refuses the summary ``name`` in ``folder`` by its layout or by the
    runs beside it (a field of the wrong type, a seed run it does not list, one listed under
    another seed or of another model), or None: the cheap half of its check, the same
    structure check, so status never passes over a summary validate rejects."""
    path = folder / name
    if not path.is_file() or path.is_symlink():
        return None
    seeds = kind.over_seeds
    assert seeds is not None  # a summary's kind, as summary_lines chose it
    try:
        summary = read_summary(path, seeds.read, seeds.called)
        check_structure(folder, seeds.structure, summary)
    except MerbenchError as exc:
        said = str(exc).removeprefix(f"{folder}: ")  # status names the folder already
        return f"{said} ('merbench validate' refuses it)"
    return None


def _listed_seeds(folder: Path, name: str, kind: ResultKind) -> list[str]:
    """A summary that cannot be read, or one listing no seed runs, said in a line:
    ``status`` shows the seed runs it finds, so a summary it could not read would otherwise
    pass unmentioned. A seed run gone from beside it, or a fifo in its place, is said by
    the structure check validate and show make (:func:`_summary_refused`): status said
    such a fifo "is not in" the folder, and both to train it again, where validate asked
    for a run folder and show said a third thing (pass 84v, V5, V6)."""
    try:
        runs = read_written_json(folder / name, "summary over seeds").get("runs")
    except (OSError, ValueError, AttributeError, UnreadableFile) as exc:
        problem = exc.because if isinstance(exc, UnreadableFile) else unreadable(exc) \
            if isinstance(exc, (OSError, ValueError)) else "not an object"
        return [f"its {name} cannot be read ({problem}; 'merbench validate' says more); "
                f"{_again(kind)}"]
    if not isinstance(runs, dict):
        return [f"its {name} lists no seed runs ('merbench validate' says why); "
                f"{_again(kind)}"]
    return []  # a listed run gone or no folder: check_structure's line (_summary_refused)


def _summary_below(given: Path, folder: Path, said: set[Path]) -> list[str]:
    """What is said of the summary over seeds in the folder holding ``folder`` (a seed run
    found under the folder ``given``: a sweep's configuration), each line with its folder's
    name, once a folder (``said``: those said already): a summary validate rejects (a seed
    run beside it that it does not list) was passed over while each seed was called
    complete."""
    parent = folder.parent
    if parent in said or given not in parent.parents:
        return []
    said.add(parent)
    return [f"{parent}: {line}" for line in summary_lines(parent)]


def main(args: argparse.Namespace) -> int:
    unreadable = 0
    for path in args.dirs or [DEFAULT_RUNS_DIR]:
        try:
            folders = under_way(Path(path))
        except MerbenchError as exc:
            unreadable += 1
            say(f"merbench: error: {exc}", file=sys.stderr, one_line=True)
            continue
        misnamed = misnamed_summary(Path(path))
        for line in [misnamed] if misnamed else summary_lines(Path(path)):
            say(f"{path}: {line}", one_line=True)
        # seed runs whose summary is not there (Z9); one there under another name is said
        gone = None if misnamed else summary_gone(Path(path), folders)
        if gone is not None:
            say(f"{path}: {gone}", one_line=True)
        summaries_said = {Path(path)}
        for folder in folders:
            for line in _summary_below(Path(path), folder, summaries_said):
                say(line, one_line=True)
            linked = linked_entry(Path(path), folder)
            if linked is not None:  # no result is read through it, as validate refuses it
                unreadable += 1
                say(f"merbench: error: {linked}", file=sys.stderr, one_line=True)
                continue
            try:  # the kind started there says how far it is (a finished one, its result's)
                refuse_stray_files(folder)  # as validate and show refuse it
                kind = started_kind(folder) or kind_of(folder)
                if kind is None:
                    raise MerbenchError(f"{folder} holds none of {', '.join(started_files())}; "
                                        "is it a merbench run?")
                say(kind.status(folder).line, one_line=True)
            except MerbenchError as exc:  # one bad directory hides none of the others
                unreadable += 1
                say(f"merbench: error: {exc}", file=sys.stderr, one_line=True)
    return EXIT_USAGE if unreadable else 0
