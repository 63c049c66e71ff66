"""Learned spotters: ``merbench spot`` fits one per subject on the other subjects' videos
(:class:`merbench.api.LearnsToSpot`), and ``flow-score``, merbench's, end to end.

A recording learner (registered in-process) shows what the run hands each fit; the real
``flow-score`` runs on a small ``synthetic-long``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from conftest import run_cli
from merbench_spotters.flow_score import (
    FlowScoreOptions,
    FlowScoreSpotter,
    PassFeatures,
    pseudo_labels,
)
from test_spot_command import SMALL, SMALL_OPTIONS

from merbench.api import (
    Expression,
    FrameInterval,
    Spotted,
    SpotterMeta,
    TrainingVideo,
    hookimpl,
)
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import load_plugins
from merbench.results.run_files import ResultRejected
from merbench.runner.spot import SpotSpec, SpottingRun
from merbench.runner.spot_learned import training_digest
from merbench.spotting_kind.check import validate_spotting
from merbench.testing.spotter_checks import check_spotter


class _Fitted:
    def __init__(self, subjects: list[str], shift: int) -> None:
        self.subjects, self.shift = subjects, shift

    @property
    def fitted(self) -> dict[str, Any]:
        return {"trained_on": len(self.subjects)}

    def spot_features(self, features: int, fps: float) -> tuple[Spotted, ...]:
        if RecordingLearner.stop_on is not None and \
                len(RecordingLearner.spotted) == RecordingLearner.stop_on:
            raise KeyboardInterrupt
        RecordingLearner.spotted.append(self.subjects)
        onset = 10 + self.shift + features % 7  # the features show in the intervals
        if features < onset + 9:  # too short for its one interval
            return ()
        beyond = features if RecordingLearner.outside else 0  # past the video's end
        return (Spotted(FrameInterval(onset, onset + 8 + beyond), "micro"),)


class RecordingLearner:
    """Features: the video's length; a fit remembers its training subjects."""

    fits: ClassVar[list[list[str]]] = []
    feature_calls: ClassVar[int] = 0
    spotted: ClassVar[list[list[str]]] = []
    stop_on: ClassVar[int | None] = None
    outside: ClassVar[bool] = False

    def __init__(self, shift: int = 0, scale: int = 1) -> None:
        self.shift, self.scale = shift, scale

    @property
    def params(self) -> dict[str, Any]:
        return {"shift": self.shift, "scale": self.scale}

    @property
    def feature_params(self) -> dict[str, Any]:
        return {"scale": self.scale}  # shift shapes only the intervals

    def features(self, frames: np.ndarray | Iterable[np.ndarray], fps: float) -> int:
        if not fps > 0:
            raise ValueError("fps must be positive")
        RecordingLearner.feature_calls += 1
        return len(list(frames)) * self.scale

    def fit(self, videos: Sequence[TrainingVideo]) -> _Fitted:
        subjects = sorted({v.subject for v in videos})
        RecordingLearner.fits.append(subjects)
        return _Fitted(subjects, self.shift)


LEARNER = SpotterMeta(name="recording-learner", version=1, description="for tests",
                      citation="tests/test_learned_spotter.py")


class LearnerPlugin:
    @hookimpl
    def merbench_register_spotters(self, registry: Any) -> None:
        registry.add(LEARNER, lambda shift=0, scale=1: RecordingLearner(int(shift),
                                                                         int(scale)))


@pytest.fixture
def learner_plugins() -> Any:
    RecordingLearner.fits, RecordingLearner.spotted = [], []
    RecordingLearner.feature_calls = 0
    RecordingLearner.stop_on, RecordingLearner.outside = None, False
    return load_plugins(extra=[("recording-learner", LearnerPlugin())])


def _run(plugins: Any, out: Path, options: dict[str, Any] | None = None,
         **tune: list[float]) -> SpottingRun:
    return SpottingRun(SpotSpec("synthetic-long", "recording-learner",
                                dataset_options=options or SMALL_OPTIONS, tune=tune),
                       plugins, out)


def test_each_subject_is_spotted_by_a_fit_without_it(learner_plugins: Any,
                                                     tmp_path: Path) -> None:
    run = _run(learner_plugins, tmp_path / "run")
    results = run.execute()
    subjects = [f"{v.database}/{v.subject}" for v in results.videos]
    assert RecordingLearner.fits == [sorted(set(subjects) - {s}) for s in subjects]
    assert RecordingLearner.spotted == RecordingLearner.fits  # each video by its own fit
    assert [v.fitted for v in results.videos] == [[{"trained_on": 2}]] * 3
    assert validate_spotting(tmp_path / "run").dataset.n_videos == 3


def test_an_interrupted_learned_run_fits_only_the_subjects_left(learner_plugins: Any,
                                                                tmp_path: Path) -> None:
    RecordingLearner.stop_on = 1  # the second subject's video
    with pytest.raises(KeyboardInterrupt):
        _run(learner_plugins, tmp_path / "run").execute()
    assert len(list((tmp_path / "run" / "videos").glob("*.json"))) == 1
    RecordingLearner.fits, RecordingLearner.spotted, RecordingLearner.stop_on = [], [], None
    results = _run(learner_plugins, tmp_path / "run").execute()
    assert len(RecordingLearner.fits) == 2  # the first subject's fit is not made again
    assert "synthetic-long/sub01" in RecordingLearner.fits[0]
    # the kept video's fit is still recorded: it came back with the video's file
    assert [v.fitted for v in results.videos] == [[{"trained_on": 2}]] * 3


def test_the_contract_check_names_a_learner_whose_intervals_leave_the_video(
        learner_plugins: Any) -> None:
    check_spotter("recording-learner", learner_plugins)  # the well-behaved one passes
    broken = SpotterMeta(name="tunes-nothing-it-has", version=1, description="for tests",
                         citation="tests", tuned=(("no_such_option", (1.0,)),))
    learner_plugins.registries.spotters.add(broken, lambda shift=0: RecordingLearner(shift))
    with pytest.raises(AssertionError, match="building it with its tuned setting"):
        check_spotter("tunes-nothing-it-has", learner_plugins)
    RecordingLearner.outside = True
    with pytest.raises(AssertionError, match=r"lies outside frames 0\.\.149"):
        check_spotter("recording-learner", learner_plugins)


def test_pseudo_labels_are_the_windows_overlap_with_the_truth() -> None:
    passed = PassFeatures("micro", lag=2, first=2, values=np.zeros((16, 4)))
    truth = (Expression(FrameInterval(10, 14), "micro"),
             Expression(FrameInterval(3, 30), "macro"))  # another type: no label
    labels = pseudo_labels(passed, truth)
    # frame t = 2 + n; window [t - 2, t + 2] (5 frames) against [10, 14] (5 frames)
    assert labels[10] == 1.0  # t = 12: the same five frames
    assert labels[9] == pytest.approx(4 / 6)  # t = 11: [9, 13], 4 shared of 6
    assert labels[4] == 0.0 and labels[13] == pytest.approx(2 / 8)  # t = 15: [13, 17]


def test_one_training_subject_leaves_the_threshold_unchosen_and_says_so() -> None:
    spotter = FlowScoreSpotter(FlowScoreOptions())
    video = np.zeros((3, 64, 64), dtype=np.uint8)
    only = TrainingVideo(spotter.features(video, 30.0), 30.0, (), "db/only")
    fitted = spotter.fit([only])
    assert "one training subject" in fitted.fitted["chosen"]
    assert fitted.spot_features(only.features, 30.0) == ()


def test_flow_score_spots_synthetic_long_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "spots"
    code, stdout, err = run_cli("spot", "--spotter", "flow-score", "--dataset",
                                "synthetic-long", *SMALL, "--out", out, "--quiet")
    assert code == 0, err
    assert "fitted on the other subjects: synthetic-long/sub01 threshold=" in stdout
    assert "chosen=best pooled F1 (all)" in stdout
    # its one setting, no option tuned: it said "1 setting of no tuned option" (issue 85)
    assert "3 subjects, 1 setting (no option tuned)" in stdout, stdout
    results = validate_spotting(out)
    assert results.spotter.name == "flow-score" and results.variants == [{}]
    assert results.policies["training-subjects"].scores.all.tp > 0


def test_show_says_what_each_fit_chose_as_spot_said_it(tmp_path: Path) -> None:
    """The threshold of each subject's fit, and how it was chosen (here the grid's middle:
    one training subject leaves nothing to choose on), is recorded, so the result says it
    once the terminal is gone."""
    out = tmp_path / "spots"
    code, spotted, err = run_cli("spot", "--spotter", "flow-score", "--dataset",
                                 "synthetic-long", "--dataset-opt", "subjects=2",
                                 *SMALL[2:], "--out", out)
    assert code == 0, err
    line = next(x for x in spotted.splitlines() if "fitted on the other subjects" in x)
    assert "synthetic-long/sub01 threshold=" in line and "the middle of the grid" in line
    code, shown, err = run_cli("show", out)
    assert code == 0, err
    assert line in shown.splitlines()
    videos = json.loads((out / "spotting.json").read_text())["videos"]
    assert all("the middle of the grid" in v["fitted"][0]["chosen"] for v in videos)
    assert validate_spotting(out).videos[0].fitted == videos[0]["fitted"]


def test_validate_checks_each_videos_fits(learner_plugins: Any, tmp_path: Path) -> None:
    """One fit a setting, the same for every video of a subject, and the video's own file's."""
    _run(learner_plugins, tmp_path / "run", {**SMALL_OPTIONS, "videos_per_subject": 2}
         ).execute()
    path = tmp_path / "run" / "spotting.json"
    kept = json.loads(path.read_text())
    for index, fitted, words in ((0, [{"trained_on": 2}] * 2, "holds 2 settings' fits, not 1"),
                                 (1, [{"trained_on": 9}], "not its subject's first video's")):
        data = json.loads(json.dumps(kept))
        data["videos"][index]["fitted"] = fitted
        path.write_text(json.dumps(data))
        with pytest.raises(ResultRejected, match=words):
            validate_spotting(tmp_path / "run")
    data = json.loads(json.dumps(kept))
    for video in data["videos"][:2]:  # both of the first subject's, its video files not
        video["fitted"] = [{"trained_on": 9}]
    path.write_text(json.dumps(data))
    with pytest.raises(ResultRejected, match=r"is not video 0 of spotting\.json"):
        validate_spotting(tmp_path / "run")


def test_settings_share_features_only_where_their_feature_params_agree(
        learner_plugins: Any, tmp_path: Path) -> None:
    """A tuned option that shapes only the intervals reuses the features; one that shapes
    the features gets its own, so its settings really differ."""
    results = _run(learner_plugins, tmp_path / "shift", shift=[0.0, 3.0]).execute()
    assert RecordingLearner.feature_calls == 3  # one a video, shared by both settings
    first, second = results.videos[0].spotted
    assert second[0].onset == first[0].onset + 3
    RecordingLearner.feature_calls = 0
    results = _run(learner_plugins, tmp_path / "scale", scale=[1.0, 2.0]).execute()
    assert RecordingLearner.feature_calls == 6  # one a video and setting
    first, second = results.videos[0].spotted
    assert first[0].onset != second[0].onset  # 160 % 7 = 6 against 320 % 7 = 5


def test_a_kept_subject_is_not_reused_after_another_subjects_truth_changed(
        learner_plugins: Any, tmp_path: Path) -> None:
    """Its intervals came from a fit on the others' data: a run whose training data changed
    is another run, refused, not silently mixed."""
    RecordingLearner.stop_on = 1
    with pytest.raises(KeyboardInterrupt):
        _run(learner_plugins, tmp_path / "run").execute()
    RecordingLearner.stop_on = None
    long_videos = learner_plugins.registries.long_videos.get("synthetic-long")
    digests = {training_digest(long_videos.create("long-video dataset", **options).videos)
               for options in (SMALL_OPTIONS, {**SMALL_OPTIONS, "seed": 1})}
    assert len(digests) == 2  # other planted expressions, another digest
    marker = tmp_path / "run" / "spot-run.json"
    identity = json.loads(marker.read_text())
    assert len(identity["training_data"]) == 16
    # as if a sheet of the database had been corrected since: the same options, other truth
    marker.write_text(json.dumps({**identity, "training_data": "0" * 16}))
    with pytest.raises(MerbenchError, match=r"another configuration \(training_data"):
        _run(learner_plugins, tmp_path / "run").execute()
