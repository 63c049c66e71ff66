"""Pass 84x, the findings on words: X1 (and W24's rest: validate said a spotting.json's or a
str.json's missing schema_version as Python's ``None``, its quotes as Python's), X12, X13,
X14, X16 and W12's rest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from merbench.results.run_files import ResultRejected
from merbench.spotting_kind.str_check import read_str_file


@pytest.mark.parametrize(("content", "said", "unsaid"), [
    ({}, "(no schema_version)", "None"),
    ({"schema_version": "1"}, '(schema_version "1")', "'1'"),
])
def test_validate_says_a_spotting_files_layout_as_status_does(cli, examples: dict[str, Path],
                                                              tmp_path: Path,
                                                              content: dict[str, object],
                                                              said: str, unsaid: str) -> None:
    run = tmp_path / "sd"
    shutil.copytree(examples["spotting run"], run)
    (run / "spotting.json").write_text(json.dumps(content))
    code, _, err = cli("validate", run)
    assert code != 0
    assert f"spotting.json is no spotting results file of layout 1 {said}" in err
    assert unsaid not in err and "schema_version is" not in err


@pytest.mark.parametrize(("content", "said"), [
    ({}, "(no schema_version)"),
    ({"schema_version": "1"}, '(schema_version "1")'),
])
def test_a_str_files_layout_is_said_as_status_says_it(tmp_path: Path,
                                                      content: dict[str, object],
                                                      said: str) -> None:
    file = tmp_path / "str.json"
    file.write_text(json.dumps(content))
    with pytest.raises(ResultRejected) as refused:
        read_str_file(file)
    assert f"str.json is no spot-then-recognise file of layout 1 {said}" in str(refused.value)
    assert "None" not in str(refused.value) and "'1'" not in str(refused.value)


@pytest.mark.parametrize("option", ["face_crop=false", "subjects=3"])
def test_a_dataset_option_beside_path_is_named_without_a_trailing_equals(cli, tmp_path: Path,
                                                                        option: str) -> None:
    """X14: ``--dataset-opt face_crop= is an option ...`` read as an option given empty."""
    video = tmp_path / "v.avi"
    video.write_bytes(b"")
    code, _, err = cli("predict", video, "--dataset-opt", option, "--out", tmp_path / "o",
                       "--quiet")
    key = option.split("=")[0]
    assert code == 2 and f"--dataset-opt {key} is an option of --dataset NAME" in err, err
    assert f"{key}=" not in err


@pytest.mark.parametrize("under", ["file", "dangling link"])
def test_extract_refuses_a_save_under_a_file_before_extracting(cli, tmp_path: Path,
                                                               under: str) -> None:
    """X16: ``--save F/x.npz`` with F a file extracted every sample, then failed in the
    system's words ("failed on F (file exists)")."""
    above = tmp_path / "f"
    if under == "file":
        above.write_text("x")
    else:
        above.symlink_to(tmp_path / "nowhere")
    save = above / "x.npz"
    code, out, err = cli("extract", "-d", "synthetic", "-f", "tvl1-uvos", "--quiet",
                         "--save", save)
    assert code == 2 and out == "", (out, err)
    assert err.strip().startswith(f"merbench: error: --save {save} cannot be made: {above} "
                                  f"is a "), err
    assert err.strip().endswith("not a folder; choose another --save"), err


@pytest.mark.parametrize("option", ["--sign", "--trust"])
def test_a_key_under_a_file_is_named_as_under_a_file(tmp_path: Path, option: str) -> None:
    """X13: ``audit --sign F/k.key`` with F a file said "no such file; make a key with
    'merbench keygen --out KEY'", and keygen refuses that --out."""
    from merbench.base.errors import MerbenchError
    from merbench.results.signing_keys import load_signing_key, read_trusted_keys

    (tmp_path / "f").write_text("x")
    key = tmp_path / "f" / "k.key"
    with pytest.raises(MerbenchError) as refused:
        if option == "--sign":
            load_signing_key(key)
        else:
            read_trusted_keys([key])
    assert str(refused.value) == (f"{option} {key}: {tmp_path / 'f'} is a file, not a folder; "
                                  "give the path of a key 'merbench keygen' wrote")


def test_compare_names_a_fifo_as_no_run(cli, tmp_path: Path) -> None:
    """X12: compare of a fifo said "is a fifo, not a regular file; give a regular file":
    compare takes run directories and --seeds folders."""
    import os

    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    code, _, err = cli("compare", fifo, tmp_path)
    assert code == 2 and err.strip() == (
        f"merbench: error: {fifo} is a fifo, not a run; give a run directory or a --seeds "
        "folder"), err


def test_a_too_small_image_size_names_its_inputs_side_as_the_fix(cli, tmp_path: Path) -> None:
    """W12's rest: image_size=1 was told "give image_size 2 or more", which the next run
    refused as not its input's 28: the fix named is the input's side, the bound beside it."""
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--threads", "1", "--quiet", "--model-opt", "image_size=1",
                       "--out", tmp_path / "r")
    assert code == 2 and err.strip() == (
        "merbench: error: ststnet: image_size 1 with padding 2 leaves nothing after the "
        "convolution and the two poolings; give the side of the images it is given "
        "(image_size 28 for flow-uvos's; at least 2 with padding 2)"), err
    assert "2 or more" not in err
