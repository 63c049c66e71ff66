"""A planned run's data: the dataset opened, its folds, and (``--weights``) the checkpoints.

This is the I/O half of planning (:mod:`merbench.runner.plan` is the pure half): the dataset
reads its files here and saved weights are located, so a missing file is reported before any
fold trains; :func:`merbench.runner.task_run.load_data` puts them together with the folds
and labels of the run's task into :class:`RunData`. ``merbench extract`` opens its dataset
here too (:func:`open_dataset`), and ``merbench spot`` and ``predict`` their long videos
(:func:`open_long_videos`).
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.base.errors import MerbenchError, plugin_words
from merbench.base.literal import literal
from merbench.data.dataset import Dataset
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.plugin_fault import described
from merbench.protocols import Fold
from merbench.protocols.fold_checks import leaves_folder
from merbench.results.safe_files import entry_kind
from merbench.runner.plan import InputsPlan, Plan
from merbench.spotting.long_videos import LongVideo, LongVideoDataset


def open_dataset(inputs: InputsPlan) -> Dataset:
    """The planned dataset, built with its options and ``--data-root`` for datasets that read
    files (I/O: it reads them), with ``provides`` filled in from its metadata when it does
    not say. A factory that returns no :class:`Dataset`, or fails in its own code, is its
    plugin's fault, said so (it was an AttributeError on ``provides``, or a traceback)."""
    entry, data_root = inputs.dataset, inputs.data_root
    options = dict(inputs.dataset_options)
    if data_root is not None:
        if not entry.accepts("data_root"):
            raise MerbenchError(f"dataset '{entry.meta.name}' reads no files; "
                                "leave out --data-root")
        options["data_root"] = data_root
    dataset = entry.build("dataset", "a merbench Dataset",
                          lambda built: isinstance(built, Dataset), **options)
    if getattr(dataset, "provides", None) is None:
        dataset.provides = tuple(entry.meta.provides)
    refuse_unprintable_names(entry, dataset)
    return dataset


def refuse_unprintable_names(entry: Entry[Any], dataset: Dataset) -> None:
    """Refuse a database or subject named with a control or format character (U+202E), or
    as a path (``../up``: :func:`leaves_folder`, the protocol's own rule), as the dataset's
    fault: such a name is a part of the key of the fold that tests it, which the protocol
    refused, naming merbench's own protocol plugin and telling the user to report it to its
    authors (pass 84aa, AA3)."""
    for column in ("database", "subject"):
        for name in pd.unique(dataset.samples[column].astype(str)):
            if not name.strip():  # blamed on merbench's loso too (pass 84ab, AB6)
                raise entry.data_fault(
                    f"a {column} of its samples has an empty name ('{name}'), and a "
                    f"{column}'s name is part of its fold's name", f"name every {column} in "
                    "the files it reads")
            if not name.isprintable():
                raise entry.data_fault(
                    f"its {column} '{literal(name, one_line=True)}' holds a control "
                    f"character, and a {column}'s name is part of its fold's name, on one "
                    "line", f"rename that {column} in the files it reads")
            if leaves_folder(name):  # blamed on merbench's loso too (pass 84af, AF7)
                raise entry.data_fault(
                    f"its {column} '{literal(name, one_line=True)}' is a path, not a name "
                    f"(a {column}'s name is part of its fold's name, which names a checkpoint "
                    "file under --weights: no leading '/', no '.' or '..', no '\\')",
                    f"rename that {column} in the files it reads")


def open_selection(plan: Plan) -> tuple[Plan, Dataset]:
    """:func:`open_dataset` of ``plan``, and ``plan`` with its dataset options as the built
    dataset spells them (:func:`canonical_options`): the one place where a run's dataset
    options, given on the command line or to ``merbench.run``, take the spelling its
    ``run.json``, its ``--out`` check and the leaderboard compare."""
    dataset = open_dataset(plan.inputs)
    entry = plan.inputs.dataset
    inputs = replace(plan.inputs, dataset_options=canonical_options(
        entry, plan.inputs.dataset_options, dataset))
    spec = replace(plan.spec, dataset_options=canonical_options(
        entry, plan.spec.dataset_options, dataset))
    return replace(plan, inputs=inputs, spec=spec), dataset


def canonical_options(entry: Entry[Any], options: dict[str, Any],
                      dataset: Dataset) -> dict[str, Any]:
    """``options`` as ``dataset`` spells them (:meth:`Dataset.canonical_options`), those at
    the factory's default left out again (``classes=5-class`` on CASME II is its default):
    every spelling of one selection is then one run. A dataset whose method returns no
    options is its plugin's fault, said so."""
    if not options:
        return {}  # nothing given: nothing to spell
    try:
        spelt = dataset.canonical_options(dict(options))
    except MerbenchError:
        raise  # said in one line already
    except Exception as exc:  # the plugin's own code failing
        raise entry.fault("dataset", f"its dataset's canonical_options failed: "
                                     f"{plugin_words(exc)}") from exc
    if not isinstance(spelt, dict) or not all(isinstance(k, str) for k in spelt):
        raise entry.fault("dataset", f"its dataset's canonical_options returned "
                                     f"{described(spelt)}, not a dict of options")
    return entry.without_defaults(spelt)


def open_long_videos(entry: Entry[Any], options: dict[str, Any]) -> LongVideoDataset:
    """A long-video dataset built with ``options``, for ``merbench spot`` and ``predict``
    alike: a factory that fails, returns no set of :class:`LongVideo` (None, a dict) or
    lists a video twice is its plugin's fault, said as a recognition dataset's is (they were
    tracebacks; a video listed twice was spotted twice into a result ``validate`` refuses
    while ``status`` called it complete)."""
    dataset: LongVideoDataset = entry.build(
        "long-video dataset", "a LongVideoSet (videos, each a LongVideo)", _is_long_video_set,
        **options)
    seen: set[str] = set()
    for video in dataset.videos:
        if video.key_text in seen:
            raise entry.fault("long-video dataset", f"lists video {video.key_text} twice",
                              sep=" ")
        seen.add(video.key_text)
    return dataset


def _is_long_video_set(built: Any) -> bool:
    """Whether ``built`` holds its videos as a long-video dataset does: a sequence of
    :class:`LongVideo` under ``videos`` (read once here: a property is the plugin's code)."""
    videos = getattr(built, "videos", None)
    return isinstance(videos, list | tuple) and all(isinstance(v, LongVideo) for v in videos) \
        and isinstance(getattr(built, "skipped", ()), list | tuple)


@dataclass(frozen=True)
class RunData:
    """The plan with its data: samples, folds and, when evaluating, each fold's weights."""

    plan: Plan
    dataset: Dataset
    folds: list[Fold]
    weight_files: dict[int, Path] | None
    #: what each sample is trained and scored against, in sample-table order: its emotion
    #: class, or (``--task au``) its AU label code (merbench.data.au_labels.label_codes)
    labels: np.ndarray

    @property
    def n_classes(self) -> int:
        return len(self.dataset.classes)

    def build_model(self) -> Any:
        """A fresh model; ``num_classes`` goes to factories that name it (estimators such as
        scikit-learn classes learn their classes from the labels instead)."""
        model = self.plan.model
        return model.create("model", **model.sized(self.plan.spec.model_options, self.n_outputs))

    def meta_model(self) -> Any:
        """:meth:`build_model` on torch's meta device (shapes only: no memory, no draw from
        the generator), built once for the run: the engine reads its parameter count (the
        threads), its class against a real build's (a factory that makes a new class) and
        its batch norm (the fold groups), and each of the three once built its own, a large
        model's graph three times over. What the build raised is raised again to each."""
        model, failed = self._meta_build
        if failed is not None:
            raise failed
        return model

    @cached_property
    def _meta_build(self) -> tuple[Any, Exception | None]:
        import torch  # deferred: only a torch model's run builds on the meta device

        try:
            with torch.device("meta"):
                return self.build_model(), None
        except Exception as exc:  # each reader says it as its own build did
            return None, exc

    @property
    def n_outputs(self) -> int:
        """The model's outputs: a logit a class, or one a scored AU."""
        return self.plan.task.n_outputs(self.n_classes)


def locate_weights(directory: Path, folds: list[Fold]) -> dict[int, Path]:
    """Each fold's checkpoint (``--weights``); every missing one is named before anything
    runs."""
    # deferred: torch (through training.checkpoints), which only --weights runs need
    from merbench.training.checkpoints import fold_checkpoint

    subjects = Counter(f.key[-1] for f in folds)
    found = {f.index: fold_checkpoint(directory, f.key, subjects[f.key[-1]] > 1) for f in folds}
    missing = [f for f in folds if found[f.index] is None]
    for fold in missing:  # a checkpoint that is there but no file is not "lacking"
        for place in (Path(directory, *fold.key[:-1], f"{fold.key[-1]}.pth"),
                      Path(directory, f"{fold.key[-1]}.pth")):
            if os.path.lexists(place) and not stat.S_ISREG(os.lstat(place).st_mode):
                raise MerbenchError(f"checkpoint {place} is {entry_kind(place)}, "
                                    "not a regular file; put the fold's saved weights there")
    if missing:
        names = ", ".join(
            "/".join((*f.key[:-1], f"{f.key[-1]}.pth")) if subjects[f.key[-1]] > 1
            else f"{f.key[-1]}.pth" for f in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise MerbenchError(
            f"--weights {directory} lacks the checkpoint of {len(missing)} of {len(folds)} "
            f"folds: {names}{more}; each test fold needs its own checkpoint, named after "
            "its key's last part (<subject>.pth under LOSO, <database>/<subject>.pth where "
            "two databases share a subject id, <database>.pth under lodo)"
        )
    return {index: path for index, path in found.items() if path is not None}
