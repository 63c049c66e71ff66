"""`merbench extract` and `merbench run` on a per-sample feature: parallel, cached, resumable,
and one clear line for every mistake."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from flow_frames import frames_dataset, textured_pair

import merbench
from merbench.meta import DatasetMeta


class _FramesPlugin:
    """Datasets of synthetic onset/apex frames: 6 good samples in 3 subjects, and one with a
    broken apex frame."""

    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        def good(n: int = 6):
            pairs = [textured_pair(seed=i, shift=1.0 + i % 3) for i in range(n)]
            return frames_dataset([p[0] for p in pairs], [p[1] for p in pairs],
                                  subjects=[f"s{i % 3}" for i in range(n)])

        def broken():
            pairs = [textured_pair(seed=i) for i in range(3)]
            apexes = [pairs[0][1], pairs[1][1][:60], pairs[2][1]]
            return frames_dataset([p[0] for p in pairs], apexes, name="broken")

        for name, factory in (("frames", good), ("broken-frames", broken)):
            registry.add(DatasetMeta(name=name, version=1, description="d", citation="c",
                                     provides=("onset_frame", "apex_frame")),
                         factory)


@pytest.fixture
def frames_cli(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import merbench.cli as cli_module

    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("frames", _FramesPlugin())]))
    return cli


def test_extract_computes_in_parallel_then_reads_the_cache(frames_cli, tmp_path: Path) -> None:
    args = ("extract", "-d", "frames", "-f", "tvl1-uvos", "--feature-opt", "face=frame",
            "--feature-opt", "method=farneback", "-q")
    code, out, err = frames_cli(*args, "--workers", "2")
    assert code == 0, err
    assert "6 samples, 0 read from the cache, 6 computed (2 workers" in out
    entries = list((tmp_path / "cache" / "features" / "tvl1-uvos").glob("*/*.npz"))
    assert len(entries) == 6
    entries[0].write_bytes(entries[0].read_bytes()[:100])  # damage one entry
    code, out, err = frames_cli(*args, "--workers", "1")
    assert code == 0, err
    assert "5 read from the cache, 1 computed" in out and "1 damaged" in out
    code, out, err = frames_cli("cache", "info")
    assert "tvl1-uvos" in out and "6" in out


@pytest.mark.parametrize(("args", "expected"), [
    (("-d", "frames", "-f", "flow-uvos"), "needs flow_uvos from the dataset"),
    (("-d", "synthetic", "-f", "flow-uvos"), "has no cache entries of its own"),
    (("-d", "frames", "-f", "tvl1-uvos", "--workers", "0"), "--workers must be at least 1"),
    (("-d", "frames", "-f", "tvl1-uvos", "--feature-opt", "method=lk"), "method must be one"),
    (("-d", "frames", "-f", "tvl1-uvos", "--feature-opt", "speed=2"), "has no option 'speed'"),
    (("-d", "frames", "-f", "tvl1-uvos", "--data-root", "/x"), "reads no files"),
    (("-d", "broken-frames", "-f", "tvl1-uvos", "--feature-opt", "face=frame",
      "--workers", "2"), "frames of sample broken_01 differ in size"),
])
def test_extract_mistakes_are_one_line(frames_cli, args, expected) -> None:
    code, _out, err = frames_cli("extract", *args, "-q")
    assert code == 2
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_run_extracts_through_the_cache(frames_cli, tmp_path: Path) -> None:
    """A release-trained model (ststnet takes flow-uvos) runs on tvl1-uvos via --feature;
    the second run reads every sample from the cache."""
    args = ("run", "-m", "ststnet", "-d", "frames", "--feature", "tvl1-uvos", "--epochs", "1",
            "--feature-opt", "face=frame", "--feature-opt", "method=farneback", "-q",
            "--workers", "1")
    code, out, err = frames_cli(*args, "-o", tmp_path / "a")
    assert code == 0, err
    stored = json.loads((tmp_path / "a" / "results.json").read_text())
    assert stored["feature"]["name"] == "tvl1-uvos"
    assert stored["feature"]["report"]["extraction"]["n_computed"] == 6
    assert "6 computed" in out
    code, out, err = frames_cli(*args, "-o", tmp_path / "b")
    assert code == 0, err
    again = json.loads((tmp_path / "b" / "results.json").read_text())
    assert again["feature"]["report"]["extraction"]["n_from_cache"] == 6
    assert again["metrics"] == stored["metrics"]
    code, out, err = frames_cli("run", "-m", "ststnet", "-d", "frames", "--feature",
                                "landmarks", "-q", "-o", tmp_path / "c")
    assert code == 2 and "per-sample shape 68x2" in err and err.count("\n") == 1


def test_parallel_and_sequential_extraction_agree(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from merbench_features.plugin import TVL1_UVOS
    from merbench_features.tvl1_uvos import build_tvl1_uvos

    from merbench.features.extraction import extract_samples

    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    pairs = [textured_pair(seed=i) for i in range(4)]
    dataset = frames_dataset([p[0] for p in pairs], [p[1] for p in pairs])
    feature = build_tvl1_uvos(face="frame")
    one = extract_samples(TVL1_UVOS, feature, dataset, workers=1, use_cache=False)
    two = extract_samples(TVL1_UVOS, feature, dataset, workers=2)
    np.testing.assert_array_equal(one.values, two.values)


def test_an_interrupted_extraction_says_what_the_cache_keeps(frames_cli, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Ctrl-C during ``extract`` ends as during ``export`` (one ending, the reporter's): 130
    and the line that says the finished samples are in the cache."""
    from merbench.cli.progress import ProgressReporter

    def stop(self: object, label: str, done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(ProgressReporter, "extraction_progress", stop)
    code, _, err = frames_cli("extract", "-d", "frames", "-f", "tvl1-uvos", "--feature-opt",
                              "face=frame", "--feature-opt", "method=farneback", "-q",
                              "--workers", "1")
    assert code == 130 and err.strip() == ("merbench: interrupted — every sample finished so "
                                           "far is in the cache; run the same command again "
                                           "to compute only the rest"), err


@pytest.mark.parametrize(("value", "said"), [
    ("/tmp/" + "a" * 300, "has a folder name of 300 bytes, more than the 255 a name may have; "
                          "set it to a folder that can exist"),
    ("cfile", "MERBENCH_CACHE_DIR=cfile is a file, not a folder; set it to a folder"),
    ("cfile/sub", "MERBENCH_CACHE_DIR=cfile/sub cannot be made: cfile is a file, not a folder"),
    (" ", "MERBENCH_CACHE_DIR=' ' is blank; set it to a folder, or unset it"),
], ids=["long-name", "file", "under-a-file", "blank"])
def test_a_cache_variable_no_folder_can_be_is_refused_naming_it(
        frames_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str,
        said: str) -> None:
    """Pass 84g G8: a 300-byte name was told as a cache file's ("give its real path"), a
    regular file as "Not a directory; set MERBENCH_CACHE_DIR" (set already), and ' ' made a
    folder named ' ' in the current folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfile").write_text("mine")
    monkeypatch.setenv("MERBENCH_CACHE_DIR", value)
    code, _, err = frames_cli("extract", "-d", "frames", "-f", "tvl1-uvos", "--feature-opt",
                                "face=frame", "--feature-opt", "method=farneback", "-q")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("merbench: error: MERBENCH_CACHE_DIR=") and said in err, err
    assert "real path" not in err and "set MERBENCH_CACHE_DIR" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfile"]
    assert (tmp_path / "cfile").read_text() == "mine"
