"""``predict --from-run`` trains the recogniser the run's score measures, or refuses the run.

A leakage control (``--shuffle-train-labels``) and a run of saved weights (``--weights``) have
no score that estimates a recogniser trained with their recipe on true labels, so they are
refused in one line. A run whose protocol used part of its dataset (``loso`` restricted to
some databases, a subject split) has its recogniser trained on the samples its folds used,
said so, and its estimate is named by its protocol, never called a LOSO one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from merbench.runner.final_model import _key
from merbench.training import torch_trainer

VIDEO = ["-d", "synthetic-long", "--video", "synthetic-long/sub01/v1"]
BASE = ("run", "--model", "ststnet", "--dataset", "synthetic", "--threads", "1", "--quiet")
RUN = (*BASE, "--epochs", "1")


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_leakage_control_is_refused_in_one_line(cli, tmp_path: Path) -> None:
    run = tmp_path / "shuffled"
    assert cli(*RUN, "--dataset-opt", "subjects=3", "--shuffle-train-labels",
               "--out", run)[0] == 0
    code, out, err = cli("predict", *VIDEO, "--from-run", run, "--out", tmp_path / "p")
    assert code == 2 and not out, out
    assert _one_line(err) == (
        f"merbench: error: {run} is a leakage control (--shuffle-train-labels): its training "
        "labels were shuffled, so its score is chance by design; give a run trained on the "
        "true labels")
    assert not (tmp_path / "p").exists()


def test_a_run_of_saved_weights_is_refused_in_one_line(cli, tmp_path: Path) -> None:
    import torch

    import merbench

    state = merbench.create_model("ststnet", num_classes=3).state_dict()
    weights = tmp_path / "weights"
    for database in ("syn1", "syn2", "syn3"):
        (weights / database).mkdir(parents=True)
        torch.save(state, weights / database / "s01.pth")
    run = tmp_path / "weighted"
    code, _, err = cli(*BASE, "--dataset-opt", "subjects=3", "--weights", weights, "--out", run)
    assert code == 0, err
    code, out, err = cli("predict", *VIDEO, "--from-run", run, "--out", tmp_path / "p")
    assert code == 2 and not out, out
    assert _one_line(err) == (
        f"merbench: error: {run} evaluated saved weights (--weights) and trained nothing, so "
        "its score is of those weights, not of a recogniser trained with its recipe; give a "
        "run that trained")
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("protocol, n_train, used, lone", [
    (["--protocol", "subject-split", "--protocol-opt", 'train=["syn1/s01","syn2/s01"]',
      "--protocol-opt", 'test=["syn3/s01"]'], 30, 3, "one test subject"),
    (["--protocol-opt", 'databases=["syn2","syn3"]'], 20, 2, "one test subject per database"),
])
def test_the_recogniser_trains_on_what_the_protocol_used(
        protocol: list[str], n_train: int, used: int, lone: str, cli, tmp_path: Path,
        monkeypatch: Any) -> None:
    run = tmp_path / "run"
    assert cli(*RUN, "--dataset-opt", "subjects=4", *protocol, "--out", run)[0] == 0
    name = json.loads((run / "results.json").read_text())["protocol"]["name"]
    seen: list[np.ndarray] = []
    original = torch_trainer.train_model

    def recording(build: Any, recipe: Any, x: np.ndarray, y: np.ndarray, **kw: Any) -> Any:
        seen.append(y)
        return original(build, recipe, x, y, **kw)

    monkeypatch.setattr(torch_trainer, "train_model", recording)
    out = tmp_path / "p"
    code, stdout, err = cli("predict", *VIDEO, "--from-run", run, "--out", out)
    assert code == 0, err
    assert [len(y) for y in seen] == [n_train]  # the protocol's samples, not the dataset's 40
    recogniser = json.loads((out / "predictions.json").read_text())["recogniser"]
    assert (recogniser["n_train"], recogniser["n_subjects"]) == (n_train, used)
    assert (recogniser["n_dataset_subjects"], recogniser["protocol"]) == (4, name)
    text = " ".join(stdout.split())
    assert f"recognised by ststnet trained on {used} of its dataset's 4 subjects, those its " \
        f"protocol {name} used ({n_train} samples, 1 epoch)" in text, text
    assert "LOSO" not in text
    # one test subject (a database): the recorded interval is a point, so none is shown
    assert f"its estimate ({name} on synthetic, selection fixed): UF1 0." in text, text
    assert f"({no_interval(lone)})" in text and "[0." not in text, text


def no_interval(why: str) -> str:
    """The words the estimate's line gives where its interval is none."""
    return f"no interval: {why}"


def test_a_protocol_of_every_row_keeps_the_key_of_a_recogniser_of_the_whole_dataset() -> None:
    """A recogniser trained on the whole dataset, kept before its rows were part of its key,
    is loaded, not trained again, for a protocol that used every row; for one that left rows
    out it was trained on rows the protocol never read, and is trained again."""
    identity: dict[str, Any] = {"model": {"name": "ststnet"}, "seed": 0}
    text = json.dumps([identity, "cpu"], sort_keys=True)
    whole = hashlib.sha256(text.encode()).hexdigest()[:16]
    assert _key(identity, "cpu", np.arange(6), 6) == whole
    assert _key(identity, "cpu", np.arange(4), 6) != whole
