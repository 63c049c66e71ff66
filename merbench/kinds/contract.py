"""What every kind of result is to the commands that take any result: the contract.

merbench writes eight kinds of result (an emotion run, a summary over seeds, an action-unit
run, an action-unit summary over seeds, a spotting run with its spot-then-recognise record,
its summary over the recogniser's seeds, a tuning, a tuning summary over seeds), each with
its own files.
``validate``, ``status``, ``audit``, ``compare`` and ``show`` take any of them, and a folder
of any of them, and ``run``, ``spot`` and ``tune`` print what they wrote through it; before
this contract each command asked "which kind is this?" in its own words, and the copies
drifted (a spotting run had no ``status``, a tuning's ``audit`` said "no results.json").
A kind is one object that answers the commands' questions for its files; the commands ask
:func:`merbench.kinds.kind_of` for the kind of a path and never branch on kinds themselves.
A new kind is a home of its own implementing :class:`ResultKind` and one line in
:data:`merbench.results.kind_registry.HOMES` (with its name in
:mod:`merbench.results.kind_names`, which its writer, below this package, tells the plugins
it by): docs/architecture.md works one through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from merbench.audit.log import record_audit
from merbench.base.errors import MerbenchError
from merbench.base.link_loop import loop_said
from merbench.base.terminal import say
from merbench.compare.contract import Comparison
from merbench.plugin_system.manager import Plugins
from merbench.results.audit_model import AuditRecord
from merbench.results.audited_files import AuditedFiles
from merbench.results.manifest import file_sha256
from merbench.results.signature import sign_record
from merbench.results.signing_keys import SigningKey
from merbench.runner.checks import check_process_count
from merbench.training.device import resolve_device
from merbench.verification.seed_folders import SeedsStructure
from merbench.verification.validate import ValidatedRun


@dataclass(frozen=True)
class Checked:
    """A result that ``validate`` accepted: what it says about it, once."""

    path: Path
    summary: str  # "ststnet v1 on composite/composite-loso, 68 folds, ...": validate's line
    notes: tuple[str, ...] = ()  # what could not be checked here, one line each
    #: an emotion run, which another file may claim as a copy of one configuration and seed
    run: ValidatedRun | None = None
    #: what another result of its kind may claim too (configuration and seed), and the
    #: digest of what two such copies must share; None where the kind settles copies itself
    #: (an emotion run, through ``run``) or has none
    claim: tuple[object, ...] | None = None
    evidence: str | None = None
    claimed: str = "configuration and seed"  # the claim in words, for a conflict's line


@dataclass(frozen=True)
class OverSeeds:
    """What a summary over seeds is, beside the seed runs it summarises: what ``status``
    and ``show`` check of one (its file is the kind's first marker) so that a damaged
    summary of any kind is said, never passed over while its seed runs are shown."""

    runs: ResultKind  # the kind of its seed runs
    read: Callable[[Path], Any]  # its file read, its layout checked (nothing recomputed)
    called: str  # the summary in words, as a refusal of an audit record beside it says it
    #: how it lies beside its seed runs, checked as its kind's validate checks it first
    structure: SeedsStructure


@dataclass(frozen=True)
class AuditRequest:
    """What ``merbench audit`` was asked: how much to re-make, and with what."""

    count: int | None  # folds (or subjects) re-made; None: all of them
    seed: int | None  # draws which ones; None with count: the default draw
    data_root: str | None
    device: str
    workers: int | None  # None: the run's own, else one a core
    plugins: Callable[[], Plugins]  # loaded when the audit starts (after its checks)
    signing_key: Path | None  # --sign: the record signed by this key before it is kept


@dataclass(frozen=True)
class AuditVerdict:
    """How an audit came out, as its last line says it."""

    passed: bool
    line: str


def say_lines(lines: Sequence[str]) -> None:
    """``lines`` printed as they are, each through the one renderer (:func:`say`) as one
    line: a value from a result file in one (a tuning's chosen ``name=value``, a spotter's
    option) may hold a newline, which printed raw began a line of its own."""
    for line in lines:
        say(line, one_line=True)


@dataclass(frozen=True)
class FinishedText:
    """The text a finished result's command prints of it, which ``merbench show`` prints
    again: the kind answers it (issue 82), so neither the commands nor ``show`` tell the
    kinds apart. Its scores first, then the lines naming its files, then the texts of the
    results kept with it (a spotting run's recognition). A command's own lines about how it
    made the result (folds gone on from a saved state) go
    between the scores and the files, printed as the kind prints its lines (``notes``); a
    command that names the file itself (a recognition read back) prints the scores alone,
    and one that only says where a result is (a seed's shared spotting) the files alone."""

    scores: Callable[[], None]
    files: Callable[[], None]
    notes: Callable[[Sequence[str]], None] = say_lines
    after: tuple[FinishedText, ...] = ()

    def show(self, notes: Sequence[str] = ()) -> None:
        """The whole text, the command's ``notes`` before the files."""
        self.scores()
        if notes:
            self.notes(notes)
        self.files()
        for text in self.after:
            text.show()


#: a line of the audit's progress, printed as it happens
Report = Callable[[str], None]


def check_audit_options(request: AuditRequest) -> None:
    """The options every audit takes, checked before any kind reads its result: a device
    this machine cannot train on, fewer than one worker or a --data-root that is no folder
    is one line at once, never after "training them again" (nor ignored by a kind that
    trains nothing on it)."""
    resolve_device(request.device)
    check_process_count("workers", request.workers)
    if request.data_root is not None and not Path(request.data_root).is_dir():
        loop = loop_said(request.data_root)  # not "no such folder": it is there
        raise MerbenchError(f"--data-root {request.data_root}"
                            f"{' ' + loop if loop else ': no such folder'}; give the "
                            "folder that holds the dataset's files")


def check_data_root_for(request: AuditRequest, dataset: str, long_videos: bool = False) -> None:
    """``--data-root`` refused for a result whose dataset reads no files (``run`` and
    ``spot`` refuse it so), as soon as the result says which dataset it is."""
    if request.data_root is None:
        return
    registries = request.plugins().registries
    entry = (registries.long_videos if long_videos else registries.datasets).get(dataset)
    if not entry.accepts("data_root"):
        raise MerbenchError(f"dataset '{dataset}' reads no files; leave out --data-root")


def files_now(folder: Path, names: tuple[str, ...]) -> tuple[str | None, ...]:
    """The SHA-256 of each of a result's files ``names`` now (None: no regular file)."""
    return tuple(file_sha256(folder / name) if (folder / name).is_file() else None
                 for name in names)


def refuse_changed(folder: Path, names: tuple[str, ...], read: tuple[str | None, ...]) -> None:
    """One line where the files ``names`` are not those digested as ``read`` before the
    result was validated: what an audit compares (the records it validated) must be what its
    record's digests, taken after, name; a file swapped in between is refused."""
    if files_now(folder, names) != read:
        raise MerbenchError(f"{folder}: {' or '.join(names)} changed while it was read; "
                            "nothing was audited: audit it again")


def keep_record(record: AuditRecord, audited: AuditedFiles, key: SigningKey | None,
                report: Report) -> Path:
    """``record`` of an audit of the result ``audited`` describes appended to the
    ``audit.json`` in its folder, signed first by ``key`` where the audit was asked to sign
    (loaded before anything was made again, so a bad key costs no training); the file."""
    if key is not None:
        record = sign_record(record, audited, key)
        report(f"signed by {key.public.shown}, over the digests of the "
               f"{len(record.signature.files) if record.signature else 0} files of the "
               "result")
    return record_audit(audited.folder, record)


def record_verdict(record: AuditRecord, kept: Path, parts: str = "folds",
                   made: str = "trained again", stored: str = "the run") -> AuditVerdict:
    """How the audit ``record`` (kept in ``kept``) came out, as its last line says it:
    ``parts`` of the result ``made`` again, compared with what ``stored`` stored."""
    if record.failure is not None:
        return AuditVerdict(False, f"audit FAILED: {record.failure}; recorded in {kept}")
    if not record.passed:
        differing = sum(part.outcome == "differs" for part in record.folds)
        return AuditVerdict(False, f"audit FAILED: {differing} of the {len(record.folds)} "
                                   f"{parts} {made} (of {record.n_folds}) differ from what "
                                   f"{stored} stored ({record.comparison} expected: "
                                   f"{record.reason}); recorded in {kept}")
    return AuditVerdict(True, f"audit passed: {len(record.folds)} of {record.n_folds} "
                              f"{parts} {made} match ({record.comparison}: {record.reason}); "
                              f"recorded in {kept}")


@dataclass(frozen=True)
class Progress:
    """What ``status`` says of one result: its line, and what a command acting on the
    result learns from the fields, never from the line's text (issue 84)."""

    #: the line, beginning with the result's folder ("DIR: ...")
    line: str
    #: the entries of the result's folder that are symbolic links (a run's ``folds``, a
    #: spotting run's ``videos``, linked elsewhere), which the line says with their fix
    linked: tuple[str, ...] = ()


@runtime_checkable
class ResultKind(Protocol):
    """One kind of result, as every command that takes any result sees it."""

    #: what the kind is called in messages ("emotion run", "tuning"): its constant in
    #: :mod:`merbench.results.kind_names`, in which its writer tells the plugins of each
    #: result written (``merbench_result_finished``)
    name: str
    #: the files that make a folder a result of this kind (the first is its result file);
    #: a walk for results stops at a folder holding one (its own folders are its own)
    markers: tuple[str, ...]
    #: the file written when such a result starts, so ``status`` finds one under way; None
    #: where it has none of its own (a seeds summary is its seed runs')
    started_file: str | None
    #: the command that writes such a result, and goes on with one stopped ("merbench run
    #: --seeds"), as the refusals and ``status`` name it
    command: str
    #: what a summary over seeds is to ``status``; None where the kind is no such summary
    over_seeds: OverSeeds | None
    #: how ``merbench compare`` pairs it with others, subject by subject: with results of
    #: every kind naming the same comparison (an emotion run with a summary over seeds);
    #: None where compare does not pair such results, ``not_compared`` saying why
    comparison: Comparison[Any] | None
    #: why compare does not pair it and what to do instead, in words that end a line naming
    #: the kind; "" where it has a comparison
    not_compared: str

    def owns(self, path: Path) -> bool:
        """Whether ``path`` (a folder, or a file the user names) is a result of this kind;
        a marker that is a link, a fifo or a folder still names one, whose check says what
        is wrong with it."""

    def written_by(self, data: Mapping[str, Any]) -> bool:
        """Whether ``data``, the JSON object of a file in a result's folder, is this kind's
        result file (``markers[0]``) by what it records: its ``kind``, or where the file
        records none, its layout. Every command names a result file under another kind's
        name by this, once (:func:`merbench.kinds.misnamed_result_file`): each read it by
        its name and said a different wrong cause (pass 84af, AF3)."""

    def started_by(self, data: Mapping[str, Any]) -> bool:
        """Whether ``data``, the JSON object of a file in a result's folder, is this kind's
        ``started_file`` by what it records; False where the kind cannot tell its started
        file by its fields (a ``run.json`` is an emotion and an action-unit run's alike).
        A started file that records no kind (a tuning's ``tuning.json``) under a result
        file's name is named by this, as :meth:`written_by` names a result file: read by
        its name, it was a damaged results file or no merbench result."""

    def validate(self, path: Path) -> Checked:
        """``path``'s numbers recomputed from its own files; ``ResultRejected`` naming the
        first thing that does not hold."""

    def status(self, folder: Path) -> Progress:
        """How far the result in ``folder`` has got, in one line; ``MerbenchError`` where
        its files cannot say."""

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        """``path`` made again in part, as it was made, and compared with what it stores;
        ``MerbenchError`` (one line) where it cannot be audited."""

    def check_shown(self, path: Path) -> None:
        """``MerbenchError`` (one line) where ``merbench show`` must not print the result at
        ``path`` as whole: what ``status`` calls stopped or ``validate`` refuses by a check
        that recomputes no score. Show printed such results' scores with exit status 0
        (pass 84m, M11); the commands that print their own result as it finishes do not ask."""

    def finished_text(self, path: Path) -> FinishedText:
        """The text the command that wrote the finished result at ``path`` (a folder, or
        one of its files: that file's part alone) prints of it, read from its files;
        ``MerbenchError`` (one line) where they cannot be read."""
