"""A summary over seeds, whatever its seeds are: one kind of result serving the four that
merbench writes (``seeds.json`` of emotion runs, ``au-seeds.json`` of action-unit runs,
``str-seeds.json`` of spotting runs recognised, ``tune-seeds.json`` of tunings).

Every such summary is one file beside its seeds' results that lists them, averages them and
draws an interval of their mean; it has no progress of its own (its seeds have) and no audit
of its own (a summary is as trustworthy as the results it averages, so each seed's result is
audited as its own kind audits it, each record kept in that result's folder). They differ
only in their file, what they are to their seeds (:class:`~merbench.kinds.contract.OverSeeds`:
the seeds' kind, the file's reader), the command that writes them, and the check that
recomputes them and the text that prints them, which belong to the seeds' kind: one class
takes those, where the same class had been written four times, and a fifth summary is one
registration line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.compare.contract import Comparison
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    FinishedText,
    OverSeeds,
    Progress,
    Report,
    ResultKind,
)
from merbench.results.written import finite_json
from merbench.verification.seed_folders import check_structure, read_summary


@dataclass(frozen=True)
class SummaryChecked:
    """A summary over seeds that its check accepted: validate's line, and the results it
    averages (seed -> the folder of its result, relative to the summary's, as it lists
    them)."""

    line: str
    runs: Mapping[str, str]


@dataclass
class SummaryOverSeeds:
    """The summary ``summary_file`` over seeds of the results ``over_seeds`` names, written
    by ``command``, accepted by ``check`` (its seeds' results validated, every number it
    stores recomputed) and printed by ``text``. Not frozen: the contract's members are
    plain attributes, as the other kinds' class attributes are."""

    name: str  # from merbench.results.kind_names
    summary_file: str
    over_seeds: OverSeeds | None  # as ResultKind's; never None for a summary
    command: str  # "merbench run --seeds"
    check: Callable[[Path], SummaryChecked] = field(repr=False)
    #: its finished text, as its command prints it, read from its files (its kind's own)
    text: Callable[[Path], FinishedText] = field(repr=False)
    comparison: Comparison[Any] | None = None  # as ResultKind's
    not_compared: str = ""  # as ResultKind's
    #: the ``kind`` its file records ("seeds"), by which it is told under another name
    recorded_kind: str = field(kw_only=True)
    markers: tuple[str, ...] = field(init=False)
    #: none of its own: its seeds' results say how far they are
    started_file: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.markers = (self.summary_file,)

    def owns(self, path: Path) -> bool:
        # a marker that is a link or a fifo still names one, whose check says what is wrong
        return path.name == self.summary_file or os.path.lexists(path / self.summary_file)

    def written_by(self, data: Mapping[str, Any]) -> bool:
        return data.get("kind") == self.recorded_kind

    def started_by(self, data: Mapping[str, Any]) -> bool:
        return False  # a summary has no started file: its seed runs are

    def validate(self, path: Path) -> Checked:
        return Checked(path, self.check(path).line)

    def check_shown(self, path: Path) -> None:
        """The checks ``status`` makes of a summary and more that recompute nothing: the file
        read as validate reads it (a damaged one said of the file by its name: show's line
        named no file, pass 84m, M7), holding no NaN (none is ever written), its structure
        as validate checks it first (each run it lists a folder inside its own, a run of the
        seed and model it is listed for, and no run beside it unlisted), and each such run
        one its kind would show (show printed a summary mapping seed 2 to seed 1's run, or
        whose seed 2 was a run of another model, pass 84r, R10 and R11; one whose seed folder
        was gone, that listed ``../../../etc``, or whose mean was NaN, M11)."""
        assert self.over_seeds is not None  # a summary's, always
        folder = path if path.is_dir() else path.parent
        summary = read_summary(folder / self.summary_file, self.over_seeds.read,
                               self.over_seeds.called)
        finite_json(folder / self.summary_file)  # a NaN mean printed as "nan ± 0.0137"
        check_structure(folder, self.over_seeds.structure, summary)
        for name in summary.runs.values():  # each a folder of its own: check_structure said so
            self.over_seeds.runs.check_shown(folder / str(name))  # as the summary names it

    def finished_text(self, path: Path) -> FinishedText:
        return self.text(path)

    def status(self, folder: Path) -> Progress:
        raise MerbenchError(f"{folder}: a summary over seeds has no progress of its own; "
                            "'merbench status' of its folder shows each seed run")

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        """Each seed's result the validated summary lists (nothing is made again for what
        its results do not give) audited in turn as its kind audits it, its record kept in
        its own folder."""
        assert self.over_seeds is not None  # a summary's, always
        seed_kind, runs = self.over_seeds.runs, self.check(path).runs
        folder = path if path.is_dir() else path.parent
        failed = []
        for seed, name in runs.items():
            verdict = seed_kind.audit(folder / name, request, report)
            report(f"seed {seed}: {verdict.line}")
            if not verdict.passed:
                failed.append(seed)
        if failed:
            return AuditVerdict(False, f"audit FAILED: seed(s) {', '.join(failed)} of "
                                       f"{len(runs)} differ from what they stored")
        return AuditVerdict(True, f"audit passed: each of the {len(runs)} seed runs matches "
                                  "what it stored (each recorded in its own audit.json)")


def record_folders(path: Path, kind: ResultKind) -> list[Path]:
    """The folders an audit of ``path`` (a result of ``kind``) appends an ``audit.json`` to:
    the result's own, or each seed run's for a summary over seeds (none where the summary's
    own check refuses it: the audit itself then says why). ``merbench audit`` asks before it
    trains anything, to refuse a folder it could not write its record in."""
    folder = path if path.is_dir() else path.parent
    if not isinstance(kind, SummaryOverSeeds):
        return [folder]
    try:
        return [folder / name for name in kind.check(path).runs.values()]
    except MerbenchError:
        return []


def first_seed_record(folder: Path, summary: Any, result_file: str,
                      read: Callable[[Path], Any]) -> Any | None:
    """The record of the first seed run a summary over seeds in ``folder`` lists (it says
    whether the recipe is the model's or a REDUCED setting, which the summary's text says
    too), read by ``read`` from its ``result_file``; None where it lists no seed."""
    if not summary.seeds:
        return None
    return read(folder / summary.runs[str(summary.seeds[0])] / result_file)
