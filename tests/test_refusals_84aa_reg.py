"""Pass 84aa, AA12 and AA15: plugins as results record them and as pluggy reads them.

AA12: ``audit``, ``run --resume`` and ``predict --from-run`` of a finished run whose model
came from a plugin not installed here said "unknown model ...; available: ...", where the
run's record names the plugin and package that provided it.

AA15: a registration hook marked ``@hookimpl(specname="merbench_register_...")`` under
another function name was never called where the module had no function of the hook's own
name: the plugin was listed as loaded and its names were unknown.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from conftest import FOREST_RUN, SKLEARN_FOREST_PLUGIN, one_line

SPECNAME_PLUGIN = """
    from merbench.api import ModelMeta, TrainRecipe, hookimpl

    def build(num_classes=3):
        from torch import nn
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 28 * 28, num_classes))

    @hookimpl(specname="merbench_register_models")
    def _models(registry):
        registry.add(ModelMeta(name="x-lin", version=1, description="linear",
                               citation="none", feature="flow-uvos",
                               recipe=TrainRecipe(epochs=1, batch_size=8, lr=1e-3)),
                     build)
"""


def test_a_hook_under_another_name_is_called(make_dist: Callable[..., None], cli: Any) -> None:
    make_dist("specplug", "sp", "mb_specplug", SPECNAME_PLUGIN)
    code, out, err = cli("list", "models")
    assert code == 0 and "x-lin" in out and "warning" not in err, (out, err)


def test_a_left_out_plugins_hook_under_another_name_is_read(
        make_dist: Callable[..., None], cli: Any, tmp_path: Path) -> None:
    """``--no-plugin sp`` then a run of its model: the plugin left out is named, as for a
    hook of the hook's own name, not "unknown model"."""
    make_dist("specplug", "sp", "mb_specplug", SPECNAME_PLUGIN)
    code, _, err = cli("run", "--no-plugin", "sp", "--model", "x-lin", "--dataset",
                       "synthetic", "--quiet", "--out", tmp_path / "r")
    assert code == 2 and err.strip() == (
        "merbench: error: model 'x-lin' is provided by plugin 'sp', which --no-plugin sp "
        "leaves out; give the command without --no-plugin sp to use it"), err


@pytest.fixture
def forest_run_uninstalled(make_dist: Callable[..., None], tmp_path: Path, cli: Any) -> Path:
    """A finished run of a third-party plugin's model (``sk-rf`` of plugin 'skp', package
    skforest 1.0), the package then uninstalled."""
    make_dist("skforest", "skp", "mb_skforest", SKLEARN_FOREST_PLUGIN)
    run = tmp_path / "r"
    code, _, err = cli(*FOREST_RUN, "--out", run)
    assert code == 0, err
    shutil.rmtree(tmp_path / "site" / "skforest-1.0.dist-info")
    (tmp_path / "site" / "mb_skforest.py").unlink()
    return run


def _frames(folder: Path) -> Path:
    folder.mkdir()
    for index in range(3):
        cv2.imwrite(str(folder / f"img{index}.jpg"), np.zeros((32, 32, 3), np.uint8))
    return folder


@pytest.mark.parametrize(("command", "purpose"), [
    (("audit", "{run}", "--folds", "1"), "audit"),
    (("run", "--resume", "{run}"), "resume"),
    (("predict", "{frames}", "--fps", "30", "--from-run", "{run}", "--out", "{out}"),
     "predict with"),
])
def test_a_run_of_a_plugin_not_installed_names_its_package(
        forest_run_uninstalled: Path, tmp_path: Path, cli: Any, command: tuple[str, ...],
        purpose: str) -> None:
    """AA12: "unknown model 'sk-rf'; available: ..." offered other models to a command that
    cannot choose one; the run's record names the package that provided it."""
    frames = _frames(tmp_path / "frames")
    given = [part.format(run=forest_run_uninstalled, frames=frames, out=tmp_path / "p")
             for part in command]
    code, _, err = cli(*given)
    assert code == 2 and one_line(err) == (
        f"merbench: error: {forest_run_uninstalled} was run with model 'sk-rf' of plugin "
        f"'skp' (package skforest 1.0), which is not installed here; install skforest 1.0 "
        f"to {purpose} it"), err


def test_a_run_of_a_plugin_whose_other_version_lacks_the_model(
        forest_run_uninstalled: Path, tmp_path: Path, cli: Any) -> None:
    """The plugin installed again in a version that no longer registers the run's model:
    the version the run was made with is the one to install."""
    site = tmp_path / "site"
    (site / "mb_skforest2.py").write_text("")  # a new module: the first stays imported
    info = site / "skforest-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: skforest\nVersion: 2.0\n")
    (info / "entry_points.txt").write_text("[merbench]\nskp = mb_skforest2\n")
    code, _, err = cli("run", "--resume", forest_run_uninstalled)
    assert code == 2 and one_line(err) == (
        f"merbench: error: {forest_run_uninstalled} was run with model 'sk-rf' of plugin "
        "'skp' (package skforest 1.0), which plugin 'skp' installed here (skforest 2.0) does "
        "not register; install skforest 1.0 to resume it"), err
