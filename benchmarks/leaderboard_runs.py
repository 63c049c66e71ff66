"""The GPU runs behind the leaderboard, in priority order, inside a wall-clock budget.

Each job is one ``merbench run`` on the MEGC2019 composite, GPU work only, in this order:
seed 0 of the seeds' models (the reference HTNet, then MMNet and HSTA in their composite
variants ``mmnet-release`` and ``hsta-release``), then their seeds 1 and 2, then OFF-ApexNet's
missing seed 2, the AlexNet flow baseline, CausalNet, HTNet with the corrected crop, and HTNet
with TF32 for that precision's effect on UF1/UAR. Models a CPU core trains within about two
hours a seed are not here: they run on the CPU (``benchmarks/cpu_runs.py``). CausalNet reads
its authors' released images, which are not in the composite release: its job runs only with
``--causalnet-images DIR``.
Every job resumes what an earlier invocation finished, so a machine lent for short slices
(a cluster's job limit, a GPU borrowed for ten minutes) finishes the set over several calls:

    python benchmarks/leaderboard_runs.py --data PATH --runs DIR [--budget-s 540]
        [--only htnet-reference-seed0,offapexnet-seed2] [--features DIR] [--pack FILE] [--dry-run]
        [--matrix FILE] [--figures FILE] [--side-by-side N]

``--data`` is the folder that holds the release's ``composite/`` folder. ``--features`` is a
folder with ``regions-reference.npz`` and ``regions-corrected.npz`` written beforehand by
``merbench extract --dataset composite --feature htnet-regions --feature-opt crop=C --save``
on a machine with dlib (``--prepare`` writes them), so the GPU machine needs no dlib.
``--budget-s`` is the whole call's: the running job gets Ctrl-C (merbench keeps every finished
fold) early enough that its stop, at worst, and the packing fit inside it, and ``--pack``
writes the ``--runs`` folder to one ``.tar.gz`` that the next call can start from. The
timings and the pack are written whatever ends the runs, a Ctrl-C to this script included
(it is passed on to the jobs). Inside a budget each job of a measured model trains with the
matrix setting that finishes the most folds in the time left (``gpu_plan.best_setting``):
folds unfinished at the stop are lost. ``--no-saved-states`` (``gpu_session.py`` passes it)
runs every job with ``--checkpoint-every 0``: the saved state of K stacked folds is
gigabytes, written every 5 minutes and again at the stop, and a GPU session never brings
``partial/`` back, so the writing only costs the window its time. The jobs' output goes to
``DIR/logs/``; ``DIR/timings.json`` records each call's wall time per job. The data is read
from ``--data`` only and never copied into ``--runs``.

A seed of full HTNet takes longer than one lent GPU session (about 48 minutes on an H100), so
its finished folds must outlive the machine: ``--start-from DIR`` (the repository's
``benchmarks/gpu-unfinished/``) is a folder laid out like ``--runs`` whose run folders are
copied into ``--runs`` where that has none, and merbench resumes them, re-checking every
fold file's identity. Only finished fold files travel so; an unfinished fold starts over.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gpu_plan
import quiet_pipe
import window_plan
from gpu_plan import start_from
from job_precision import PLAN_PRECISION, with_run_precision

SEEDS = "0,1,2"
CROPS = ("reference", "corrected")


REPOSITORY = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Job:
    """One ``merbench run`` (or, ``tool`` "tune", one ``merbench tune`` whose ``args`` start
    with its tuning file, relative to the repository): its name, where it writes, and its
    options."""

    name: str
    out: str
    args: tuple[str, ...]
    regions: str | None = None  # the htnet-regions crop whose saved features it reads
    images: bool = False  # reads CausalNet's released images (--causalnet-images)
    figure: str | None = None  # its key in gpu_figures.json when not its name (a seed's job)
    tool: str = "run"  # the merbench command: run, or tune for a hyper-parameter search

    @property
    def figure_key(self) -> str:
        return self.figure or self.name


def seed_job(name: str, out: str, args: tuple[str, ...], seed: int,
             regions: str | None = None) -> Job:
    """One seed of a configuration, into ``out/seed-N`` as ``--seeds`` lays it out, so the
    plan can put one model's first seed before another's later ones; the three seeds'
    ``seeds.json`` is written afterwards (``--seeds 0,1,2``, which trains nothing)."""
    return Job(f"{name}-seed{seed}", f"{out}/seed-{seed}", (*args, "--seed", str(seed)),
               regions=regions, figure=name)


# the seeds' models train in the plan's one precision (job_precision.py), a started run in
# its own
_HTNET = ("--model", "htnet", "--feature-opt", "crop=reference", "--precision", PLAN_PRECISION)
_MMNET = ("--model", "mmnet-release", "--precision", PLAN_PRECISION)
# HSTA-release has dropout, so merbench run trains it one fold at a time unless asked: its
# jobs ask for the K the window's matrix measures (gpu_plan.FOLDS_MEASURED), as OFF-ApexNet's
# do, for 8 folds a step instead of one (issue 81's 10 minutes a seed); its dropout masks then
# differ from one-at-a-time ones, which results.json records and an audit allows for
_HSTA = ("--model", "hsta-release", "--precision", PLAN_PRECISION,
         "--parallel-folds", str(gpu_plan.FOLDS_MEASURED))
_SEEDS_FIRST = (  # the seeds' models: the reference HTNet, then MMNet and HSTA
    ("htnet-reference", "htnet-composite-loso/crop-reference", _HTNET, "reference"),
    ("mmnet-release", "mmnet-release-composite-loso", _MMNET, None),
    ("hsta-release", "hsta-release-composite-loso", _HSTA, None),
)

# Only GPU work: every model a CPU core trains within about two hours a seed (RCN-A,
# Dual-Inception, STSTNet in either order, timm's resnet18; benchmarks/model_costs.py) runs
# on the CPU and is committed from there, and no job retrains a committed run (another
# machine's fold-parallel copy would draw other dropout masks and conflict with it).
JOBS = (
    # seed 0 of each of the seeds' models first, then their other seeds
    *(seed_job(name, out, args, 0, regions) for name, out, args, regions in _SEEDS_FIRST),
    *(seed_job(name, out, args, seed, regions) for name, out, args, regions in _SEEDS_FIRST
      for seed in (1, 2)),
    # OFF-ApexNet's seeds 0 and 1 are committed (an H100, 68 folds at once); seed 2 was cut
    # off by that session's budget. Dropout makes its fold-parallel numbers differ from
    # one-fold-at-a-time ones (recorded in results.json), so it stays a GPU job.
    Job("offapexnet-seed2", "offapexnet-composite-loso/seed-2",
        ("--model", "offapexnet", "--seed", "2", "--parallel-folds", "68"),
        figure="offapexnet"),
    # The AlexNet baseline of the composite table (57M parameters, 800 epochs at 224x224:
    # days on a CPU core), to set its `fixed` number beside the published last-epoch row.
    Job("alexnet-flow", "alexnet-flow-composite-loso",
        ("--model", "alexnet-flow", "--seeds", SEEDS)),
    # CausalNet (276M parameters, 200 full-batch epochs a fold) on its authors' own released
    # images; skipped unless --causalnet-images names a copy of them (docs/models.md#causalnet).
    Job("causalnet", "causalnet-composite-loso",
        ("--model", "causalnet", "--feature", "causalnet-release", "--seeds", SEEDS),
        images=True),
    Job("htnet-corrected", "htnet-composite-loso/crop-corrected",
        ("--model", "htnet", "--feature-opt", "crop=corrected", "--seeds", SEEDS),
        regions="corrected"),
    Job("htnet-reference-tf32", "htnet-composite-loso-tf32/crop-reference",
        ("--model", "htnet", "--feature-opt", "crop=reference", "--seed", "0",
         "--precision", "tf32"), regions="reference",
        figure="htnet-reference"),  # fp32's figure: TF32 is no slower
    # STSTNet's search at its recipe's scale (issue 58), test-scored then nested: too big for
    # the CPU, whose committed comparison searches benchmarks/tunes/ststnet-composite.toml
    Job("ststnet-tune-test", "tunings/ststnet-composite-recipe/test-scored",
        ("benchmarks/tunes/ststnet-composite-recipe.toml", "--score", "test"), tool="tune"),
    Job("ststnet-tune-nested", "tunings/ststnet-composite-recipe/nested",
        ("benchmarks/tunes/ststnet-composite-recipe.toml",), tool="tune"),
)
RUN_JOBS = tuple(job for job in JOBS if job.tool == "run")


def tuning_prediction(job: Job, figures: dict[str, Any],
                      matrix: dict[str, Any]) -> gpu_plan.Prediction:
    """A tuning job's minutes, at most: its model's seconds a fold (as a run of it would be
    predicted) times the folds the whole search trains, in full-fold equivalents (an inner
    fold trains on (k - 1) / k of an outer fold's subjects), with no trial pruned and every
    trial at its recipe's epochs (a space of fewer epochs takes less)."""
    from merbench.tuning.space import read_tune_file

    spec = read_tune_file(REPOSITORY / job.args[0])
    folds = gpu_plan.FOLDS_PER_SEED
    k = spec.inner_folds
    equivalents = (spec.trials * folds if "--score" in job.args
                   else round(folds * spec.trials * (k - 1) + folds))
    run = gpu_plan.predict(job.name, job.out, ("--model", spec.model), figures, matrix, None,
                           None, figure=spec.model)
    return gpu_plan.Prediction(job.name, equivalents, run.seconds_per_fold,
                               f"a merbench tune search of {equivalents} fold-equivalents; "
                               f"{run.source}", None, run.basis)


COMMITTED = REPOSITORY / "leaderboards" / "results"


def finished_in(job: Job, *roots: Path | None) -> Path | None:
    """The first of ``roots`` holding ``job``'s finished result (every seed's
    ``results.json``; a tuning's ``tune.json``), or None. A window's finished runs are
    committed to ``leaderboards/results/`` under the job's own path; without this check the
    next window trained them again (the CPU rehearsal of a second call showed it)."""
    for root in roots:
        if root is None:
            continue
        if job.tool == "tune":
            if (root / job.out / "tune.json").is_file():
                return root
            continue
        seed_list = gpu_plan.seeds(job.args)
        folders = [root / job.out / f"seed-{seed}" for seed in seed_list]
        if len(seed_list) == 1 and not folders[0].is_dir():
            folders = [root / job.out]
        if all((folder / "results.json").is_file() for folder in folders):
            return root
    return None


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def regions_file(features: Path, crop: str) -> Path:
    return features / f"regions-{crop}.npz"


def command(job: Job, data: Path, runs: Path, features: Path | None,
            device: str, images: Path | None = None) -> list[str]:
    """The ``merbench run`` (or ``merbench tune``) command line of ``job``."""
    if job.tool == "tune":
        return ["merbench", "tune", str(REPOSITORY / job.args[0]), "--data-root",
                str(data / "composite"), "--device", device, "--quiet", "--out",
                str(runs / job.out), *job.args[1:]]
    cmd = ["merbench", "run", "--dataset", "composite", "--data-root", str(data / "composite"),
           "--device", device, "--quiet", "--out", str(runs / job.out), *job.args]
    if job.regions is not None and features is not None:
        cmd += ["--features", str(regions_file(features, job.regions))]
    if job.images and images is not None:
        cmd += ["--feature-opt", f"images={images}"]
    return cmd


def prepare(data: Path, features: Path, subset: bool = False) -> None:
    """Save both crops of ``htnet-regions`` (this needs dlib, once); ``subset``: of a
    release holding part of the subjects (a rehearsal's)."""
    features.mkdir(parents=True, exist_ok=True)
    for crop in CROPS:
        if regions_file(features, crop).is_file():  # saved before: the same data, the same file
            print(f"{regions_file(features, crop)}: saved before, kept", flush=True)
            continue
        subprocess.run(["merbench", "extract", "--dataset", "composite", "--feature",
                        "htnet-regions", "--data-root", str(data / "composite"),
                        "--feature-opt", f"crop={crop}", "--save",
                        str(regions_file(features, crop)), "--quiet",
                        *(("--dataset-opt", "subset=true") if subset else ())], check=True)


STOP_GRACE_S = 60.0  # after the budget's Ctrl-C, before a second one
# A job that saves no training state (--no-saved-states) stops at the first Ctrl-C without
# waiting for its epoch's end: a few seconds to shut down, then the second Ctrl-C.
NO_STATE_GRACE_S = 10.0
SECOND_STOP_S = 30.0  # after the second Ctrl-C, before a kill
PACK_RESERVE_S = 20.0  # the timings and the .tar.gz of fold files (no saved states): seconds
# After a Ctrl-C to this script itself, each wait of the stop: gpu_session.py kills this
# script 30 s after its own Ctrl-C, and the jobs' stop and the pack must fit before that.
INTERRUPTED_STOP_S = 5.0
MIN_START_S = window_plan.MIN_START_S  # no job starts with less before its Ctrl-C


def shell_status(returncode: int) -> int:
    """An exit status as a shell reports it: 128 + N for a process ended by signal N. A
    second Ctrl-C can land in a stopped merbench's last moments of shutdown, after Python has
    given SIGINT its default action back, and then ends it by the signal rather than with
    merbench's 130; both mean the same: stopped, finished folds kept."""
    return 128 - returncode if returncode < 0 else returncode


def _stopped(process: subprocess.Popen[bytes], grace_s: float,
             second_s: float = SECOND_STOP_S) -> int:
    """``process``'s exit code after a Ctrl-C: ``grace_s`` to save its fold in progress, then
    a second Ctrl-C (finished folds kept) and ``second_s``, then a kill. A Ctrl-C
    to this script while it waits kills the job at once: whoever sent it wants this script
    to end, and the pack after it is worth more than the job's last seconds."""
    try:
        try:
            return process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=second_s)
        except subprocess.TimeoutExpired:
            pass
    except KeyboardInterrupt:
        pass
    process.kill()
    return process.wait()


class Interrupted(KeyboardInterrupt):
    """A Ctrl-C to this script while jobs ran: raised once they are stopped, with each
    one's (exit status, seconds) as :func:`run_jobs` would have returned them."""

    def __init__(self, ended: list[tuple[int, float]]) -> None:
        super().__init__()
        self.ended = ended


def run_jobs(cmds: list[tuple[list[str], Path]], seconds_left: float | None,
             grace_s: float = STOP_GRACE_S) -> list[tuple[int, float]]:
    """Run the commands at once, each with its log, until they end or the time is up (then
    Ctrl-C to each; ``None``: no limit); each one's (exit status, seconds). A Ctrl-C to this
    script (KeyboardInterrupt) is passed on to the jobs as the budget's would be, and the
    jobs are stopped and timed before it goes on (:class:`Interrupted`)."""
    started = time.perf_counter()
    processes = []
    for cmd, log in cmds:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("a")
        out.write(f"\n$ {shlex.join(cmd)}\n")
        out.flush()
        # Started in the background (nohup ... &), this script's children would inherit an
        # ignored SIGINT, and Python then installs no KeyboardInterrupt: the budget's Ctrl-C
        # would do nothing. So each child gets the default disposition back.
        processes.append((subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                           preexec_fn=_interruptible), out))
    ended: dict[int, tuple[int, float]] = {}
    deadline = None if seconds_left is None else started + max(1.0, seconds_left)
    interrupted = False
    try:
        while len(ended) < len(processes):
            for i, (process, _) in enumerate(processes):
                if i not in ended and process.poll() is not None:
                    ended[i] = (process.returncode, time.perf_counter() - started)
            if deadline is not None and time.perf_counter() >= deadline:
                break
            time.sleep(0.2)
    except KeyboardInterrupt:
        # the children run in this script's process group only when started from a
        # terminal; a Ctrl-C sent to this process alone (gpu_session.py) must reach them
        interrupted, grace_s = True, min(grace_s, INTERRUPTED_STOP_S)
    for i, (process, _) in enumerate(processes):
        if i in ended:
            continue
        # merbench keeps finished folds, saves the one in progress when its epoch ends, and
        # exits 130; a second Ctrl-C stops at once (a save of many stacked folds, or an
        # epoch of a big model, could outlast what is left of the machine)
        process.send_signal(signal.SIGINT)
    for i, (process, out) in enumerate(processes):
        if i not in ended:
            second = INTERRUPTED_STOP_S if interrupted else SECOND_STOP_S
            ended[i] = (shell_status(_stopped(process, grace_s, second)),
                        time.perf_counter() - started)
        out.close()
    results = [ended[i] for i in range(len(processes))]
    if interrupted:
        raise Interrupted(results)
    return results


def pack(runs: Path, target: Path, states: bool = True) -> None:
    """``runs`` as one .tar.gz; without the saved training states (``partial/``) unless
    ``states``: they are large, and nothing continues from them off the machine that wrote
    them (``--start-from`` copies fold files only)."""
    target.parent.mkdir(parents=True, exist_ok=True)

    def keep(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
        return None if not states and Path(member.name).name == "partial" else member

    with tarfile.open(target, "w:gz") as archive:
        archive.add(runs, arcname=runs.name, filter=keep)


def stop_reserve(saved_states: bool) -> float:
    """Seconds a budget keeps after its Ctrl-C: the worst stop (grace, then a second Ctrl-C
    and its wait) and the pack, so that the whole call ends within ``--budget-s``."""
    grace = STOP_GRACE_S if saved_states else NO_STATE_GRACE_S
    return grace + SECOND_STOP_S + PACK_RESERVE_S


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="folder holding the release's composite/ folder")
    parser.add_argument("--runs", type=Path, required=True, help="where the run folders go")
    parser.add_argument("--features", type=Path, default=None,
                        help="folder with regions-reference.npz and regions-corrected.npz")
    parser.add_argument("--prepare", action="store_true",
                        help="write those two files into --features first (needs dlib)")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated jobs (default: all, in this order: "
                             f"{', '.join(j.name for j in JOBS)})")
    parser.add_argument("--budget-s", type=float, default=None,
                        help="stop (Ctrl-C, finished folds kept) after this many seconds")
    parser.add_argument("--plan-budget-s", type=float, default=None,
                        help="choose the jobs' settings as if the budget were this (at most "
                             "--budget-s): gpu_session.py passes the seconds its dry run "
                             "planned with, so the window runs the plan the dry run showed "
                             "and the seconds its earlier steps left unused come after it")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--pack", type=Path, default=None,
                        help="write --runs as one .tar.gz here at the end")
    parser.add_argument("--start-from", type=Path, default=None,
                        help="a folder laid out like --runs (benchmarks/gpu-unfinished) whose "
                             "run folders are copied into --runs where it has none")
    parser.add_argument("--causalnet-images", type=Path, default=None,
                        help="CausalNet's released images (a clone's datasets/"
                             "STSNet_whole_norm_u_v_os); without it the causalnet job is "
                             "skipped")
    parser.add_argument("--matrix", type=Path, default=None,
                        help="train_speed.py --matrix JSON measured on this GPU: each job of a "
                             "measured model trains with the fastest setting at its precision")
    parser.add_argument("--figures", type=Path, default=gpu_plan.FIGURES,
                        help="each job's last measured seconds per fold (default: %(default)s)")
    parser.add_argument("--eager", action="store_true",
                        help="every job launches its kernels from Python (merbench run "
                             "--eager) instead of replaying captured epochs")
    parser.add_argument("--side-by-side", type=int, default=1, metavar="N",
                        help="run up to N consecutive jobs at once where their memory fits "
                             "the GPU (gpu_plan.side_by_side); default 1, one after another")
    parser.add_argument("--no-saved-states", action="store_true",
                        help="the jobs save no training state (merbench --checkpoint-every "
                             "0) and the pack leaves partial/ out: where partial/ never "
                             "comes back (a GPU session), saving K folds' state at the stop "
                             "costs the window time and a stop waits for it")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the commands and each job's predicted minutes only")
    parser.add_argument("--committed", type=Path, default=COMMITTED,
                        help="where finished runs are committed; a job finished there is not "
                             "run again (default: %(default)s)")
    parser.add_argument("--rehearse", action="store_true",
                        help="every job cut to one seed and one epoch on a release of a few "
                             "subjects (--data from gpu_rehearsal.py), a tuning to one "
                             "trial: a window rehearsed on the CPU")
    args = parser.parse_args(argv)
    started_at = time.perf_counter()  # the budget is the whole call's

    jobs = gpu_plan.chosen_jobs(parser, JOBS, args.only, args.data)
    for job in list(jobs):
        root = finished_in(job, args.runs, args.start_from, args.committed)
        if root is not None:
            print(f"{job.name}: finished before (in {root}), not run again", flush=True)
            jobs.remove(job)
    if args.prepare:
        if args.features is None:
            parser.error("--prepare writes into --features; give --features DIR")
        prepare(args.data, args.features, subset=args.rehearse)
    if args.features is not None:
        crops = sorted({j.regions for j in jobs if j.regions is not None})
        missing = [str(path) for path in (regions_file(args.features, c) for c in crops)
                   if not path.exists()]
        if missing:
            parser.error(f"missing {', '.join(missing)}; write them with --prepare on a "
                         "machine with dlib")

    if args.causalnet_images is not None and not args.causalnet_images.is_dir():
        parser.error(f"--causalnet-images {args.causalnet_images} is not a folder; give a "
                     "clone's datasets/STSNet_whole_norm_u_v_os")
    if args.causalnet_images is None:
        named = [j.name for j in jobs if j.images] if args.only else []
        if named:
            parser.error(f"{', '.join(named)} reads CausalNet's released images; give "
                         "--causalnet-images DIR")
        for job in (j for j in jobs if j.images):
            print(f"{job.name}: skipped, it needs --causalnet-images", flush=True)
        jobs = [j for j in jobs if not j.images]
    figures, matrix = gpu_plan.load(args.figures), gpu_plan.load(args.matrix)
    if args.side_by_side < 1:
        parser.error("--side-by-side takes 1 or more jobs at once")
    saved_states = not args.no_saved_states
    # the jobs get their last Ctrl-C early enough that their stop and the pack fit the budget
    stop_at = (None if args.budget_s is None
               else started_at + args.budget_s - stop_reserve(saved_states))
    if stop_at is not None and stop_at - started_at <= 0 and not args.dry_run:
        parser.error(f"--budget-s must exceed {stop_reserve(saved_states):.0f} s (the stop "
                     "and the pack)")
    memory = gpu_plan.memory_gib(args.device)
    if args.rehearse and memory <= 0:  # a CPU rehearsal's cut jobs are small: side by
        memory = 1e6  # side as many as --side-by-side, as a window's small jobs go
    gpu = gpu_plan.device_name(args.device) if matrix else None

    def planned(job: Job, window_s: float | None) -> tuple[gpu_plan.Prediction, list[str]]:
        """``job``'s prediction and command, its setting chosen for ``window_s`` seconds, in
        the precision of its run where one is started (job_precision.py)."""
        job = replace(job, args=with_run_precision(job.args, job.out, args.runs,
                                                    args.start_from))
        if job.tool == "tune":
            prediction = tuning_prediction(job, figures, matrix)
        else:
            prediction = gpu_plan.predict(job.name, job.out, job.args, figures, matrix,
                                          args.runs, args.start_from, figure=job.figure_key,
                                          window_s=window_s, memory_gib=memory, device=gpu)
        cmd = command(job, args.data, args.runs, args.features, args.device,
                      args.causalnet_images)
        if prediction.setting is not None:
            cmd += list(prediction.setting.options())
        if args.eager and "--eager" not in cmd:
            cmd.append("--eager")
        if not saved_states:
            cmd += ["--checkpoint-every", "0"]
        if args.rehearse:
            from gpu_rehearsal import rehearsal_command

            cmd = rehearsal_command(cmd, args.runs)
        return prediction, cmd

    window = None if stop_at is None else stop_at - started_at
    if window is not None and window <= 0:  # a dry run's: it plans as if without a budget
        print(f"the budget leaves the jobs no time ({stop_reserve(saved_states):.0f} s are "
              "kept to stop them and pack); planned as without one")
        window = None
    # the seconds the settings are chosen for: the dry run's, where the caller planned with
    # fewer than it now has (its earlier steps ended early)
    offset = 0.0
    if window is not None and args.plan_budget_s is not None:
        offset = max(0.0, (args.budget_s or 0.0) - args.plan_budget_s)
        window = max(0.0, window - offset)
    plans = [planned(job, window) for job in jobs]
    predictions = {job.name: prediction for job, (prediction, _) in zip(jobs, plans,
                                                                         strict=True)}
    commands = [(job, cmd) for job, (_, cmd) in zip(jobs, plans, strict=True)]
    waves = [[i] for i in range(len(commands))]
    if args.side_by_side > 1:
        waves = gpu_plan.side_by_side([(job.name, tuple(cmd)) for job, cmd in commands],
                                      memory, args.side_by_side)
        # a CPU rehearsal has no matrix settings: its jobs of a model the committed matrix
        # times (HTNet) run alone as they will on the GPU
        timed = {row["model"] for row in gpu_plan.load(
            gpu_plan.HERE / "train_matrix.json").get("settings", [])} if args.rehearse else set()
        waves = window_plan.alone(waves, [predictions[job.name].setting is not None
                                          or gpu_plan.option(job.args, "--model") in timed
                                          for job, _ in commands])
    if args.dry_run:
        for wave in waves:
            together = " (side by side)" if len(wave) > 1 else ""
            for i in wave:
                print(shlex.join(commands[i][1]) + together)
        print("predicted:")
        for job in jobs:
            print(f"  {predictions[job.name].line()}")
        known = [p.minutes for p in predictions.values() if p.minutes is not None]
        print(f"  jobs with a figure: about {sum(known):.0f} min in all")
        if window is not None:
            print(f"the window, as it will run (seconds after the runs start; the jobs' "
                  f"Ctrl-C {window:.0f} s in, {stop_reserve(saved_states):.0f} s kept to stop "
                  "them and pack):")
            for step in window_plan.window_timeline(waves, commands, planned, window,
                                                    MIN_START_S):
                print(step.line())
        return 0

    if args.start_from is not None:
        for name in start_from(args.start_from, args.runs, jobs):
            print(f"{name}: goes on from the folds in {args.start_from}", flush=True)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    timings: dict[str, dict[str, Any]] = {}
    code = 0
    jobs_s: list[float] = []
    try:
        run_waves(args, waves, commands, stop_at, planned, timings, saved_states, offset,
                  jobs_s)
    except KeyboardInterrupt:  # its jobs are stopped (run_jobs); what they finished is kept
        print("stopped by a Ctrl-C; the timings and the pack follow", flush=True)
        code = 130
    finally:
        # whatever ended the runs (the budget, a Ctrl-C to this script, a failure), the
        # timings and the finished folds are written and packed: a second Ctrl-C here would
        # lose the whole window's folds, and this takes seconds
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        record = args.runs / "timings.json"
        calls = json.loads(record.read_text()) if record.exists() else []
        calls.append({"started": started, "host": os.uname().nodename,
                      "device": gpu_plan.device_name(args.device), "jobs": timings,
                      "jobs_s": round(sum(jobs_s), 1)})  # seconds jobs were training
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(calls, indent=2) + "\n")
        if args.pack is not None:
            pack(args.runs, args.pack, states=saved_states)
            print(f"packed {args.runs} into {args.pack}", flush=True)
    return code


def run_waves(args: argparse.Namespace, waves: list[list[int]],
              commands: list[tuple[Job, list[str]]], stop_at: float | None,
              planned: Callable[[Job, float | None], tuple[gpu_plan.Prediction, list[str]]],
              timings: dict[str, dict[str, Any]], saved_states: bool, offset: float = 0.0,
              jobs_s: list[float] | None = None) -> None:
    """Run the waves of jobs in order until ``stop_at`` (perf_counter seconds; None: no
    limit), each wave's jobs at once, recording each job's timing in ``timings`` and each
    wave's seconds in ``jobs_s``. A job alone in its wave gets its setting chosen again for
    the time left (earlier jobs may have ended sooner or later than predicted), less
    ``offset`` (the seconds beyond the dry run's budget: the plan stays the dry run's; a job
    the plan leaves no time is then planned for the seconds really left, after the plan),
    and is not started where no group of it is predicted to end in time
    (``window_plan.why_not_start``: its folds would be lost with the group)."""
    grace = STOP_GRACE_S if saved_states else NO_STATE_GRACE_S
    for wave in waves:
        left = stop_at - time.perf_counter() if stop_at is not None else None
        if left is not None and left < MIN_START_S:
            for i in wave:
                print(f"{commands[i][0].name}: not started, the budget is spent", flush=True)
            continue
        jobs_now = [commands[i] for i in wave]
        if len(jobs_now) == 1 and left is not None:
            prediction, cmd = planned(jobs_now[0][0], max(0.0, left - offset))
            reason = window_plan.why_not_start(prediction, max(0.0, left - offset),
                                               MIN_START_S)
            if reason and offset > 0:  # past the dry run's plan: the seconds left unused
                prediction, cmd = planned(jobs_now[0][0], left)
                reason = window_plan.why_not_start(prediction, left, MIN_START_S)
            if reason:
                print(f"{jobs_now[0][0].name}: not started, {reason}", flush=True)
                continue
            jobs_now = [(jobs_now[0][0], cmd)]
        wave_began = time.perf_counter()
        before = [gpu_plan.fold_files(job.out, gpu_plan.seeds(job.args), args.runs)
                  for job, _ in jobs_now]
        stopped = None
        try:
            ended = run_jobs([(cmd, args.runs / "logs" / f"{job.name}.log")
                              for job, cmd in jobs_now], left, grace)
        except Interrupted as interrupted:
            ended, stopped = interrupted.ended, interrupted
        if jobs_s is not None:
            jobs_s.append(time.perf_counter() - wave_began)
        for (job, cmd), done_before, (code, seconds) in zip(jobs_now, before, ended,
                                                            strict=True):
            new = [file for file in gpu_plan.fold_files(job.out, gpu_plan.seeds(job.args),
                                                         args.runs)
                   if file not in done_before]
            fold_s = gpu_plan.training_seconds(new)
            timings[job.name] = {"exit": code, "seconds": round(seconds, 1),
                                 "figure": job.figure_key,
                                 "folds_finished": len(new), "side_by_side": len(wave),
                                 "options": list(cmd[cmd.index("--out") + 2:]),
                                 **({} if fold_s is None else
                                    {"fold_seconds": round(fold_s, 2)})}
            state = {0: "finished", 130: "stopped by the budget (finished folds kept)"}.get(
                code, f"FAILED (exit {code}; see {args.runs / 'logs' / (job.name + '.log')})")
            print(f"{job.name}: {state} in {seconds:.0f} s", flush=True)
        if stopped is not None:
            raise stopped


if __name__ == "__main__":
    quiet_pipe.exit_with(main)
