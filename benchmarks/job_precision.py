"""The precision the GPU plan's jobs train in: one named setting, and a run keeps its own.

Issue 81: MMNet-release's and HSTA-release's recipes take 23 and 16 minutes a seed at the
H200's fp32 rate, more than any window, and about 2 and 1.3 in bf16. Whether bf16 changes
what a recipe scores was decided by a study on the CPU (``benchmarks/README.md``, *Which
precision the GPU jobs train in*): RCN-A's whole recipe, three seeds in each precision,
scored the same (UF1 +.0007, p .79; UAR -.0001, p 1.0), so the seeds' models' new runs
train in :data:`PLAN_PRECISION` = bf16 (and rank: ``results.schema.RANKED_PRECISIONS``).
Precision is part of a run's identity (merbench refuses to go on with a run in another
precision), so a run a window has started keeps the precision its ``run.json`` records,
whatever the setting says later: the committed fp32 folds of HTNet's reference seed 0 stay
fp32 to its last fold.
"""

from __future__ import annotations

import json
from pathlib import Path

# fp32, bf16 or tf32: the precision of new runs of HTNet, MMNet-release and HSTA-release,
# the outcome of the precision study
PLAN_PRECISION = "bf16"


def recorded_precision(folder: Path) -> str | None:
    """The precision the run in ``folder`` recorded (its ``run.json``), or None where no
    run is started there (or its record cannot be read: merbench itself then says why)."""
    try:
        config = json.loads((folder / "run.json").read_text()).get("config", {})
    except (OSError, ValueError, AttributeError):
        return None
    precision = config.get("precision") if isinstance(config, dict) else None
    return str(precision) if precision else None


def with_run_precision(args: tuple[str, ...], out: str, *roots: Path | None) -> tuple[str, ...]:
    """A job's ``args`` with ``--precision`` that of its run where one is started in the
    first of ``roots`` that holds it (a run keeps one precision from its first fold to its
    last); unchanged where none is, or where the job names no precision."""
    if "--precision" not in args:
        return args
    for root in roots:
        if root is None:
            continue
        recorded = recorded_precision(root / out)
        if recorded is not None:
            at = args.index("--precision") + 1
            return (*args[:at], recorded, *args[at + 1:])
    return args
