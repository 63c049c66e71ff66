"""Running a protocol: spec -> plan -> data -> identity -> engine -> executor -> results.

``merbench.run`` is this package and, for users, a function: calling it runs a protocol
with the same options as ``merbench run``::

    result = merbench.run(model="ststnet", dataset="synthetic", epochs=50)

The keyword options are the fields of :class:`RunSpec` (what runs) and of
:class:`RunSettings` (where and how fast; each documented there and in
``docs/user-guide.md``); ``plugins=`` takes a plugin set from
:func:`merbench.plugins.load_plugins` instead of the default one. The package is callable
because a subpackage and a function cannot share the name ``merbench.run``, and both are
public: the call is the user's API, the modules below are the core's.

One concept per module:

- :mod:`~merbench.run.spec`: :class:`RunSpec` and :class:`RunSettings`, every option
  declared once; :mod:`~merbench.run.checks`: every check of their values;
- :mod:`~merbench.run.plan`: pure resolution against the plugins (shared with
  ``merbench extract``); :mod:`~merbench.run.data`: the dataset, folds and saved weights;
  :mod:`~merbench.run.weights`: saved weights checked as the run starts;
- :mod:`~merbench.run.identity`: what decides the numbers, and the folder names;
- :mod:`~merbench.run.engine`: how a run's folds train, one at a time or several at once,
  and why; :mod:`~merbench.run.out_of_memory`: fewer at once when they do not fit;
- :mod:`~merbench.run.model_input`, :mod:`~merbench.run.fold_inputs`,
  :mod:`~merbench.run.train` (the trainer of one group in a process),
  :mod:`~merbench.run.saved_states`: what each fold trains on, how, and where its unfinished
  state is kept;
- :mod:`~merbench.run.executor`: where the folds train, chosen from the registry in
  :mod:`~merbench.run.executor_kinds`: :mod:`~merbench.run.local_executor` (this process)
  or :mod:`~merbench.run.ray_executor` (Ray tasks), each training a
  :mod:`~merbench.run.started_run`;
- :mod:`~merbench.run.execute`: a spec run to the end; :mod:`~merbench.run.summary`: its
  results; :mod:`~merbench.run.seeds`: several seeds and their summary.

Importing this package loads none of them (``import merbench`` stays fast); the names below
load on first use.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from merbench.errors import MerbenchError

if TYPE_CHECKING:
    from merbench.run.execute import RunResult
    from merbench.run.seeds import SeedsResult
    from merbench.run.spec import RunSettings, RunSpec

_LAZY = {"RunSpec": "merbench.run.spec", "RunSettings": "merbench.run.spec",
         "RunResult": "merbench.run.execute",
         "SeedsResult": "merbench.run.seeds", "parse_seeds": "merbench.run.seeds"}
__all__ = ["RunResult", "RunSettings", "RunSpec", "SeedsResult", "parse_seeds", "spec_of"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'merbench.run' has no attribute '{name}'")


def spec_of(model: str, dataset: str,
            options: dict[str, Any]) -> tuple[RunSpec, RunSettings]:
    """The spec and settings of ``model`` on ``dataset`` with keyword ``options`` (each goes
    to the record that has its name); unknown ones are named with the list of those that
    exist."""
    from merbench.run.spec import SETTINGS_FIELDS, SPEC_FIELDS, from_options

    fields = [*SPEC_FIELDS, *SETTINGS_FIELDS]
    unknown = sorted(set(options) - set(fields))
    if unknown:
        accepted = [f for f in fields if f not in ("model", "dataset")]
        raise MerbenchError(f"merbench.run() has no option {', '.join(map(repr, unknown))}; "
                            f"options are: {', '.join(accepted)}")
    return from_options({"model": model, "dataset": dataset, **options})


class _CallableRun(types.ModuleType):
    def __call__(self, model: str, dataset: str, **options: Any) -> RunResult:
        """Run ``model`` on ``dataset`` with :class:`RunSpec` and :class:`RunSettings`
        ``options``; see the module."""
        from merbench.run.execute import run

        plugins = options.pop("plugins", None)
        return run(*spec_of(model, dataset, options), plugins=plugins)


sys.modules[__name__].__class__ = _CallableRun
