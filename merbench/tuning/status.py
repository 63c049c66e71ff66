"""``merbench status`` on a tuning's folder: one line for the search, not one per run.

A nested search of the composite holds hundreds of run folders; what its owner asks is how
far the search has got, which the folder itself says: the search it runs (``tuning.json``,
written first), the runs finished, and whether ``tune.json`` is there yet.
"""

from __future__ import annotations

import json
from pathlib import Path

from merbench.errors import MerbenchError
from merbench.results.tune_file import NESTED, TUNE_FILE, TUNING_SPEC_FILE


def is_tuning_folder(path: Path) -> bool:
    return (path / TUNING_SPEC_FILE).is_file()


def tuning_status(folder: Path) -> str:
    """The search, its runs finished out of the most it can train, and its state."""
    try:
        claimed = json.loads((folder / TUNING_SPEC_FILE).read_text())
        spec, mode = claimed["spec"], claimed["mode"]
        trials, inner = int(spec["trials"]), int(spec["inner_folds"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MerbenchError(f"{folder / TUNING_SPEC_FILE} cannot be read ({exc}); is the "
                            "folder a merbench tuning?") from None
    finished = len(list(folder.glob("trials/*/trial-*/**/results.json")))
    outer = len([p for p in (folder / "trials").glob("*") if p.is_dir()]) \
        if (folder / "trials").is_dir() else 0
    if mode == NESTED:
        most = f"at most {outer * trials * inner + outer}" if outer else "an unknown number"
        retrained = len(list(folder.glob("final/*/trial-*/results.json")))
        shape = f"{trials} trials x {inner} inner folds per outer fold"
        runs = f"{finished} inner runs and {retrained} retrainings finished, of {most}"
    else:
        shape = f"{trials} whole runs scored on the test subjects"
        runs = f"{finished} of {trials} runs finished"
    state = "finished: tune.json written" if (folder / TUNE_FILE).is_file() else \
        "tune.json not yet written (the same merbench tune command goes on)"
    return (f"{folder}: tuning of {spec['model']} on {spec['dataset']}/{spec['protocol']}, "
            f"{mode}, {shape}: {runs}; {state}")
