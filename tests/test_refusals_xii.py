"""What the adversarial pass after issue 84 found: option values nested a thousand deep
raised RecursionError (or were taken, and the run then refused its own run.json), a deep
``extract --save`` recursed in ``mkdir``, an ``.npz`` declaring a terabyte array reached
numpy's allocator, ``--dataset-opt fps=`` bypassed ``--fps``'s bounds, and model and spotter
options quoted a library's text. Each case runs the command a user runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import TINY_SPOT

DEFINITIONS = Path(__file__).resolve().parents[1] / "merbench" / "leaderboard" / "definitions"


def _one_line(code: int, err: str) -> str:
    assert code != 0, err
    assert "Traceback" not in err and "RecursionError" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("line", [
    ("run", "-m", "ststnet", "-d", "synthetic", "--model-opt"),
    ("run", "-m", "ststnet", "-d", "synthetic", "--dataset-opt"),
    ("run", "-m", "ststnet", "-d", "synthetic", "--protocol-opt"),
    ("run", "-m", "ststnet", "-d", "synthetic", "--feature-opt"),
    ("spot", "-d", "synthetic", "--spotter-opt"),
    ("predict", "-d", "synthetic-long", "--spotter-opt"),
    ("export", "-d", "synthetic", "--dataset-opt"),
    ("extract", "-d", "synthetic", "--feature", "flow-uvos", "--dataset-opt"),
])
@pytest.mark.parametrize("depth", [51, 120, 1000, 100_000])
def test_an_option_value_nested_too_deep_is_refused_up_front(
        line: tuple[str, ...], depth: int, cli, tmp_path: Path) -> None:
    code, _, err = cli(*line, f"key={_nested(depth)}", "--out", tmp_path / "out") \
        if line[0] in ("run",) else cli(*line, f"key={_nested(depth)}")
    said = _one_line(code, err)
    assert f"{line[-1]} 'key=[[[[[[[[[[[[...]]]]]]]] (" in said, said  # the value shortened
    assert "characters)': key's value nests lists or objects more than 50 levels deep" in said \
        and "give a flat value" in said, said
    assert not (tmp_path / "out").exists()


def test_an_option_value_within_the_limit_is_read_as_json(cli, tmp_path: Path) -> None:
    """Fifty levels pass the depth check and reach the model's own check of the value."""
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--model-opt",
                       f"dropout={_nested(50)}", "--out", tmp_path / "out", "--quiet")
    said = _one_line(code, err)
    assert "nests lists or objects" not in said and "nested deeper" not in said, said
    assert "dropout" in said, said


@pytest.mark.parametrize("depth", [60, 400, 5000])
def test_a_plan_nesting_model_options_too_deep_is_refused(depth: int, cli,
                                                          tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                    f'model_options = {{dropout = {_nested(depth)}}}\n')
    code, _, err = cli("sweep", plan)
    said = _one_line(code, err)
    assert (str(plan) in said and "levels" in said) or "thousands deep" in said, said
    assert "fix the file" in said, said


@pytest.mark.parametrize(("save", "said"), [
    ("/".join(["e"] * 2000) + "/x.npz", "folders deep, more than the 100 merbench makes"),
    ("/".join(["e"] * 150) + "/x.npz", "folders deep, more than the 100 merbench makes"),
    ("a" * 300 + ".npz", "has a name of 304 bytes, more than the 255 a file's name may have"),
])
def test_extract_save_is_checked_as_out_is(save: str, said: str, cli, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("extract", "-d", "synthetic", "--feature", "flow-uvos", "--save", save)
    line = _one_line(code, err)
    assert line.startswith("merbench: error: --save ") and said in line, line
    assert "give a shorter file, such as features.npz" in line, line
    assert not (tmp_path / "e").exists()


def _bomb(path: Path, shape: tuple[int, ...]) -> Path:
    """A few hundred bytes of ``.npz`` whose arrays' headers declare ``shape`` of float64."""
    import io
    import zipfile

    import numpy as np

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("values.npy", "sample_ids.npy", "header.npy"):
            archive.writestr(name, header.getvalue())
    return path


@pytest.mark.parametrize("shape", [(10**12,), (10**6, 10**6), (2**40, 2**40)])
def test_an_npz_declaring_a_huge_array_is_refused_before_it_is_loaded(
        shape: tuple[int, ...], cli, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.npz", shape)
    assert bomb.stat().st_size < 2000
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--features", bomb,
                       "--out", tmp_path / "out", "--quiet")
    line = _one_line(code, err)
    assert "MemoryError" not in line and "Unable to allocate" not in line, line
    assert f"{bomb} is not a readable features file (it declares arrays of " in line, line
    assert "bytes, more than the 17,179,869,184 any features file holds" in line, line
    assert "write it again with 'merbench extract --save FILE'" in line, line


@pytest.mark.parametrize("fps", ["0.01", "1e9", "-1", "0", "nan", "abc", "true", "[30]"])
def test_predict_dataset_opt_fps_has_the_bounds_of_fps(fps: str, cli, tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "img001.jpg").write_bytes(b"")
    code, _, err = cli("predict", "-d", "video", "--dataset-opt", f"path={frames}",
                       "--dataset-opt", f"fps={fps}", "--out", tmp_path / "p")
    line = _one_line(code, err)
    if fps == "nan":  # refused as typed by --dataset-opt itself, before the dataset's check
        assert "--dataset-opt fps=nan: the value is not a number (NaN)" in line, line
        return
    assert "is no frame rate a face video has; give frames per second from 1 to 10,000" \
        in line and line.startswith("merbench: error: fps="), line
    assert "declares no frame rate" not in line and "format code" not in line, line


def test_predict_dataset_opt_fps_within_the_bounds_is_taken(cli, tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "img001.jpg").write_bytes(b"")
    code, _, err = cli("predict", "-d", "video", "--dataset-opt", f"path={frames}",
                       "--dataset-opt", "fps=200", "--out", tmp_path / "p")
    line = _one_line(code, err)  # past the frame rate, to the (empty) frame itself
    assert "img001.jpg (frame 1) cannot be decoded as an image" in line, line


TINY = ["--quiet", "--epochs", "1", "--dataset-opt", "subjects=2", "--dataset-opt",
        "databases=1", "--dataset-opt", "samples_per_subject=3"]


@pytest.mark.parametrize(("option", "said"), [
    ("dropout=[1]", "model 'ststnet': dropout=[1] is a list; dropout takes a number "
                    "(default 0.5)"),
    ("dropout={}", "model 'ststnet': dropout={} is an object; dropout takes a number"),
    ("dropout=5", "model 'ststnet': dropout=5 is no dropout probability; give a number "
                  "from 0 to below 1 (default 0.5)"),
    ("dropout=-0.1", "dropout=-0.1 is no dropout probability"),
    ("image_size=100000", "model 'ststnet' cannot be built with image_size=100000: it would "
                          "need more memory than this machine has; give a smaller image_size"),
])
def test_a_model_option_out_of_range_is_said_in_words(option: str, said: str, cli,
                                                      tmp_path: Path) -> None:
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--model-opt", option,
                       *TINY, "--out", tmp_path / "out")
    line = _one_line(code, err)
    assert said in line, line
    assert "not supported between" not in line and "probability has to be" not in line, line


@pytest.mark.parametrize(("option", "said"), [
    ("micro_k_seconds=1e308", "micro_k_seconds must be a number in (0, 10], not 1e+308"),
    ("smooth_seconds=1e9", "smooth_seconds must be a number in [0, 10], not 1000000000.0"),
    ("macro_k_seconds=11", "macro_k_seconds must be a number in (0, 10], not 11"),
    ("micro_max_seconds=1e300", "micro_max_seconds must be a number in (0, 10]"),
])
def test_a_spotter_duration_beyond_ten_seconds_is_refused(option: str, said: str, cli,
                                                          tmp_path: Path) -> None:
    code, _, err = cli("spot", "-d", "synthetic-long", "--spotter", "flow-peak",
                       "--spotter-opt", option, "--out", tmp_path / "s", "--quiet")
    line = _one_line(code, err)
    assert said in line and "OverflowError" not in line and "MemoryError" not in line, line
    assert not (tmp_path / "s" / "spotting.json").exists()


def _with_bom(path: Path) -> bytes:
    """``path`` saved again with a UTF-8 byte-order mark, as some editors save; its bytes."""
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return path.read_bytes()


def test_a_run_json_with_a_byte_order_mark_is_resumed(examples: dict[str, Path], cli,
                                                      tmp_path: Path) -> None:
    """``run --resume`` read run.json by its own decoding: "not JSON at line 1, column 1".
    The run is made unfinished (its summary removed): a finished run's run.json saved again
    is no longer the file its results.json records, which going on refuses (pass 84ad, AD1)."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "run"))
    _with_bom(folder / "run.json")
    code, _, err = cli("run", "--resume", folder, "--quiet")
    assert code == 2 and "restore run.json from a copy of the run" in err, err
    (folder / "results.json").unlink()
    code, out, err = cli("run", "--resume", folder, "--quiet")
    assert code == 0, err
    code, out, err = cli("status", folder)
    assert code == 0 and ": complete" in out, out + err


@pytest.mark.parametrize("name", ["spot-run.json", "spotting.json", "videos/0000.json"])
def test_the_same_spot_command_reads_a_file_with_a_byte_order_mark(
        name: str, examples: dict[str, Path], cli, tmp_path: Path) -> None:
    """The spotting run's record was "cannot be read; delete the folder", a finished
    ``spotting.json`` and a spotted video's file were written again as damaged."""
    folder = Path(shutil.copytree(examples["spotting run"], tmp_path / "spots"))
    kept = _with_bom(folder / name)
    code, _, err = cli("spot", *TINY_SPOT, "--out", folder)
    assert code == 0, err
    assert (folder / name).read_bytes() == kept  # read, so kept as it was


def test_a_str_json_with_a_byte_order_mark_is_the_same_recognisers(
        examples: dict[str, Path], cli, tmp_path: Path) -> None:
    """``spot --recognise`` called it "the recognition of another recogniser"."""
    folder = Path(shutil.copytree(examples["spot-then-recognise summary over seeds"],
                                  tmp_path / "str"))
    kept = _with_bom(folder / "seed-0" / "str.json")
    code, _, err = cli("spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1",
                       "--seeds", "0,1", "--out", folder)
    assert code == 0, err
    assert (folder / "seed-0" / "str.json").read_bytes() == kept


def test_migrate_reads_files_with_a_byte_order_mark(examples: dict[str, Path], cli,
                                                    tmp_path: Path) -> None:
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "seeds"))
    for path in (folder / "seeds.json", folder / "seed-0" / "results.json",
                 folder / "seed-0" / "run.json"):
        _with_bom(path)
    code, out, err = cli("migrate", folder)
    # read, not refused; run.json saved again with a mark is the same identity, so migrate
    # records its new digest as it does for a file an interrupted migration rewrote (S11)
    assert code == 0 and "rewritten in the current layout" in out, out + err
    code, out, err = cli("validate", folder)
    assert code == 0, out + err


def test_a_benchmark_definition_with_a_byte_order_mark_is_read(cli, tmp_path: Path) -> None:
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    shutil.copy(DEFINITIONS / "composite-3class-lodo.json", definitions)
    _with_bom(definitions / "composite-3class-lodo.json")
    (tmp_path / "results").mkdir()
    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "results",
                         "--benchmarks", definitions, "--out", tmp_path / "site")
    assert code == 0 and "(1 benchmark, 0 runs" in out + err, out + err


def test_a_fifo_as_the_benchmarks_folder_is_said_to_be_one(cli, tmp_path: Path) -> None:
    """It was "no benchmark definitions at FIFO", as if nothing were there."""
    fifo = tmp_path / "definitions"
    os.mkfifo(fifo)
    (tmp_path / "results").mkdir()
    code, _, err = cli("leaderboard", "build", "--results", tmp_path / "results",
                       "--benchmarks", fifo, "--out", tmp_path / "site")
    line = _one_line(code, err)
    assert f"{fifo} is a fifo, not a folder of benchmark definitions" in line, line
    assert "no benchmark definitions at" not in line, line


@pytest.mark.parametrize(("kind", "name"), [
    ("action-unit run", "au-results.json"), ("action-unit run", "run.json"),
    ("spotting run", "spotting.json"), ("spot-then-recognise summary over seeds",
                                        "seed-0/str.json")])
@pytest.mark.parametrize("how", ["a list", "a fifo"])
def test_an_au_spotting_or_str_refusal_names_the_file_once(
        kind: str, name: str, how: str, examples: dict[str, Path], cli,
        tmp_path: Path) -> None:
    """They said "t/au-results.json: t/au-results.json is not ...", and "t/au-results.json:
    run.json is a fifo": the folder first, then the file in it, as an emotion run's."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result"))
    path = folder / name
    if how == "a fifo":
        path.unlink()
        os.mkfifo(path)
    else:
        path.write_text("[]")
    code, _, err = cli("validate", path.parent)
    assert code != 0, err
    said = next(line for line in err.splitlines() if line.startswith("merbench: rejected: "))
    assert said.startswith(f"merbench: rejected: {path.parent}: {path.name} is "), said
    assert said.count(path.name) == 1, said
