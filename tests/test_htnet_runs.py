"""HTNet end to end: through the CLI on the synthetic dataset, with the crop recorded and a
reduced setting announced as such."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from merbench.kinds.score_cells import recipe_verdict
from merbench.results.schema import departures_from_declared, read_results

TINY = ("--model-opt", "dim=12", "--model-opt", "block_repeats=[1,1,1]",
        "--dataset-opt", "subjects=3", "--dataset-opt", "samples_per_subject=4", "--quiet")


@pytest.mark.parametrize("crop", ["reference", "corrected"])
def test_htnet_runs_on_synthetic_and_records_the_crop(tmp_path: Path, cli, crop: str) -> None:
    code, out, err = cli("run", "--model", "htnet", "--dataset", "synthetic", "--epochs", "2",
                         "--feature-opt", f"crop={crop}", "--out", tmp_path / "run", *TINY)
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["model"]["name"] == "htnet"
    assert results["feature"]["name"] == "htnet-regions"
    assert results["feature"]["report"]["crop"] == crop
    assert f"feature htnet-regions: crop={crop}" in out
    flat = " ".join(out.split())
    assert "a REDUCED setting, not comparable with published numbers" in flat
    assert "the model's recipe is 800 epochs" in flat
    assert 'model options block_repeats=[1, 1, 1], dim=12' in flat


def test_the_default_crop_is_recorded_too(tmp_path: Path, cli) -> None:
    code, _, err = cli("run", "--model", "htnet", "--dataset", "synthetic", "--epochs", "1",
                       "--out", tmp_path / "run", *TINY)
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["feature"]["options"] == {}
    assert results["feature"]["report"]["crop"] == "reference"


def test_the_models_own_recipe_is_said_plainly(tmp_path: Path, cli) -> None:
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--dataset-opt", "subjects=2", "--dataset-opt", "samples_per_subject=3",
                         "--dataset-opt", "databases=1",
                         "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    assert "training: 800 epochs, batch 256, adam lr 5e-05 (the model's recipe)" in out


def test_bf16_is_the_recipe_and_tf32_a_reduced_setting(tmp_path: Path, cli) -> None:
    """The CLI and the leaderboard share one list of departures from the declared model:
    bf16 autocast scored as fp32 in the precision study, so a run in it is its model (its
    precision said); TF32, never studied, departs like any option."""
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--dataset-opt", "subjects=2", "--dataset-opt", "samples_per_subject=3",
                         "--dataset-opt", "databases=1", "--precision", "bf16",
                         "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "training: 800 epochs, batch 256, adam lr 5e-05, bf16 precision (the model's " \
           "recipe)" in flat
    results = read_results(tmp_path / "run" / "results.json")
    assert departures_from_declared(results) == []
    tf32 = dataclasses.replace(results, hyperparameters=dataclasses.replace(
        results.hyperparameters, precision="tf32"))
    assert departures_from_declared(tf32) == [("precision", "tf32", "fp32")]
    verdict = " ".join(recipe_verdict(tf32).split())
    assert "a REDUCED setting" in verdict and "the model's recipe trains in fp32" in verdict
