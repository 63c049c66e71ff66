"""A GPU window's plan before it starts: each leaderboard job's setting and predicted minutes.

Two kinds of figures feed it. ``gpu_figures.json`` (committed beside this file) holds each
job's last measured seconds per fold on a GPU, with the device, the date, the engine and
where the figure came from; a session that finished folds updates it from its
``timings.json``. A ``train_matrix.py`` JSON (``train_speed.py --matrix``, the first
measurement of every GPU session, also committed) holds the steady state of eager and
captured epochs, K folds at once, each precision, for HTNet and STSTNet: a job of a model it
measured trains with the fastest measured setting at the job's own precision (precision is
part of a run's identity, so it is never changed to go faster), captured only where the
matrix found the captured epochs bit for bit the eager ones, and its seconds per fold come
from that setting. The other jobs keep merbench's defaults and the job figures.

A job no GPU session has timed gets its seconds per fold from its model's FLOPs
(``merbench/leaderboard/model_costs.json``, written by ``model_costs.py``: the FLOPs of a
training step at the rate HTNet's measured folds reached), marked PREDICTED in the plan.

A prediction is the folds a job has left (68 a seed, less the fold files already in its run
folders, here or in ``--start-from``) times its seconds per fold, or "no figure yet".
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "gpu_figures.json"
# each model's FLOPs and costs (model_costs.py --write), package data the leaderboard reads
COSTS = HERE.parent / "merbench" / "leaderboard" / "model_costs.json"
FOLDS_PER_SEED = 68  # the MEGC2019 composite's LOSO folds (subjects)


# What a ``merbench run`` spends before its first group trains, assumed, not measured apart:
# starting Python, importing torch, reading the composite and the saved regions, planning
# the folds (about 20 s on the H200 of 2026-11-26: the manual K=8 run's 225 s of wall time
# held 165 s of training, the rest start-up and the writing of results)
START_UP_S = 20.0
# A run's epochs against the matrix's: the matrix times bare epochs of synthetic folds,
# a run also reports progress, checks the loss and stores every epoch's predictions. One
# measurement: HTNet K=8 fp32 captured, 165 s for a group the matrix put at 145.6 s (H200).
RUN_OVER_MATRIX = 1.13
# A group predicted to end in the last tenth of its window is not started that way (issue
# 81): with the H200's figures, 17 folds at once were chosen whenever 374.5 s remained, for
# a predicted 354.5 s group plus start-up, and a group 2 % slower than predicted finished
# nothing (the window of 2026-11-26 lost every fold so). The plan counts only groups that end
# by 90 % of the window.
MARGIN = 0.10


def usable_s(window_s: float) -> float:
    """The seconds of a ``window_s`` window that a job's groups may be predicted to fill:
    :data:`MARGIN` kept, then its start-up."""
    return window_s * (1 - MARGIN) - START_UP_S


@dataclass(frozen=True)
class Setting:
    """A measured way to train a model: K folds at once, captured or eager; ``group_s``
    is the predicted wall time of one group of K folds in a run (start-up excluded)."""

    folds_at_once: int
    captured: bool
    seconds_per_fold: float
    peak_gib: float
    source: str
    group_s: float = 0.0

    def options(self) -> tuple[str, ...]:
        return ("--parallel-folds", str(self.folds_at_once),
                *(() if self.captured else ("--eager",)))

    def folds_within(self, window_s: float, folds_left: int) -> int:
        """Folds one ``merbench run`` finishes in ``window_s`` seconds: after its start-up,
        merbench trains groups of K folds one after another, every fold of a group ending
        with the group's last epoch (``local_executor._train_pending``), so only whole
        groups count, and only those predicted to end before the window's last tenth
        (:data:`MARGIN`); at most ``folds_left``."""
        if self.group_s <= 0:
            return folds_left
        groups = max(0.0, usable_s(window_s)) // self.group_s
        return min(folds_left, int(groups) * self.folds_at_once)

    def seconds_for(self, folds: int) -> float:
        """Predicted seconds of a run that trains ``folds`` folds: start-up, then its groups
        (the last one as long as a full one: K folds at once take the same epochs)."""
        groups = -(-folds // self.folds_at_once) if folds > 0 else 0
        return START_UP_S + groups * self.group_s


def declared_epochs(model: str) -> int | None:
    """The epochs ``model``'s recipe declares (None: not a torch model merbench has)."""
    from merbench.base.errors import MerbenchError
    from merbench.plugin_system.manager import default_plugins

    try:
        recipe = default_plugins().registries.models.get(model).meta.recipe
    except MerbenchError:
        return None
    return None if recipe is None else recipe.epochs


def option(args: tuple[str, ...], name: str, default: str | None = None) -> str | None:
    """The value after ``name`` in a command line's arguments."""
    return args[args.index(name) + 1] if name in args else default


def seeds(args: tuple[str, ...]) -> list[int]:
    listed = option(args, "--seeds")
    return [int(s) for s in listed.split(",")] if listed else [int(option(args, "--seed") or 0)]


def load(path: Path | None) -> dict[str, Any]:
    """A figures or matrix JSON; {} when there is none."""
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text())


def captured_is_exact(matrix: dict[str, Any], model: str) -> bool:
    """Whether the matrix checked ``model``'s captured fp32 epochs against eager ones and
    found every weight and prediction the same."""
    checks = [c for c in matrix.get("same_numbers", []) if c["model"] == model]
    return bool(checks) and all(c["differing_tensors"] == 0 and c["same_predictions"]
                                for c in checks)


def best_setting(matrix: dict[str, Any], model: str, precision: str,
                 window_s: float | None = None, folds_left: int = FOLDS_PER_SEED,
                 memory_gib: float = 0.0, device: str | None = None) -> Setting | None:
    """The setting the matrix measured for ``model`` at ``precision`` that does most.

    Without a window (``window_s`` None), the fastest per fold: a job with all the time it
    needs finishes soonest so. With one, the setting that finishes the most folds inside it
    (:meth:`Setting.folds_within`), ties to the fewer seconds per fold: a fold unfinished at
    the window's end is lost, so 16 folds at once that need longer than the window finish
    nothing where 8 at once finish 8 (the H200 session of 2026-11-26 lost its whole window
    so). ``memory_gib``: this GPU's memory; when the matrix came from another GPU
    (``device``, this one's name, differs from the matrix's), settings that peaked above
    90 % of it are left out (an H200's 80 GiB settings do not fit an H100)."""
    exact = captured_is_exact(matrix, model)
    other_gpu = device is not None and matrix.get("device") != device
    # a fold trained alone is never captured (merbench's sequential trainer)
    rows = [r for r in matrix.get("settings", []) if r["model"] == model
            and r["precision"] == precision
            and not (r["captured"] and (not exact or r["k"] == 1))
            and not (other_gpu and memory_gib > 0 and r["peak_gib"] > 0.9 * memory_gib)]
    epochs = declared_epochs(model)
    if not rows or epochs is None:
        return None
    settings = [_setting(row, epochs, matrix) for row in rows]
    fastest = min(settings, key=lambda s: s.seconds_per_fold)
    if window_s is None:
        return fastest
    return max(settings, key=lambda s: (s.folds_within(window_s, folds_left),
                                        -s.seconds_per_fold))


def _setting(row: dict[str, Any], epochs: int, matrix: dict[str, Any]) -> Setting:
    """A matrix row as a run would train it: the group's build and first epochs as measured,
    the rest of its ``epochs`` at the steady epoch's time, scaled by :data:`RUN_OVER_MATRIX`."""
    first = row["first_epochs_s"]
    group = RUN_OVER_MATRIX * (row["build_s"] + sum(first)
                               + row["epoch_s"] * max(0, epochs - len(first)))
    return Setting(row["k"], row["captured"], group / row["k"], row["peak_gib"],
                   f"train_matrix on {matrix.get('device', 'a GPU')}", group)


def fold_files(job_out: str, seed_list: list[int], *roots: Path | None) -> list[Path]:
    """The fold files already finished for ``job_out``'s seeds, in the first root that has
    each seed's run folder."""
    files: list[Path] = []
    for seed in seed_list:
        for root in roots:
            if root is None:
                continue
            folder = root / job_out / f"seed-{seed}"
            if not folder.is_dir() and len(seed_list) == 1:
                folder = root / job_out
            if folder.is_dir():
                files.extend(sorted((folder / "folds").glob("fold-*.npz")))
                break
    return files


def folds_done(job_out: str, seed_list: list[int], *roots: Path | None) -> int:
    """How many fold files are already finished for ``job_out``'s seeds."""
    return len(fold_files(job_out, seed_list, *roots))


def training_seconds(files: Sequence[Path]) -> float | None:
    """The median seconds a fold took to train, as ``files`` (fold files, read by merbench's
    own reader) record them (a group of K folds trained together records its seconds over
    K in each); None where none can be read. Unlike a call's wall time over its folds,
    this holds neither the job's start-up nor a group the budget cut, so it is the rate a
    plan can use."""
    import statistics

    from merbench.base.errors import MerbenchError
    from merbench.results.fold_file import read_fold_file

    seconds = []
    for file in files:
        try:
            seconds.append(read_fold_file(file).seconds)
        except MerbenchError:  # a damaged file: no figure of it
            continue
    return statistics.median(seconds) if seconds else None


@dataclass(frozen=True)
class Prediction:
    job: str
    folds_left: int
    seconds_per_fold: float | None
    source: str
    setting: Setting | None
    # "measured" (the matrix, or a session's timings), "predicted" (FLOPs at another
    # model's rate) or "none": the dry run says which of each job's minutes to trust
    basis: str = "none"

    @property
    def minutes(self) -> float | None:
        if self.seconds_per_fold is None:
            return None
        return self.folds_left * self.seconds_per_fold / 60

    def line(self) -> str:
        how = "" if self.setting is None else f" with {shlex.join(self.setting.options())}"
        if self.minutes is None:
            return (f"[no figure] {self.job}: {self.folds_left} folds left{how}; the "
                    "window's matrix measures it first (or run benchmarks/model_costs.py "
                    "--write for a FLOPs prediction)")
        return (f"[{self.basis}] {self.job}: {self.folds_left} folds left{how}, "
                f"{self.seconds_per_fold:.1f} s a fold ({self.source}): about "
                f"{self.minutes:.1f} min")


def flops_figure(costs: dict[str, Any], model: str | None) -> tuple[float, str] | None:
    """``model``'s GPU seconds a fold as ``model_costs.py`` predicted them from its FLOPs
    (and its source), where no GPU session has timed it; None: no such prediction."""
    entry = costs.get("models", {}).get(model) if model is not None else None
    if not entry or entry.get("gpu_s_per_fold") is None:
        return None
    source = str(entry.get("gpu_source", ""))
    if source.startswith("measured"):
        return None  # a measured figure lives in gpu_figures.json, under its job
    how = source.removeprefix("predicted from FLOPs").strip().removeprefix("(").removesuffix(")")
    return float(entry["gpu_s_per_fold"]), f"PREDICTED from FLOPs ({how or 'model_costs.py'})"


def predict(name: str, out: str, args: tuple[str, ...], figures: dict[str, Any],
            matrix: dict[str, Any], runs: Path | None, start_from: Path | None,
            figure: str | None = None, costs: dict[str, Any] | None = None,
            window_s: float | None = None, memory_gib: float = 0.0,
            device: str | None = None) -> Prediction:
    """``name``'s folds left, the setting it will train with and its predicted minutes: from
    the matrix, else the figure measured for it (``figure``: its key in the figures, default
    ``name``), else its model's FLOPs (``costs``: ``model_costs.json``, default the shipped
    one), marked as a prediction. ``window_s``, ``memory_gib`` and ``device`` choose among
    the matrix's settings (:func:`best_setting`)."""
    seed_list = seeds(args)
    left = FOLDS_PER_SEED * len(seed_list) - folds_done(out, seed_list, runs, start_from)
    model, precision = option(args, "--model"), option(args, "--precision", "fp32")
    setting = None
    if model is not None and "--parallel-folds" not in args:
        setting = best_setting(matrix, model, precision or "fp32", window_s, max(1, left),
                               memory_gib, device)
    if setting is not None:
        return Prediction(name, left, setting.seconds_per_fold, setting.source, setting,
                          "measured")
    measured = figures.get("jobs", {}).get(figure or name)
    # the matrix steps one fold at a time: a job that trains its folds together is planned
    # from its own timing where it has one (OFF-ApexNet's 68 at once: 6.3 s a fold timed,
    # 64.8 one at a time on the H200 of 2026-11-28)
    asked = int(option(args, "--parallel-folds") or 1)
    together = asked > 1
    stepped = plan_model_seconds(matrix, model, precision or "fp32", option(args, "--epochs"),
                                 asked if together else None)
    if stepped is not None and not (together and measured is not None):
        return Prediction(name, left, stepped[0], stepped[1], None, "measured")
    if measured is not None:
        return Prediction(name, left, float(measured["seconds_per_fold"]),
                          f"{measured['engine']}, {measured['device']}, "
                          f"{measured['measured']}", None, "measured")
    predicted = flops_figure(load(COSTS) if costs is None else costs, model)
    if predicted is None:
        return Prediction(name, left, None, "", None)
    return Prediction(name, left, predicted[0], predicted[1], None, "predicted")


# The plan models merbench's fold-parallel engine takes since issue 81 (BatchNorm, augment,
# param_groups): a window's matrix measures them K at once as well as one fold at a time
# (``plan_step.measure_folds``; CUDA only: a CPU trains one fold at a time by default).
FOLD_PARALLEL_MODELS = ("mmnet-release", "hsta-release")
FOLDS_MEASURED = 8


def plan_model_seconds(matrix: dict[str, Any], model: str | None, precision: str,
                       epochs: str | None = None,
                       asked_k: int | None = None) -> tuple[float, str] | None:
    """A fold's seconds for ``model`` from the matrix's real steps of it (``plan_step.py``:
    a fold-epoch at the recipe's batches, one fold at a time, and for the models the
    fold-parallel engine takes since issue 81 also K folds at once, a fold's share), the
    fastest a ``merbench run`` of the job trains unasked (K at once only where the model
    has no dropout: ``by_default``; or as the job asks, ``asked_k`` folds at once with
    ``--parallel-folds``), scaled to the run's epochs by :data:`RUN_OVER_MATRIX` after its
    build and first steps; None where the matrix did not measure it at ``precision``."""
    rows = [r for r in matrix.get("plan_models", []) if r["model"] == model
            and r["precision"] == precision
            and (r.get("k", 1) == 1 or r.get("by_default") or r.get("k") == asked_k)]
    if model is None or not rows:
        return None
    count = int(epochs) if epochs is not None else int(rows[0]["epochs"])

    def seconds(row: dict[str, Any]) -> float:
        return RUN_OVER_MATRIX * (row["build_and_first_steps_s"] + row["fold_epoch_s"] * count)

    row = min(rows, key=seconds)
    k = row.get("k", 1)
    how = "one fold at a time" if k == 1 else f"{k} folds at once"
    return seconds(row), (f"train_matrix's real steps on {matrix.get('device', 'a GPU')}, "
                          f"{how}, {row['achieved_tflops']} TFLOP/s, {row['times_floor']}x "
                          "its floor")


def estimate_gib(model: str, folds_at_once: int) -> float | None:
    """GPU memory ``folds_at_once`` folds of ``model`` take at once, by merbench's own rule
    for choosing K (``fold_parallel.folds_that_fit``: weights, gradients, Adam's moments and
    a margin for activations); None: not a torch model merbench has."""
    import torch

    import merbench
    from merbench.base.errors import MerbenchError
    from merbench.training.fold_parallel import ACTIVATION_MARGIN, BYTES_PER_PARAMETER

    try:
        with torch.device("meta"):  # shapes only
            network = merbench.create_model(model, num_classes=3)
    except (MerbenchError, AttributeError, TypeError):
        return None
    if not isinstance(network, torch.nn.Module):
        return None
    n_parameters = sum(p.numel() for p in network.parameters())
    return folds_at_once * n_parameters * BYTES_PER_PARAMETER * (1 + ACTIVATION_MARGIN) / 2**30


def side_by_side(jobs: list[tuple[str, tuple[str, ...]]], memory_gib: float,
                 at_most: int) -> list[list[int]]:
    """Positions of the jobs to run at once, in the jobs' order: consecutive jobs whose
    memory fits their share of 80 % of the device, at most ``at_most`` at a time. A job's
    memory is taken at its ``--parallel-folds`` K, or else at K = 68 (all of a seed's folds:
    merbench never trains more together, whatever free memory it sees); a job too large for
    its share, or of no model merbench can size, runs alone."""
    share = 0.8 * memory_gib / at_most
    waves: list[list[int]] = []
    room = False  # whether the last wave takes more jobs
    for position, (_, args) in enumerate(jobs):
        model, k = option(args, "--model"), option(args, "--parallel-folds")
        need = None if model is None else estimate_gib(model, int(k or FOLDS_PER_SEED))
        small = need is not None and need <= share
        if small and room and len(waves[-1]) < at_most:
            waves[-1].append(position)
        else:
            waves.append([position])
            room = small
    return waves


def memory_gib(device: str) -> float:
    """The GPU's memory in GiB (``nvidia-smi``); 0 where it cannot be read."""
    index = device.partition(":")[2] or "0"
    try:
        answer = subprocess.run(["nvidia-smi", "--query-gpu=memory.total",
                                 "--format=csv,noheader,nounits", "-i", index],
                                capture_output=True, text=True, timeout=30)
        return float(answer.stdout.strip()) / 1024
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return 0.0


def device_name(device: str) -> str:
    """The GPU's name as ``nvidia-smi`` gives it (the CPU machine: ``device`` itself)."""
    if not device.startswith("cuda"):
        return device
    index = device.partition(":")[2] or "0"
    try:
        answer = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader",
                                 "-i", index], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return device
    return answer.stdout.strip() or device


def record(figures: dict[str, Any], calls: list[dict[str, Any]],
           commit: str) -> dict[str, Any]:
    """``figures`` with each job's seconds per fold from the calls of a ``timings.json``
    (wall seconds over the folds it finished, start-up included; the latest call wins)."""
    jobs = dict(figures.get("jobs", {}))
    for call in calls:
        for job, timing in call.get("jobs", {}).items():
            name = timing.get("figure", job)  # a seed's job counts for its configuration
            if timing.get("folds_finished", 0) > 0 and timing.get("exit") in (0, 130):
                options = " ".join(timing.get("options", [])) or "merbench's defaults"
                if timing.get("side_by_side", 1) > 1:
                    options += f"; {timing['side_by_side']} jobs side by side"
                wall = (f"{timing['folds_finished']} folds in {timing['seconds']:.0f} s "
                        "of the call")
                per_fold = timing.get("fold_seconds")  # the fold files' own (no start-up)
                if per_fold is None:
                    per_fold = timing["seconds"] / timing["folds_finished"]
                    source = f"leaderboard_runs.py timings.json: {wall}"
                else:
                    source = (f"leaderboard_runs.py timings.json: the finished fold files' "
                              f"median seconds ({wall}, start-up and any group the budget "
                              "cut included)")
                jobs[name] = {
                    "seconds_per_fold": round(per_fold, 2),
                    "engine": options, "device": call.get("device", "unknown"),
                    "measured": call["started"][:10], "merbench": commit,
                    "source": source}
    return {"schema_version": 1, **figures, "jobs": jobs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=Path, required=True, metavar="TIMINGS_JSON",
                        help="a leaderboard_runs.py --runs folder's timings.json")
    parser.add_argument("--commit", required=True, help="the merbench commit that ran them")
    parser.add_argument("--figures", type=Path, default=FIGURES)
    args = parser.parse_args(argv)
    if not args.record.is_file():
        parser.error(f"{args.record} is not a file; give a --runs folder's timings.json")
    updated = record(load(args.figures), json.loads(args.record.read_text()), args.commit)
    args.figures.write_text(json.dumps(updated, indent=1) + "\n")
    print(f"{args.figures}: {len(updated['jobs'])} jobs with a figure")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def chosen_jobs(parser: argparse.ArgumentParser, jobs: Sequence[Any], only: str | None,
                data: Path) -> list[Any]:
    """The jobs ``--only`` names (all of them without it), in the plan's order, once the
    data folder is known to hold the release; a usage error otherwise. Shared by the GPU
    plan (``leaderboard_runs.py``) and the CPU one (``cpu_runs.py``)."""
    chosen = list(jobs)
    if only:
        wanted = [name.strip() for name in only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {j.name for j in jobs})
        if unknown:
            parser.error(f"unknown job {', '.join(unknown)}; jobs: "
                         f"{', '.join(j.name for j in jobs)}")
        chosen = [j for j in jobs if j.name in wanted]
    if not (data / "composite").is_dir():
        parser.error(f"{data} holds no composite/ folder; pass the folder that holds "
                     "the release (e.g. ../shared/data)")
    return chosen


def start_from(unfinished: Path, runs: Path, jobs: Sequence[Any]) -> list[str]:
    """Copy each job's run folder from ``unfinished`` into ``runs`` where ``runs`` has none
    (saved training states excepted: they are large, and a fold in progress starts over);
    the jobs copied. Shared by the GPU plan and the CPU one (``cpu_runs.py``)."""
    copied = []
    for job in jobs:
        source, target = unfinished / job.out, runs / job.out
        if source.is_dir() and not target.exists():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("partial"))
            copied.append(job.name)
    return copied


def cpu_name() -> str:
    """This machine's CPU model as /proc/cpuinfo names it (else what ``platform`` says): the
    machine every CPU figure the benchmarks write is quoted with."""
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        info = []
    return next((line.split(":", 1)[1].strip() for line in info
                 if line.startswith("model name")),
                platform.processor() or platform.machine() or "a CPU")
