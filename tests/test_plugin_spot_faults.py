"""A spotter or long-video dataset plugin that misbehaves, met the way a user meets it (pass 84i
P4, P5).

A spotter that raised was said with Python's class name and no plugin; one returning None,
text or other items, a learner whose fit() returned None, and a long-video factory that
raised or returned None or a dict ended in tracebacks; a spotter's sys.exit(3) ended merbench
silently with status 3, its folder left for status to call "stopped; run it again"; fit()
failing was called a refusal of a video it never saw; a video listed twice was spotted into a
result validate refuses; frame positions from numpy were refused as ``np.int64(5)`` (pass
84j Q10). Each is now one line, status 2, blaming the plugin as a model's
faults do (Entry.fault), and what was spotted before is kept.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from merbench.plugin_system.manager import default_plugins

BAD = """
    import numpy as np
    from dataclasses import replace
    from merbench.api import (DatasetMeta, FrameInterval, LongVideoMeta, SpotterMeta,
                              Spotted, hookimpl)

    CALLS = [0]

    class Spot:
        mode = ""
        def __init__(self, threshold=4.0):
            self.threshold = threshold
        @property
        def params(self):
            return {"threshold": self.threshold}
        def spot(self, frames, fps):
            m = self.mode
            CALLS[0] += 1
            if m == "raise" or (m == "second" and CALLS[0] > 2):
                raise RuntimeError("spot exploded")
            if m == "none":
                return None
            if m == "str":
                return "abc"
            if m == "items":
                return (("x", 1),)
            if m == "exit":
                raise SystemExit(3)
            if m == "npint":  # frame positions from numpy, as a spotter computes them
                onset = np.argmax(np.arange(6))
                return (Spotted(FrameInterval(onset, onset + 5), "micro", np.int64(1)),)
            if m == "npfloat":
                return (Spotted(FrameInterval(np.float64(1.5), 2), "micro"),)
            return (Spotted(FrameInterval(1, 2), "micro"),)

    class Fitted:
        fitted = {"threshold": 1.0}
        def spot_features(self, features, fps):
            return ()

    class Learn(Spot):
        def features(self, frames, fps):
            return np.zeros(3)
        def fit(self, videos):
            if self.mode == "fitraise":
                raise KeyError("threshold")
            return None if self.mode == "fitnone" else Fitted()

    def make_long(mode):
        def build(subjects: int = 2, videos_per_subject: int = 1):
            from merbench_datasets.synthetic_long import make_synthetic_long
            if mode == "raise":
                raise RuntimeError("long exploded")
            if mode in ("none", "dict"):
                return None if mode == "none" else {"videos": []}
            s = make_synthetic_long(subjects=subjects, videos_per_subject=videos_per_subject)
            return replace(s, videos=(*s.videos, s.videos[0]))
        return build

    def raising_dataset(subjects: int = 2):
        raise RuntimeError("dataset exploded")

    @hookimpl
    def merbench_register_spotters(registry):
        def meta(name):
            return SpotterMeta(name=name, version=1, description="bad", citation="none",
                               tuned=(("threshold", (2.0, 4.0)),))
        for m in ("raise", "second", "none", "str", "items", "exit", "npint", "npfloat"):
            registry.add(meta("sp-" + m), type("S" + m, (Spot,), {"mode": m}))
        for m in ("fitraise", "fitnone"):
            registry.add(meta("ls-" + m), type("L" + m, (Learn,), {"mode": m}))

    @hookimpl
    def merbench_register_long_videos(registry):
        for m in ("raise", "none", "dict", "dupvid"):
            registry.add(LongVideoMeta(name="lv-" + m, version=1, description="bad",
                                       citation="none", license="MIT", fps=30.0),
                         make_long(m))

    @hookimpl
    def merbench_register_datasets(registry):
        registry.add(DatasetMeta(name="ds-raise", version=1, description="bad",
                                 citation="none: generated", provides=("flow_uvos",),
                                 generated=True), raising_dataset)
"""

BLAME = "of plugin 'bad' (package badplug 1.0)"
ADVICE = "; report it to the authors of badplug, or skip the plugin with --no-plugin bad"
SPOT = ("spot", "--quiet", "--dataset-opt", "subjects=2", "--dataset-opt", "videos_per_subject=1")
VIDEO = "synthetic-long/sub01/v1"


@pytest.fixture
def bad(make_dist: Callable[..., None], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    make_dist("badplug", "bad", "mb_badspot", BAD)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


def _refused(cli: Callable[..., tuple[int, str, str]], out: Path, *args: object) -> str:
    """The one line a refused command says, with status 2 and no traceback."""
    code, _, err = cli(*args, "--out", out)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (code, err)
    return lines[0].removeprefix("merbench: error: ")


@pytest.mark.parametrize(("spotter", "said"), [
    ("sp-raise", f"failed on video {VIDEO}: spot exploded; the videos before it are kept"),
    ("sp-none", f"returned None for video {VIDEO}, not a tuple of Spotted"),
    ("sp-str", f"returned text for video {VIDEO}, not a tuple of Spotted"),
    ("sp-items", f"returned a tuple among the intervals of video {VIDEO}, not a Spotted"),
    ("sp-exit", f"called sys.exit(3) on video {VIDEO}; the videos before it are kept"),
    ("sp-npfloat", f"failed on video {VIDEO}: an interval's onset must be a frame number "
                   "(int), not 1.5 (a numpy float64); the videos before it are kept"),
    ("ls-fitnone", "returned None from fit() on the videos of every subject but "
                   "synthetic-long/sub01, not a fitted spotter (one with fitted and "
                   "spot_features)"),
    ("ls-fitraise", "failed while fitting on the videos of every subject but "
                    "synthetic-long/sub01: 'threshold' is missing"),
])
def test_a_spotter_plugins_fault_blames_the_plugin(bad, cli, tmp_path: Path, spotter: str,
                                                   said: str) -> None:
    """Nothing was spotted, so nothing is left for status to offer to go on with."""
    out = tmp_path / spotter
    line = _refused(cli, out, *SPOT, "--spotter", spotter, "--dataset", "synthetic-long")
    assert line == f"spotter '{spotter}' {BLAME} {said}{ADVICE}"
    assert not out.exists()


def test_a_spotters_numpy_frame_positions_are_spotted(bad, cli, tmp_path: Path) -> None:
    """Pass 84j Q10: a frame position from ``np.argmax`` was refused as ``np.int64(5)``; it
    is a whole number, recorded as one, and the result validates."""
    out = tmp_path / "npint"
    code, _, err = cli(*SPOT, "--spotter", "sp-npint", "--dataset", "synthetic-long",
                       "--out", out)
    assert code == 0, err
    code, stdout, err = cli("validate", out)
    assert code == 0 and "ok" in stdout, err


def test_a_spotter_failing_later_keeps_the_videos_spotted(bad, cli, tmp_path: Path) -> None:
    """It fails on its third call: the first video's two settings are spotted and kept."""
    default_plugins()  # the plugin imported, its count of calls set to none
    sys.modules["mb_badspot"].CALLS[0] = 0
    out = tmp_path / "second"
    line = _refused(cli, out, *SPOT, "--spotter", "sp-second", "--dataset", "synthetic-long")
    assert line == (f"spotter 'sp-second' {BLAME} failed on video synthetic-long/sub02/v1: "
                    f"spot exploded; the videos before it are kept{ADVICE}")
    assert [p.name for p in (out / "videos").iterdir()] == ["0000.json"]


@pytest.mark.parametrize(("dataset", "said"), [
    ("lv-raise", "failed: long exploded"),
    ("lv-none", "returned None, not a LongVideoSet (videos, each a LongVideo)"),
    ("lv-dict", "returned a dict, not a LongVideoSet (videos, each a LongVideo)"),
])
def test_a_long_video_factorys_fault_blames_the_plugin(bad, cli, tmp_path: Path,
                                                       dataset: str, said: str) -> None:
    out = tmp_path / dataset
    line = _refused(cli, out, "spot", "--quiet", "--spotter", "flow-peak", "--dataset", dataset)
    assert line.startswith(f"long-video dataset '{dataset}' {BLAME}: its factory ")
    assert line.endswith(f" {said}{ADVICE}"), line
    assert not out.exists()


def test_a_video_listed_twice_is_refused_before_spotting(bad, cli, tmp_path: Path) -> None:
    """It was spotted twice into a spotting.json validate refuses, status saying complete;
    predict, which opens the dataset the same way, refuses it too."""
    said = f"long-video dataset 'lv-dupvid' {BLAME} lists video {VIDEO} twice{ADVICE}"
    out = tmp_path / "dup"
    assert _refused(cli, out, "spot", "--quiet", "--spotter", "flow-peak",
                    "--dataset", "lv-dupvid") == said
    assert not out.exists()
    assert _refused(cli, tmp_path / "p", "predict", "--quiet", "--spotter", "flow-peak",
                    "-d", "lv-dupvid", "--video", VIDEO) == said


def test_a_recognition_dataset_factory_raising_blames_the_plugin(bad, cli,
                                                                tmp_path: Path) -> None:
    line = _refused(cli, tmp_path / "ds", "run", "--quiet", "--epochs", "1", "--threads", "1",
                    "--model", "ststnet", "--dataset", "ds-raise")
    assert line.startswith(f"dataset 'ds-raise' {BLAME}: its factory ")
    assert line.endswith(f" failed: dataset exploded{ADVICE}"), line
