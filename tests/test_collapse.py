"""A collapsed model (one class predicted for every sample, or a UAR of exactly chance) is
said so in results.json's notes, the CLI summary, merbench validate and the leaderboard,
never passed silently as a weak model."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np

import merbench
from merbench.kinds.emotion_text import print_results
from merbench.meta import ModelMeta, TrainRecipe
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.manager import load_plugins
from merbench.plugin_system.registry import ModelRegistry
from merbench.results.collapse import collapse_notes

CLASSES = ("negative", "positive", "surprise")
CONSTANT = ModelMeta(name="constant", version=1,
                     description="predicts one class whatever it sees",
                     citation="https://arxiv.org/abs/1902.03634", feature="flow-uvos",
                     recipe=TrainRecipe(epochs=2, batch_size=256, lr=5e-5))


class _ConstantPlugin:
    @hookimpl
    def merbench_register_models(self, registry: ModelRegistry) -> None:
        registry.add(CONSTANT, "constant_model:build_constant")


def test_one_class_everywhere_and_chance_are_noted() -> None:
    y_true = np.array([0, 0, 1, 2, 1, 2])
    (note,) = collapse_notes(y_true, np.zeros(6, dtype=int), CLASSES, 1 / 3)
    assert note.startswith("collapsed: every test sample is predicted 'negative'")
    # one class per database: UAR exactly 1/3, two classes predicted in all
    (chance,) = collapse_notes(y_true, np.array([0, 0, 0, 2, 2, 2]), CLASSES, 1 / 3)
    assert chance.startswith("chance: UAR is exactly 1/3")
    assert collapse_notes(y_true, np.array([0, 0, 1, 2, 2, 2]), CLASSES, 0.8333) == []


def test_a_collapsed_run_says_so_everywhere(tmp_path: Path, cli) -> None:
    plugins = load_plugins(extra=[("constant", _ConstantPlugin())])
    out = tmp_path / "results" / "constant"
    result = merbench.run(model="constant", dataset="synthetic", out=out, device="cpu",
                          dataset_options={"subjects": 3, "samples_per_subject": 6},
                          plugins=plugins)
    (note,) = result.results.notes
    assert note.startswith("collapsed: every test sample is predicted 'negative'")
    assert json.loads((out / "results.json").read_text())["notes"] == [note]
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        print_results(result.results, out)
    assert "WARNING: collapsed: every test sample is predicted 'negative'" in \
        " ".join(shown.getvalue().split())
    # a copy whose notes were removed is rejected by validate: the predictions say otherwise
    edited = tmp_path / "edited"
    shutil.copytree(out, edited)
    data = json.loads((edited / "results.json").read_text())
    data["notes"] = []
    (edited / "results.json").write_text(json.dumps(data))
    code, _, err = cli("validate", edited)
    assert code == 2 and "results.json's notes are [] but the predictions give" in err
