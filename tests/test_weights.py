"""``--weights``: evaluating saved per-subject checkpoints without training, and every way a
checkpoint folder can be wrong."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from merbench_datasets.synthetic import make_synthetic
from merbench_features.flow_uvos import flow_uvos_to_input

import merbench
from merbench.base.errors import MerbenchError
from merbench.training.checkpoints import load_weights, read_state_dict

ONE_DB = {"subjects": 3, "samples_per_subject": 4, "databases": 1}
THREE_DB = {"subjects": 3, "samples_per_subject": 4, "databases": 3}


def save_checkpoints(folder: Path, options: dict, nested: bool) -> dict[tuple[str, str], Path]:
    """One differently initialised STSTNet per subject, saved as the HTNet authors do."""
    samples = make_synthetic(**options).samples
    paths = {}
    for i, (key, _) in enumerate(samples.groupby(["database", "subject"])):
        torch.manual_seed(100 + i)
        model = merbench.create_model("ststnet")
        path = folder / key[0] / f"{key[1]}.pth" if nested else folder / f"{key[1]}.pth"
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), path)
        paths[key] = path
    return paths


def expected_predictions(options: dict, paths: dict[tuple[str, str], Path]) -> pd.Series:
    data = make_synthetic(**options)
    x = torch.as_tensor(flow_uvos_to_input(data.read_all("flow_uvos")))
    predicted = {}
    for (database, subject), path in paths.items():
        model = load_weights(merbench.create_model("ststnet"), path).eval()
        rows = np.flatnonzero((data.samples["database"] == database)
                              & (data.samples["subject"] == subject))
        with torch.no_grad():
            labels = model(x[rows]).argmax(1).numpy()
        predicted.update(zip(data.samples["sample_id"].iloc[rows], labels, strict=True))
    return pd.Series(predicted).sort_index()


@pytest.mark.parametrize(("options", "nested"), [(ONE_DB, False), (THREE_DB, True)])
def test_each_fold_is_scored_with_its_own_subjects_weights(tmp_path: Path, options: dict,
                                                           nested: bool) -> None:
    paths = save_checkpoints(tmp_path / "weights", options, nested)
    result = merbench.run(model="ststnet", dataset="synthetic", dataset_options=options,
                          weights=str(tmp_path / "weights"), out=tmp_path / "run", device="cpu")
    got = result.predictions.set_index("sample_id")["y_pred"].sort_index()
    expected = expected_predictions(options, paths)
    assert got.index.tolist() == expected.index.tolist()
    assert (got.to_numpy() == expected.to_numpy()).all()
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["trained"] is False and results["hyperparameters"] == {}
    assert results["selection"]["available"] == ["fixed"]
    assert results["weights"]["dir"] == str(tmp_path / "weights")
    assert len(results["weights"]["sha256"]) == len(paths)
    assert all(fold["epoch"] == 1 for fold in results["folds"])


def test_changed_weights_are_another_run(tmp_path: Path) -> None:
    """The checkpoints' digests are part of the run's identity: a resumed directory never
    mixes folds scored with two sets of weights."""
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    config = {"model": "ststnet", "dataset": "synthetic", "dataset_options": ONE_DB,
              "weights": str(tmp_path / "w"), "out": tmp_path / "run", "device": "cpu"}
    merbench.run(**config)
    torch.save(merbench.create_model("ststnet").state_dict(), tmp_path / "w" / "s01.pth")
    with pytest.raises(MerbenchError, match=r"evaluated other checkpoints than weights holds "
                                            r"now \(1 changed: syn1/s01\); evaluating trains "
                                            "nothing, so delete that directory"):
        merbench.run(**config)


def test_cli_evaluates_a_folder(tmp_path: Path, cli) -> None:
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=4",
                         "--dataset-opt", "databases=1", "--weights", tmp_path / "w",
                         "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    assert "evaluated the saved weights" in out and "nothing was trained" in out


def cli_error(cli, tmp_path: Path, *extra: str) -> str:
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=4",
                         "--dataset-opt", "databases=1", "--out", tmp_path / "run", "--quiet",
                         *extra)
    assert code == 2, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_saved_weights_in_bf16_print_no_training_line(tmp_path: Path, cli) -> None:
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=4",
                         "--dataset-opt", "databases=1", "--weights", tmp_path / "w",
                         "--precision", "bf16", "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    assert "nothing was trained" in out and "training:" not in out


def test_missing_checkpoint_is_named(tmp_path: Path, cli) -> None:
    paths = save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    paths["syn1", "s02"].unlink()
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert "lacks the checkpoint of 1 of 3 folds: s02.pth" in err
    assert not (tmp_path / "run" / "folds").exists() or not any(
        (tmp_path / "run" / "folds").iterdir())


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_weights_that_are_not_finite_are_refused_before_any_fold(tmp_path: Path, cli,
                                                                 value: float) -> None:
    """NaN weights were scored (every sample the first class) and the run validated."""
    paths = save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    state = torch.load(paths["syn1", "s02"])
    state["fc.bias"][1] = value
    torch.save(state, paths["syn1", "s02"])
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    held = "NaN" if value != value else "an infinity"
    assert f"checkpoint {paths['syn1', 's02']}: fc.bias holds {held} in 1 of its 3 values; " \
           "weights like these come from a training that diverged" in err, err
    assert err.count(str(paths["syn1", "s02"])) == 1, err
    assert not (tmp_path / "run" / "results.json").exists()


def test_shared_subject_ids_need_the_database_folder(tmp_path: Path, cli) -> None:
    """With s01 in three databases a flat s01.pth could belong to any of them."""
    save_checkpoints(tmp_path / "w", THREE_DB, nested=False)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                       "--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=4",
                       "--weights", tmp_path / "w", "--out", tmp_path / "run", "--quiet")
    assert code == 2 and "syn1/s01.pth" in err


def test_pickled_objects_are_refused(tmp_path: Path, cli) -> None:
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    torch.save(merbench.create_model("ststnet"), tmp_path / "w" / "s01.pth")  # a whole module
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert "s01.pth holds code-bearing Python objects (it names " in err
    assert "torch.save(model.state_dict(), path)" in err


class _RunsACommand:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("touch " + str(_RunsACommand.marker),))

    marker = Path()


def test_a_checkpoint_that_would_run_a_command_is_refused_unopened(tmp_path: Path,
                                                                   cli) -> None:
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    _RunsACommand.marker = tmp_path / "it-ran"
    state = merbench.create_model("ststnet").state_dict()
    torch.save({**state, "extra": _RunsACommand()}, tmp_path / "w" / "s03.pth")
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert "s03.pth holds code-bearing Python objects (it names posix.system)" in err
    assert "never unpickles those" in err
    assert not _RunsACommand.marker.exists()


@pytest.mark.parametrize(("damage", "said"), [
    ("truncate", "s03.pth is truncated or damaged ("),
    ("text", "s03.pth is a text file, not a torch checkpoint (it begins 'epoch,loss')"),
    ("empty", "s03.pth is empty (0 bytes)"),
    ("random", "s03.pth is not a torch checkpoint (neither torch's zip archive nor a pickle)"),
    # 64 bytes read cut the 32nd 'é' in half: still text
    ("accented", "s03.pth is a text file, not a torch checkpoint (it begins 'aééé"),
    ("zip", "s03.pth is a zip archive, not a torch checkpoint (it holds w/s01.pth, w/s02.pth"),
    # a whole archive whose pickled index is garbage: said in merbench's words, not torch's
    ("index", "s03.pth is a damaged torch archive (complete, but its index of tensors, "
              "s03/data.pkl, is cut short or garbled); copy it again"),
    # pickle.dump of a plain dict: torch warns about the protocol; the user sees one line
    ("pickle", "s03.pth is a pickle that torch cannot read as weights only"),
])
def test_unreadable_checkpoint(tmp_path: Path, cli, damage: str, said: str) -> None:
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    path = tmp_path / "w" / "s03.pth"
    content = {"truncate": lambda: path.read_bytes()[:len(path.read_bytes()) // 2],
               "text": lambda: b"epoch,loss\n1,0.5\n", "empty": lambda: b"",
               "random": lambda: bytes(range(7, 250)),
               "accented": lambda: ("a" + "é" * 40).encode(),
               "zip": lambda: zipped(tmp_path / "w"),
               "index": lambda: with_data_pkl(path, b"\x80\x02garbage"),
               "pickle": lambda: pickle.dumps({"conv.weight": [0.0]}, protocol=4)}[damage]()
    path.write_bytes(content)
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert said in err, err
    assert "Errno" not in err and "KeyError" not in err
    # the last fold's file is checked before the first fold runs: nothing was written
    assert not (tmp_path / "run" / "folds").exists()


def zipped(folder: Path) -> bytes:
    """The folder's files in a zip archive, as a download of the whole folder comes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"w/{file.name}")
    return buffer.getvalue()


def with_data_pkl(path: Path, data_pkl: bytes) -> bytes:
    """The torch archive ``path`` with its pickled index replaced by ``data_pkl``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, data_pkl if name.endswith("/data.pkl") else source.read(name))
    return buffer.getvalue()


def test_every_unusable_checkpoint_is_counted_in_one_error(tmp_path: Path, cli) -> None:
    """All files are checked before the first fold, so one run names all that need
    fixing, not one per attempt."""
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    (tmp_path / "w" / "s01.pth").write_bytes(b"")
    (tmp_path / "w" / "s03.pth").write_text("epoch,loss\n")
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert "s01.pth is empty (0 bytes)" in err
    assert err.rstrip().endswith("; 1 more of the 3 checkpoints cannot be used either: "
                                 "s03.pth"), err


def test_checkpoint_of_another_model_lists_the_differences(tmp_path: Path, cli) -> None:
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    state = merbench.create_model("ststnet", num_classes=5).state_dict()
    state["extra.weight"] = torch.zeros(1)
    del state["conv.bias"]
    torch.save(state, tmp_path / "w" / "s02.pth")
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert "s02.pth does not fit model 'ststnet'" in err
    assert "1 missing key(s): conv.bias" in err
    assert "1 unexpected key(s): extra.weight" in err
    assert "of another shape: fc.weight (5, 400) (model: (3, 400))" in err


@pytest.mark.parametrize(("extra", "message"), [
    (("--epochs", "3"), "leave out --epochs"),
    (("--lr", "0.1"), "leave out --lr"),
    (("--selection", "oracle"), "leave out --selection oracle"),
    (("--shuffle-train-labels",), "leave out --shuffle-train-labels"),
])
def test_training_options_are_refused(tmp_path: Path, cli, extra: tuple[str, ...],
                                      message: str) -> None:
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    assert message in cli_error(cli, tmp_path, "--weights", tmp_path / "w", *extra)


def test_weights_must_be_a_folder(tmp_path: Path, cli) -> None:
    (tmp_path / "file").write_text("x")
    assert "is not a folder" in cli_error(cli, tmp_path, "--weights", tmp_path / "file")


def test_wrapped_and_data_parallel_state_dicts_load(tmp_path: Path) -> None:
    state = merbench.create_model("ststnet").state_dict()
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}, "epoch": 3},
               tmp_path / "c.pth")
    loaded = read_state_dict(tmp_path / "c.pth")
    assert loaded.keys() == state.keys()
    assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_a_checkpoint_that_is_a_fifo_is_said_to_be_one(tmp_path: Path, cli) -> None:
    """Pass 84g G7: fifo checkpoints were counted as lacking ("lacks the checkpoint of 3 of
    3 folds"), though each was there."""
    paths = save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    paths["syn1", "s02"].unlink()
    os.mkfifo(paths["syn1", "s02"])
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert f"checkpoint {paths['syn1', 's02']} is a fifo, not a regular file" in err, err
    assert "lacks" not in err


def test_weights_of_another_class_count_are_said_to_be_for_another_task(tmp_path: Path,
                                                                       cli) -> None:
    """Pass 84g G7: a 5-class checkpoint on a 3-class dataset was told to give "that
    configuration with --model-opt"; the number of classes is no model option."""
    save_checkpoints(tmp_path / "w", ONE_DB, nested=False)
    torch.save(merbench.create_model("ststnet", num_classes=5).state_dict(),
               tmp_path / "w" / "s02.pth")
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "w")
    assert "s02.pth does not fit model 'ststnet': fc.weight has 5 outputs but dataset " \
        "'synthetic' has 3 classes: these weights were trained for a 5-class task; give " \
        "weights of a 3-class run" in err, err
    assert "--model-opt" not in err


def test_a_weights_folder_that_does_not_exist_is_said_not_to(tmp_path: Path, cli) -> None:
    """Pass 84g G7: a missing --weights folder was said to be "not a folder"."""
    err = cli_error(cli, tmp_path, "--weights", tmp_path / "nosuch")
    assert f"--weights {tmp_path / 'nosuch'} does not exist; give the folder" in err, err
