"""The seed run folders a summary over seeds names, checked alike for every kind of summary
(``seeds.json``, ``au-seeds.json``, ``str-seeds.json``, ``tune-seeds.json``).

A summary is published with the folder it sits in: a run folder beside it that it does not
list would be shown as if it were one of its seeds, a listed folder that is a link, a fifo or
a path out of the folder would make the summary vouch for files that are not its own, and a
listed run of another seed or another model would be averaged as if it were the seed it is
listed as. :func:`check_structure` is that check, one for every kind (each kind says how its
summary lies beside its runs in a :class:`SeedsStructure`), made by ``validate`` before it
recomputes anything and by ``status`` and ``show``, so the three refuse the same things in
the same words."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from merbench.base.errors import MerbenchError, in_words
from merbench.results.audit_file import refuse_audit_record
from merbench.results.foreign_seeds import move_out, other_kind
from merbench.results.kind_registry import folder_refused
from merbench.results.out_folders import seed_folder
from merbench.results.run_files import ResultRejected
from merbench.results.rundir import RunDirectory
from merbench.results.safe_files import UnsafeFile, check_entry, check_inside
from merbench.verification.mixed_seeds import Configured, refuse_mixed
from merbench.verification.provenance import SPAN_MARGIN, ProvenanceError, check_created
from merbench.verification.unlisted_runs import refuse_unlisted

Run = TypeVar("Run")


def read_rejection(seeds_path: Path, exc: Exception) -> ResultRejected:
    """A summary file that cannot be read, rejected in the folder's name and said of the
    file by its name ("seeds.json is not ..."), whatever the reader put first."""
    said = str(exc)  # "PATH is not ...", or a layout error without the path
    return ResultRejected(seeds_path.parent,
                          said.replace(f"{seeds_path} ", f"{seeds_path.name} ", 1)
                          if said.startswith(f"{seeds_path} ")
                          else f"{seeds_path.name}: {said}")


def recomputed(path: Path, summary_file: str, validate: Callable[[Path], Run]) -> Run:
    """``validate`` of the summary ``summary_file`` at ``path`` (the file, or the folder
    holding it); a layout it cannot recompute (a field of the wrong type) is rejected in one
    line naming the file, never a traceback."""
    path = Path(path)
    file = path / summary_file if path.is_dir() else path
    try:
        return validate(file)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ResultRejected(file.parent, f"{summary_file} cannot be recomputed "
                                          f"({in_words(exc)})") from None


def read_summary(file: Path, read: Callable[[Path], Run], kind: str) -> Run:
    """The summary ``file`` read by ``read``, checked as every summary is first: a regular
    file of its own folder (a folder of its own, no link to one, as a run's is), of its
    layout (said of the file), with no audit record beside it (``kind``: the summary in
    words; its audits are its seed runs', each in its own folder)."""
    base = file.parent
    try:
        check_entry(base, base.parent, folder=True)  # no result is read through a link
        check_entry(file, base)
        summary = read(file)
    except UnsafeFile as exc:
        raise ResultRejected(base, str(exc)) from None
    except MerbenchError as exc:  # "PATH is no ... summary": said of the file
        raise read_rejection(file, exc) from None
    foreign = refuse_audit_record(base, kind)
    if foreign is not None:
        raise ResultRejected(base, foreign)
    return summary


@dataclass(frozen=True)
class SeedRun:
    """What a seed run says it is, read from its record without recomputing it."""

    seed: int
    model: str
    #: its identity less its seed, as its ``run.json`` records it (None: not read)
    configuration: dict[str, Any] | None = None


def recorded_configuration(folder: Path) -> dict[str, Any] | None:
    """The identity ``folder``'s ``run.json`` records, less its seed: what the seed runs of
    one summary share; None where it cannot be read (the run's own check says why)."""
    try:
        identity = RunDirectory(folder).read_run_file().identity
    except MerbenchError:
        return None
    return {key: value for key, value in identity.items() if key != "seed"}


#: what writes an emotion ``seeds.json`` and its seed runs again, in words: ``run --seeds``
#: or a sweep, whose configuration folders are ``--seeds`` folders of the same files
#: (nothing in them says which wrote them, so both are named; naming ``run --seeds`` alone
#: sent a sweep's user to a command never run, pass 84y, Y10)
RUN_OR_SWEEP = "merbench run --seeds command (or merbench sweep PLAN.toml, for a sweep's folder)"
#: why a seed run's result file may be missing beside its record
STOPPED = "its run stopped before it finished, or the file was lost"


@dataclass(frozen=True)
class SeedsStructure:
    """How one kind of summary over seeds is laid out beside its seed runs: what
    :func:`check_structure` reads of it. ``validate`` (before it recomputes anything),
    ``status`` and ``show`` take it from the summary's kind, so none of them passes a
    summary whose structure another refuses."""

    summary_file: str
    markers: tuple[str, ...]  # the files that make a folder beside it one of its runs
    model: Callable[[Any], str]  # the model the summary says it summarises
    #: a seed run's recorded seed and model (None: its record cannot say; its own check,
    #: which validate and show make of each seed run, says why)
    identify: Callable[[Path], SeedRun | None]
    #: each field of per-seed scores the summary's mean and std are taken over (its dotted
    #: name, seed -> that seed's scores), which must be of the seeds it lists
    scored: Callable[[Any], Iterable[tuple[str, Mapping[str, Any]]]]
    of: str = "a run of"  # a seed run of a model, in words ("a tuning of")
    #: where runs must be ``seed-N`` folders, what each is and the command keeping it so
    #: (:func:`check_listed`); None where the summary may name other folders
    listed: tuple[str, str] | None = None
    #: the command that writes the summary and trains a seed run gone from beside it again,
    #: in words ("the same ... again")
    command: str = "merbench run --seeds command"
    #: the files each listed run must hold (its finished result: a run with only its record
    #: stopped, or lost the file), each with why it may be missing, in words
    needed: tuple[tuple[str, str], ...] = ()
    #: what the summary records of its runs' identity (:func:`recorded_identity`), which
    #: names the run of another configuration among its seeds; None: nothing
    recorded: Callable[[Any], Mapping[str, Mapping[str, Any]]] | None = None


def check_structure(base: Path, structure: SeedsStructure, summary: Any) -> None:
    """:class:`ResultRejected` where the summary read from ``base`` (its ``seeds`` and
    ``runs``) does not fit the runs beside it: a listed run that is no folder of ``base``,
    one listed under another seed than its own (``runs lists seed-1 as seed 2``) or of
    another model than the summary's, or a run beside it that it does not list, or a link
    (:func:`~merbench.verification.unlisted_runs.refuse_unlisted`). The mapping
    is said before a stray run (a run moved out as the stray's line advised left the
    mapping still wrong, pass 84r, R10), and a seed run of another model by its model
    rather than by the first number it changes (R11). A listed run that is gone is said
    here, of the summary, with the fix that makes it again: validate went on to ask for a
    run folder the user never gave ("pass a finished run directory"), and status and show
    said it in two other ways (pass 84v, V5). Before all of it, its ``runs`` and
    per-seed scores are of the ``seeds`` it lists: one cut to fewer seeds than its scores
    were printed "over 1 seed" with the two seeds' mean and a deviation (pass 84s, S7)."""
    check_seeds_listed(base, structure, summary)
    if structure.listed is not None:
        check_listed(base, structure.summary_file, summary.seeds, summary.runs,
                     *structure.listed)
    model = structure.model(summary)
    configured: list[Configured] = []
    for seed, name in summary.runs.items():
        run_dir = seed_run_dir(base, str(seed), name)
        refused = folder_refused(run_dir) if run_dir.is_dir() else None
        if refused is not None:  # its result file renamed: its own line, not "move it out"
            raise ResultRejected(base, f"seed {seed}'s run folder {name}: {refused}")
        held = _run_held(structure, run_dir, seed)
        if held is not None:
            raise ResultRejected(base, f"seed {seed}'s run folder {name} {held}")
        found = _identified(structure, run_dir)
        if found is None:
            continue
        if str(found.seed) != str(seed):
            raise ResultRejected(base, f"runs lists {name} as seed {seed}, but it is a run "
                                       f"of seed {found.seed}")
        if found.model != model:
            raise ResultRejected(base, f"{structure.summary_file} summarises "
                                       f"{json.dumps(model)}, but {name} is {structure.of} "
                                       f"{json.dumps(found.model)}")  # "" said, not nothing
        if found.configuration is not None:
            configured.append(Configured(str(seed), name, found.configuration))
    refuse_mixed(base, structure.summary_file, structure.command, configured,
                 {} if structure.recorded is None else structure.recorded(summary))
    refuse_unlisted(base, structure.summary_file, summary.runs, structure.markers,
                    lambda folder: None if (run := _identified(structure, folder)) is None
                    else run.seed, structure.needed[0][0] if structure.needed else None)


def _run_held(structure: SeedsStructure, run_dir: Path, seed: object) -> str | None:
    """What is wrong with a listed run folder that holds no finished run of the summary's
    kind (the missing one, the empty one, another kind's), or None. An empty folder, or one
    that lost the file its kind needs, was said by validate as a run the user gave ("no
    results.json here; pass a finished run directory") and passed by status and show (pass
    84y, Y2, Y6); another kind's finished run was said as one that stopped (84af, AF8)."""
    again = f"run the same {structure.command} again, which trains it"
    if not os.path.lexists(run_dir):
        return f"is missing; restore it, or {again}"
    if not run_dir.is_dir():
        return None  # a link or fifo: seed_run_dir said so already
    if structure.needed and (other := other_kind(run_dir, structure.needed[0][0])):
        return f"is {other}, not a seed run of {structure.summary_file}; " \
               f"{move_out([run_dir.name], run_dir.parent, structure.command, [seed])}"
    if not any(os.path.lexists(run_dir / marker) for marker in structure.markers):
        if not any(True for _ in os.scandir(run_dir)):
            return f"is empty (no run in it); restore its run, or {again}"
        return f"holds no run (none of {', '.join(structure.markers)}); restore its run, " \
               f"or move what it holds out of it and {again}"
    for needed, why in structure.needed:
        if not os.path.lexists(run_dir / needed):
            return f"has no {needed} ({why}); restore it, or run the same " \
                   f"{structure.command} again, which writes it"
    return None


def _seeds_in_words(seeds: Iterable[object]) -> str:
    return ", ".join(map(str, seeds)) or "(none)"


def check_seeds_listed(base: Path, structure: SeedsStructure, summary: Any) -> None:
    """:class:`ResultRejected` where the summary's ``runs`` (in order) or any of its per-seed
    scores (:attr:`SeedsStructure.scored`) are not of the ``seeds`` it lists: its mean and
    standard deviation are over its per-seed scores, and what prints it counts its
    ``seeds``, so a list cut or grown by hand says a mean over other seeds than it names."""
    listed = [str(seed) for seed in summary.seeds]
    fields = [("runs", "", True, summary.runs)] + [  # runs in the order of seeds, as written
        ("scores", f" ({name}, which its mean and std are over)", False, entries)
        for name, entries in structure.scored(summary)]
    for what, which, in_order, entries in fields:
        found = [str(seed) for seed in entries]
        if (found != listed) if in_order else (sorted(found) != sorted(listed)):
            raise ResultRejected(base, f"{structure.summary_file} lists seeds "
                                       f"{_seeds_in_words(listed)}, but its {what} are of "
                                       f"seeds {_seeds_in_words(found)}{which}; run the "
                                       f"same {structure.command} again to write it anew")


def _identified(structure: SeedsStructure, folder: Path) -> SeedRun | None:
    """``folder``'s seed run as ``structure`` identifies it, or None where it is no folder
    or its record cannot be read (its own check says why)."""
    if not folder.is_dir():
        return None
    try:
        return structure.identify(folder)
    except (MerbenchError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def check_listed(base: Path, summary_file: str, seeds: Sequence[int], runs: Mapping[str, str],
                 what: str, command: str) -> None:
    """A summary's ``runs``: one ``what`` for each of its ``seeds``, in order, each in the
    ``seed-N`` folder ``command`` keeps it in (a summary of other seed folders than it
    writes is no summary it wrote)."""
    if not runs or list(runs) != [str(seed) for seed in seeds]:
        raise ResultRejected(base, f"{summary_file}'s runs are not one {what} for each of its "
                                   "seeds, in order")
    named = next(((seed, name) for seed, name in runs.items()
                  if name != seed_folder(int(seed))), None)
    if named is not None:
        raise ResultRejected(base, f"{summary_file} names {named[1]!r} as seed {named[0]}'s "
                                   f"{what}; {command} keeps it in "
                                   f"{seed_folder(int(named[0]))}")


def seed_run_dir(base: Path, seed: str, name: str) -> Path:
    """The run folder ``name`` that a summary in ``base`` lists for ``seed``, resolved;
    :class:`ResultRejected` where it is a link, no folder, or a path out of ``base``."""
    try:
        check_entry(base / str(name), base, folder=True)
        check_inside(Path(str(name)), base)
    except UnsafeFile as exc:
        raise ResultRejected(base, f"seed {seed}: {exc}") from None
    return (base / str(name)).resolve()


class SeedRejected(ResultRejected):
    """A summary rejected for a seed run it lists (``run_dir``, resolved), with the run's own
    reason kept apart: where the run is said on a line of its own (validate's walk of a
    ``--seeds`` folder checks each run too), the summary's line points at it
    (:meth:`pointing`) rather than say the same problem twice."""

    def __init__(self, base: Path, seed: str, name: str, run_dir: Path, reason: str) -> None:
        super().__init__(base, f"seed {seed} ({name}) is rejected: {reason}")
        self.seed, self.name, self.run_dir = seed, name, run_dir

    def pointing(self, own: str) -> str:
        """The summary's line where the run has a line of its own, naming it ``own``."""
        return f"{self.path}: seed {self.seed} ({self.name}) is rejected (its own line, {own}, " \
               "says why)"


def validated_seed_runs(base: Path, listed: Mapping[str, str],
                        validate: Callable[[Path], Run], seed_of: Callable[[Run], int],
                        runs: dict[Path, Run]) -> dict[str, Run]:
    """Each seed run a summary in ``base`` lists (seed -> folder), validated by ``validate``
    (``runs``: folder, resolved -> run, reused and added to) and labelled with its own seed
    (swapped labels, their numbers swapped with them, validated)."""
    found: dict[str, Run] = {}
    for seed, name in listed.items():
        run_dir = seed_run_dir(base, seed, name)
        if run_dir not in runs:
            try:
                runs[run_dir] = validate(run_dir)
            except ResultRejected as exc:
                raise SeedRejected(base, seed, name, run_dir, exc.reason) from None
        if str(seed_of(runs[run_dir])) != seed:
            raise ResultRejected(base, f"runs lists {name} as seed {seed}, but it is a run "
                                       f"of seed {seed_of(runs[run_dir])}")
        found[seed] = runs[run_dir]
    return found


def check_summary_created(base: Path, summary_file: str, created: str,
                          runs_created: Iterable[str]) -> None:
    """A summary's ``created``: a date merbench could have written, no earlier than its
    last seed run's (a summary is written after them)."""
    try:
        if check_created(created) < max(map(check_created, runs_created)) - SPAN_MARGIN:
            raise ResultRejected(base, f"created {created} is before its seed runs "
                                       "finished; a summary is written after them")
    except ProvenanceError as exc:
        raise ResultRejected(base, f"{summary_file}: {exc}") from None
