"""What a window with runs left measures before it trains, and nothing more.

Issue 81: of a 540 s window, the gpu test suite could take 240 s and the training matrix
270 s, so an H200 window trained a quarter of HTNet's seed and an H100 one four folds. A
window whose plan has runs left now spends its seconds on training: before the runs, only a
smoke test of the steps the plan uses (:func:`smoke_tests`: the fused step, folds trained
together, captured epochs against eager ones, bf16 where a job trains in it; under 30 s)
and a short measurement (under 60 s, ``train_matrix.py --only``) of each model of the jobs
left that has no figure on this chip (:func:`to_measure`), so the plan's minutes for it are
measured before it is planned. The whole suite and the matrix run only in a window with no
run left, which has the time.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import gpu_plan
import leaderboard_runs
from job_precision import with_run_precision

try:
    import tomllib  # type: ignore[import-not-found, unused-ignore]
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests" / "test_gpu.py"
COMMITTED_MATRIX = HERE / "train_matrix.json"
# the gpu tests of the steps every run of the plan takes on CUDA: Adam's fused step, folds
# trained together (fp32, the same numbers as one at a time), captured epochs equal to eager
# ones (which the plan only uses where they pass)
SMOKE = ("test_cuda_takes_the_fused_step",
         "test_fold_parallel_equals_one_fold_at_a_time_in_fp32",
         "test_captured_epochs_equal_eager_ones[2]")
SMOKE_BY_PRECISION = {"bf16": "test_bf16_and_tf32_stay_close_to_fp32[bf16]",
                      "tf32": "test_bf16_and_tf32_stay_close_to_fp32[tf32]"}


def jobs_left(runs: Path, start_from: Path | None,
              committed: Path | None) -> list[leaderboard_runs.Job]:
    """The plan's jobs not finished in ``runs``, ``start_from`` or ``committed`` (default
    ``leaderboards/results``), CausalNet's left out (a session passes no images), each in
    the precision it will train in: its run's own where one is started (HTNet's seed 0 goes
    on in fp32 whatever the plan's precision), so no window measures or smoke-tests a
    precision it does not train in."""
    return [dataclasses.replace(job, args=with_run_precision(job.args, job.out, runs,
                                                             start_from))
            for job in leaderboard_runs.JOBS if not job.images
            and leaderboard_runs.finished_in(job, runs, start_from,
                                             committed or leaderboard_runs.COMMITTED) is None]


def job_model(job: leaderboard_runs.Job) -> tuple[str, str]:
    """The model a job trains and its precision (a tuning's model from its search file)."""
    if job.tool == "tune":
        spec = tomllib.loads((leaderboard_runs.REPOSITORY / job.args[0]).read_text())
        return str(spec["model"]), "fp32"
    return (str(gpu_plan.option(job.args, "--model")),
            str(gpu_plan.option(job.args, "--precision", "fp32")))


def measured_on(chip: str, matrix: dict[str, Any], figures: dict[str, Any],
                together: bool = True) -> set[tuple[str, str]]:
    """The (model, precision) pairs with a figure measured on ``chip``: rows of a matrix
    measured there, and the jobs' figures (``gpu_figures.json``, fp32) timed there. TF32 is
    planned from fp32's figure (no slower), so it counts as measured where fp32 is.
    ``together``: a model the fold-parallel engine takes (issue 81) counts only once it was
    measured K folds at once too; False: any figure of it counts."""
    pairs: set[tuple[str, str]] = set()
    if matrix.get("device") == chip:
        pairs |= {(r["model"], r["precision"]) for r in matrix.get("settings", [])}
        pairs |= {(r["model"], r["precision"]) for r in matrix.get("plan_models", [])
                  if not together or r["model"] not in gpu_plan.FOLD_PARALLEL_MODELS
                  or r.get("k", 1) > 1}
    for job in leaderboard_runs.JOBS:
        figure = figures.get("jobs", {}).get(job.figure_key)
        if figure is not None and figure.get("device") == chip:
            pairs.add((job_model(job)[0], "fp32"))
    return pairs | {(model, "tf32") for model, precision in pairs if precision == "fp32"}


def to_measure(jobs: list[leaderboard_runs.Job], chip: str, matrix: dict[str, Any],
               figures: dict[str, Any]) -> list[str]:
    """``model:precision`` of each model of ``jobs`` with no figure on ``chip``, in the
    plan's order (what ``train_matrix.py --only`` measures). A model with a figure one fold
    at a time but none K folds at once is measured again only where its job opens the
    window: the measurement's seconds come out of the runs', and spent on a model the window
    will not reach they cost the job before it folds (HTNet's seed 0: 16 folds of 26 on an
    H200 without it, 12 with it)."""
    have = measured_on(chip, matrix, figures)
    have_alone = measured_on(chip, matrix, figures, together=False)
    wanted = []
    for position, job in enumerate(jobs):
        model, precision = job_model(job)
        precision = "fp32" if precision == "tf32" else precision  # its step is fp32's
        pair = (model, precision)
        needed = pair not in have_alone or (pair not in have and position == 0)
        if needed and f"{model}:{precision}" not in wanted:
            wanted.append(f"{model}:{precision}")
    return wanted


def smoke_tests(jobs: list[leaderboard_runs.Job]) -> list[str]:
    """The node ids of the gpu tests of the steps ``jobs`` take."""
    precisions = {job_model(job)[1] for job in jobs}
    return [f"{TESTS}::{name}" for name in
            (*SMOKE, *(SMOKE_BY_PRECISION[p] for p in sorted(precisions)
                       if p in SMOKE_BY_PRECISION))]


def load(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
