"""Pass 84aa, AA15: plugins as pluggy reads them.

AA15: a registration hook marked ``@hookimpl(specname="merbench_register_...")`` under
another function name was never called where the module had no function of the hook's own
name: the plugin was listed as loaded and its names were unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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

