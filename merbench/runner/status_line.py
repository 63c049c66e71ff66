"""The line ``merbench status`` says of one run folder, from its :class:`RunStatus`.

The reading of the run's files (:mod:`merbench.runner.status`) and the words said of them are
two concerns: this module holds the words, and hands them over as a :class:`StatusLine`, whose
callers learn from its fields, not from its text, whether the line advises going on. A kind
that replaced that advice once tested whether the line ended with it (issue 84).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from merbench.results.go_on import GO_ON, RESUME, SWEEP_RESUME
from merbench.results.result_files import AUDIT_FILE
from merbench.results.rundir import RUN_FILE
from merbench.results.safe_files import borrowed_line, never_read, writer_of
from merbench.runner.status import RunStatus
from merbench.runner.status_written import same_file


@dataclass(frozen=True)
class StatusLine:
    """What status says of one run folder: its clauses, and whether it ends with the advice
    to go on (:data:`GO_ON`), said apart so that a caller replacing the advice (a run started
    with a plugin removed since) needs no test of the text."""

    #: the line's clauses, the first naming the run, its folds and its state
    said: tuple[str, ...]
    #: a stopped run that the same command (or ``merbench run --resume``) goes on with
    goes_on: bool = False
    #: the entries of the run's folder that are symbolic links (its ``folds`` linked
    #: elsewhere), which the line says with their fix
    linked: tuple[str, ...] = ()
    #: the advice ``goes_on`` adds: :data:`GO_ON`, or what going on does where that is
    #: more than going on (a finished run's fold file gone: "... to train that fold again")
    advice: str = GO_ON

    @property
    def text(self) -> str:
        """The whole line, as ``merbench status`` prints it."""
        return "; ".join([*self.said, self.advice] if self.goes_on else self.said)


def not_a_file_line(found: str) -> str:
    """What status says of an entry of the run that is no file of its own ("audit.json is a
    fifo"), with who writes the file it stands for."""
    if _borrowed(found):  # the one file going on does not write again: a copy is the fix
        return borrowed_line(found)
    return never_read(found, writer_of(found.split(" ")[0]))


def _entry_line(found: str, audit_kept: bool) -> str:
    """What status says of an entry that is no file of its own; where going on is refused
    for the run's audits, only what it is: the audit clause after it gives the fix."""
    if audit_kept and not found.startswith(AUDIT_FILE):
        return f"{found}, which merbench never reads"
    return not_a_file_line(found)


def _borrowed(found: str) -> bool:
    """Whether ``found`` (as :func:`_not_files` says it) is of the run's ``run.json``."""
    return found.startswith(f"{RUN_FILE} ")


def describe(status: RunStatus) -> StatusLine:
    """The line ``merbench status`` says of the run, with whether it advises going on."""
    what = f"{status.model} on {status.dataset}/{status.protocol}, seed {status.seed}"
    if status.n_folds is not None:
        folds = f"{status.finished}/{status.n_folds} folds"
    else:  # run.json from a merbench that did not record the number
        folds = f"{status.finished} fold{'' if status.finished == 1 else 's'} finished"
    if status.complete:
        return _with_entries(status, f"{status.path}: {what}: complete, {folds} "
                                     f"({status.results_name})")
    if status.refused and not status.running:  # written, but no result: going on is no fix
        # fold files of another identity than run.json's: a count of run.json's folds
        # ("0/52" beside 52 good files of an edited run.json) counts against the wrong run
        counted = "" if status.foreign_files else f"{folds}, "
        return _with_entries(status, f"{status.path}: {what}: {counted}written, but "
                                     f"{status.refused}")
    state = {True: "running now", False: "stopped", None: "running or stopped"}[status.running]
    if status.gone and not (status.damaged or status.foreign_files or status.fold_faults
                            or status.not_files):  # as validate says it (84af)
        cause, fix = status.gone
        first = f"{status.path}: {what}: {folds}, written, but {cause}"
        if status.audited:  # the fix names the audits: not a plain going on
            return StatusLine((first, fix), linked=status.linked)
        return StatusLine((first,), goes_on=True, linked=status.linked,
                          advice=_going_on(status, fix))
    if status.miscounted:  # run.json edited: going on is refused, a copy is the fix
        return _with_entries(status, f"{status.path}: {what}: {folds}, {state}; "
                                     f"{status.miscounted}")
    parts = [f"{status.path}: {what}: {folds}, {state}"]
    if status.fold_seconds:
        median = statistics.median(status.fold_seconds)  # "0 s" said of sub-second folds
        parts.append(f"{f'{median:.0f} s' if median >= 0.5 else 'under 1 s'} per fold (median)")
    left = status.seconds_left()
    if left is not None:
        parts.append(time_to_go(left))
    if status.saved and not status.complete:
        of = f" of {status.epochs}" if status.epochs else ""
        parts.append(", ".join(f"{n} unfinished fold{'s' if n > 1 else ''} saved at epoch "
                               f"{done}{of}" for n, done in status.saved)
                     + " (a resumed run goes on from there)")
    if status.damaged:  # a resumed run refuses each one: the advice is run's
        shown = ", ".join(status.damaged_files[:3]) + (
            f" and {status.damaged - 3} more" if status.damaged > 3 else "")
        parts.append(f"{status.damaged} damaged fold file(s) ({shown}): delete "
                     f"{'it' if status.damaged == 1 else 'them'}, then {RESUME} to retrain "
                     "only "
                     f"{'that fold' if status.damaged == 1 else 'those folds'}")
    if status.foreign_files:  # a resumed run refuses each, as it does a damaged one
        one = len(status.foreign_files) == 1
        more = "" if one else f" and {len(status.foreign_files) - 1} more"
        parts.append(f"{status.foreign_files[0]}{more} belong{'s' if one else ''} to another "
                     "run (its run identity is not this run's) and "
                     f"count{'s' if one else ''} as no fold of it: "
                     f"delete {'it' if one else 'them'}, then {RESUME} to retrain "
                     f"{'that fold' if one else 'those folds'}")
    parts += status.fold_faults  # each with its fix: going on is refused until it is done
    audit_kept = status.running is False and status.audited
    parts += [_entry_line(what, audit_kept) for what in status.not_files]
    if status.refused:
        parts.append(status.refused)
    elif status.unreadable:
        parts.append(f"its {status.results_name} cannot be read ('merbench validate' says "
                     "why)")
    if status.running is False and status.audited:  # going on would void its audits
        changed = status.changed if status.changed and not any(
            same_file(status.changed, found) for found in status.not_files) else None
        parts.append(f"{changed + ', and ' if changed else ''}its audit.json "
                     "holds audits of the run as it finished, which going on would void "
                     "('merbench run' refuses to): restore the run's files, or move "
                     f"audit.json out of the folder and {GO_ON}, then audit it again")
    elif status.running is False and not status.damaged and not status.foreign_files and \
            not status.fold_faults and \
            not any(_borrowed(found) for found in status.not_files):  # run refuses those
        return StatusLine(tuple(parts), goes_on=True, linked=status.linked,
                          advice=_going_on(status, GO_ON))
    return StatusLine(tuple(parts), linked=status.linked)


def _going_on(status: RunStatus, advice: str) -> str:
    """``advice`` to go on with the run, naming the sweep where the run is a seed run of a
    sweep's configuration: "the same command" read as a ``run --seeds`` one, and the
    ``--resume`` offered beside it goes on with the run alone, writing no seeds.json for
    its configuration."""
    return advice.replace(RESUME, SWEEP_RESUME) if status.swept else advice


def _with_entries(status: RunStatus, first: str) -> StatusLine:
    """The line ``first``, followed by each entry of the run that is no file of its own:
    the lines of a run that going on is no fix for."""
    return StatusLine((first, *(not_a_file_line(found) for found in status.not_files)),
                      linked=status.linked)


def time_to_go(seconds: float) -> str:
    """The time left at the median fold's pace, as precise as that estimate is: whole
    minutes, and never "about 0 min" for the last seconds of a run."""
    if seconds <= 0:
        return "no fold left to train"
    if seconds < 60:
        return "under a minute to go at that pace"
    minutes = max(round(seconds / 60), 1)
    if minutes < 60:
        return f"about {minutes} min to go at that pace"
    return f"about {minutes // 60} h {minutes % 60:02d} min to go at that pace"
