"""A spotting run (``merbench spot``), with its spot-then-recognise record (``str.json``)
where ``--recognise`` made one: ``spotting.json`` recomputed from the intervals it stores;
audited by reading the dataset again and spotting (and recognising) subjects again."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.compare.contract import Comparison
from merbench.kinds.contract import (
    AuditRequest,
    AuditVerdict,
    Checked,
    FinishedText,
    OverSeeds,
    Progress,
    Report,
    files_now,
    keep_record,
    refuse_changed,
)
from merbench.kinds.over_seeds import SummaryChecked, SummaryOverSeeds
from merbench.results.go_on import SAME_SPOT, SPOT_AGAIN
from merbench.results.kind_names import SPOTTING_RUN, STR_SEEDS_SUMMARY
from merbench.results.result_files import AUDIT_FILE
from merbench.results.run_files import ResultRejected
from merbench.results.rundir import folder_is_held
from merbench.results.safe_files import (
    UnsafeFile,
    check_entry,
    empty_files,
    state_line,
    writer_of,
)
from merbench.results.signing_keys import load_signing_key
from merbench.spotting.record import SPOTTING_FILE, SPOTTING_RUN_FILE, VIDEOS_FOLDER
from merbench.spotting.str_record import STR_FILE
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE, read_str_seeds
from merbench.spotting.video_files import (
    UNCOUNTED,
    StrayVideos,
    VideosGone,
    recorded_count,
    videos_problem,
)
from merbench.spotting.videos_entry import videos_line
from merbench.spotting_kind.agrees import SPOT_RUN_MISSING, read_spot_run
from merbench.spotting_kind.audit import SubjectAudit, audit_spotting, spotting_record
from merbench.spotting_kind.check import (
    audited_spotting,
    check_spotting_folder,
    read_spotting_file,
    spotting_claim,
    spotting_evidence,
    spotting_path,
    validate_spotting_and_str,
)
from merbench.spotting_kind.finish_text import spotting_text, str_seeds_text, str_text
from merbench.spotting_kind.str_check import read_str_file, str_beside
from merbench.spotting_kind.str_seeds_check import STR_SEEDS_STRUCTURE, validate_str_seeds
from merbench.spotting_kind.written import spotting_written
from merbench.verification.run_structure import refuse_to_show

#: the files a spotting run's audit compares (its videos' files are checked against the
#: first when it validates)
COMPARED = (SPOTTING_FILE, STR_FILE)


class SpottingRunKind:
    name: str = SPOTTING_RUN
    markers: tuple[str, ...] = (SPOTTING_FILE,)
    started_file: str | None = SPOTTING_RUN_FILE
    command: str = "merbench spot"
    over_seeds: OverSeeds | None = None
    comparison: Comparison[Any] | None = None
    not_compared: str = ("spotting runs are set side by side, with their intervals, on the "
                         "spotting page 'merbench leaderboard build' renders")

    def owns(self, path: Path) -> bool:
        if path.name == STR_FILE:  # checked with the spotting run beside it
            return os.path.lexists(path.parent / SPOTTING_FILE)
        return path.name == SPOTTING_FILE or os.path.lexists(path / SPOTTING_FILE)

    def written_by(self, data: Mapping[str, Any]) -> bool:
        return data.get("kind") == "spotting"

    def started_by(self, data: Mapping[str, Any]) -> bool:
        return False  # spot-run.json is not told apart by its fields

    def check_shown(self, path: Path) -> None:
        """What ``status`` calls no finished run, ``validate``'s checks that recompute no
        score: show printed a ``str.json`` whose STRS was -1 (which status flagged) or that
        lacked a video (pass 84o, O3). A folder with no ``spotting.json`` yet is its text's
        to say."""
        folder = path.parent if path.name in (SPOTTING_FILE, STR_FILE) else path
        if os.path.lexists(folder / SPOTTING_FILE):
            refuse_to_show(folder, _written)

    def finished_text(self, path: Path) -> FinishedText:
        """A folder's text is its spotting's and its recognition's (where it has one), as
        ``merbench spot --recognise`` prints them; ``spotting.json``'s or ``str.json``'s,
        that file's part alone."""
        folder = path.parent if path.name in (SPOTTING_FILE, STR_FILE) else path
        if path.name == STR_FILE:
            return str_text(read_str_file(path), folder)
        recognised = (read_str_file(folder / STR_FILE)
                      if path.name != SPOTTING_FILE and os.path.lexists(folder / STR_FILE)
                      else None)
        return spotting_text(read_spotting_file(folder / SPOTTING_FILE), folder, recognised)

    def validate(self, path: Path) -> Checked:
        folder = path.parent if path.name == STR_FILE else path
        found = validate_spotting_and_str(folder)
        checked, recognised = found.results, found.recognised
        beside = ", and its str.json" if str_beside(spotting_path(folder)) else ""
        audits = f"; audit.json: {found.audits.text}" if found.audits else ""
        summary = (f"spotter {checked.spotter.name} v{checked.spotter.version} on "
                   f"{checked.dataset.name}, {counted(checked.dataset.n_videos, 'video')} of "
                   f"{counted(checked.dataset.n_subjects, 'subject')}, "
                   f"{counted(len(checked.variants), 'setting')}; recomputed "
                   f"{', '.join(checked.policies)}{beside}{audits}")
        return Checked(path, summary, claim=("spotting run", *spotting_claim(checked, recognised)),
                       evidence=spotting_evidence(checked, recognised),
                       claimed="spotter, settings and data")

    def status(self, folder: Path) -> Progress:
        """The run's spotter and dataset (``spot-run.json``, written first) and the videos
        spotted so far (``videos/``); a spotting run holds no lock, so whether a process
        works in it now is not said."""
        folder = folder if folder.is_dir() else folder.parent
        videos_said = videos_line(folder)  # with the run's state below, as spot says it (Z4)
        try:  # what is not a file of its own is said as its state (as a run's), never read,
            _check_entries(folder, videos_said is None)  # with validate's fix (pass 84u, U7)
        except UnsafeFile as exc:
            return Progress(f"{folder}: " + _unsafe_line(folder, exc))
        if _record_missing(folder):
            return Progress(f"{folder}: {SPOT_RUN_MISSING} ('merbench validate' refuses it)")
        started = read_spot_run(folder)  # a list or null said in words, as migrate says it
        what = (f"spotter {started['spotter']['name']} on {started['dataset']['name']}, "
                f"{counted(len(started['variants']), 'setting')}")
        if videos_said is None:
            return Progress(_progress_line(folder, what, started))
        # a finished run's videos are put back, never spotted anew; a link kept, in place
        linked = (VIDEOS_FOLDER,) if (folder / VIDEOS_FOLDER).is_symlink() else ()
        return Progress(f"{folder}: {what}: written, but {videos_said} ('merbench validate' "
                        "refuses it)" if os.path.lexists(folder / SPOTTING_FILE) else
                        f"{folder}: {what}: {videos_said}", linked)

    def audit(self, path: Path, request: AuditRequest, report: Report) -> AuditVerdict:
        if request.workers is not None:
            raise MerbenchError(f"--workers: {path} is a spotting run, spotted (and "
                                "recognised) in one process, as 'merbench spot' does; leave "
                                "--workers out")
        key = load_signing_key(request.signing_key) if request.signing_key else None
        folder = path.parent if path.name in (SPOTTING_FILE, STR_FILE) else path

        def chosen(subjects: list[str], seed: int | None) -> None:
            how = "every subject" if seed is None else (
                f"subjects {', '.join(subjects)}, drawn with --seed {seed}")
            report(f"auditing {path}: the dataset read again; {how} spotted again")

        def on_subject(audit: SubjectAudit) -> None:
            report(f"subject {audit.subject} ({counted(audit.videos, 'video')}): "
                   f"{_outcome(audit)}")

        def on_recognised(audit: SubjectAudit) -> None:
            report(f"subject {audit.subject} recognised again ({audit.videos} intervals): "
                   f"{_outcome(audit)}")

        # what is compared, digested before anything is made again: a file changed while
        # it is audited is then one the signing refuses (the record vouches for no other)
        read = files_now(folder, COMPARED)
        checked = validate_spotting_and_str(folder)
        audited = audited_spotting(folder, checked.results, checked.recognised)
        before = audited.digests()
        refuse_changed(folder, COMPARED, read)
        plugins = request.plugins()
        found = audit_spotting(folder, checked, count=request.count, seed=request.seed,
                               data_root=request.data_root, device=request.device,
                               plugins=plugins, chosen=chosen, on_subject=on_subject,
                               on_recognised=on_recognised)
        kept = keep_record(spotting_record(found, audited, before, plugins), audited, key,
                           report)
        if found.failure is not None:
            return AuditVerdict(False, f"audit FAILED: {found.failure}; nothing was spotted "
                                       f"again; recorded in {kept}")
        if not found.passed:
            spotted = sum(s.outcome == "differs" for s in found.subjects)
            recognised = sum(s.outcome == "differs" for s in found.recognised)
            return AuditVerdict(False, f"audit FAILED: of the {len(found.subjects)} subjects "
                                       f"audited (of {found.n_subjects}), {spotted} spotted "
                                       f"again and {recognised} recognised again differ from "
                                       f"what the run stored; recorded in {kept}")
        also = " and recognised" if found.recognised else ""
        return AuditVerdict(True, f"audit passed: the dataset is the run's, and the "
                                  f"{counted(len(found.subjects), 'subject')} spotted{also} "
                                  f"again (of {found.n_subjects}) match it; recorded in "
                                  f"{kept}")


def _progress_line(folder: Path, what: str, started: dict[str, Any]) -> str:
    """:meth:`SpottingRunKind.status`'s line of the run in ``folder`` (``what`` it spots,
    as its ``started`` record says) whose entries are each a file or folder of its own."""
    held = folder_is_held(folder)  # None: the file system cannot say
    stray = None if held or os.path.lexists(folder / SPOTTING_FILE) else \
        videos_problem(folder, recorded_count(started))
    if stray is not None:  # counted as spotted, with "go on" (pass 84ab, AB11)
        return f"{folder}: {what}: {stray}"
    videos = folder / VIDEOS_FOLDER
    spotted = len(list(videos.glob("*.json"))) if videos.is_dir() else 0
    if held:
        now = ("recognising the chosen intervals" if os.path.lexists(folder / SPOTTING_FILE)
               else "spotting")
        return (f"{folder}: {what}: running ({now}), {counted(spotted, 'video')} spotted "
                "so far")
    empty = empty_files(folder, (SPOTTING_FILE, STR_FILE))
    if empty:
        return (f"{folder}: {what}: its {empty[0]} is empty, no result ('merbench "
                f"validate' says why); {SPOT_AGAIN} to write it again")
    if os.path.lexists(folder / SPOTTING_FILE):
        try:  # validate's cheap half: what it refuses by its layout is not complete
            spotting_written(folder)
        except MerbenchError as exc:
            if isinstance(exc, VideosGone):  # its cause and fix, as validate says them
                return f"{folder}: {what}: written, but {exc}"
            if str(exc).startswith(AUDIT_FILE) or isinstance(exc, StrayVideos):  # its fix
                return (f"{folder}: {what}: written, but {exc} ('merbench validate' "
                        "refuses it)")
            return (f"{folder}: {what}: written, but {exc} ('merbench validate' says "
                    f"more); {SPOT_AGAIN} into a new --out")
        # no record says recognition was asked for: both states are said as they are
        recognised = ("; str.json written" if os.path.lexists(folder / STR_FILE) else
                      "; no str.json: not recognised, or a spot --recognise command "
                      "stopped while recognising, which writes it when run again")
        return (f"{folder}: {what}: complete, {counted(spotted, 'video')} spotted "
                f"({SPOTTING_FILE}{recognised})")
    # a run begun before its record counted its videos: a stray file is not told here
    older = "" if recorded_count(started) is not None else f" ({UNCOUNTED})"
    if held is False:
        return (f"{folder}: {what}: stopped, {counted(spotted, 'video')} spotted so far, "
                f"{SPOTTING_FILE} not yet written; {SPOT_AGAIN} to go on{older}")
    return (f"{folder}: {what}: {counted(spotted, 'video')} spotted so far, "
            f"{SPOTTING_FILE} not yet written ({SAME_SPOT} goes on){older}")



def _check_entries(folder: Path, videos_entry: bool = True) -> None:
    """Every file of the spotting run in ``folder`` a regular file of its own, checked as
    ``validate`` checks them (:class:`UnsafeFile`): the folder and its ``spot-run.json``
    and ``videos/`` (unless ``videos_entry`` is False: status says it with the run's
    state) first, then ``spotting.json`` and ``str.json``."""
    check_spotting_folder(folder, videos_entry)
    for name in (SPOTTING_FILE, STR_FILE):
        check_entry(folder / name, folder)


def _unsafe_line(folder: Path, refused: UnsafeFile) -> str:
    """What status says of a file of the run that is no regular file of its own, never
    opening it: past a readable ``spot-run.json``, with the run it is of, and of a written
    run in validate's words, with its fix. "str.json is a fifo, which merbench never reads"
    said neither that the run was written nor that validate refuses it (pass 84ab)."""
    name = refused.found.split(" ")[0]
    said = state_line(refused, writer_of(name))
    if name == SPOTTING_RUN_FILE and os.path.lexists(folder / SPOTTING_FILE):
        return f"{refused} ('merbench validate' refuses it)"
    if name not in (SPOTTING_FILE, STR_FILE) and not name.startswith(f"{VIDEOS_FOLDER}/"):
        return said  # the folder or spot-run.json: no run to name
    try:
        started = read_spot_run(folder)
    except MerbenchError:
        return said
    what = (f"spotter {started['spotter']['name']} on {started['dataset']['name']}, "
            f"{counted(len(started['variants']), 'setting')}")
    if not os.path.lexists(folder / SPOTTING_FILE):
        return f"{what}: {said}"
    written = "" if name == SPOTTING_FILE else "written, but "
    return f"{what}: {written}{refused} ('merbench validate' refuses it)"


def _record_missing(folder: Path) -> bool:
    """Whether ``folder`` holds a finished spotting run without its ``spot-run.json``."""
    return not os.path.lexists(folder / SPOTTING_RUN_FILE) and \
        os.path.lexists(folder / SPOTTING_FILE)


def _written(folder: Path) -> None:
    """:func:`spotting_written` of ``folder``, its refusal said of the folder as
    ``validate`` says one (:class:`ResultRejected`); a file that is no file of its own, or
    a ``spot-run.json`` gone, in validate's words first: show said "is a folder, not a
    regular file; give a regular file" and "no spotting run's record at spot-run.json"
    (pass 84u, U6, U7)."""
    try:
        _check_entries(folder)
    except UnsafeFile as exc:
        raise ResultRejected(folder, str(exc)) from None
    if _record_missing(folder):
        raise ResultRejected(folder, SPOT_RUN_MISSING)
    try:
        spotting_written(folder)
    except MerbenchError as exc:
        raise ResultRejected(folder, str(exc)) from None


def _outcome(audit: SubjectAudit) -> str:
    """A subject audited again, as its line says it: spotted, identical or not; recognised,
    also within tolerance where a GPU trained the run's recogniser."""
    return {"identical": "identical", "within-tolerance": f"within tolerance ({audit.detail})",
            "differs": f"DIFFERS ({audit.detail})"}[audit.outcome]


def checked_str_seeds(path: Path) -> SummaryChecked:
    """A ``str-seeds.json`` (``merbench spot --recognise MODEL --seeds``): its per-seed STR
    scores, means, deviations and interval recomputed from its seeds' spotting runs beside
    it, each validated with its ``str.json``."""
    summary = validate_str_seeds(path).summary
    micro = summary.scores["micro"]
    spread = "" if micro.std.strs is None or len(summary.seeds) < 2 else \
        f" ± {micro.std.strs:.4f}"
    strs = "" if micro.mean.strs is None else f" (micro STRS {micro.mean.strs:.4f}{spread})"
    return SummaryChecked(f"spotter {summary.spotter} on {summary.dataset} recognised by "
                          f"{summary.recogniser['model']} with "
                          f"{counted(len(summary.seeds), 'seed')} "
                          f"({', '.join(map(str, summary.seeds))}): every seed's run "
                          f"validates and the summary{strs} matches them", summary.runs)


#: a spotting run recognised over seeds (``str-seeds.json``)
def str_seeds_file_text(path: Path) -> FinishedText:
    """A ``str-seeds.json``'s text, as ``merbench spot --recognise --seeds`` prints it."""
    folder = path.parent if path.name == STR_SEEDS_FILE else path
    return str_seeds_text(read_str_seeds(folder / STR_SEEDS_FILE), folder)


STR_SEEDS_SUMMARY_KIND = SummaryOverSeeds(
    STR_SEEDS_SUMMARY, STR_SEEDS_FILE,
    OverSeeds(SpottingRunKind(), read_str_seeds, "spot-then-recognise summary over seeds",
              STR_SEEDS_STRUCTURE),
    "merbench spot --seeds", checked_str_seeds, str_seeds_file_text, recorded_kind="str-seeds",
    not_compared=("its scores over seeds, with their intervals, are on the spotting "
                  "page 'merbench leaderboard build' renders"))
