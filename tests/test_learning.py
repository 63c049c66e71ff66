"""The pipeline learns and does not leak: STSTNet with its own recipe on the default synthetic
data clears UF1 0.70, and the same run with shuffled training labels stays near chance.
Two tests, so each of the two runs fails (or is selected with -k) on its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import merbench


@pytest.mark.slow
def test_ststnet_learns_synthetic(cli, tmp_path: Path) -> None:
    code, _out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--out", tmp_path / "learned")
    assert code == 0, err
    learned = json.loads((tmp_path / "learned" / "results.json").read_text())
    assert learned["hyperparameters"]["epochs"] == 800  # the model's own recipe
    assert learned["shuffle_train_labels"] is False
    assert learned["metrics"]["overall"]["uf1"] >= 0.70, learned["metrics"]["overall"]


@pytest.mark.slow
def test_ststnet_does_not_learn_shuffled_labels(tmp_path: Path) -> None:
    control = merbench.run(model="ststnet", dataset="synthetic", out=tmp_path / "shuffled",
                           shuffle_train_labels=True)
    assert control.results.hyperparameters.recipe.epochs == 800  # the same recipe
    # three classes: chance UF1 is about 0.33; 60 samples leave some room above it
    assert control.metrics.overall.uf1 <= 0.50, control.metrics.overall
    assert control.results.shuffle_train_labels is True
