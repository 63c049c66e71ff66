"""``merbench validate`` of a spotting run: every stored number recomputed from the intervals.

A ``spotting.json`` stores, for every video, the ground truth and every setting's spotted
intervals, so nothing but the file is needed to check it: each interval lies within its
video and is typed, every video holds one list per setting, each policy's choice of setting
per subject is made again (:func:`merbench.spotting.choice.choose`), and every count, ratio
and interval is recomputed and compared. A file that fails any of these is rejected with the
field named, as a recognition run's is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.audit_file import AuditSummary, check_audit_file
from merbench.results.audited_files import AuditedFiles
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.run_files import ResultRejected, differ
from merbench.results.rundir import folder_is_held
from merbench.results.safe_files import UnsafeFile, check_entry
from merbench.results.schema import layout_missed, read_json
from merbench.spotting.choice import (
    POLICIES,
    subject_of,
    summarise,
    truth_fingerprint,
    variants_of,
)
from merbench.spotting.record import (
    SPOTTING_FILE,
    SPOTTING_RUN_FILE,
    SPOTTING_SCHEMA,
    VIDEOS_FOLDER,
    SpottingResults,
)
from merbench.spotting.str_over_seeds import recogniser_configuration
from merbench.spotting.str_record import STR_FILE, StrResults
from merbench.spotting_kind.agrees import video_files_problem
from merbench.spotting_kind.audited import spotting_folder
from merbench.spotting_kind.str_check import str_beside, validate_str
from merbench.spotting_kind.values import spotting_values
from merbench.verification.provenance import ProvenanceError


def spotting_path(path: Path) -> Path:
    """The ``spotting.json`` that ``path`` names (the file, or the run folder)."""
    return path / SPOTTING_FILE if path.is_dir() else path


def check_spotting_folder(folder: Path, videos_entry: bool = True) -> None:
    """The spotting run's folder is no link, and every file of it merbench reads or
    resumes from (``spot-run.json``, each ``videos/NNNN.json``) is a regular file of its
    own: a fifo there hung ``status`` and the same ``spot`` command, a link to /dev/zero
    filled the memory, and validate said ok. Without ``videos_entry`` a ``videos`` that is
    no folder is left to the caller, which says it with the run's state."""
    check_entry(folder, folder.parent, folder=True)
    check_entry(folder / SPOTTING_RUN_FILE, folder)
    videos = folder / VIDEOS_FOLDER
    if videos_entry:
        check_entry(videos, folder, folder=True)
    if videos.is_dir() and not videos.is_symlink():
        for entry in sorted(videos.iterdir()):
            check_entry(entry, folder)


def read_spotting_file(path: Path) -> SpottingResults:
    """The checked ``spotting.json`` at ``path`` alone; :class:`ResultRejected` naming the
    first thing wrong."""
    file = spotting_path(Path(path))
    try:
        check_spotting_folder(file.parent)  # a link, a fifo or a hard link is never read
        check_entry(file, file.parent)
    except UnsafeFile as exc:  # it names the file in its folder: said once
        raise ResultRejected(file.parent, str(exc)) from None
    try:
        raw = read_json(file, "spotting results file")
    except MerbenchError as exc:
        raise ResultRejected(file.parent, str(exc)) from None
    if raw.get("schema_version") != SPOTTING_SCHEMA:
        said = layout_missed(raw, "spotting results file", SPOTTING_SCHEMA)
        raise ResultRejected(file.parent, f"{file} is {said}")
    try:
        results = from_json(SpottingResults, raw)
    except LayoutError as exc:
        raise ResultRejected(file, f"not a spotting results file: {exc}") from None
    try:  # a date, durations and the scoring rules, as status checks them too
        spotting_values(results)
    except ProvenanceError as exc:
        raise ResultRejected(file, str(exc)) from None
    n_variants = len(results.variants)
    try:
        grid = variants_of(results.spotter.tuned)
    except MerbenchError as exc:
        raise ResultRejected(file, f"spotter.tuned: {exc}") from None
    if to_json(results.variants) != to_json(grid):
        raise ResultRejected(file, "variants are not every setting of spotter.tuned, in order")
    if n_variants == 0:
        raise ResultRejected(file, "variants is empty: a run tries at least one setting")
    keys = [(v.database, v.subject, v.name) for v in results.videos]
    counted = (("n_videos", results.dataset.n_videos, len(results.videos)),
               ("n_subjects", results.dataset.n_subjects,
                len({subject_of(v) for v in results.videos})),
               ("fingerprint", results.dataset.fingerprint, truth_fingerprint(results.videos)))
    for field, stored, given in counted:
        if stored != given:
            raise ResultRejected(file, f"dataset.{field} is {stored!r} but its videos give "
                                       f"{given!r}")
    if len(set(keys)) != len(keys):
        raise ResultRejected(file, "a video is stored twice")
    for v, video in enumerate(results.videos):
        where = f"videos[{v}] ({video.database}/{video.subject}/{video.name})"
        if "/" in video.database or "/" in video.subject:
            raise ResultRejected(file, f"{where}: a database or subject name holds '/'")
        if len(video.spotted) != n_variants:
            raise ResultRejected(file, f"{where} holds {len(video.spotted)} settings' "
                                       f"intervals, not {n_variants}")
        if video.fitted is not None and len(video.fitted) != n_variants:
            raise ResultRejected(file, f"{where} holds {len(video.fitted)} settings' fits, "
                                       f"not {n_variants}")
        first = next(u for u in results.videos if subject_of(u) == subject_of(video))
        if to_json(video.fitted) != to_json(first.fitted):  # one fit spotted a subject
            raise ResultRejected(file, f"{where}.fitted is not its subject's first video's: "
                                       "one fit per setting spotted every video of a subject")
        if video.fps <= 0 or video.first_frame > video.last_frame:
            raise ResultRejected(file, f"{where} has fps {video.fps} and frames "
                                       f"{video.first_frame}..{video.last_frame}")
        for name, intervals in (("truth", video.truth),
                                *((f"spotted[{j}]", s) for j, s in enumerate(video.spotted))):
            for i in intervals:
                if not video.first_frame <= i.onset <= i.offset <= video.last_frame:
                    raise ResultRejected(file, f"{where}.{name} has [{i.onset}, {i.offset}], "
                                               "outside the video's frames")
    if set(results.policies) != set(POLICIES):
        raise ResultRejected(file, f"policies are {sorted(results.policies)}, expected "
                                   f"{sorted(POLICIES)}")
    try:
        recomputed = summarise(results.videos, n_variants)
    except ValueError as exc:
        raise ResultRejected(file, f"cannot be scored: {exc}") from None
    found = differ(to_json(results.policies), to_json(recomputed), "policies")
    if found:
        raise ResultRejected(file, f"stored numbers do not match its intervals: {found}")
    # last: a spotting.json wrong in itself is said as such first
    problem = video_files_problem(file.parent, results)
    if problem is not None:
        raise ResultRejected(file.parent, problem)
    return results


def validate_spotting(path: Path) -> SpottingResults:
    """The checked record of the spotting run at ``path``, with the ``str.json`` beside it
    when there is one; :class:`ResultRejected` naming the first thing wrong in either."""
    return validate_spotting_and_str(path).results


@dataclass(frozen=True)
class CheckedSpotting:
    """A spotting run that validates: its record, its spot-then-recognise record (None
    where it has none) and what its ``audit.json`` holds (None where it has none)."""

    results: SpottingResults
    recognised: StrResults | None
    audits: AuditSummary | None


def validate_spotting_and_str(path: Path) -> CheckedSpotting:
    """The spotting run at ``path``, its spot-then-recognise record and its audit records,
    each checked once: the latter two against the first. A folder a ``merbench spot``
    command is still writing is refused: spot-then-recognise writes ``str.json`` after
    ``spotting.json``, so what is there may not be the whole run yet."""
    folder = spotting_path(Path(path)).parent
    if folder_is_held(folder):
        raise ResultRejected(folder, "a merbench spot command is writing it now (its "
                                     f"{STR_FILE} may be yet to come); wait for it to finish, "
                                     "then check it")
    results = read_spotting_file(path)
    beside = str_beside(spotting_path(Path(path)))
    recognised = None if beside is None else validate_str(beside, results)
    try:  # each record one this run's audit could have written, its signature verified
        audits = check_audit_file(audited_spotting(folder, results, recognised))
    except MerbenchError as exc:
        raise ResultRejected(folder, str(exc)) from None
    return CheckedSpotting(results, recognised, audits)


def audited_spotting(folder: Path, results: SpottingResults,
                     recognised: StrResults | None) -> AuditedFiles:
    """The spotting run in ``folder`` as its audit records see it (its subjects, each with
    its videos' files and the ``str.json`` where it recognised)."""
    return spotting_folder(folder, results.videos, results.created, recognised is not None)


def spotting_claim(results: SpottingResults, recognised: StrResults | None
                   ) -> tuple[str, ...]:
    """What a spotting run claims to be: its spotter (name, version, options, the settings
    it tunes), its dataset (name, version, options, the ground truth's fingerprint), the
    scoring rules and, where it recognised too, its recogniser (model, feature, their
    versions and options, seed, epochs: not the device, nor the counts). merbench's spotters
    are deterministic: two runs making one claim must hold the same intervals and emotions,
    or one was edited; a run that only spotted makes another claim than one that also
    recognised (both were rejected as a conflict)."""
    recogniser = None if recognised is None else {
        **recogniser_configuration(recognised), "seed": recognised.recogniser.seed}
    return tuple(json.dumps(to_json(part), sort_keys=True) for part in (
        results.spotter, results.dataset.name, results.dataset.version,
        results.dataset.options, results.dataset.fingerprint, results.variants,
        results.iou_threshold, results.criterion, recogniser))


def spotting_evidence(results: SpottingResults, recognised: StrResults | None) -> str:
    """The digest of what two copies of a claim must share: every video's ground truth and
    spotted intervals, and the emotions spot-then-recognise gave them (where it ran). What
    the run computed, not how long it took: a video's ``seconds`` (the spotter's time on it)
    differs between two genuine runs of one claim, so it is left out."""
    videos = [{key: value for key, value in to_json(video).items() if key != "seconds"}
              for video in results.videos]
    shared = {"videos": videos,
              "recognised": None if recognised is None else to_json(recognised.videos)}
    return hashlib.sha256(json.dumps(shared, sort_keys=True).encode()).hexdigest()
