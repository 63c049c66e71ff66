"""``merbench extract --save`` and ``merbench run --features``: a feature computed on one
machine and trained on elsewhere gives the run it would have given extracted in place, and a
file of another setting or dataset is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from merbench.results.codec import from_json, to_json
from merbench.results.command_files import FeaturesHeader
from merbench.results.schema import environment

SMALL = ("--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=4")
TINY_HTNET = ("--model", "htnet", "--dataset", "synthetic", "--epochs", "2",
              "--model-opt", "dim=12", "--model-opt", "block_repeats=[1,1,1]", *SMALL,
              "--quiet")


@pytest.fixture
def saved(tmp_path: Path, cli) -> Path:
    path = tmp_path / "regions.npz"
    code, out, err = cli("extract", "--dataset", "synthetic", "--feature", "htnet-regions",
                         *SMALL, "--feature-opt", "crop=corrected", "--save", path, "--quiet")
    assert code == 0, err
    assert f"to {path}" in out and "feature htnet-regions: crop=corrected" in out
    return path


def test_a_run_on_saved_features_is_the_run_extracted_in_place(tmp_path: Path, cli,
                                                                saved: Path) -> None:
    runs = {}
    for name, extra in (("here", ()), ("saved", ("--features", saved))):
        code, _, err = cli("run", *TINY_HTNET, "--feature-opt", "crop=corrected",
                           "--out", tmp_path / name, *extra)
        assert code == 0, err
        runs[name] = json.loads((tmp_path / name / "results.json").read_text())
    assert (tmp_path / "here" / "predictions.csv").read_text() == \
        (tmp_path / "saved" / "predictions.csv").read_text()
    here, there = runs["here"], runs["saved"]
    assert json.loads((tmp_path / "here" / "run.json").read_text())["identity"] == \
        json.loads((tmp_path / "saved" / "run.json").read_text())["identity"]
    loaded = there["feature"]["report"].pop("loaded_from")
    assert loaded["file"] == "regions.npz" and loaded["environment"]["numpy"] == np.__version__
    assert there["feature"]["report"] == here["feature"]["report"]
    assert there["feature"]["summary"] == here["feature"]["summary"]
    # the run that extracted in place resumes from the file too: it is the same run
    code, _, err = cli("run", "--resume", tmp_path / "here", "--features", saved)
    assert code == 0, err


@pytest.mark.parametrize(("change", "named"), [
    (("--feature-opt", "crop=reference"), "feature.options.crop: not set here, "
                                          '"corrected" there'),  # reference: the default
    (("--feature-opt", "crop=corrected", "--dataset-opt", "seed=5"),
     "dataset.options.seed: 5 here, not set there"),
])
def test_features_of_another_setting_are_refused(tmp_path: Path, cli, saved: Path,
                                                 change: tuple[str, ...], named: str) -> None:
    code, _, err = cli("run", *TINY_HTNET, *change, "--features", saved,
                       "--out", tmp_path / "r")
    assert code == 2
    assert f"{saved} holds features of another setting than this run (" in err
    assert named in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r" / "folds").exists()


def test_features_for_another_model_input_are_refused(tmp_path: Path, cli, saved: Path) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", *SMALL,
                       "--epochs", "1", "--features", saved, "--out", tmp_path / "r")
    assert code == 2
    assert 'feature.name: "flow-uvos" here, "htnet-regions" there' in err


@pytest.mark.parametrize(("content", "says"), [
    (None, "no features file at"),
    (b"not a zip", "is not a readable features file"),
    ("npz-without-header", "is not a merbench features file (it lacks header"),
    ("deep-header", "is not a readable features file"),
    ("nan-values", "not finite numbers (NaN or infinity), the first for sample b"),
    ("summary-a-number", "has a damaged header (field 'summary' is a number, expected text)"),
    ("no-environment", "has a damaged header (field 'environment' is missing (expected an "
                       "object))"),
    # pass 84c P8: text and int64 values were trained on
    ("text-values", "holds feature values of type text, not numbers merbench extracts"),
    ("int64-values", "holds feature values of type int64, not numbers merbench extracts"),
])
def test_unreadable_features_files_are_one_line(tmp_path: Path, cli, content: object,
                                                says: str) -> None:
    path = tmp_path / "f.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "npz-without-header":
        np.savez(path, values=np.zeros((2, 3)), sample_ids=np.array(["a", "b"]))
    elif content == "deep-header":
        np.savez(path, values=np.zeros((2, 3)), sample_ids=np.array(["a", "b"]),
                 header=np.asarray("[" * 200_000))
    elif content == "nan-values":
        values = np.zeros((2, 3))
        values[1, 2] = np.nan
        np.savez(path, values=values, sample_ids=np.array(["a", "b"]),
                 header=np.asarray(json.dumps(to_json(_header()))))
    elif content in ("text-values", "int64-values"):
        values = np.zeros((2, 3)).astype(str if content == "text-values" else np.int64)
        np.savez(path, values=values, sample_ids=np.array(["a", "b"]),
                 header=np.asarray(json.dumps(to_json(_header()))))
    elif content is not None:  # a header with one field changed or left out
        header = to_json(_header())
        if content == "summary-a-number":
            header["summary"] = 5
        else:
            del header["environment"]
        np.savez(path, values=np.zeros((2, 3)), sample_ids=np.array(["a", "b"]),
                 header=np.asarray(json.dumps(header)))
    code, _, err = cli("run", *TINY_HTNET, "--features", path, "--out", tmp_path / "r")
    assert code == 2
    assert says in err and "merbench extract --save" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _header() -> FeaturesHeader:
    return FeaturesHeader(
        format="merbench-features", format_version=1,
        feature={"name": "htnet-regions", "version": 1, "options": {}},
        dataset={"name": "synthetic", "version": 1, "options": {}, "fingerprint": "0" * 16},
        report={}, summary="", environment=environment("cpu", {}),
        created="2026-01-01T00:00:00+00:00")


def test_the_saved_header_is_a_features_header(saved: Path) -> None:
    """What extract --save writes reads back as the record, and the record writes back the
    very same text: the layout, key order included, is the record's."""
    with np.load(saved) as data:
        text = str(data["header"])
    header = from_json(FeaturesHeader, json.loads(text))
    assert json.dumps(to_json(header)) == text
    assert list(json.loads(text)) == ["format", "format_version", "feature", "dataset",
                                      "report", "summary", "environment", "created"]
    assert header.feature["options"] == {"crop": "corrected"}
    assert header.environment.numpy == np.__version__ and header.format_version == 1


def test_a_whole_dataset_feature_needs_save_to_be_extracted(cli) -> None:
    code, _, err = cli("extract", "--dataset", "synthetic", "--feature", "htnet-regions",
                       *SMALL, "--quiet")
    assert code == 2
    assert "add --save FILE" in err


def test_save_into_a_directory_is_refused(tmp_path: Path, cli) -> None:
    code, _, err = cli("extract", "--dataset", "synthetic", "--feature", "flow-uvos", *SMALL,
                       "--save", tmp_path, "--quiet")
    assert code == 2
    assert f"--save {tmp_path} is a directory" in err


def test_saved_with_a_default_named_serves_the_run_that_leaves_it_out(tmp_path: Path,
                                                                      cli) -> None:
    path = tmp_path / "reference.npz"
    code, _, err = cli("extract", "--dataset", "synthetic", "--feature", "htnet-regions",
                       *SMALL, "--feature-opt", "crop=reference", "--save", path, "--quiet")
    assert code == 0, err
    code, _, err = cli("run", *TINY_HTNET, "--features", path, "--out", tmp_path / "r")
    assert code == 0, err
    with np.load(path) as data:
        header = json.loads(str(data["header"]))
    assert header["feature"]["options"] == {}  # the default crop is left out


def test_save_never_replaces_a_file_unasked(tmp_path: Path, cli) -> None:
    """``--save log.tsv`` replaced a tester's log with an .npz (a name not ending .npz is now
    refused outright); a file of the user's under a features file's name is replaced only
    with --force."""
    log = tmp_path / "log.npz"
    log.write_text("id\trc\tmy precious log\n")
    extract = ("extract", "--dataset", "synthetic", "--feature", "flow-uvos", *SMALL,
               "--quiet", "--save", log)
    code, out, err = cli(*extract)
    assert code == 2 and not out and err.count("\n") == 1, err
    assert err == (f"merbench: error: --save {log} exists; merbench does not replace a file "
                   "unasked: give --force to replace it, or choose another --save\n")
    assert log.read_text() == "id\trc\tmy precious log\n"
    code, out, err = cli(*extract, "--force")
    assert code == 0, err
    with np.load(log) as data:  # the features file, replaced as asked
        assert data["values"].dtype == np.float32


@pytest.mark.parametrize("inside", [False, True], ids=["the-folder", "inside-it"])
def test_save_into_a_result_folder_is_refused(tmp_path: Path, cli, inside: bool) -> None:
    result = tmp_path / "r"
    result.mkdir()
    (result / "run.json").write_text("{}")
    save = result / "f.npz" if inside else result
    code, _, err = cli("extract", "--dataset", "synthetic", "--feature", "flow-uvos", *SMALL,
                       "--save", save, "--quiet")
    assert code == 2 and err.count("\n") == 1, err
    said = "is inside" if inside else "is the folder of a merbench result"
    assert f"--save {save} {said}" in err and "whose files are its own" in err, err
    assert sorted(p.name for p in result.iterdir()) == ["run.json"]


def test_a_features_file_of_another_shape_is_named(tmp_path: Path, cli) -> None:
    """Pass 84g G9: values of another per-sample shape in a --features file were refused as
    the feature's fault ("feature 'flow-uvos' declares ... but gave"), the file unnamed."""
    path = tmp_path / "f.npz"
    code, _, err = cli("extract", "--dataset", "synthetic", "--feature", "flow-uvos", *SMALL,
                       "--save", path, "--quiet")
    assert code == 0, err
    with np.load(path) as saved:
        parts = {name: saved[name] for name in saved.files}
    np.savez(path, **{**parts, "values": parts["values"][:, :2]})  # 3 channels -> 2
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", *SMALL,
                       "--epochs", "1", "--features", path, "--out", tmp_path / "r", "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"error: {path} holds values of per-sample shape (2, 28, 28), but feature " \
        "'flow-uvos' gives (3, 28, 28); write it again with 'merbench extract --save FILE'" \
        in err, err
