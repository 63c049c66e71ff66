"""``merbench predict``: a video of one's own in (a file, a frame folder, or a long-video
dataset's video), intervals with emotions and confidences out, recognised by a run's recipe
trained on every subject, whose weights a later call reuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cli

from merbench.plugin_system.manager import default_plugins
from merbench.spotting.frame_sources import KEEP, VideoFileFrames
from merbench.training import torch_trainer

VIDEO = ["-d", "synthetic-long", "--video", "synthetic-long/sub01/v1"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished STSTNet run on the embedded synthetic dataset (2 epochs)."""
    out = tmp_path_factory.mktemp("predict") / "run"
    code, _, err = run_cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs",
                           "2", "--out", out, "--quiet")
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def predicted(run: Path) -> tuple[Path, str]:
    out = run.parent / "predicted"
    code, stdout, err = run_cli("predict", *VIDEO, "--from-run", run, "--out", out)
    assert code == 0, err
    assert "epochs of the recogniser: 2/2" in err and "frames read: 300/300" in err
    return out, stdout


def test_intervals_come_back_with_emotions_and_confidences(predicted: tuple[Path, str]
                                                           ) -> None:
    out, stdout = predicted
    found = json.loads((out / "predictions.json").read_text())
    assert found["kind"] == "predictions" and found["video"]["fps"] == 30.0
    recogniser = found["recogniser"]
    assert recogniser["model"] == "ststnet" and recogniser["n_subjects"] == 6
    assert recogniser["trained_feature"] == "flow-uvos"
    assert recogniser["feature"] == "tvl1-uvos"  # computed from the video's frames
    classes = recogniser["classes"]
    assert found["intervals"], "flow-peak finds the planted expressions"
    for interval in found["intervals"]:
        assert interval["onset"] <= interval["apex"] <= interval["offset"]
        probabilities = interval["probabilities"]
        assert list(probabilities) == classes
        assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-3)
        assert interval["emotion"] == max(probabilities, key=probabilities.get)
        assert interval["confidence"] == max(probabilities.values())
        assert interval["onset_s"] == pytest.approx(interval["onset"] / 30.0, abs=1e-4)
    assert f"{len(found['intervals'])} interval(s) found by flow-peak" in stdout
    assert "recognised by ststnet trained on all 6 subjects" in stdout
    # how far to trust it (issue 70): the run's own estimate, its reduced setting, and the
    # input it reads here that is not the one it trained on
    text = " ".join(stdout.split())
    assert "its estimate (loso on synthetic, selection fixed): UF1 0." in text
    assert "a REDUCED setting (epochs 2 (recipe 800)): not the published model" in text
    assert "trained on flow-uvos but reads tvl1-uvos computed from this video" in text
    # first of them (issue 85): a run on generated data says nothing about a real face
    assert "recognised by ststnet trained on all 6 subjects (60 samples, 2 epochs) with the " \
        f"recipe of {found['recogniser']['run']}, reading tvl1-uvos of each interval's first " \
        "and middle frames trained on synthetic, which is generated (no recorded face in " \
        "it): a recogniser trained on it checks the pipeline and tells nothing about a real " \
        "face; train the run on a real database for that its estimate" in text, text
    # the generated video's ground truth: at least one planted expression is found
    video = next(v for v in default_plugins().registries.long_videos.get("synthetic-long")
                 .create("long-video dataset").videos if v.key_text == VIDEO[-1])
    hits = [i for i in found["intervals"] for t in video.truth
            if min(i["offset"], t.interval.offset) - max(i["onset"], t.interval.onset) >= 0]
    assert hits


def test_the_recogniser_learns_every_subject_and_is_reused(run: Path, tmp_path: Path,
                                                          monkeypatch: Any) -> None:
    seen: list[int] = []

    original = torch_trainer.train_model

    def recording(build: Any, recipe: Any, x: np.ndarray, y: np.ndarray, **kw: Any) -> Any:
        seen.append(len(y))
        return original(build, recipe, x, y, **kw)

    monkeypatch.setattr(torch_trainer, "train_model", recording)
    out = tmp_path / "p"
    assert run_cli("predict", *VIDEO, "--from-run", run, "--out", out, "--quiet")[0] == 0
    results = json.loads((run / "results.json").read_text())
    assert seen == [results["dataset"]["n_samples"]]  # every sample, no subject left out
    first = json.loads((out / "predictions.json").read_text())["intervals"]
    code, _, err = run_cli("predict", *VIDEO, "--from-run", run, "--out", out)
    assert code == 0 and "epochs of the recogniser" not in err and seen == seen[:1]
    assert json.loads((out / "predictions.json").read_text())["intervals"] == first
    (out / "recogniser.pt").write_bytes(b"not a state dict")  # damaged since
    code, _, err = run_cli("predict", *VIDEO, "--from-run", run, "--out", out)
    assert code == 0 and "epochs of the recogniser: 2/2" in err, err  # trained again
    assert json.loads((out / "predictions.json").read_text())["intervals"] == first
    assert not list(out.glob("*.partial"))
    # weights swapped for others of the same shape (another run's) are not loaded under
    # this run's name: recogniser.json binds them by their digest, and they are trained
    # again (issue 69)
    record = json.loads((out / "recogniser.json").read_text())
    assert len(record["weights_sha256"]) == 64
    import torch

    state = torch.load(out / "recogniser.pt", weights_only=True)
    torch.save({k: v + 1 if v.is_floating_point() else v for k, v in state.items()},
               out / "recogniser.pt")
    code, _, err = run_cli("predict", *VIDEO, "--from-run", run, "--out", out)
    assert code == 0 and "epochs of the recogniser: 2/2" in err, err
    assert json.loads((out / "predictions.json").read_text())["intervals"] == first


def test_another_runs_predict_keeps_off_a_folder_with_a_recogniser(
        run: Path, predicted: tuple[Path, str]) -> None:
    """Another run's predict trained over the recogniser kept in --out (a GPU's minutes for
    some models) and replaced its predictions, and a spot-only one replaced the predictions,
    without a word; refused as another video is."""
    out = predicted[0]
    other = run.parent / "other-run"
    if not other.exists():  # another run: another identity (a copy is the same run)
        shutil.copytree(run, other)
        record = json.loads((other / "run.json").read_text())
        record["identity"]["seed"] += 1
        (other / "run.json").write_text(json.dumps(record))
    kept = {name: (out / name).read_bytes() for name in
            ("predictions.json", "recogniser.json", "recogniser.pt")}
    for given in (["--from-run", other], []):
        code, stdout, err = run_cli("predict", *VIDEO, *given, "--out", out)
        assert code == 2 and not stdout, stdout
        assert err.strip() == f"merbench: error: --out {out} holds the predictions and " \
            f"recogniser of run {run}; give each run a folder of its own", err
    assert kept == {name: (out / name).read_bytes() for name in kept}


@pytest.mark.parametrize("how", ["link", "moved"])
def test_the_same_run_elsewhere_goes_on_with_its_recogniser(
        run: Path, predicted: tuple[Path, str], tmp_path: Path, how: str) -> None:
    """The run the recogniser came from, reached through a link or after its project
    folder moved, is the same run by its recorded identity: its recogniser is loaded, not
    refused as another run's."""
    out = tmp_path / "p"
    shutil.copytree(predicted[0], out)
    if how == "link":  # a link on the way: a run folder that is itself a link is refused
        (tmp_path / "project").symlink_to(run.parent, target_is_directory=True)
        same = tmp_path / "project" / run.name
    else:
        same = tmp_path / "run"
        shutil.copytree(run, same)
    code, _, err = run_cli("predict", *VIDEO, "--from-run", same, "--out", out)
    assert code == 0, err
    assert "epochs of the recogniser" not in err, err  # loaded, not trained again


def test_other_spotter_options_keep_off_a_folder_of_predictions(tmp_path: Path) -> None:
    out = tmp_path / "p"
    assert run_cli("predict", *VIDEO, "--out", out, "--quiet")[0] == 0
    before = (out / "predictions.json").read_bytes()
    code, stdout, err = run_cli("predict", *VIDEO, *SHORT_PASSES, "--out", out)
    assert code == 2 and not stdout, stdout
    assert err.strip() == f"merbench: error: --out {out} holds the predictions of spotter " \
        "flow-peak with its default options; give each spotter and its options a folder of " \
        "their own", err
    assert (out / "predictions.json").read_bytes() == before
    code, _, err = run_cli("predict", *VIDEO, "--out", out, "--quiet")  # the same: goes on
    assert code == 0, err


#: flow-peak's passes at k = 4 frames at 200 fps, which a 9-frame video is long enough for
SHORT_PASSES = ("--spotter-opt", "micro_k_seconds=0.02", "--spotter-opt",
                "macro_k_seconds=0.02")


def test_the_casme2_sequence_is_read_as_an_aligned_face(real_data: Path, tmp_path: Path
                                                        ) -> None:
    """Ten CASME II frames (50 ms at 200 fps): shorter than any expression, so nothing is
    found, and the run says so rather than failing. flow-peak's passes are made short
    enough (k of 4 frames) to score frames of so short a video, which it refuses otherwise
    (:data:`SHORT_PASSES`)."""
    out = tmp_path / "p"
    code, stdout, err = run_cli("predict", real_data / "samples" / "casme2_sequence", "--fps",
                                "200", *SHORT_PASSES, "--out", out)
    assert code == 0, err
    found = json.loads((out / "predictions.json").read_text())
    assert found["video"]["face_crop"] is True and found["video"]["last_frame"] == 10
    assert found["intervals"] == [] and found["recogniser"] is None
    assert "0 interval(s) found by flow-peak" in stdout


def test_a_video_with_no_interval_trains_no_recogniser(real_data: Path, run: Path,
                                                       tmp_path: Path) -> None:
    """A video in which nothing is found trained the run's recogniser anyway, then said
    "recognised by" (issue 70): now the run is checked, nothing is trained, and it says so."""
    out = tmp_path / "p"
    code, stdout, err = run_cli("predict", real_data / "samples" / "casme2_sequence", "--fps",
                                "200", *SHORT_PASSES, "--from-run", run, "--out", out)
    assert code == 0, err
    assert "no interval to recognise, so no recogniser was trained" in stdout
    assert "recognised by" not in stdout and "epochs of the recogniser" not in err
    assert not (out / "recogniser.pt").exists()
    assert json.loads((out / "predictions.json").read_text())["recogniser"] is None


def test_a_video_file_is_decoded_in_order_and_predicted(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "clip.avi"
    video = next(iter(default_plugins().registries.long_videos.get("synthetic-long")
                      .create("long-video dataset").videos))
    frames = video.read(0, 119)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 64))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    source = VideoFileFrames(path)
    assert source.fps == 30.0 and list(source.numbers) == list(range(120))
    whole = source.read(0, 119)
    # chunks that overlap, then a read back to the start: the same frames as one read
    parts = np.concatenate([source.read(0, 49), source.read(49, 99)[1:], source.read(100, 119)])
    assert np.array_equal(parts, whole) and np.array_equal(source.read(0, 9), whole[:10])
    assert len(source._kept) <= KEEP  # a chunk's end for the overlap, not the chunk
    assert np.abs(whole.astype(int) - frames.astype(int)).mean() < 3  # MJPG is lossy
    code, stdout, err = run_cli("predict", path, "--no-face-crop", "--out", tmp_path / "p")
    assert code == 0, err
    assert "clip: frames 0..119 at 30 fps" in stdout
    # issue 69, case 20: --fps replaced the file's own rate unsaid, and a second video into
    # the same --out replaced the first's predictions.json
    code, stdout, err = run_cli("predict", path, "--no-face-crop", "--fps", "200",
                                *SHORT_PASSES, "--out", tmp_path / "p200")
    assert code == 0 and "clip: frames 0..119 at 200 fps" in stdout, err
    assert f"warning: 200 fps replaces the 30 fps the video '{path}' declares" in err
    other = tmp_path / "other.avi"
    other.write_bytes(path.read_bytes())
    before = (tmp_path / "p" / "predictions.json").read_bytes()
    code, stdout, err = run_cli("predict", other, "--no-face-crop", "--out", tmp_path / "p")
    assert code == 2 and not stdout, stdout
    assert f"--out {tmp_path / 'p'} holds the predictions of another video ({path})" in err
    assert (tmp_path / "p" / "predictions.json").read_bytes() == before


def test_a_file_ffmpeg_cannot_read_is_one_line_and_nothing_else(tmp_path: Path) -> None:
    """FFmpeg, inside OpenCV, printed its own diagnosis ("moov atom not found") on the
    terminal before merbench's refusal: a process of its own, as only its stderr shows it."""
    import subprocess
    import sys

    broken = tmp_path / "clip.mp4"
    broken.write_bytes(b"not a video at all")
    done = subprocess.run([sys.executable, "-m", "merbench", "predict", str(broken),
                           "--out", str(tmp_path / "p")], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"merbench: error: OpenCV cannot open the video '{broken}'; give a video file it "
        "decodes (.mp4, .avi) or a folder of frames"]


@pytest.mark.parametrize(("args", "message"), [
    (["FOLDER"], "a folder of frames has no frame rate; give --fps"),
    (["MISSING", "--fps", "30"], "no video file or frame folder at"),
    (["FOLDER", "-d", "synthetic-long"], "give a video (PATH: a file or a folder of frames) "
                                         "or --dataset NAME, not both"),
    (["-d", "synthetic-long"], "has 6 videos; name one with --video"),
    (["-d", "synthetic-long", "--video", "x/y/z"], "has no video 'x/y/z'"),
    (["-d", "synthetic-long", "--fps", "30"], "--fps and --no-face-crop are for PATH"),
    (["-d", "synthetic-long", "--video", "synthetic-long/sub01/v1", "--spotter", "flow-score"],
     "learns from labelled videos"),
])
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "img001.jpg").write_bytes(b"")
    given = [str(folder) if a == "FOLDER" else str(tmp_path / "missing") if a == "MISSING"
             else a for a in args]
    code, _, err = run_cli("predict", *given, "--out", tmp_path / "p")
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    assert not (tmp_path / "p" / "predictions.json").exists()


def test_spot_refuses_a_video_without_ground_truth(tmp_path: Path) -> None:
    (tmp_path / "videos").mkdir()  # the out beside, not inside, what the spot reads
    code, _, err = run_cli("spot", "--spotter", "flow-peak", "-d", "video", "--dataset-opt",
                           f"path={tmp_path / 'videos'}", "--out", tmp_path / "s")
    assert code == 2 and "has no ground truth to score a spotter against" in err
    assert "merbench predict" in err


def test_from_run_takes_the_runs_results_json_too(run: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("predict", *VIDEO, "--from-run", run / "results.json", "--out",
                             tmp_path / "p", "--quiet")
    assert code == 0 and "recognised by ststnet" in out, err



def test_the_run_named_for_predicts_output_is_found_from_anywhere(
        run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--from-run`` typed relative: the run each command names as the fix for predict's
    output (and the predictions' own record) is the absolute folder, which works when
    followed from another working folder; the text as typed named a folder not there."""
    monkeypatch.chdir(run.parent)
    code, _, err = run_cli("predict", *VIDEO, "--from-run", run.name, "--out",
                           tmp_path / "p", "--quiet")
    assert code == 0, err
    found = json.loads((tmp_path / "p" / "predictions.json").read_text())
    assert found["recogniser"]["run"] == str(run)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("status", tmp_path / "p")
    assert code != 0 and err.rstrip().endswith(f"(predict's --from-run): {run}"), err
    code, out, err = run_cli("status", str(run))  # the fix followed
    assert code == 0 and "complete" in out, out + err


def test_only_a_generated_datasets_run_is_said_to_tell_nothing_of_a_real_face(run: Path
                                                                             ) -> None:
    """What decides the line: the dataset's registered ``generated`` flag (synthetic has
    it, the composite release and the raw databases do not)."""
    import dataclasses

    from merbench.cli.predict_command import _generated
    from merbench.results.schema import read_results

    plugins = default_plugins()
    results = read_results(run / "results.json")
    assert _generated(results, plugins)
    for name in ("composite", "casme2", "not-installed"):
        other = dataclasses.replace(results, dataset=dataclasses.replace(results.dataset,
                                                                         name=name))
        assert not _generated(other, plugins), name


def test_a_long_recipe_prints_its_first_and_last_epoch_not_every_one(tmp_path: Path) -> None:
    """The recogniser of the 800-epoch recipe printed 800 lines, one per epoch (issue 85): its
    progress now follows ``merbench run``'s rule for a log, the first and last report of each
    stage always and the others at most one per PLAIN_EVERY_S (30 s; these epochs take ms)."""
    code, _, err = run_cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs",
                           "6", "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    code, _, err = run_cli("predict", *VIDEO, "--from-run", tmp_path / "run", "--out",
                           tmp_path / "p")
    assert code == 0, err
    assert err.splitlines() == ["frames read: 300/300", "epochs of the recogniser: 1/6",
                                "epochs of the recogniser: 6/6"], err


def test_progress_says_a_line_at_most_every_plain_every_s(monkeypatch: Any, capsys: Any
                                                           ) -> None:
    """Between the first and last report, one line once PLAIN_EVERY_S has passed."""
    from merbench.cli import predict_command
    from merbench.cli.progress import PLAIN_EVERY_S

    clock = iter([0.0, 1.0, PLAIN_EVERY_S + 0.5, PLAIN_EVERY_S + 1.0, PLAIN_EVERY_S + 2.0])
    monkeypatch.setattr(predict_command.time, "perf_counter", lambda: next(clock))
    progress = predict_command.PlainProgress()
    for done in range(1, 6):
        progress("training", done, 5)
    assert capsys.readouterr().err.splitlines() == [
        "epochs of the recogniser: 1/5", "epochs of the recogniser: 3/5",
        "epochs of the recogniser: 5/5"]
