"""What a GPU session does before it spends a minute on the GPU, and where its minutes went.

``gpu_session.py`` runs :data:`CHECK` as its first step (with every later step's
environment): the merbench checkout, the data and the carried wheels are there, torch sees
the device, and every module the later steps import imports. A window that fails here has
lost seconds, not its tests or its runs. :func:`environment` is that environment: the
carried wheels installed into ``/tmp/site`` on the GPU machine and put on ``PYTHONPATH``,
or, in a CPU rehearsal, ``gpu_image_guard`` first on it (imports the image lacks fail).
:func:`accounted` turns the session's steps into the minutes the README's record of every
window reports.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import gpu_wheels

HERE = Path(__file__).resolve().parent
GUARD = HERE / "gpu_image_guard"

# Imports what the later steps import, and checks the device; argv: device, data folder.
CHECK = """
import sys, importlib
device, data = sys.argv[1], sys.argv[2]
import torch
if device.startswith("cuda") and not torch.cuda.is_available():
    sys.exit("pre-flight: torch " + torch.__version__ + " sees no CUDA device")
from pathlib import Path
if not (Path(data) / "composite").is_dir():
    sys.exit(f"pre-flight: {data} holds no composite/ folder")
sys.path.insert(0, sys.argv[3])
for name in ("merbench.cli.command_line", "merbench.cli.run_command",
             "merbench.cli.tune_command", "merbench.tuning.search", "optuna",
             "merbench.plugin_system.manager", "gpu_plan", "leaderboard_runs", "train_matrix",
             "plan_step", "pytest"):
    importlib.import_module(name)
from merbench.plugin_system.manager import load_plugins
registries = load_plugins().registries
for model in ("htnet", "mmnet-release", "hsta-release", "alexnet-flow", "causalnet",
              "offapexnet", "ststnet"):
    registries.models.get(model)
print("pre-flight: torch", torch.__version__, "on", device, "; every step's module imports")
"""


def environment(rehearse: bool, state: Path) -> dict[str, str]:
    """The variables every step runs with (added to this process's)."""
    paths = [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []
    if rehearse:
        return {"PYTHONPATH": os.pathsep.join([str(GUARD), *paths]),
                "MERBENCH_GPU_GUARD_LOG": str(state / "guard.log")}
    if any(gpu_wheels.WHEELS.glob("*.whl")):
        return {"PYTHONPATH": os.pathsep.join([str(gpu_wheels.SITE), *paths])}
    return {}


def install_wheels(rehearse: bool) -> str:
    """Install the carried wheels (a GPU machine reaches no index); what was done."""
    wheels = sorted(gpu_wheels.WHEELS.glob("*.whl"))
    if rehearse:
        return "skipped: a rehearsal imports the venv's copies, the guard allowing the pinned"
    if not wheels:
        return f"no wheels in {gpu_wheels.WHEELS} (python benchmarks/gpu_wheels.py download)"
    done = subprocess.run(gpu_wheels.install_command(), capture_output=True, text=True,
                          check=False)
    if done.returncode:
        return f"FAILED: {done.stderr.strip().splitlines()[-1:]}"
    return f"installed {len(wheels)} wheels into {gpu_wheels.SITE}"


def accounted(steps: list[dict[str, Any]], wall_s: float) -> dict[str, float]:
    """Seconds by what they went to: each step's, and what none of them holds (packing,
    splitting, this script's own start); the device tool's start and transfers are outside
    the command and are added from its reply in the README's record."""
    spent = {str(step["step"]): float(step["seconds"]) for step in steps}
    spent["other (packing, splitting, start-up)"] = round(max(0.0, wall_s - sum(spent.values())),
                                                           1)
    return spent
