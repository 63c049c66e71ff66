"""Inputs pass 84y found taken, or refused in a library's words (findings Y1, Y8, Y9, Y12).

Y1: convert-weights wrote, and ``run --weights`` scored, a checkpoint whose weights were
whole numbers, true/false or complex numbers (the last with torch's own "Casting complex
values to real discards the imaginary part").

Y8: ``--protocol-opt folds=5`` (HSTA's folder of fold lists given a number) was Python's
"expected str, bytes or os.PathLike object, not int"; ``folds=`` was the current folder, and
a file was "FILE/test_fold_1.csv does not exist". The same ``Path(value)`` read a raw
database's ``sheet=`` and the composite's ``annotations=``: every path option is now read by
``merbench.api.option_path``.

Y9: an HSTA fold list whose Onset cell is no frame number (``abc``, empty, ``nan``,
``1e400``) was Python's "could not convert string to float" blamed on the plugin.

Y12: a number option (``--lr``, ``--checkpoint-every``, ``--fps``, ``--timeout-s``, a
spotting run's ``--tune``) read '١e-3' or '1_000' as Python's ``float`` does, while ``--epochs``
refused the same digits: every number option now reads by the one rule.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from conftest import one_line
from rawtrees import FAST_FLOW, random_frames, workbook

HSTA_LISTS = ("the path of the folder of HSTA's fold lists (test_fold_1.csv .. "
              "test_fold_5.csv)")


@pytest.mark.parametrize("typed", ["١e-3", "1_000", "٠.٥"])
@pytest.mark.parametrize("command", [
    ("run", "--model", "ststnet", "--dataset", "synthetic", "--lr"),
    ("run", "--model", "ststnet", "--dataset", "synthetic", "--checkpoint-every"),
    ("predict", "--fps"),
    ("tune", "plan.toml", "--out", "o", "--timeout-s"),
])
def test_a_number_option_reads_ascii_digits_as_epochs_does(command: tuple[str, ...],
                                                           typed: str, cli: Any) -> None:
    # the option again: a value taken by mistake is "given twice", not a run started
    code, _, err = cli(*command, typed, command[-1], "1")
    assert code == 2 and f"{command[-1]} takes a number, not '{typed}'" in one_line(err), err


def test_a_tuned_value_reads_ascii_digits(cli: Any) -> None:
    code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                       "--tune", "edge=٣", "--tune", "edge=1")
    assert code == 2 and "--tune 'edge=٣': give NAME=V1,V2,... with finite numbers" \
        in one_line(err), err


def test_ascii_numbers_and_named_non_finite_values_are_read_as_before(cli: Any) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--lr",
                       " 1e-3", "--lr", "1")
    assert code == 2 and "--lr is given twice, ' 1e-3' and '1'" in one_line(err), err
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--lr", "inf")
    assert code == 2 and "--lr inf: the value is infinite; give a finite number" in err, err


@pytest.fixture
def casme3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CASME3/ with one subject of two videos and the micro-expression label sheet."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "CASME3"
    rows: list[list[object]] = [["Subject", "Filename", "Onset", "Apex", "Offset", "AU",
                                 "Objective class", "emotion"]]
    for video in "ab":
        random_frames(root / "part_A" / "spNO.1" / video / "color", range(100, 106), "{}.jpg")
        rows.append(["spNO.1", video, 100, 102, 105, "R12", "I", "happy"])
    workbook(root / "casme3_part_A_ME_label_JpgIndex_v2.xlsx", rows)
    return root


def _hsta(cli: Any, root: Path, folds: object) -> str:
    code, _, err = cli("run", "-m", "ststnet", "-f", "tvl1-uvos", *FAST_FLOW, "--epochs", "1",
                       "--threads", "1", "-q", "-d", "casme3", "--data-root", root,
                       "--protocol", "casme3-hsta-5fold", "--protocol-opt", f"folds={folds}",
                       "-o", root.parent / "run")
    assert code == 2 and not (root.parent / "run" / "results.json").exists(), err
    return one_line(err)


@pytest.mark.parametrize(("typed", "said"), [
    ("5", "folds=5 is a number, not a path"), ("2.5", "folds=2.5 is a number, not a path"),
    ("true", "folds=true is a yes/no value, not a path"), ("", "folds= is empty")])
def test_hsta_folds_that_name_no_path_are_said_so(casme3: Path, cli: Any, typed: str,
                                                  said: str) -> None:
    line = _hsta(cli, casme3, typed)
    assert line == f"merbench: error: casme3-hsta-5fold: --protocol-opt {said}; give " \
                   f"{HSTA_LISTS}", line


def test_hsta_folds_naming_a_file_say_it_is_one(casme3: Path, cli: Any) -> None:
    line = _hsta(cli, casme3, casme3 / "casme3_part_A_ME_label_JpgIndex_v2.xlsx")
    assert f"casme3_part_A_ME_label_JpgIndex_v2.xlsx (--protocol-opt folds=) is a file, not " \
           f"a folder; give {HSTA_LISTS}" in line, line


@pytest.mark.parametrize("onset", ["abc", "", "nan", "1e400", "100.5", "-1"])
def test_an_hsta_onset_that_is_no_frame_number_names_the_row(casme3: Path, cli: Any,
                                                             onset: str) -> None:
    lists = casme3.parent / "lists"
    lists.mkdir()
    for k in range(1, 6):
        with open(lists / f"test_fold_{k}.csv", "w", newline="") as out:
            rows = [("spNO.1", "a", 100), ("spNO.1", "b", onset)] if k == 1 else []
            csv.writer(out).writerows([("Subject", "Filename", "Onset"), *rows])
    line = _hsta(cli, casme3, lists)
    assert line == (f"merbench: error: casme3-hsta-5fold: {lists}/test_fold_1.csv row 3: "
                    f"Onset '{onset}' is not a frame number; restore the list from the "
                    "authors' repository"), line


@pytest.mark.parametrize(("given", "said"), [(5, "sheet=5 is a number, not a path"),
                                             (["a.xls"], 'sheet=["a.xls"] is a list, not a path'),
                                             (" ", "sheet= is empty")])
def test_a_sheet_option_is_read_as_the_hsta_folds_are(given: object, said: str) -> None:
    from merbench_datasets.rawroot import find_sheet

    from merbench.api import MerbenchError

    with pytest.raises(MerbenchError) as refused:
        find_sheet("casme2", given, [], ["*.xlsx"], "CASME II coding sheet")  # type: ignore[arg-type]
    assert str(refused.value) == f"casme2: --dataset-opt {said}; give the path of the CASME " \
                                 "II coding sheet"


@pytest.mark.parametrize(("given", "said"), [(3, "annotations=3 is a number, not a path"),
                                             ("", "annotations= is empty")])
def test_the_composites_annotations_folder_is_read_as_a_path(tmp_path: Path, given: object,
                                                             said: str) -> None:
    """``annotations=`` was the current folder, taken unsaid."""
    from merbench_datasets.composite_aus import sheet_folders

    from merbench.api import MerbenchError

    with pytest.raises(MerbenchError) as refused:
        sheet_folders(tmp_path, given)  # type: ignore[arg-type]
    assert str(refused.value) == f"composite: --dataset-opt {said}; give the path of the " \
                                 "folder that holds the CASME II and SAMM coding sheets"


@pytest.mark.parametrize(("given", "said"), [(5, "path=5 is a number, not a path"),
                                             ("", "path= is empty")])
def test_a_user_videos_path_is_read_as_a_path(given: object, said: str) -> None:
    """``path=`` was '.', the current folder read as a folder of frames."""
    from merbench_datasets.user_video import make_user_video

    from merbench.api import MerbenchError

    with pytest.raises(MerbenchError) as refused:
        make_user_video(given)  # type: ignore[arg-type]
    assert str(refused.value) == f"video: --dataset-opt {said}; give the path of a video " \
                                 "file or a folder of frames"


def _port(folder: Path, dtype: Any = None) -> Path:
    """Off-TANet port checkpoints (the authors' names) for the synthetic subjects s01 and
    s02; s02's classifier (``dense.6.weight``) as ``dtype`` where one is given."""
    import torch
    from test_cli_convert_weights import _offapexnet_port

    folder.mkdir()
    for subject in ("s01", "s02"):
        state = _offapexnet_port(subject)
        if dtype is not None and subject == "s02":
            state["dense.6.weight"] = (state["dense.6.weight"] > 0).to(dtype)
        torch.save(state, folder / f"{subject}.pth")
    return folder


@pytest.mark.parametrize(("dtype", "said"), [("complex64", "complex values (complex64)"),
                                             ("int64", "whole-number values (int64)"),
                                             ("int8", "whole-number values (int8)"),
                                             ("bool", "true/false values (bool)")])
def test_convert_weights_refuses_weights_that_are_no_floats(tmp_path: Path, cli: Any,
                                                            dtype: str, said: str) -> None:
    import torch

    port = _port(tmp_path / "port", getattr(torch, dtype))
    code, _, err = cli("convert-weights", "offapexnet", port, "--out", tmp_path / "ours")
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {port / 's02.pth'}: dense.6.weight holds {said}, not "
        "the floating-point weights torch.save(model.state_dict(), path) writes; give the "
        "checkpoint as it was saved"), err
    assert not (tmp_path / "ours").exists()


def run_with_changed_weights(tmp_path: Path, cli: Any, key: str,
                             change: Any) -> tuple[int, str]:
    """``run --weights`` of the converted Off-TANet port whose s02 ``key`` went through
    ``change``: (exit status, stderr); the run must write no results."""
    import torch

    code, _, err = cli("convert-weights", "offapexnet", _port(tmp_path / "port"), "--out",
                       tmp_path / "ours")
    assert code == 0, err
    state = torch.load(tmp_path / "ours" / "s02.pth", weights_only=True)
    state[key] = change(state[key])
    torch.save(state, tmp_path / "ours" / "s02.pth")
    code, _, err = cli("run", "--model", "offapexnet", "--weights", tmp_path / "ours",
                       "--dataset", "synthetic", "--dataset-opt", "subjects=2",
                       "--dataset-opt", "samples_per_subject=3", "--dataset-opt",
                       "databases=1", "--device", "cpu", "--out", tmp_path / "run", "--quiet")
    assert not (tmp_path / "run" / "results.json").exists()
    return code, err


def test_run_weights_refuses_weights_that_are_no_floats(tmp_path: Path, cli: Any) -> None:
    import torch

    code, err = run_with_changed_weights(tmp_path, cli, "classifier.6.weight",
                                         lambda t: t.to(torch.complex64))
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {tmp_path / 'ours' / 's02.pth'}: classifier.6.weight "
        "holds complex values (complex64), not the floating-point weights "
        "torch.save(model.state_dict(), path) writes; give the checkpoint as it was saved"), err
