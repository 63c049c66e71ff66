"""Bad input to the newer commands, refused in one line before any work (issue 69, cases 3 to 6).

On 36986b2 each of these either spotted every video before failing with a traceback, was
accepted silently, or named the wrong thing. Each is refused now, before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import TINY_SPOT

SPOT = ("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long", "--quiet")


@pytest.mark.parametrize(("extra", "message"), [
    (("--tune", "p=0.1,0.1"), "lists 0.1 twice"),
    (("--tune", "p=0.1,,0.2"), "has an empty value between commas"),
    (("--epochs", "3"), "--epochs is an option of --recognise MODEL, which is not given"),
    (("--epochs", "0"), "--epochs is an option of --recognise MODEL, which is not given"),
    (("--recognise-feature", "tvl1-uvos"), "--recognise-feature is an option of --recognise"),
    (("--model-opt", "dim=3"), "--model-opt is an option of --recognise"),
    (("--recognise", "ststnet", "--epochs", "0"), "trains at least one epoch"),
    (("--recognise", "ststnet", "--epochs", "-1"), "trains at least one epoch"),
    (("--recognise", "ststnet", "--epochs", "1000000000"), "--epochs must be at most 100,000"),
    (("--recognise", "ststnet", "--model-opt", "bogus=1"), "has no option 'bogus'"),
])
def test_spot_refuses_before_spotting(cli, tmp_path: Path, extra: tuple[str, ...],
                                      message: str) -> None:
    code, _, err = cli(*SPOT, "--out", tmp_path / "spots", *extra)
    assert code == 2 and message in err, err
    assert "Traceback" not in err and not (tmp_path / "spots").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_spot_refuses_a_cuda_recogniser_without_cuda_before_spotting(cli, tmp_path: Path) -> None:
    code, _, err = cli(*SPOT, "--out", tmp_path / "spots", "--recognise", "ststnet",
                       "--device", "cuda")
    assert code == 2 and "torch sees no CUDA GPU here" in err
    assert not (tmp_path / "spots").exists()


@pytest.mark.parametrize("setting", ["device", "data_root", "checkpoint_every", "workers",
                                     "threads", "parallel_folds", "features", "eager"])
def test_a_tuning_space_over_a_run_setting_is_one_line(cli, tmp_path: Path,
                                                       setting: str) -> None:
    space = tmp_path / "space.toml"
    space.write_text(f'model = "ststnet"\ndataset = "synthetic"\n[space]\n'
                     f'{setting} = {{choices = [1, 2]}}\n')
    code, _, err = cli("tune", space, "--out", tmp_path / "t")
    assert code == 2 and f"[space] {setting}: says where or how a run goes" in err, err
    assert "Traceback" not in err and not (tmp_path / "t").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--fps", "1e12"), "is no frame rate a face video has"),
    (("--fps", "1e9"), "is no frame rate a face video has"),
    (("--fps", "0"), "is no frame rate a face video has"),
    (("--fps", "1e-300"), "give frames per second from 1 to 10,000"),
])
def test_predict_refuses_a_frame_rate_no_video_has(cli, tmp_path: Path,
                                                   args: tuple[str, ...], message: str) -> None:
    code, _, err = cli("predict", tmp_path, *args, "--out", tmp_path / "p")
    assert code == 2 and message in err, err
    assert not (tmp_path / "p").exists()


def test_predict_with_a_video_key_but_no_dataset_says_what_is_missing(cli,
                                                                       tmp_path: Path) -> None:
    code, _, err = cli("predict", "--video", "x", "--out", tmp_path / "p")
    assert code == 2 and "--dataset NAME with --video KEY" in err and "not both" not in err


def test_tune_into_another_searchs_folder_says_nothing_before_refusing(cli,
                                                                       tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text('model = "ststnet"\ndataset = "synthetic"\n[space]\n'
                     'lr = {choices = [0.1]}\n')
    other = tmp_path / "other"
    other.mkdir()
    (other / "tuning.json").write_text('{"mode": "nested", "spec": {"model": "rcn"}}')
    code, out, err = cli("tune", space, "--out", other)
    assert code == 2 and "holds another search" in err and out == "", (out, err)


def test_an_unknown_model_is_refused_before_the_data_is_read(cli, tmp_path: Path) -> None:
    code, out, err = cli("run", "--model", "nosuch", "--dataset", "synthetic", "--out",
                         tmp_path / "r")
    assert code == 2 and "unknown model 'nosuch'" in err
    assert "reading the data" not in out + err and not (tmp_path / "r").exists()


def test_a_repeated_spot_reads_back_without_saying_it_spotted(cli, tmp_path: Path,
                                                              examples: dict[str, Path]) -> None:
    import shutil

    shutil.copytree(examples["spotting run"], tmp_path / "s")  # spotted by TINY_SPOT
    code, out, err = cli("spot", *[a for a in TINY_SPOT if a != "--quiet"], "--out",
                         tmp_path / "s")
    assert code == 0 and "spotted 1/" not in out + err
    assert f"2 videos read back from {tmp_path / 's'}" in out


OWN_FOLDER = {  # the command line before --out, for the commands whose folder is theirs
    "spot": SPOT,
    "predict": ("predict", "-d", "synthetic-long", "--video", "synthetic-long/sub01/v1"),
}


@pytest.mark.parametrize("command", sorted(OWN_FOLDER))
@pytest.mark.parametrize(("given", "message"), [
    ("", "an empty path names nothing"),
    (".", "names the current folder"),
    ("mine", "holds thesis.tex, which {command} does not write"),
    ("mine/thesis.tex", "is a file; choose a directory"),
])
def test_an_out_folder_that_is_not_the_commands_own_is_refused(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, given: str,
        message: str) -> None:
    """spot wrote beside a user's own files (issue 69), predict anywhere (the adversarial
    pass): both refuse before anything is read, and nothing is written."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("my own work")
    code, _, err = cli(*OWN_FOLDER[command], "--out", given)
    assert code == 2 and message.format(command=command) in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mine", "thesis.tex"]


def test_a_model_option_that_breaks_the_first_step_is_one_line_and_keeps_nothing(
        cli, tmp_path: Path) -> None:
    # offapexnet's image_size=32 sizes its first linear layer for inputs its 28x28 feature
    # is not (ststnet's padding=-5, the example before, is now refused up front)
    code, _, err = cli("run", "--model", "offapexnet", "--dataset", "synthetic", "--epochs",
                       "1", "--threads", "1", "--model-opt", "image_size=32", "--out",
                       tmp_path / "r", "--quiet")
    said = " ".join(err.split())
    assert code == 2 and "failed its first training step, before any fold finished" in said
    assert "(image_size=32) are the likely cause" in said and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # no run.json of a run that never trained


def test_a_tuning_space_value_that_breaks_the_first_step_is_one_line(cli,
                                                                     tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    # offapexnet's image_size=32 fails on its 28x28 input: every searched corner is run on a
    # batch of its input's shape before the tuning's folder is made, so the space is refused
    # naming its key, not at the first trial's training step
    space.write_text('model = "offapexnet"\ndataset = "synthetic"\n[options]\nepochs = 1\n'
                     '[space]\n"model_options.image_size" = {choices = [32, 28]}\n'
                     '[search]\nsampler = "grid"\n')
    code, _, err = cli("tune", space, "--out", tmp_path / "t", "--threads", "1", "--quiet")
    assert code == 2 and "space.toml: [space] model_options.image_size" in err, err
    assert "narrow the space" in err and "Traceback" not in err
    assert not (tmp_path / "t").exists()


def test_predict_from_an_au_run_says_it_is_one(cli, tmp_path: Path) -> None:
    au = Path(__file__).resolve().parents[1] / "leaderboards" / "results" / \
        "ststnet-composite-loso-au" / "seed-0"
    code, _, err = cli("predict", "-d", "synthetic-long", "--video", "synthetic-long/sub01/v1",
                       "--from-run", au, "--out", tmp_path / "p")
    assert code == 2 and "is an action-unit run; predict recognises emotions" in err, err
    assert "no results.json here" not in err
    for other, kind in ((au.parents[1] / "ststnet-composite-loso", "a summary over seeds"),
                        (tmp_path / "missing", None)):
        code, _, err = cli("predict", "-d", "synthetic-long", "--video",
                           "synthetic-long/sub01/v1", "--from-run", other, "--out",
                           tmp_path / "p")
        said = f"is {kind}; predict" if kind else "no such file or folder"
        assert code == 2 and said in err and "no results.json here" not in err, err


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_validate_names_a_tune_json_that_is_no_file(cli, tmp_path: Path, kind: str) -> None:
    import os

    tuning = tmp_path / "tuning"
    tuning.mkdir()
    if kind == "folder":
        (tuning / "tune.json").mkdir()
    else:
        os.mkfifo(tuning / "tune.json")
    code, _, err = cli("validate", tuning)
    assert code == 2 and f"tune.json is a {kind}" in err, err
    assert "holds none of" not in err


def test_predict_refuses_an_out_that_is_a_file(cli, tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("my own")
    code, _, err = cli("predict", "-d", "synthetic-long", "--video", "synthetic-long/sub01/v1",
                       "--out", tmp_path / "mine.txt")
    assert code == 2 and "is a file; choose a directory" in err and "FileExistsError" not in err
    assert (tmp_path / "mine.txt").read_text() == "my own"


# -- found by the adversarial pass of 2026-11-26 over the fixes above -------------------------

def test_a_device_nothing_would_use_is_refused(cli, tmp_path: Path) -> None:
    code, _, err = cli(*SPOT, "--out", tmp_path / "s", "--device", "cuda")
    assert code == 2 and "--device is an option of --recognise MODEL" in err, err
    code, _, err = cli("predict", "-d", "synthetic-long", "--video", "synthetic-long/sub01/v1",
                       "--device", "cuda", "--out", tmp_path / "p")
    assert code == 2 and "--device is for the recogniser of --from-run RUN" in err, err
    assert not (tmp_path / "s").exists() and not (tmp_path / "p").exists()


@pytest.mark.parametrize("root", ["missing", "file"])
def test_a_data_root_nothing_would_read_is_refused(cli, tmp_path: Path, root: str) -> None:
    """Pass 84n, N7: ``predict PATH --data-root DIR`` without --from-run took any DIR, even
    a missing one or a file, and read nothing of it."""
    import cv2

    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(30):
        cv2.imwrite(str(frames / f"{i:03d}.png"), np.full((64, 64, 3), i * 8, np.uint8))
    (tmp_path / "file").write_text("")
    code, _, err = cli("predict", frames, "--fps", "30", "--no-face-crop", "--data-root",
                       tmp_path / root, "--out", tmp_path / "p")
    assert code == 2 and err == (
        "merbench: error: --data-root locates the files of --dataset NAME or of the run of "
        "--from-run RUN, and PATH is read as it is; leave --data-root out\n"), err
    assert not (tmp_path / "p").exists()


def test_a_data_root_a_long_video_dataset_would_not_read_is_refused(cli, tmp_path: Path) -> None:
    """Pass 84n, N7: as with PATH, a --data-root that a dataset reading no files would not
    read was taken without a word where no --from-run reads it either."""
    code, _, err = cli("predict", "-d", "synthetic-long", "--video", "synthetic-long/sub01/v1",
                       "--data-root", tmp_path / "missing", "--out", tmp_path / "p")
    assert code == 2 and err == ("merbench: error: long-video dataset 'synthetic-long' reads "
                                 "no files; leave out --data-root\n"), err
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("option", ["padding=abc", "dropout=2"])
def test_a_model_its_options_cannot_build_leaves_no_run_folder(cli, tmp_path: Path,
                                                               option: str) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--threads", "1", "--model-opt", option, "--out", tmp_path / "r",
                       "--quiet")
    assert code == 2 and "Traceback" not in err, err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", ["run", "tune"])
def test_run_and_tune_refuse_the_current_folder_as_out(cli, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       command: str) -> None:
    monkeypatch.chdir(tmp_path)
    args = (["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1"]
            if command == "run" else
            ["tune", str(Path(__file__).resolve().parents[1] / "examples" /
                         "tune-synthetic.toml")])
    for given, said in (("", "an empty path names nothing"),
                        (".", "--out names the current folder")):
        code, _, err = cli(*args, "--out", given)
        assert code == 2 and said in err, err
        assert list(tmp_path.iterdir()) == []


def test_a_tuned_option_with_no_value_says_so(cli, tmp_path: Path) -> None:
    code, _, err = cli(*SPOT, "--out", tmp_path / "s", "--tune", "p=")
    assert code == 2 and "--tune p=: it gives no value" in err, err


@pytest.mark.parametrize(("option", "message"), [
    ("frames=1000000000", "frames=1000000000 is more than 108,000"),
    ("subjects=100000", "subjects=100000 is more than 1,000"),
    ("videos_per_subject=5000", "videos_per_subject=5000 is more than 1,000"),
])
def test_a_generated_video_too_long_to_spot_is_refused_at_once(cli, tmp_path: Path,
                                                                option: str,
                                                                message: str) -> None:
    """``--dataset-opt frames=1e9`` spotted nothing and grew by 10 MB/s for minutes (issue
    69, case 2): refused before any frame is made, nothing written."""
    code, _, err = cli(*SPOT, "--dataset-opt", option, "--out", tmp_path / "spots")
    assert code == 2 and message in err, err
    assert "Traceback" not in err and not (tmp_path / "spots").exists()


def _listed(n: int) -> str:
    return ", ".join(str(i) for i in range(1, n + 1))


def _tuning_file(tmp_path: Path, body: str) -> Path:
    space = tmp_path / "space.toml"
    space.write_text(f'model = "ststnet"\ndataset = "synthetic"\n{body}\n')
    return space


@pytest.mark.parametrize(("body", "message"), [
    # a grid of 5,000 with trials left out blamed 'trials' (issue 69, case 6)
    ("[search]\nsampler = \"grid\"\n[space]\nbatch_size = {choices = [" + _listed(5000) + "]}",
     "[search] sampler: \"grid\" lists 5,000 configurations of [space], more than the "
     "1,000 trials a search runs"),
    ("[space]\nbatch_size = {choices = [" + _listed(100_001) + "]}",
     "choices lists 100,001 values, more than a search visits (100,000)"),
    # the values tune has no flags for, said in the file's words, before the header
    ("[space]\nbatch_size = {choices = [0, 8]}",
     "[space] batch_size: the choice 0: batch_size must be at least 1 (got 0); fix it in "
     "the tuning file"),
    ("[space]\nepochs = {choices = [0, 2]}",
     "[space] epochs: the choice 0: epochs must be at least 1"),
    ("[space]\nlr = {low = -1.0, high = 0.1}",
     "[space] lr: the low end -1.0: lr must be a positive number"),
    ("[options]\nepochs = 0\n[space]\nlr = {low = 0.001, high = 0.1}",
     "[options] epochs: the value 0: epochs must be at least 1"),
    ("[space]\ndata_order = {choices = [\"x\"]}",
     '[space] data_order: the choice "x": unknown data_order = "x"'),
])
def test_a_tuning_file_is_refused_from_the_file_alone(cli, tmp_path: Path, body: str,
                                                      message: str) -> None:
    code, out, err = cli("tune", _tuning_file(tmp_path, body), "--out", tmp_path / "t")
    assert code == 2 and message in err, err
    assert "--" not in err.split(": ", 2)[-1].split(";")[0]  # no flag tune does not have
    assert out == "" and not (tmp_path / "t").exists()


def test_a_tuning_file_of_megabytes_is_refused_unread(cli, tmp_path: Path) -> None:
    """600,000 grid choices in 10 MB gave no output for minutes (issue 69, case 2)."""
    values = ", ".join(str(i) for i in range(1, 600_001))
    space = _tuning_file(tmp_path, f"[space]\nbatch_size = {{choices = [{values}]}}")
    code, out, err = cli("tune", space, "--out", tmp_path / "t")
    assert code == 2 and "more than the 1,048,576 any tuning file needs; give the right " \
        "file" in err, err
    assert out == "" and not (tmp_path / "t").exists()


def test_a_spotter_option_refused_by_its_factory_reads_as_a_sentence(cli, tmp_path: Path) -> None:
    """A flow-score option its factory refuses said "ValueError: ..." (issue 69, case 6)."""
    code, _, err = cli("spot", "--spotter", "flow-score", "--dataset", "synthetic-long",
                       "--spotter-opt", "bogus=1", "--out", tmp_path / "s")
    # flow-score's options are its signature's: merbench names them, as any factory's
    assert code == 2 and "spotter 'flow-score' has no option 'bogus'; its options are: " in err
    assert "Error:" not in err.removeprefix("merbench: error:") and err.count("\n") == 1


@pytest.mark.parametrize("kind", ["fifo", "device", "broken link"])
def test_predict_names_a_path_that_is_no_video_for_what_it_is(cli, tmp_path: Path,
                                                               kind: str) -> None:
    """A fifo given to predict was "no video file or frame folder" (issue 69, case 6)."""
    import os

    path = tmp_path / "input"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/null")
    else:
        path.symlink_to(tmp_path / "gone")
    code, _, err = cli("predict", path, "--out", tmp_path / "p")
    what = {"fifo": "a fifo", "device": "a character device",
            "broken link": "a broken symbolic link"}
    assert code == 2 and f"is {what[kind]}, not a video file or a frame folder" in err, err
    assert not (tmp_path / "p").exists()


def test_compare_of_an_au_run_and_a_damaged_one_names_the_damaged_folder(cli,
                                                                          tmp_path: Path) -> None:
    """Two AU folders, one without its au-results.json, were told "an AU run is compared
    only with AU runs" (issue 69, case 6)."""
    import shutil

    committed = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
    shutil.copytree(committed / "ststnet-composite-loso-au" / "seed-0", tmp_path / "a")
    shutil.copytree(committed / "rcn-composite-loso-au" / "seed-0", tmp_path / "b")
    (tmp_path / "b" / "au-results.json").unlink()
    code, _, err = cli("compare", tmp_path / "a", tmp_path / "b")
    assert code == 2 and f"{tmp_path / 'b'} is an action-unit run not finished yet" in err, err


def test_a_model_option_too_large_for_memory_names_the_option(tmp_path: Path) -> None:
    """``--model-opt padding=100000`` asks for 200 GB: the message blamed the batch size and
    said the finished folds were kept in a folder it had removed (issue 69)."""
    import resource
    import subprocess
    import sys

    def limited() -> None:  # whatever the machine's overcommit policy, the ask fails
        resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
        import signal
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    done = subprocess.run(
        [sys.executable, "-m", "merbench", "run", "--model", "ststnet", "--dataset",
         "synthetic", "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
         "--model-opt", "padding=100000",
         "--epochs", "1", "--quiet", "--out", str(tmp_path / "r")],
        capture_output=True, text=True, preexec_fn=limited, timeout=300)
    assert done.returncode == 2, done.stderr
    # one line whose fix is the option (pass 84aa, AA8), not a smaller --batch-size
    assert "cannot be built with padding=100000: it would need more memory than this " \
        "machine has; give a smaller padding" in done.stderr, done.stderr
    assert "nothing was kept" in done.stderr and "--batch-size" not in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "r").exists()


@pytest.mark.parametrize("swap", ["record to /dev/zero", "record fifo", "video fifo",
                                  "videos link", "record a list"])
def test_a_spotting_folder_holding_no_file_of_its_own_is_refused_unread(
        cli, tmp_path: Path, swap: str, examples: dict[str, Path]) -> None:
    """A ``spot-run.json`` linked to /dev/zero filled 24 GB of memory, and a fifo in its
    place or in ``videos/`` hung the command (issue 69's second adversarial pass)."""
    import os
    import shutil

    first = Path(shutil.copytree(examples["spotting run"], tmp_path / "first"))  # TINY_SPOT
    again = Path(shutil.copytree(first, tmp_path / "again"))
    (again / "spotting.json").unlink()
    record, video = again / "spot-run.json", again / "videos" / "0001.json"
    if swap == "record to /dev/zero":
        record.unlink()
        record.symlink_to("/dev/zero")
    elif swap == "record fifo":
        record.unlink()
        os.mkfifo(record)
    elif swap == "video fifo":
        video.unlink()
        os.mkfifo(video)
    elif swap == "videos link":
        shutil.rmtree(again / "videos")
        (again / "videos").symlink_to(first / "videos")
    else:
        record.write_text("[]")
    code, _, err = cli("spot", *TINY_SPOT, "--out", again)
    said = {"record to /dev/zero": "spot-run.json is a symbolic link",
            "record fifo": "spot-run.json is a fifo", "video fifo": "0001.json: is a fifo",
            "videos link": "videos is a symbolic link",
            "record a list": "is not a spotting run's record"}[swap]
    assert code == 2 and said in err and err.count("\n") == 1, err
    assert not (again / "spotting.json").exists()


def test_dataset_options_in_a_tuning_files_options_table_is_one_line(cli, tmp_path: Path
                                                                     ) -> None:
    """``[options] dataset_options = {}`` printed the header, then a 27-line TypeError
    (issue 69's second adversarial pass)."""
    space = _tuning_file(tmp_path, "[options]\ndataset_options = {}\n[space]\n"
                                   "lr = {choices = [0.01]}")
    code, out, err = cli("tune", space, "--out", tmp_path / "t")
    assert code == 2 and "[options] dataset_options: the tuning file's own key" in err
    assert out == "" and "Traceback" not in err and not (tmp_path / "t").exists()


@pytest.mark.parametrize(("body", "said"), [
    ('model = "nope"\ndataset = "synthetic"', "unknown model 'nope'"),
    ('model = "ststnet"\ndataset = "synthetic"\nprotocol = "bogus"', "unknown protocol 'bogus'"),
])
def test_tune_names_an_unknown_name_before_its_header(cli, tmp_path: Path, body: str,
                                                      said: str) -> None:
    space = tmp_path / "space.toml"
    space.write_text(f"{body}\n[space]\nlr = {{choices = [0.01]}}\n")
    code, out, err = cli("tune", space, "--out", tmp_path / "t")
    assert code == 2 and said in err and out == "" and not (tmp_path / "t").exists()


def test_a_spotter_that_fails_on_the_first_video_leaves_no_folder(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--spotter-opt micro_k_seconds=1e308`` passed the checks and failed on the first
    video, leaving a spot-run.json that then refused the default run into the same folder
    as "another configuration" (issue 69's second adversarial pass). That option is now
    refused up front (tests/test_refusals_xii.py), so the spotter fails as it did, in its
    conversion of seconds to frames, by a patch."""
    from merbench_spotters.flow_peak import FlowPeakSpotter

    def overflows(self: object, fps: float) -> list[int]:
        raise OverflowError("cannot convert float infinity to integer")

    small = ("--dataset-opt", "subjects=2", "--dataset-opt", "videos_per_subject=1")
    out = tmp_path / "spots"
    with monkeypatch.context() as patched:
        patched.setattr(FlowPeakSpotter, "lags", overflows)
        code, _, err = cli(*SPOT, *small, "--out", out)
    assert code == 2 and "failed on video synthetic-long/sub01/v1" in err, err
    assert not out.exists()
    code, _, err = cli(*SPOT, *small, "--out", out)
    assert code == 0, err


@pytest.mark.parametrize("args", [
    ("validate", ""), ("status", ""), ("audit", ""), ("compare", "", "x"),
    ("leaderboard", "build", "--results", "", "--out", "site"),
    ("predict", "", "--out", "p"), ("predict", "-d", "synthetic-long", "--video",
                                    "synthetic-long/sub01/v1", "--from-run", "", "--out", "p"),
    ("tune", "", "--out", "t"), ("migrate", ""),
    # a run's own path options, through its spec's fields, and leaderboard diff's folders
    # (the fifth pass: each was read as '.')
    ("run", "-m", "ststnet", "-d", "synthetic", "--out", ""),
    ("run", "-m", "ststnet", "-d", "synthetic", "--data-root", "", "--out", "r"),
    ("run", "-m", "ststnet", "-d", "synthetic", "--features", "", "--out", "r"),
    ("run", "-m", "ststnet", "-d", "synthetic", "--weights", "", "--out", "r"),
    ("extract", "-d", "synthetic", "-f", "lbptop", "--data-root", ""),
    ("leaderboard", "diff", "", "new"), ("leaderboard", "diff", "old", "")])
def test_an_empty_path_is_refused_by_every_command(cli, args: tuple[str, ...],
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``Path("")`` is ``.``: ``merbench validate ""`` walked the current folder (issue 69's
    second pass), and status, audit, compare, predict, ``--from-run`` and ``build --results``
    still did (its third). One type reads every path the command line takes."""
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*args)
    assert code == 2 and "an empty path names nothing" in err and out == "", err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    (*SPOT, "--dataset-opt", "frames=300", "--dataset-opt", "frames=400"),
    (*SPOT, "--spotter-opt", "min_motion=0.1", "--spotter-opt", "min_motion=0.2"),
    ("run", "-m", "ststnet", "-d", "synthetic", "--model-opt", "dim=3", "--model-opt", "dim=4"),
])
def test_an_option_key_given_twice_is_refused(cli, tmp_path: Path, args: tuple[str, ...]
                                              ) -> None:
    """``--dataset-opt frames=300 --dataset-opt frames=400`` recorded frames=400 silently
    (issue 69's second adversarial pass); a repeated ``--tune`` was already refused."""
    code, _, err = cli(*args, "--out", tmp_path / "o")
    assert code == 2 and "twice; give each key once" in err and not (tmp_path / "o").exists()


def test_compare_needs_two_distinct_runs(cli) -> None:
    """``compare RUN`` printed an empty differences section, ``compare X X`` a difference of
    0 (issue 69's second adversarial pass)."""
    run = Path(__file__).resolve().parents[1] / "leaderboards" / "results" / \
        "lbp-apex-svm-composite-loso"
    code, out, err = cli("compare", run)
    assert code == 2 and "compare takes two runs or more" in err and out == ""
    code, out, err = cli("compare", run, run)
    assert code == 2 and "is given twice" in err and out == ""
