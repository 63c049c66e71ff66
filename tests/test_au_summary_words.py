"""The summary ``merbench run --task au`` prints says of a run trained otherwise than its
model's recipe what an emotion run's summary says, in the same word (issue 85: it said
"not the model's recipe" where emotion runs say REDUCED)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from merbench.au.record import AU_RESULTS_FILE, read_au_results
from merbench.au_kind.finish_text import print_au_results

COMMITTED = Path(__file__).parents[1] / "leaderboards" / "results" / \
    "ststnet-composite-loso-au" / "seed-0"


def _training_line(capsys: pytest.CaptureFixture[str], epochs: int) -> str:
    results = read_au_results(COMMITTED / AU_RESULTS_FILE)
    recipe = results.hyperparameters.recipe
    assert recipe is not None
    changed = dataclasses.replace(
        results, hyperparameters=dataclasses.replace(
            results.hyperparameters, recipe=dataclasses.replace(recipe, epochs=epochs)))
    print_au_results(changed, COMMITTED)
    out = capsys.readouterr().out  # the console wraps at 80 columns: read it as one line
    return " ".join(out.split("training:")[1].split("\ndevice ")[0].split())


def test_the_recipe_is_said_to_be_the_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    line = _training_line(capsys, 800)
    assert line.endswith(" (the model's recipe)") and "REDUCED" not in line, line


def test_fewer_epochs_are_a_reduced_setting_as_on_an_emotion_run(
        capsys: pytest.CaptureFixture[str]) -> None:
    line = _training_line(capsys, 2)
    assert "sigmoid + binary cross-entropy — a REDUCED setting, not comparable with " \
           "published numbers (the model's recipe is 800 epochs)" in line, line
