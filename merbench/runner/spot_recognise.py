"""Spot-then-recognise: the intervals a spotting run chose, given emotions by a recogniser.

MEGC 2025's STR task scores a spotter and a recogniser together
(:mod:`merbench.spotting.recognition`). This is the recogniser's half, leave-one-subject-out
like the spotting it follows: for each subject, a model of merbench's (any registered
model, with its recipe) is trained on the **other** subjects' ground-truth expressions and
classifies the intervals spotted in this subject's videos under the setting the other
subjects chose (the ``training-subjects`` policy). No label or choice of the subject
recognised touches its recogniser, and the last epoch predicts (merbench's ``fixed``
selection; nothing is chosen on a test subject).

What a recogniser sees of an interval is what a recognition run sees of a clip: an onset
frame and an apex frame (the ``onset_frame`` and ``apex_frame`` sources raw datasets give),
through the model's feature, computed from those two frames (``tvl1-uvos`` for the flow
models). The long-video loaders give aligned grey faces (:mod:`merbench_features.face_frames`
for the real databases), so a feature that would look for a face again is told the frame is
the face (``face=frame``) where it takes that option. Which frames:

- **onset**: the interval's first frame;
- **apex**: a ground-truth expression's annotated apex; its middle frame where the sheet
  gives none; a spotted interval's middle frame, since a spotter returns no apex (the
  flow-peak spotter centres its intervals on the motion peak, so the middle is its apex).

Training uses every ground-truth expression, micro and macro, whose emotion is one of the
dataset's classes: the spotted intervals of every scope are recognised, and a long-video
database holds few micro-expressions a subject (CAS(ME)^2: 57 in all).
"""

from __future__ import annotations

import bisect
import dataclasses
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.data.task import EMOTION_TASK
from merbench.features.extraction import extract_feature
from merbench.meta import MAX_EPOCHS, ModelMeta, TrainRecipe
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.manager import Plugins, plugin_versions
from merbench.plugin_system.registry import Registries
from merbench.results.codec import to_json
from merbench.results.kind_names import SPOTTING_RUN
from merbench.results.safe_files import UnsafeFile, check_entry
from merbench.results.schema import environment, now_iso
from merbench.results.user_files import UnreadableFile, read_written_json
from merbench.runner.dry_step import check_forward
from merbench.runner.fold_work import FoldRows, GroupWork, ModelSource, WorkKind, compute
from merbench.runner.notify import Notifier
from merbench.runner.plan import computable_instead
from merbench.spotting.choice import subject_of
from merbench.spotting.long_videos import LongVideo
from merbench.spotting.record import IntervalRecord, SpottingResults
from merbench.spotting.str_record import (
    STR_FILE,
    STR_SCHEMA,
    RecognisedVideo,
    RecogniserRecord,
    StrResults,
)
from merbench.spotting.str_scores import (
    POLICY,
    chosen_intervals,
    spotting_fingerprint,
    str_scores,
    training_counts,
)
from merbench.training.device import describe_device, resolve_device
from merbench.training.model_output import ModelFault
from merbench.training.seeding import fold_seed

PAIR_SOURCES = ("onset_frame", "apex_frame")
FRAMES_RULE = ("onset: the interval's first frame; apex: the annotated apex of a ground-truth "
               "expression (its middle frame where none), the middle frame of a spotted "
               "interval (a spotter gives no apex)")
TRAINING_RULE = ("every ground-truth expression (micro and macro) of the other subjects whose "
                 "emotion is one of the classes")
TRUTH, SPOTTED = "truth", "spotted"


@dataclass(frozen=True)
class RecogniseSpec:
    """The recogniser of a spot-then-recognise run: a model by name, its feature (None: the
    model's own where two frames give it, else the first feature that computes its input
    from them), their options, the seed, the epochs (None: the recipe's) and the device."""

    model: str
    feature: str | None = None
    model_options: Mapping[str, Any] = field(default_factory=dict)
    feature_options: Mapping[str, Any] | None = None  # None: face=frame where accepted
    seed: int = 0
    epochs: int | None = None
    device: str = "cpu"


def middle_frame(numbers: Sequence[int], onset: int, offset: int) -> int:
    """The video's frame number in the middle of [onset, offset] (its numbers may skip)."""
    first = bisect.bisect_left(numbers, onset)
    last = bisect.bisect_right(numbers, offset) - 1
    if last < first:
        raise MerbenchError(f"no frame of the video lies in [{onset}, {offset}]")
    return numbers[(first + last) // 2]


@dataclass(frozen=True)
class _Row:
    video: int  # position in the spotting file's videos
    role: str  # TRUTH (trains) or SPOTTED (recognised)
    onset: int
    apex: int
    label: int  # a truth's emotion; 0 for a spotted interval (never trained on)
    interval: int  # a spotted interval's position in its video's chosen intervals


def _rows(videos: Sequence[LongVideo], chosen: Sequence[Sequence[IntervalRecord]]) -> list[_Row]:
    rows = []
    for v, (long_video, intervals) in enumerate(zip(videos, chosen, strict=True)):
        numbers = long_video.frames.numbers
        for annotation in long_video.annotations:
            emotion, interval = annotation.expression.emotion, annotation.expression.interval
            if emotion is None:
                continue
            apex = annotation.apex if annotation.apex is not None else \
                middle_frame(numbers, interval.onset, interval.offset)
            rows.append(_Row(v, TRUTH, interval.onset, apex, emotion, -1))
        for i, spotted in enumerate(intervals):
            rows.append(_Row(v, SPOTTED, spotted.onset,
                             middle_frame(numbers, spotted.onset, spotted.offset), 0, i))
    return rows


def _frames(videos: Sequence[LongVideo], pairs: Sequence[tuple[int, int, int]]
            ) -> list[dict[int, np.ndarray]]:
    """Each video's frames that some (video position, onset, apex) pair needs, and no
    other."""
    needed: list[set[int]] = [set() for _ in videos]
    for video, onset, apex in pairs:
        needed[video].update((onset, apex))
    # each frame read alone, in order: a folder reads one image, a video file decodes on
    # from where it was, a face crop reuses its first frame's transform
    return [{number: np.repeat(video.read(number, number)[0][..., None], 3, axis=2)  # as BGR
             for number in sorted(wanted)} for video, wanted in zip(videos, needed,
                                                                    strict=True)]


def _stack(images: list[np.ndarray]) -> np.ndarray:
    """Images as one array, or an object array where their sizes differ between videos."""
    if len({image.shape for image in images}) == 1:
        return np.stack(images)
    stacked = np.empty(len(images), dtype=object)
    stacked[:] = images
    return stacked


def pair_arrays(videos: Sequence[LongVideo], pairs: Sequence[tuple[int, int, int]]
                ) -> dict[str, np.ndarray]:
    """The ``onset_frame`` and ``apex_frame`` sources (grey frames as BGR, as raw databases
    give them) of ``pairs``: (video position, onset number, apex number)."""
    frames = _frames(videos, pairs)
    return {"onset_frame": _stack([frames[v][onset] for v, onset, _ in pairs]),
            "apex_frame": _stack([frames[v][apex] for v, _, apex in pairs])}


def pair_dataset(results: SpottingResults, videos: Sequence[LongVideo], classes: Sequence[str],
                 rows: Sequence[_Row]) -> InMemoryDataset:
    """The rows as a dataset of onset / apex frame pairs, as raw databases give them."""
    table = pd.DataFrame({
        # the row's position too: two sheet rows may share an onset and an apex
        "sample_id": [f"{subject_of(results.videos[r.video])}/{results.videos[r.video].name}"
                      f"/{r.role}/{r.onset}-{r.apex}/{k}" for k, r in enumerate(rows)],
        "database": [results.videos[r.video].database for r in rows],
        "subject": [results.videos[r.video].subject for r in rows],
        "label": [r.label for r in rows]})
    arrays = pair_arrays(videos, [(r.video, r.onset, r.apex) for r in rows])
    return InMemoryDataset("spotted-intervals", table, list(classes), arrays)


def feature_from_frames(registries: Registries, own: str, chosen: str | None = None) -> str:
    """The feature that reads an interval's two frames for a model whose input is feature
    ``own``: ``chosen`` (checked to need only those frames); else ``own`` where it does; else
    the first feature that computes ``own``'s values from them (as ``tvl1-uvos`` computes
    ``flow-uvos``, :func:`merbench.runner.plan.computable_instead`)."""
    if chosen is not None:
        needs = registries.features.get(chosen).meta.unmet_needs(PAIR_SOURCES)
        if needs:
            raise MerbenchError(f"feature '{chosen}' needs {', '.join(needs)}; a spotted "
                                "interval gives onset_frame and apex_frame")
        return chosen
    if not registries.features.get(own).meta.unmet_needs(PAIR_SOURCES):
        return own
    instead = computable_instead(registries, own, PAIR_SOURCES)
    if not instead:
        raise MerbenchError(f"no installed feature computes '{own}' (the model's input) from "
                            "an onset and an apex frame; name one with --recognise-feature")
    return instead[0]


def check_recogniser(registries: Registries, spec: RecogniseSpec) -> str:
    """The feature ``spec``'s model reads from two frames, once the model is known and the
    options fit it (a MerbenchError, one line, otherwise); run before any spotting."""
    model = registries.models.get(spec.model)
    trains = model.meta.kind == "torch"  # an estimator's recipe, if it declares one, is unused
    if spec.epochs is not None and not trains:
        raise MerbenchError(f"model '{spec.model}' is an estimator, fitted once: --epochs is "
                            "for torch models")
    if spec.epochs is not None and spec.epochs < 1:
        raise MerbenchError(f"--epochs {spec.epochs}: the recogniser trains at least one "
                            "epoch; give a whole number from 1")
    if spec.epochs is not None and spec.epochs > MAX_EPOCHS:  # as merbench run refuses it
        raise MerbenchError(f"--epochs must be at most {MAX_EPOCHS:,} (got {spec.epochs:,}): "
                            "every epoch's predictions are kept in memory")
    model.check_options("model", dict(spec.model_options))  # before any video is spotted
    if trains:  # a device a torch model could never use here
        resolve_device(spec.device)
    shape = registries.features.get(model.meta.feature).meta.shape \
        if model.meta.feature in registries.features else None
    if trains and shape:  # options its types pass, its code does not
        check_forward(model, dict(spec.model_options), tuple(shape),
                      f"--recognise {spec.model}")
    return feature_from_frames(registries, model.meta.feature, spec.feature)


def torch_recipe(model: Entry[ModelMeta]) -> TrainRecipe | None:
    """The recipe a recogniser trains with: a torch model's; None for an estimator, which is
    fitted once, whatever recipe its metadata declares (pass 84l: one that declared a recipe
    was run forward as a torch model and refused)."""
    return model.meta.recipe if model.meta.kind == "torch" else None


def frame_options(registries: Registries, feature: str) -> dict[str, Any]:
    """A feature's options for frames that are aligned faces already: ``face=frame`` where
    it takes that option (it would look for a face again otherwise), else none."""
    return {"face": "frame"} if registries.features.get(feature).accepts("face") else {}


#: what a recogniser's record holds beyond what makes it the recogniser it is
_NOT_IDENTITY = ("device", "n_train", "provider")


def _recogniser_identity(record: dict[str, Any]) -> dict[str, Any]:
    """What makes two recognisers the same: everything but the device and counts."""
    return {k: v for k, v in record.items() if k not in _NOT_IDENTITY}


def recogniser_of(registries: Registries, spec: RecogniseSpec) -> dict[str, Any]:
    """The identity :func:`recognise` records for ``spec`` (as :func:`_recogniser_identity`
    of its record), known before anything is spotted."""
    model = registries.models.get(spec.model)
    feature_name = check_recogniser(registries, spec)
    feature = registries.features.get(feature_name)
    recipe = torch_recipe(model)
    return {"model": spec.model, "model_version": model.meta.version,
            "model_options": dict(spec.model_options), "feature": feature_name,
            "feature_version": feature.meta.version,
            "feature_options": _feature_options(registries, spec, feature_name),
            "seed": spec.seed,
            "epochs": None if recipe is None else (
                recipe.epochs if spec.epochs is None else spec.epochs),
            "frames": FRAMES_RULE, "training": TRAINING_RULE}


def _feature_options(registries: Registries, spec: RecogniseSpec,
                     feature_name: str) -> dict[str, Any]:
    return dict(spec.feature_options) if spec.feature_options is not None else \
        frame_options(registries, feature_name)


def refuse_other_recogniser(out: Path, identity: dict[str, Any]) -> None:
    """A ``str.json`` in ``out`` of another recogniser than ``identity`` is refused, not
    replaced (it would be lost): checked before the spotting and again before writing. One
    that names no recogniser (damaged: cut short, nested, null, not JSON) holds no
    recognition to lose, and is made again, as docs/spotting.md says. One that is no file
    (a folder, a fifo) is refused in validate's words, whose fix (remove it, then run the
    same command) this command then follows: the reader's "give a regular file" was the
    fix of no file anyone gives (pass 84z Z4, 84aa)."""
    path = Path(out) / STR_FILE
    if not path.exists():
        return
    if not path.is_file():
        try:
            check_entry(path, Path(out))
        except UnsafeFile as exc:
            raise UnsafeFile(f"{out}: {exc}") from None
    try:
        theirs = read_written_json(path, "spot-then-recognise file").get("recogniser")
    except (OSError, ValueError, AttributeError, UnreadableFile):
        return  # damaged: made again
    if not isinstance(theirs, dict):
        return  # names no recogniser: damaged, made again
    if _recogniser_identity(theirs) != identity:
        raise MerbenchError(f"{path} holds the recognition of another recogniser; move it "
                            f"away to keep it, or give the same --recognise options")


def write_str(out: Path, found: StrResults, plugins: Plugins) -> Path:
    """``found`` as ``out/str.json``, unless a file there is another recogniser's; then the
    plugins told of it, as a spotting run's record (the kind whose folder holds it)."""
    refuse_other_recogniser(out, _recogniser_identity(to_json(found.recogniser)))
    path = Path(out) / STR_FILE
    written = to_json(found)
    atomic_write_json(path, written)
    Notifier(plugins).result_finished(SPOTTING_RUN, Path(out), STR_FILE, written)
    return path


def recognise(results: SpottingResults, videos: Sequence[LongVideo], classes: Sequence[str],
              plugins: Plugins, spec: RecogniseSpec,
              only: Collection[str] | None = None) -> StrResults:
    """The spotting run's chosen intervals recognised subject by subject (module doc), with
    their STR scores; ``videos`` are the run's long videos, in its order. ``only``: the
    subjects (``database/subject``) whose recognisers are trained, the others' intervals left
    as spotted (``merbench audit`` trains a few again; the scores are then not the run's)."""
    started = time.perf_counter()
    registries = plugins.registries
    model = registries.models.get(spec.model)
    feature_name = check_recogniser(registries, spec)
    feature = registries.features.get(feature_name)
    feature_options = _feature_options(registries, spec, feature_name)
    if len(classes) < 2:
        raise MerbenchError(f"the long videos give {len(classes)} emotion class(es); "
                            "recognition needs two or more")
    recipe = torch_recipe(model)
    if recipe is not None and spec.epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=spec.epochs)
    chosen = chosen_intervals(results)
    rows = _rows(videos, chosen)
    if not any(r.role == TRUTH for r in rows):
        raise MerbenchError("no ground-truth expression has an emotion of the dataset's "
                            "classes: there is nothing to train a recogniser on")
    dataset = pair_dataset(results, videos, classes, rows)
    extractor = feature.create("feature", **feature_options)
    values, _ = extract_feature(feature, extractor, dataset,
                                dataset_name="spotted-intervals", workers=1)
    source = ModelSource.of(model, dict(spec.model_options), len(classes))
    kind: WorkKind = "fit" if recipe is None else "train"
    recognised: list[list[IntervalRecord]] = [list(c) for c in chosen]
    labels = np.array([r.label for r in rows])
    video_of = np.array([subject_of(results.videos[r.video]) for r in rows])
    is_truth = np.array([r.role == TRUTH for r in rows])
    device_name = describe_device(spec.device)
    for index, subject in enumerate(dict.fromkeys(subject_of(v) for v in results.videos)):
        train = np.flatnonzero(is_truth & (video_of != subject))
        test = np.flatnonzero(~is_truth & (video_of == subject))
        if len(test) == 0 or (only is not None and subject not in only):
            continue
        if len(train) == 0:
            raise MerbenchError(f"subject {subject}: no other subject has an expression to "
                                "train its recogniser on")
        database, _, name = subject.partition("/")
        rows_of = FoldRows(index=index, seed=fold_seed(spec.seed, (database, name)),
                           train=train, y_train=labels[train], evaluate=test,
                           groups=video_of[train])
        work = GroupWork(kind=kind, model=source, recipe=recipe, device=spec.device,
                         precision="fp32", fused_optimizer=False, folds=(rows_of,),
                         task=EMOTION_TASK)
        try:
            predicted = compute(work, values)[0].predictions[-1]
        except ModelFault as exc:  # what the model's code returned: its plugin's fault
            raise model.fault("recogniser", str(exc),
                              sep=f" failed for subject {subject}: ") from None
        except MerbenchError:
            raise
        except Exception as exc:  # the model's own failure: one line naming the subject
            present = ", ".join(classes[c] for c in sorted(set(labels[train].tolist())))
            raise MerbenchError(
                f"recogniser '{spec.model}' failed for subject {subject} (trained on "
                f"{len(train)} expressions of the other subjects, of classes {present}): "
                f"{type(exc).__name__}: {exc}") from None
        for row_index, emotion in zip(test, predicted, strict=True):
            row = rows[row_index]
            kept = recognised[row.video][row.interval]
            recognised[row.video][row.interval] = IntervalRecord(
                kept.onset, kept.offset, kept.kind, int(emotion))
    recognised_videos = [RecognisedVideo(v.database, v.subject, v.name, intervals)
                         for v, intervals in zip(results.videos, recognised, strict=True)]
    record = RecogniserRecord(
        model=spec.model, model_version=model.meta.version,
        model_options=dict(spec.model_options), feature=feature_name,
        feature_version=feature.meta.version, feature_options=feature_options,
        seed=spec.seed, epochs=None if recipe is None else recipe.epochs,
        provider=str(model.origin), device=device_name, frames=FRAMES_RULE,
        training=TRAINING_RULE, n_train=training_counts(results))
    return StrResults(
        schema_version=STR_SCHEMA, kind="str", created=now_iso(), policy=POLICY,
        spotting_fingerprint=spotting_fingerprint(results), classes=list(classes),
        recogniser=record, videos=recognised_videos,
        scores=str_scores(results, recognised_videos, len(classes)),
        environment=environment(spec.device, plugin_versions(plugins)),
        wall_time_s=round(time.perf_counter() - started, 3))
