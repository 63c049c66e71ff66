"""Running a protocol: spec -> plan -> data -> identity -> engine -> executor -> results.

The machinery behind ``merbench run``, ``merbench sweep``, ``merbench audit`` and the Python
API's :func:`merbench.run`. ``docs/architecture.md`` follows one run through it, module by
module.

One concept per module:

- :mod:`~merbench.runner.spec`: :class:`RunSpec` and :class:`RunSettings`, every option
  declared once; :mod:`~merbench.runner.checks`: the checks of their values and combinations;
  :mod:`~merbench.runner.given_values`: seeds and option numbers as a user types them;
- :mod:`~merbench.runner.plan`: pure resolution against the plugins (shared with
  ``merbench extract``); :mod:`~merbench.runner.data`: the dataset, folds and saved weights;
  :mod:`~merbench.runner.weights`: saved weights checked as the run starts;
- :mod:`~merbench.runner.identity`: what decides the numbers, and the folder names;
- :mod:`~merbench.runner.engine`: how a run's folds train, one at a time or several at once,
  and why; :mod:`~merbench.runner.out_of_memory`: fewer at once when they do not fit;
- :mod:`~merbench.runner.trainer_setup`: what a run's folds train with, set up once (also for
  ``merbench audit``); :mod:`~merbench.runner.values`: a digest of each sample's input;
  :mod:`~merbench.runner.notify`: the lifecycle hooks, called so a reporter cannot stop a run;
- :mod:`~merbench.runner.model_input`, :mod:`~merbench.runner.fold_inputs`,
  :mod:`~merbench.runner.fold_work` (what a group computes, wherever it runs),
  :mod:`~merbench.runner.train` (the trainer of one group in a process),
  :mod:`~merbench.runner.saved_states`: what each fold trains on, how, and where its unfinished
  state is kept;
- :mod:`~merbench.runner.executor`: where the folds train, chosen from the registry in
  :mod:`~merbench.runner.executor_kinds`: :mod:`~merbench.runner.local_executor` (this process)
  or :mod:`~merbench.runner.ray_executor` (Ray tasks), each training a
  :mod:`~merbench.runner.started_run`;
- :mod:`~merbench.runner.execute`: a spec run to the end; :mod:`~merbench.runner.summary`: its
  results; :mod:`~merbench.runner.seeds`: several seeds and their summary.

Importing this package loads none of them (``import merbench`` stays fast); the names below
load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from merbench.runner.emotion_run import RunResult
    from merbench.runner.seeds import SeedsResult
    from merbench.runner.spec import RunSettings, RunSpec

_LAZY = {"RunSpec": "merbench.runner.spec", "RunSettings": "merbench.runner.spec",
         "RunResult": "merbench.runner.emotion_run",
         "SeedsResult": "merbench.runner.seeds", "parse_seeds": "merbench.runner.seeds"}
__all__ = ["RunResult", "RunSettings", "RunSpec", "SeedsResult", "parse_seeds"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'merbench.runner' has no attribute '{name}'")
