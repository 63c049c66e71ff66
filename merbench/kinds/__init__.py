"""The kinds of result merbench writes, each one object (:mod:`merbench.kinds.contract`):
the commands that take any result (``validate``, ``status``, ``audit``, ``compare``,
``show``) ask this package which kind a path is and let the kind answer, and so do the
commands that print what they wrote (:func:`finished_text`).

The order is the order a path is recognised in; a folder holding the result files of two
kinds (an action-unit run's folder with another run's ``results.json`` copied in), or a
private key, is no result: every command refuses it alike (:func:`refuse_stray_files`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite
from merbench.data.task import stored_task
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    FinishedText,
    Progress,
    ResultKind,
    check_audit_options,
)
from merbench.kinds.emotion import SEEDS_SUMMARY_KIND, EmotionRunKind
from merbench.results.command_outputs import command_output_said
from merbench.results.folder_walk import not_there
from merbench.results.kind_registry import (
    import_kind_homes,
    register_folder_refusal,
    register_link_refusal,
)
from merbench.results.result_files import marker_families, not_finished, result_markers
from merbench.results.run_files import ResultRejected
from merbench.results.rundir import FOLDS_DIR, RunDirectory
from merbench.results.signing_keys import private_key_said
from merbench.results.user_files import UnreadableFile, read_written_json
from merbench.runner.task_run import task_run

#: the kinds not in homes of their own, each result's own beside its summary over seeds (one
#: class, :class:`~merbench.kinds.over_seeds.SummaryOverSeeds`, serves the summaries)
_KINDS: tuple[ResultKind, ...] = (EmotionRunKind(), SEEDS_SUMMARY_KIND)
#: the kinds their homes registered (:func:`register_kinds`)
_registered: list[ResultKind] = []


def register_kinds(*kinds: ResultKind) -> None:
    """Make ``kinds`` known to the commands that take any result (a kind's home calls it
    when imported: :mod:`merbench.results.kind_registry` says why)."""
    _registered.extend(kind for kind in kinds
                       if all(known.name != kind.name for known in _registered))


def result_kinds() -> tuple[ResultKind, ...]:
    """Every kind of result, in the order a path is recognised in."""
    import_kind_homes()
    return (*_KINDS, *_registered)


def markers() -> tuple[str, ...]:
    """Every file that makes a folder a result, each kind's (its test checks they are
    these)."""
    return result_markers()


def started_files() -> tuple[str, ...]:
    """Every file that makes a folder a result under way, for ``status``."""
    return tuple(dict.fromkeys(kind.started_file for kind in result_kinds()
                               if kind.started_file is not None))


def kind_of(path: Path) -> ResultKind | None:
    """The kind of result ``path`` is (a folder, or one of a result's files), or None."""
    path = Path(path)
    return next((kind for kind in result_kinds() if kind.owns(path)), None)


def started_kind(folder: Path) -> ResultKind | None:
    """The kind of result under way in ``folder`` (its first file written), or None. Where
    kinds start with one file (an emotion and an AU run both write ``run.json`` first), the
    one whose result file is there, whatever the started file says (an AU run whose
    ``run.json`` lost its task was an emotion run to status, pass 84af, AF2), else the one
    whose result file the run's recorded task names (an AU run with its result gone was
    called "an emotion run not finished yet (results.json not yet)")."""
    started = [kind for kind in result_kinds() if kind.started_file is not None
               and os.path.lexists(Path(folder) / kind.started_file)]
    if len(started) > 1:
        written = [kind for kind in started if os.path.lexists(Path(folder) / kind.markers[0])]
        if len(written) == 1:
            return written[0]
        named = _recorded_result_file(Path(folder))
        return next((kind for kind in started if kind.markers[0] == named), started[0])
    return started[0] if started else None


def finished_text(path: Path) -> FinishedText:
    """The text of the finished result at ``path`` (a folder, or one of its files), as the
    command that wrote it prints it, answered by the kind that owns it: what ``run``,
    ``spot`` and ``tune`` print as they finish and ``show`` prints again, none of them
    telling the kinds apart. ``MerbenchError`` (one line) where ``path`` is none."""
    path = Path(path)
    kind = kind_of(path)
    if kind is None:
        raise MerbenchError(_no_finished_result(path))
    return kind.finished_text(path)


def _no_finished_result(path: Path) -> str:
    """Why ``path``, which no kind owns, has no finished text, and what to give instead."""
    give = "give a finished result's folder or its result file"
    if (missing := not_there(path, give)) is not None:
        return missing
    predicted = command_output_said(path)
    if predicted and started_kind(path.parent if path.is_file() else path) is None:
        return f"{path} {predicted}"
    if path.is_dir():
        started = started_kind(path)
        if started is not None and started.started_file is not None:
            said = unfinished(path) or not_finished(  # status's line, as validate quotes it
                started.name, started.started_file, started.markers[0], path)
            return f"{path} {said}"
    part = part_of_result(path)
    if part is not None:
        return f"{path} {part}"
    if path.is_dir():
        return f"{path} holds no merbench result (no {' or '.join(markers())}); {give}"
    return f"{path} is no file a merbench result is written in; {give}"


def part_of_result(path: Path) -> str | None:
    """What ``path`` is where it is a file or folder of a result other than its result file
    (a run's ``run.json``, a fold file, its ``folds/``), with the fix; or None. Every
    command that takes results says it alike: ``validate`` read a run's ``run.json`` as a
    damaged results file ("field 'config' is not part of this layout", a field merbench
    wrote), ``show`` called it "no file a merbench result is written in", ``status`` "not a
    directory", and ``compare`` called ``folds/`` a seed run of a summary."""
    path = Path(path)
    if kind_of(path) is not None:
        return None
    if path.is_dir():  # its folds/ alone: another folder there may hold runs moved aside
        if path.name != FOLDS_DIR or not _a_result(path.parent):
            return None
        return (f"is a folder in the result {path.parent}, not a result; give the result's "
                f"folder ({path.parent})")
    for folder in (path.parent, path.parent.parent):  # a run's own file, or one in folds/
        if _a_result(folder):
            what = "the run's identity" if path.name in started_files() else "a file"
            return (f"is {what} in the result {folder}, not its result file; give the "
                    f"result's folder ({folder})")
    return None


def _a_result(folder: Path) -> bool:
    """Whether ``folder`` holds a result, finished or begun (its folder is what every
    command takes)."""
    return kind_of(folder) is not None or started_kind(folder) is not None


def unfinished(path: Path) -> str | None:
    """What a command that takes finished results says of ``path`` (after its name) where a
    result was started there and has not finished (its first file written, its result file
    not yet), or None: :func:`~merbench.results.result_files.not_finished` with the kind's
    ``status`` line, how many folds are done and what to do. ``validate`` and ``compare``
    said such a folder "holds no merbench result" and "holds neither results.json nor
    seeds.json" while ``status`` counted its folds (issue 84). Where its files cannot say,
    where to read why (``merbench status`` names what is wrong)."""
    found = _unfinished(path)
    return None if found is None else found[0]


def _unfinished(path: Path) -> tuple[str, Progress | None] | None:
    """:func:`unfinished` of ``path``, with its kind's status (None where its files cannot
    say), or None."""
    path = Path(path)
    if not path.is_dir() or path.is_symlink() or kind_of(path) is not None:
        return None
    started = started_kind(path)
    if started is None or started.started_file is None:
        return None
    try:
        progress: Progress | None = started.status(path)
    except MerbenchError:  # 'merbench status' says what is wrong with its files
        progress = None
    said = None if progress is None else progress.line.removeprefix(f"{path}: ")
    return not_finished(started.name, started.started_file, started.markers[0], path,
                        said), progress


def unfinished_with_own_link(link: Path) -> str | None:
    """:func:`unfinished` of the run whose own folder ``link`` is (its ``folds``, or a
    spotting run's ``videos``, linked elsewhere), where the run's kind says in its status
    that the entry is a link; None for any other link. Registered with the walk for
    results, which refused it as a link in a folder of results. The kind hands the links
    over in its :class:`~merbench.kinds.contract.Progress`: this once looked for the words
    "is a symbolic link" in its line (issue 84)."""
    found = _unfinished(link.parent)
    if found is None or found[1] is None or link.name not in found[1].linked:
        return None
    return found[0]


register_link_refusal(unfinished_with_own_link)


def stray_result_files(path: Path) -> str | None:
    """Why the result at ``path`` (a folder, or one of its files) is refused where its
    folder holds the result files of two kinds (:func:`marker_families`), naming the stray
    ones: those of the kinds other than the one its first file (``run.json`` by the task it
    records, ``spot-run.json``, ``tuning.json``) says the folder is; None where it holds one
    kind's. An action-unit run's folder with an emotion run's ``results.json`` copied in
    was "complete" to status and an emotion run missing fold files to validate and show; an
    emotion run's with an AU run's ``au-results.json`` was "ok" to validate and rejected by
    the build (pass 84w, W18, W19)."""
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    held = [names for family in marker_families()
            if (names := [name for name in family if os.path.lexists(folder / name)])]
    if len(held) < 2:
        return None
    claimed = set(_claimed_files(folder))
    own = [names for names in held if claimed.intersection(_family_of(names[0]))]
    if len(own) != 1:  # nothing says which result is the folder's own
        files = "; ".join(f"{', '.join(names)} ({indefinite(_kind_called(names[0]))})"
                          for names in held)
        return (f"holds the result files of {len(held)} kinds of result: {files}; a folder "
                "holds one result: keep the folder's own and remove the others")
    strays = [name for names in held if names is not own[0] for name in names]
    said = " and ".join(f"{name} (the result file of {indefinite(_kind_called(name))})"
                        for name in strays)
    return (f"{said} {'is' if len(strays) == 1 else 'are'} in the folder of "
            f"{indefinite(_kind_called(own[0][0]))} ({', '.join(own[0])}); a folder holds "
            f"one result: remove {' and '.join(strays)}")


def misnamed_result_file(path: Path) -> str | None:
    """Why the result at ``path`` (a folder, or one of its files) is refused where a result
    file in its folder is another kind's, by what it records (its ``kind``, or its layout:
    :meth:`ResultKind.written_by`), or a kind's started file that records no kind (a
    tuning's ``tuning.json``: :meth:`ResultKind.started_by`), under this kind's name, with
    its right name; None otherwise, and where the right name is taken
    (:func:`stray_result_files` says that).
    Each command read such a file by its name: an action-unit results file as
    ``results.json`` was an emotion run "stopped" to status and "its version was edited"
    to validate, a fix that never worked (pass 84af, AF3); as a seeds summary handed over as
    a run's results file is named by what it is, each file is named so here, once.

    Every command asks this of every result before its kind reads it, so the other kinds
    are asked first: each settles a file by its ``kind`` key at once, and the one kind that
    records none builds a file's whole record by its layout, which is asked only of a
    kind-less file under another kind's name (a run's own results file is read in full by
    its own check next)."""
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    kinds = result_kinds()
    for kind in kinds:
        name = kind.markers[0]
        try:  # a file that cannot be read is its own check's to say
            data = read_written_json(folder / name, "result file")
        except (OSError, ValueError, UnreadableFile, MerbenchError):  # a link, a folder
            continue
        if not isinstance(data, dict):
            continue
        actual = next((other for other in kinds
                       if other is not kind and other.written_by(data)), None)
        if actual is None:  # a kind-less started file (tuning.json), unless the kind's own
            said = _misnamed_started_file(folder, name, kind, data)
            if said is not None and not kind.written_by(data):
                return said
            continue
        if kind.written_by(data) or os.path.lexists(folder / actual.markers[0]):
            continue
        said = f"it records kind {json.dumps(data['kind'])}" if "kind" in data else \
            f"it records no kind, in the layout of {actual.markers[0]}"
        return (f"{name} is the result file of {indefinite(actual.name)} ({said}), not of "
                f"{indefinite(kind.name)}: rename it {actual.markers[0]}")
    return None


def _misnamed_started_file(folder: Path, name: str, kind: ResultKind,
                           data: dict[str, Any]) -> str | None:
    """:func:`misnamed_result_file`'s line where the file ``name`` (``kind``'s result file
    by its name) is a kind's started file by its fields (:meth:`ResultKind.started_by`: a
    tuning's ``tuning.json``, which records no kind), with its right name; None otherwise,
    and where that name is taken."""
    actual = next((other for other in result_kinds() if other.started_file is not None
                   and other.started_by(data)), None)
    if actual is None or actual.started_file is None \
            or os.path.lexists(folder / actual.started_file):
        return None
    right = actual.started_file
    whose = "its result file" if actual.name == kind.name else \
        f"the result file of {indefinite(kind.name)}"
    return (f"{name} is the {right} of {indefinite(actual.name)} (it records no kind, in "
            f"the layout of {right}), not {whose}: rename it {right}")


def folder_refusal(path: Path) -> str | None:
    """Why every command refuses the result at ``path`` whole, before its kind reads it: a
    result file under another kind's name, the result files of two kinds in one folder, or
    a private key among its files, which must not be published (each function's); or None."""
    return misnamed_result_file(path) or stray_result_files(path) or private_key_said(path)


def refuse_stray_files(path: Path) -> None:
    """``ResultRejected`` (naming the folder) where :func:`folder_refusal` says why:
    ``validate``, ``status``, ``show``, ``audit``, ``compare``, ``run --resume`` and the
    build's walk refuse such a folder in these words."""
    reason = folder_refusal(path)
    if reason is not None:
        raise ResultRejected(Path(path) if Path(path).is_dir() else Path(path).parent, reason)


def _claimed_files(folder: Path) -> list[str]:
    """The result files the first files in ``folder`` say its result writes: a kind's where
    its first file is its own, the recorded task's where kinds share it (``run.json``)."""
    started = [kind for kind in result_kinds() if kind.started_file is not None
               and os.path.lexists(folder / kind.started_file)]
    claimed = []
    for kind in started:
        if sum(other.started_file == kind.started_file for other in started) == 1:
            claimed.append(kind.markers[0])
        elif (recorded := _recorded_result_file(folder)) is not None:
            claimed.append(recorded)
    return claimed


register_folder_refusal(folder_refusal)  # the walk for results refuses it so too


def _family_of(name: str) -> tuple[str, ...]:
    """The result files of the kind ``name`` is one of (:func:`marker_families`)."""
    return next((family for family in marker_families() if name in family), ())


def _kind_called(name: str) -> str:
    """The kind whose result file ``name`` is, in words."""
    return next((kind.name for kind in result_kinds() if name in kind.markers), "result")


def _recorded_result_file(folder: Path) -> str | None:
    """The result file the task recorded in ``folder``'s ``run.json`` writes, or None."""
    try:
        identity = RunDirectory(folder).read_run_file().identity or {}
        return task_run(stored_task(identity)).record.result_file
    except MerbenchError:
        return None


__all__ = [
    "AuditRequest",
    "AuditVerdict",
    "Checked",
    "FinishedText",
    "Progress",
    "ResultKind",
    "check_audit_options",
    "finished_text",
    "kind_of",
    "markers",
    "misnamed_result_file",
    "refuse_stray_files",
    "register_kinds",
    "result_kinds",
    "started_files",
    "started_kind",
    "stray_result_files",
    "unfinished",
]
