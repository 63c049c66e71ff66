"""``merbench validate`` of spot-then-recognise: ``str.json`` checked against its spotting run.

A ``str.json`` adds emotions to a spotting run's chosen intervals
(:mod:`merbench.spotting.str_record`), so it is checked with the ``spotting.json`` beside it,
once that file has passed its own checks: it must name that run (its fingerprint), hold every
video of it in order, each with exactly the intervals of the setting its subject's
``training-subjects`` choice names, each given one of the classes; and every stored score is
recomputed (:func:`merbench.spotting.str_scores.str_scores`). Only the emotions are taken on
trust, as a recognition run's predictions are; ``merbench audit`` is what trains again.
"""

from __future__ import annotations

import re
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import written
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.run_files import ResultRejected, differ
from merbench.results.safe_files import check_entry
from merbench.results.schema import layout_missed, read_json
from merbench.runner.spot_recognise import FRAMES_RULE, TRAINING_RULE
from merbench.spotting.record import SpottingResults
from merbench.spotting.str_record import STR_FILE, STR_SCHEMA, StrResults
from merbench.spotting.str_scores import (
    POLICY,
    chosen_intervals,
    spotting_fingerprint,
    str_scores,
    training_counts,
)
from merbench.spotting_kind.values import str_values
from merbench.verification.provenance import (
    SPAN_MARGIN,
    ProvenanceError,
    check_created,
)


def read_str_file(file: Path) -> StrResults:
    """The ``str.json`` at ``file`` in the current layout, read alone (its scores are not
    recomputed: :func:`validate_str` does that); :class:`ResultRejected` where it cannot be
    read."""
    try:
        check_entry(file, file.parent)  # a link, a fifo or a hard link is never read
        raw = read_json(file, "spot-then-recognise file")
    except MerbenchError as exc:  # a fifo, a file that is no JSON: its path said once
        raise ResultRejected(file.parent, str(exc)) from None
    if raw.get("schema_version") != STR_SCHEMA:
        said = layout_missed(raw, "spot-then-recognise file", STR_SCHEMA)
        raise ResultRejected(file.parent, f"{file} is {said}")
    try:
        return from_json(StrResults, raw)
    except LayoutError as exc:
        raise ResultRejected(file, f"not a spot-then-recognise file: {exc}") from None


#: a device as :func:`merbench.training.device.describe_device` records it: "cpu", or
#: "cuda:0 (NVIDIA H100 80GB HBM3)" (printable characters in the hardware's name)
RECORDED_DEVICE = re.compile(r"(cpu|mps|cuda(:\d+)?)( \([\x20-\x7e]{1,200}\))?")


def _recogniser_problem(found: StrResults, spotting: SpottingResults) -> str | None:
    """What in ``recogniser`` merbench could not have written, or None. Its model, feature,
    options and seed are the run's claim, which ``merbench audit`` trains again; the rest
    follows from the spotting file and this merbench's rules, so it is checked here."""
    try:  # a date and a duration merbench could have written, after the spotting's
        if check_created(found.created) < check_created(spotting.created) - SPAN_MARGIN:
            return (f"created {found.created} is before its spotting run was made "
                    f"({spotting.created}); recognition follows spotting")
        str_values(found)  # dates, epochs, seed, scores in range: status checks them too
    except ProvenanceError as exc:
        return str(exc)
    record = found.recogniser
    if record.frames != FRAMES_RULE or record.training != TRAINING_RULE:
        return ("recogniser.frames or recogniser.training is not the rule merbench "
                "recognises by; publish str.json as merbench spot --recognise wrote it")
    if record.n_train != training_counts(spotting):
        return ("recogniser.n_train is not the count of the other subjects' ground-truth "
                "expressions in spotting.json: each subject's recogniser trains on those")
    return None


def validate_str(file: Path, spotting: SpottingResults) -> StrResults:
    """The checked ``str.json`` at ``file`` of the (already checked) run ``spotting``;
    :class:`ResultRejected` naming the first thing wrong."""
    found = read_str_file(file)
    problem = str_layout_problem(found, spotting)
    if problem is not None:
        raise ResultRejected(file, problem)
    recomputed = str_scores(spotting, found.videos, n_classes=len(found.classes))
    mismatch = differ(to_json(found.scores), to_json(recomputed), "scores")
    if mismatch:
        raise ResultRejected(file, f"stored numbers do not match its intervals: {mismatch}")
    return found


def str_layout_problem(found: StrResults, spotting: SpottingResults) -> str | None:
    """What in ``found`` (a ``str.json`` as read) merbench could not have written for the
    spotting run ``spotting``, checked without recomputing a score, or None: the cheap half
    of :func:`validate_str`, which ``merbench status`` and ``show`` make too. ``status``
    called "complete", and ``show`` printed, a ``str.json`` missing a video or giving an
    interval no emotion, which ``validate`` refused (pass 84o, O3)."""
    if found.policy != POLICY:
        return f"policy is {found.policy!r}; spot-then-recognise recognises the {POLICY!r} choice"
    if found.spotting_fingerprint != spotting_fingerprint(spotting):
        return ("spotting_fingerprint does not match the spotting.json beside it: it "
                "recognised another spotting run")
    n_classes = len(found.classes)
    if n_classes < 2:
        return f"classes holds {n_classes}; recognition needs two or more"
    if not RECORDED_DEVICE.fullmatch(found.recogniser.device):
        # the run's own claim, which no audit takes for a fact; still only a device's name
        return (f"recogniser.device is {found.recogniser.device!r}, not a device merbench "
                "trains on (cpu, mps, cuda or cuda:N, with its hardware's name)")
    problem = _recogniser_problem(found, spotting)
    if problem is not None:
        return problem
    if len(found.videos) != len(spotting.videos):
        return f"holds {len(found.videos)} videos; its spotting run has {len(spotting.videos)}"
    try:
        choices = chosen_intervals(spotting)
    except (KeyError, IndexError):  # spotting.json's own fault, which validate says first
        return (f"cannot be matched with spotting.json, whose {POLICY!r} choice does not "
                "name a setting of each video it holds")
    for v, (mine, theirs, chosen) in enumerate(zip(found.videos, spotting.videos, choices,
                                                   strict=True)):
        where = f"videos[{v}] ({mine.database}/{mine.subject}/{mine.name})"
        if (mine.database, mine.subject, mine.name) != \
                (theirs.database, theirs.subject, theirs.name):
            return f"{where} is not the spotting run's video {v}"
        if [(i.onset, i.offset, i.kind) for i in mine.intervals] != \
                [(i.onset, i.offset, i.kind) for i in chosen]:
            return (f"{where}: its intervals are not those of the setting chosen for "
                    f"{theirs.database}/{theirs.subject}")
        for i in mine.intervals:
            if i.emotion is None or not 0 <= i.emotion < n_classes:
                # JSON's words (null), never Python's (None)
                return (f"{where}: interval [{i.onset}, {i.offset}] has emotion "
                        f"{written(i.emotion)}, not a class of {n_classes}")
        for t in theirs.truth:
            if t.emotion is not None and not 0 <= t.emotion < n_classes:
                return (f"{where}: a ground-truth emotion {t.emotion} lies outside the "
                        f"{n_classes} classes")
    return None


def str_beside(spotting_file: Path) -> Path | None:
    """The ``str.json`` in the folder of ``spotting_file``, if there is one."""
    path = Path(spotting_file).parent / STR_FILE
    return path if path.exists() or path.is_symlink() else None
