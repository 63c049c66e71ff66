"""``merbench spot``: a spotter over long videos, settings chosen on training subjects,
results that ``validate`` recomputes, a run that survives an interruption.

The spotter of most tests is a stub registered in-process (its intervals are a function of
the video and its threshold), so the tests say what the run does with any spotter; one end
to end test runs the real ``flow-peak`` on a small ``synthetic-long``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from merbench.api import FrameInterval, Spotted, SpotterMeta, hookimpl
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import load_plugins
from merbench.results.codec import from_json
from merbench.results.run_files import ResultRejected
from merbench.runner.spot import SpotSpec, SpottingRun
from merbench.spotting.choice import (
    ORACLE,
    TRAINING_SUBJECTS,
    choose,
    summarise,
    truth_fingerprint,
)
from merbench.spotting.record import IntervalRecord, SpottedVideo, SpottingResults
from merbench.spotting_kind.check import validate_spotting

SMALL = ["--dataset-opt", "subjects=3", "--dataset-opt", "videos_per_subject=1",
         "--dataset-opt", "frames=160", "--dataset-opt", "blinks_per_video=0"]
SMALL_OPTIONS = {"subjects": 3, "videos_per_subject": 1, "frames": 160, "blinks_per_video": 0}


class EchoSpotter:
    """Spots each ground-truth-free video at fixed places: one micro interval per ``step``
    frames, shifted by ``shift``; counts the videos it saw and can stop on one."""

    seen: ClassVar[list[int]] = []
    stop_at: ClassVar[int | None] = None

    def __init__(self, shift: int = 0, step: int = 40) -> None:
        self.shift, self.step = shift, step

    @property
    def params(self) -> dict[str, Any]:
        return {"shift": self.shift, "step": self.step}

    def spot(self, frames: Iterable[np.ndarray], fps: float) -> tuple[Spotted, ...]:
        n = len(list(frames))
        EchoSpotter.seen.append(n)
        if EchoSpotter.stop_at is not None and len(EchoSpotter.seen) == EchoSpotter.stop_at:
            raise KeyboardInterrupt
        return tuple(Spotted(FrameInterval(start + self.shift, start + self.shift + 9),
                             "micro")
                     for start in range(5, n - 20, self.step))


ECHO = SpotterMeta(name="echo", version=1, description="fixed intervals, for tests",
                   citation="tests/test_spot_command.py", tuned=(("shift", (0.0, 3.0)),))


class EchoPlugin:
    @hookimpl
    def merbench_register_spotters(self, registry: Any) -> None:
        registry.add(ECHO, lambda shift=0, step=40: EchoSpotter(int(shift), int(step)))


@pytest.fixture
def echo_plugins() -> Any:
    EchoSpotter.seen, EchoSpotter.stop_at = [], None
    return load_plugins(extra=[("echo-spotter", EchoPlugin())])


def _echo_run(plugins: Any, out: Path, **tune: list[float]) -> SpottingRun:
    return SpottingRun(SpotSpec("synthetic-long", "echo", dataset_options=SMALL_OPTIONS,
                                tune=tune), plugins, out)


def test_flow_peak_end_to_end_writes_what_validate_recomputes(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "spots"
    code, stdout, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                            *SMALL, "--tune", "p=0.2,0.4", "--out", out, "--quiet")
    assert code == 0, err
    assert "training-subjects: each subject's setting chosen" in stdout
    assert "oracle:" in stdout and "TEST-SET SELECTION" in stdout
    results = validate_spotting(out)
    assert results.variants == [{"p": 0.2}, {"p": 0.4}]
    assert [v.subject for v in results.videos] == ["sub01", "sub02", "sub03"]
    assert all(len(v.spotted) == 2 for v in results.videos)
    assert results.policies[TRAINING_SUBJECTS].scores.all.tp > 0  # it finds planted ones
    code, stdout, _ = cli("validate", out)
    assert code == 0 and "spotter flow-peak v1 on synthetic-long, 3 videos" in stdout


def test_a_changed_number_or_interval_is_rejected(echo_plugins: Any, tmp_path: Path) -> None:
    _echo_run(echo_plugins, tmp_path / "run").execute()
    file = tmp_path / "run" / "spotting.json"
    good = json.loads(file.read_text())
    assert isinstance(validate_spotting(tmp_path / "run"), SpottingResults)
    changed = json.loads(json.dumps(good))
    changed["policies"]["training-subjects"]["scores"]["all"]["tp"] += 1
    file.write_text(json.dumps(changed))
    with pytest.raises(ResultRejected, match=r"policies\.training-subjects\.scores\.all\.tp"):
        validate_spotting(file)
    changed = json.loads(json.dumps(good))
    changed["videos"][0]["spotted"][1][0]["offset"] = 10**6
    file.write_text(json.dumps(changed))
    with pytest.raises(ResultRejected, match=r"videos\[0\].*outside the video's frames"):
        validate_spotting(file)
    changed = json.loads(json.dumps(good))
    changed["policies"]["oracle"]["chosen"]["synthetic-long/sub01"] = 1 - \
        good["policies"]["oracle"]["chosen"]["synthetic-long/sub01"]
    file.write_text(json.dumps(changed))
    with pytest.raises(ResultRejected, match="chosen"):
        validate_spotting(file)


def _video(subject: str, truth: list[tuple[int, int]], spotted: list[list[tuple[int, int]]]
           ) -> SpottedVideo:
    def records(pairs: list[tuple[int, int]]) -> list[IntervalRecord]:
        return [IntervalRecord(a, b, "micro") for a, b in pairs]

    return SpottedVideo("db", subject, "v", 30.0, 0, 999, records(truth),
                        [records(s) for s in spotted], 0.0)


def test_a_subjects_own_labels_never_choose_its_setting() -> None:
    """Poisoning a subject's ground truth can move the oracle's choice for it, and never
    the reported (training-subjects) one: the leakage test of spotting."""
    right, wrong = [(10, 19)], [(500, 509)]
    videos = [_video("a", right, [right, wrong]), _video("b", right, [right, wrong]),
              _video("c", right, [right, wrong])]
    clean = choose(videos, 2)
    assert clean[TRAINING_SUBJECTS] == clean[ORACLE] == {"db/a": 0, "db/b": 0, "db/c": 0}
    poisoned = [replace(videos[0], truth=[IntervalRecord(500, 509, "micro")]), *videos[1:]]
    after = choose(poisoned, 2)
    assert after[ORACLE]["db/a"] == 1  # its own labels would pick the other setting
    assert after[TRAINING_SUBJECTS]["db/a"] == 0  # and they are never read for it
    # while subject a's labels do count when b and c are chosen for
    assert summarise(poisoned, 2)[TRAINING_SUBJECTS].scores.all.tp == 2


def test_ties_go_to_the_first_setting_and_an_empty_pool_to_the_first() -> None:
    same = [(10, 19)]
    videos = [_video("a", same, [same, same]), _video("b", same, [same, same])]
    assert choose(videos, 2)[TRAINING_SUBJECTS] == {"db/a": 0, "db/b": 0}
    empty = [_video("a", [], [[], []]), _video("b", [], [[], []])]
    assert choose(empty, 2)[ORACLE] == {"db/a": 0, "db/b": 0}


def test_an_interrupted_run_keeps_its_videos_and_goes_on(echo_plugins: Any,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "run"
    EchoSpotter.stop_at = 4  # two settings a video: stops in the second video
    with pytest.raises(KeyboardInterrupt):
        _echo_run(echo_plugins, out).execute()
    assert sorted(p.name for p in (out / "videos").iterdir()) == ["0000.json"]
    EchoSpotter.seen, EchoSpotter.stop_at = [], None
    results = _echo_run(echo_plugins, out).execute()
    assert len(EchoSpotter.seen) == 4  # videos 1 and 2, each setting: video 0 was kept
    assert len(results.videos) == 3
    EchoSpotter.seen = []
    _echo_run(echo_plugins, out).execute()
    assert EchoSpotter.seen == []  # finished: nothing spotted again
    with pytest.raises(MerbenchError, match=r"another configuration .*variants"):
        _echo_run(echo_plugins, out, shift=[1.0]).execute()


def test_a_spotter_without_spot_variants_is_built_once_per_setting(echo_plugins: Any,
                                                                 tmp_path: Path) -> None:
    results = _echo_run(echo_plugins, tmp_path / "run").execute()
    first, shifted = results.videos[0].spotted
    assert [(i.onset + 3, i.offset + 3) for i in first] == [(i.onset, i.offset)
                                                           for i in shifted]


def test_bad_command_lines_are_one_line_each(cli: Any, tmp_path: Path) -> None:
    out = str(tmp_path / "x")
    cases = [
        (["--spotter-opt", "p=0.3"], "tunes 'p' on training subjects"),
        (["--tune", "p=a"], "--tune p=a: give NAME=V1,V2,... with finite numbers"),
        (["--tune", "p=2"], "p must be a number in [0, 1)"),
        (["--dataset-opt", "subjects=1"], "has one subject"),
    ]
    for extra, message in cases:
        code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                           "--out", out, *extra)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    code, _, err = cli("spot", "--spotter", "flow-peek", "--dataset", "synthetic-long",
                       "--out", out)
    assert code == 2 and "did you mean 'flow-peak'" in err
    assert not (tmp_path / "x").exists()  # nothing was started


def test_list_names_the_spotters_and_long_video_datasets(cli: Any) -> None:
    code, out, _ = cli("list", "spotters")
    assert code == 0 and "flow-peak" in out and "p: 0.05/0.1" in out
    # flow-score tunes nothing over a grid (it learns its threshold): said, not left blank
    assert "flow-score │ version 1 · tuned none" in out, out
    code, out, _ = cli("list", "long-videos")
    assert code == 0 and "synthetic-long" in out and "samm-long" in out


def test_validate_names_a_folder_with_no_result(tmp_path: Path, cli: Any) -> None:
    code, _, err = cli("validate", tmp_path)
    assert code == 2 and "spotting.json" in err, err


class _Backwards(EchoSpotter):
    """Breaks the contract the way a hurried plugin might: intervals last to first, and a
    frame rate of zero spotted without complaint."""

    def spot(self, frames: Iterable[np.ndarray], fps: float) -> tuple[Spotted, ...]:
        return tuple(reversed(super().spot(frames, 30.0)))


class BrokenPlugin:
    @hookimpl
    def merbench_register_spotters(self, registry: Any) -> None:
        registry.add(replace(ECHO, name="backwards"), lambda shift=0: _Backwards(int(shift)))


def test_the_contract_check_passes_flow_peak_and_names_what_a_spotter_breaks() -> None:
    from merbench.testing import contract_cases

    plugins = load_plugins(extra=[("broken-spotter", BrokenPlugin())])
    cases = {str(c): c for c in contract_cases(plugins, plugin="broken-spotter")}
    assert set(cases) == {"metadata-spotter-backwards", "spotter-backwards"}
    cases["metadata-spotter-backwards"].check()
    with pytest.raises(AssertionError, match=r"spotter 'backwards' .*in time order"):
        cases["spotter-backwards"].check()


def test_a_licensed_layout_is_spotted_in_its_own_frame_numbers(tmp_path: Path, cli: Any,
                                                                echo_plugins: Any) -> None:
    """SAMM Long Videos (a fixture tree with the V3 sheet's layout, frames numbered from 1,
    200 fps): the echo spotter's positions come back as the files' numbers, and flow-peak
    refuses the fixture's 8 x 6 frames in one line naming the video. The frames are read
    whole (``face_crop=false``): 8 x 6 pixels hold no face to align."""
    from test_long_videos import SAMM_ROWS, _samm_long

    root = _samm_long(tmp_path, SAMM_ROWS)
    whole = {"face_crop": False}
    SpottingRun(SpotSpec("samm-long", "echo", dataset_options=whole, data_root=str(root)),
                echo_plugins, tmp_path / "echo").execute()
    results = validate_spotting(tmp_path / "echo")
    assert [(v.name, v.fps, v.first_frame, v.last_frame) for v in results.videos] == [
        ("006_1", 200.0, 1, 300), ("007_3", 200.0, 1, 100)]
    assert (results.videos[0].truth[0].onset, results.videos[0].truth[0].offset) == (200, 260)
    first = results.videos[0].spotted[0][0]
    assert (first.onset, first.offset) == (6, 15)  # positions 5..14 are frames 6..15
    code, _, err = cli("spot", "--spotter", "flow-peak", "-d", "samm-long", "--data-root", root,
                       "--dataset-opt", "face_crop=false", "--tune", "p=0.3", "--out",
                       tmp_path / "flow", "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "refused video samm-long/006/006_1: the spotter takes frames of at least" in err


@pytest.mark.parametrize(("field", "change", "message"), [
    ("iou_threshold", 0.0, "iou_threshold is 0.0; merbench scores spotting with 0.5"),
    ("criterion", "micro", "criterion is 'micro'"),
    ("n_subjects", 99, "dataset.n_subjects is 99 but its videos give 3"),
    ("fingerprint", "0" * 16, "dataset.fingerprint is '0000000000000000'"),
    ("tuned", {"shift": [0.0]}, "variants are not every setting of spotter.tuned"),
    ("twice", None, "a video is stored twice"),
    ("truth", None, "dataset.fingerprint is"),
])
def test_validate_refuses_what_the_file_cannot_back(echo_plugins: Any, tmp_path: Path,
                                                   field: str, change: Any,
                                                   message: str) -> None:
    """Every field a page shows is checked against the videos, and the scoring rules are
    merbench's, not the file's: a forged threshold of 0 would match every pair."""
    _echo_run(echo_plugins, tmp_path / "run").execute()
    file = tmp_path / "run" / "spotting.json"
    data = json.loads(file.read_text())
    if field in ("iou_threshold", "criterion"):
        data[field] = change
    elif field == "tuned":
        data["spotter"]["tuned"] = change
    elif field == "twice":  # a video repeated, its count and fingerprint made to match
        data["videos"].append(data["videos"][0])
        data["dataset"]["n_videos"] = 4
        data["dataset"]["fingerprint"] = truth_fingerprint(
            [from_json(SpottedVideo, v) for v in data["videos"]])
    elif field == "truth":  # a hard ground-truth interval dropped
        data["videos"][0]["truth"] = data["videos"][0]["truth"][1:]
    else:
        data["dataset"][field] = change
    file.write_text(json.dumps(data))
    with pytest.raises(ResultRejected, match=re.escape(message)):
        validate_spotting(file)


def test_a_fifo_or_a_link_is_refused_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "spotting.json")
    with pytest.raises(ResultRejected, match=r"spotting\.json is a fifo"):
        validate_spotting(tmp_path)


def test_every_setting_is_checked_before_a_folder_is_claimed(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "x"
    code, _, err = cli("spot", "--spotter", "flow-peak", "-d", "synthetic-long", "--tune",
                       "p=0.1,2", "--out", out)
    assert code == 2 and "p must be a number in [0, 1), not 2" in err and not out.exists()
    code, _, err = cli("spot", "--spotter", "flow-peak", "-d", "synthetic-long", "--tune",
                       "p=0.1", "--tune", "p=0.2", "--out", out)
    assert code == 2 and "--tune p=... is given twice" in err and not out.exists()


def test_tuned_whole_numbers_stay_whole() -> None:
    from merbench.cli.plugin_commands import tuned_values

    assert tuned_values("grid=4,6") == ("grid", [4, 6])
    assert [type(v) for v in tuned_values("p=0.1,1")[1]] == [float, int]


def test_a_kept_video_whose_ground_truth_changed_is_spotted_again(echo_plugins: Any,
                                                                  tmp_path: Path) -> None:
    _echo_run(echo_plugins, tmp_path / "run").execute()
    kept = tmp_path / "run" / "videos" / "0001.json"
    data = json.loads(kept.read_text())
    data["video"]["truth"] = []  # as if the sheet had been corrected since
    kept.write_text(json.dumps(data))
    EchoSpotter.seen = []
    results = _echo_run(echo_plugins, tmp_path / "run").execute()
    assert len(EchoSpotter.seen) == 2  # that video, both settings; the others were kept
    assert results.videos[1].truth  # its truth as the dataset gives it now
