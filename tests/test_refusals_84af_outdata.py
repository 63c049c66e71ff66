"""A command's ``--out`` inside the data it reads: ``extract --save`` and ``predict --out``
refused it, while ``run`` (its seeds, a sweep's or a tuning's runs alike, through the
run's own path checks), ``spot`` and ``tune`` wrote into the dataset's own folders
(pass 84af, AF6). One check, one line, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import one_line

INSIDE = "which this command reads and never writes into; choose another --out"


@pytest.fixture
def data(real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the composite release (a refusal that failed would write into it)."""
    shutil.copytree(real_data / "composite", tmp_path / "composite")
    monkeypatch.chdir(tmp_path)
    return Path("composite")


def _untouched(data: Path) -> set[str]:
    return {p.name for p in data.iterdir()}


def test_run_refuses_an_out_inside_its_data_root(cli, data: Path) -> None:
    before = _untouched(data)
    out = data / "STSNet_whole_norm_u_v_os" / "run1"
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "composite", "--data-root",
                       data, "--epochs", "1", "--threads", "1", "--quiet", "--out", out)
    assert code == 2
    assert one_line(err) == f"merbench: error: --out {out} is inside --data-root {data}, {INSIDE}"
    assert not out.exists() and _untouched(data) == before


def test_run_refuses_its_data_root_itself_and_the_data_dir_variable(
        cli, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "composite", "--data-root",
                       data, "--epochs", "1", "--quiet", "--out", data)
    assert code == 2 and "is what --data-root names" in err, err
    monkeypatch.setenv("MERBENCH_DATA_DIR", str(data))
    out = data / "r"
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "composite", "--epochs", "1",
                       "--threads", "1", "--quiet", "--out", out)
    assert code == 2 and one_line(err) == (
        f"merbench: error: --out {out} is inside $MERBENCH_DATA_DIR {data}, {INSIDE}"), err
    assert not out.exists()


def test_spot_and_tune_refuse_an_out_inside_the_data_root(cli, data: Path,
                                                          tmp_path: Path) -> None:
    out = data / "spotted"
    code, _, err = cli("spot", "--spotter", "flow-peak", "-d", "synthetic-long", "--data-root",
                       data, "--out", out)
    assert code == 2 and one_line(err) == (
        f"merbench: error: --out {out} is inside --data-root {data}, {INSIDE}"), err
    space = tmp_path / "t.toml"
    space.write_text('model = "ststnet"\ndataset = "composite"\n[options]\nepochs = 1\n'
                     '[space]\nlr = {choices = [0.001, 0.01]}\n')
    out = data / "tuned"
    code, _, err = cli("tune", space, "--data-root", data, "--out", out, "--threads", "1")
    assert code == 2 and one_line(err) == (
        f"merbench: error: --out {out} is inside --data-root {data}, {INSIDE}"), err
    assert not out.exists()


def test_a_run_beside_the_data_root_is_still_taken(cli, data: Path) -> None:
    """The check compares whole folders: ``composite2`` is not inside ``composite``."""
    from merbench.results.out_folders import read_places, refuse_read_place

    refuse_read_place(Path("composite2/run"), "--out",
                      read_places({"data_root": str(data)}).items())
    with pytest.raises(Exception, match="is inside --data-root"):
        refuse_read_place(Path("composite/run"), "--out",
                          read_places({"data_root": str(data)}).items())


@pytest.mark.parametrize("value", ["..", ".", "/"])
def test_a_dataset_options_text_naming_a_folder_above_the_working_folder_is_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A plugin dataset's option whose text is a name (``subject_name=..``) that is also a
    folder above the working folder: every relative ``--out`` was refused as inside it,
    while an option naming a file or folder beside it is still a place read."""
    from merbench.results.out_folders import read_places, refuse_read_place

    monkeypatch.chdir(tmp_path)
    Path("ann").mkdir()
    Path("codes.xlsx").write_bytes(b"")
    read = read_places({"dataset_options": {"subject_name": value, "annotations": "ann",
                                            "sheet": "codes.xlsx"}})
    refuse_read_place(Path("n7"), "--out", read.items())
    with pytest.raises(Exception, match="is inside --dataset-opt annotations ann"):
        refuse_read_place(Path("ann/run"), "--out", read.items())
    with pytest.raises(Exception, match="is what --dataset-opt sheet names"):
        refuse_read_place(Path("codes.xlsx"), "--out", read.items())
