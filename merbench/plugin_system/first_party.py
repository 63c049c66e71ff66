"""First-party means first-party: merbench's own plugins come from this merbench only.

merbench's plugins are registered, like any package's, by entry points of the distribution
named ``merbench``, and the registry lets that distribution keep every name it registers.
Python's metadata knows one distribution per name: the first ``merbench-*.dist-info`` (or
``.egg-info``) on ``sys.path`` wins. So a stray or planted one earlier on the path would
replace every first-party plugin with its own modules, recorded in results as merbench's
(``{'plugin': 'cnn', 'package': 'merbench'}``) and accepted by ``merbench validate``. Each
first-party entry point must therefore name one of merbench's plugin modules and load it
from beside the ``merbench`` package being run; anything else is refused by name.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from types import ModuleType

from merbench.base.errors import PluginError

# merbench's own plugin modules, as pyproject.toml's [project.entry-points.merbench] names
# them (tests/test_plugins.py checks the two agree)
FIRST_PARTY_MODULES = {
    "datasets": "merbench_datasets.plugin", "features": "merbench_features.plugin",
    "cnn": "merbench_cnn.plugin", "htnet": "merbench_htnet.plugin",
    "handcrafted": "merbench_handcrafted.plugin", "mmnet": "merbench_mmnet.plugin",
    "hsta": "merbench_hsta.plugin", "timm": "merbench_timm.plugin",
    "spotters": "merbench_spotters.plugin",
}


def _where(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "an unknown location"
    return str(dist.locate_file(""))


def check_first_party(ep: metadata.EntryPoint, module: ModuleType | object) -> None:
    """Refuse a first-party entry point ``ep`` (loaded as ``module``) that is not this
    merbench's own plugin."""
    root = Path(__file__).resolve().parents[2]  # holds this merbench package
    fix = (f"remove that distribution named merbench (a stray merbench-*.dist-info) from "
           f"sys.path; this merbench is {root}")
    if FIRST_PARTY_MODULES.get(ep.name) != ep.value:
        raise PluginError(f"a distribution named merbench at {_where(ep)} registers plugin "
                          f"'{ep.name}' as {ep.value}, which is not merbench's own; {fix}")
    source = getattr(module, "__file__", None)
    if source is None or not Path(source).resolve().is_relative_to(root):
        raise PluginError(f"merbench's plugin '{ep.name}' ({ep.value}) loads from {source}, "
                          f"not from beside this merbench (a distribution named merbench at "
                          f"{_where(ep)}); {fix}")
