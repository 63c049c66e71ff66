"""Running out of memory: the same folds again, fewer at a time, wherever they trained.

One policy for every executor. A group of K folds trained together that runs out of memory
trains again as groups of half as many (rounded up), with a warning, and the engine record
says so (``lowered_after_out_of_memory_from``): the same training, and in fp32 without
dropout the same numbers, otherwise other dropout masks or roundings, as
``same_numbers_as_sequential`` says. A single fold that runs out is an error that keeps
every finished fold.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace

from merbench.base.errors import MerbenchError, TooLargeToBuild, first_line
from merbench.base.literal import options_written
from merbench.protocols import Fold
from merbench.results.model import EngineRecord
from merbench.runner.started_run import StartedRun


def fewer_at_a_time(run: StartedRun, engine: EngineRecord, group: list[Fold],
                    exc: BaseException) -> EngineRecord:
    """The engine of ``run`` after ``group`` ran out of memory with ``exc``: its folds train
    half as many at once from now on. Raises the one-line error for a single fold."""
    if len(group) == 1:
        raise _out_of_memory_error(run, group[0], exc) from None
    k = (len(group) + 1) // 2
    warnings.warn(f"{run.data.plan.device} ran out of memory training {len(group)} folds at "
                  f"once; training the remaining folds {k} at a time", RuntimeWarning,
                  stacklevel=2)
    return replace(engine, folds_at_once=k, lowered_after_out_of_memory_from=(
        engine.lowered_after_out_of_memory_from or engine.folds_at_once))


def _out_of_memory_error(run: StartedRun, fold: Fold, exc: BaseException) -> MerbenchError:
    """The one line for a single fold that ran out of memory, wherever it ran."""
    plan = run.data.plan
    # a run with no finished fold is removed as it started (execute.forget_untrained)
    kept = (f"every finished fold is kept in {run.run_dir.path}" if run.done
            else "no fold had finished, so nothing was kept")
    if isinstance(exc, TooLargeToBuild):  # its options, not the batch: its line names them
        return MerbenchError(f"{first_line(exc)}; {kept}")
    fix = ("free the device or use a smaller --batch-size" if plan.trains_in_epochs
           else "free memory on this machine")
    options = plan.spec.model_options
    asked = asked_for(exc)
    if options:  # --model-opt padding=100000 asks for 200 GB: the options, not the batch
        given = options_written(dict(sorted(options.items())))
        return MerbenchError(
            f"model '{plan.spec.model}' with {given} ran out of {plan.device} memory "
            f"training fold {fold.label}{asked}: the options may make the network too large; "
            f"check them against 'merbench list models', or {fix}; {kept}")
    return MerbenchError(
        f"{plan.device} ran out of memory training fold {fold.label} of model "
        f"'{plan.spec.model}'{asked}; {fix}; {kept}")


#: how many bytes the allocator was asked for, in torch's words for the CPU ("you tried to
#: allocate 6000000000000 bytes") and for CUDA ("Tried to allocate 20.00 GiB")
_ASKED = re.compile(r"allocate (\d+) bytes|[Tt]ried to allocate (\d+(?:\.\d+)? [KMGTP]i?B)")

_UNITS = ("bytes", "KB", "MB", "GB", "TB", "PB")


def asked_for(exc: BaseException) -> str:
    """`` (it asked for 6 TB at once)`` where the library's message says how much memory one
    allocation wanted, else nothing: its own text ("[enforce fail at alloc_cpu.cpp:127]
    ... DefaultCPUAllocator ...") was the line's reason, a library's words where merbench's
    belong (pass 84ae, AE7)."""
    found = _ASKED.search(str(exc))
    if found is None:
        return ""
    if found.group(2) is not None:
        return f" (it asked for {found.group(2)} at once)"
    size, unit = float(found.group(1)), 0
    while size >= 1000 and unit < len(_UNITS) - 1:
        size, unit = size / 1000, unit + 1
    shown = f"{size:.0f}" if unit == 0 or size >= 10 else f"{size:.1f}"
    return f" (it asked for {shown} {_UNITS[unit]} at once)"
