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
on a machine with dlib (``--prepare`` writes them), so the GPU machine needs no dlib. When the
budget runs out the running job gets Ctrl-C (merbench keeps every finished fold), and
``--pack`` writes the whole ``--runs`` folder to one ``.tar.gz`` that the next call can start
from. The jobs' output goes to ``DIR/logs/``; ``DIR/timings.json`` records each call's wall
time per job. The data is read from ``--data`` only and never copied into ``--runs``.

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
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gpu_plan
from gpu_plan import start_from

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


_HTNET = ("--model", "htnet", "--feature-opt", "crop=reference")
_MMNET = ("--model", "mmnet-release")
_HSTA = ("--model", "hsta-release")
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
                               f"{run.source}", None)


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


def prepare(data: Path, features: Path) -> None:
    """Save both crops of ``htnet-regions`` (this needs dlib, once)."""
    features.mkdir(parents=True, exist_ok=True)
    for crop in CROPS:
        subprocess.run(["merbench", "extract", "--dataset", "composite", "--feature",
                        "htnet-regions", "--data-root", str(data / "composite"),
                        "--feature-opt", f"crop={crop}", "--save",
                        str(regions_file(features, crop)), "--quiet"], check=True)


STOP_GRACE_S = 60.0  # after the budget's Ctrl-C, before a second one


def shell_status(returncode: int) -> int:
    """An exit status as a shell reports it: 128 + N for a process ended by signal N. A
    second Ctrl-C can land in a stopped merbench's last moments of shutdown, after Python has
    given SIGINT its default action back, and then ends it by the signal rather than with
    merbench's 130; both mean the same: stopped, finished folds kept."""
    return 128 - returncode if returncode < 0 else returncode


def _stopped(process: subprocess.Popen[bytes]) -> int:
    """``process``'s exit code after a Ctrl-C: :data:`STOP_GRACE_S` to save its fold in
    progress, then a second Ctrl-C (finished folds kept) and half a minute, then a kill."""
    try:
        return process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def run_jobs(cmds: list[tuple[list[str], Path]],
             seconds_left: float | None) -> list[tuple[int, float]]:
    """Run the commands at once, each with its log, until they end or the time is up (then
    Ctrl-C to each; ``None``: no limit); each one's (exit status, seconds)."""
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
    while len(ended) < len(processes):
        for i, (process, _) in enumerate(processes):
            if i not in ended and process.poll() is not None:
                ended[i] = (process.returncode, time.perf_counter() - started)
        if deadline is not None and time.perf_counter() >= deadline:
            break
        time.sleep(0.2)
    for i, (process, _) in enumerate(processes):
        if i in ended:
            continue
        # merbench keeps finished folds, saves the one in progress when its epoch ends, and
        # exits 130; a second Ctrl-C stops at once (a save of many stacked folds, or an
        # epoch of a big model, could outlast what is left of the machine)
        process.send_signal(signal.SIGINT)
    for i, (process, out) in enumerate(processes):
        if i not in ended:
            ended[i] = (shell_status(_stopped(process)), time.perf_counter() - started)
        out.close()
    return [ended[i] for i in range(len(processes))]


def pack(runs: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as archive:
        archive.add(runs, arcname=runs.name)


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
    parser.add_argument("--dry-run", action="store_true",
                        help="print the commands and each job's predicted minutes only")
    args = parser.parse_args(argv)

    jobs = gpu_plan.chosen_jobs(parser, JOBS, args.only, args.data)
    if args.prepare:
        if args.features is None:
            parser.error("--prepare writes into --features; give --features DIR")
        prepare(args.data, args.features)
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
    predictions = {job.name: (tuning_prediction(job, figures, matrix) if job.tool == "tune"
                              else gpu_plan.predict(job.name, job.out, job.args, figures,
                                                    matrix, args.runs, args.start_from,
                                                    figure=job.figure_key))
                   for job in jobs}
    commands = []
    for job in jobs:
        cmd = command(job, args.data, args.runs, args.features, args.device,
                      args.causalnet_images)
        setting = predictions[job.name].setting
        if setting is not None:
            cmd += list(setting.options())
        if args.eager and "--eager" not in cmd:
            cmd.append("--eager")
        commands.append((job, cmd))
    if args.side_by_side < 1:
        parser.error("--side-by-side takes 1 or more jobs at once")
    waves = [[i] for i in range(len(commands))]
    if args.side_by_side > 1:
        memory = gpu_plan.memory_gib(args.device)
        waves = gpu_plan.side_by_side([(job.name, tuple(cmd)) for job, cmd in commands],
                                      memory, args.side_by_side)
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
        return 0

    if args.start_from is not None:
        for name in start_from(args.start_from, args.runs, jobs):
            print(f"{name}: goes on from the folds in {args.start_from}", flush=True)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    deadline = time.perf_counter() + args.budget_s if args.budget_s else None
    timings: dict[str, dict[str, Any]] = {}
    for wave in waves:
        left = deadline - time.perf_counter() if deadline is not None else None
        if left is not None and left < 5:
            for i in wave:
                print(f"{commands[i][0].name}: not started, the budget is spent", flush=True)
            continue
        jobs_now = [commands[i] for i in wave]
        before = [gpu_plan.folds_done(job.out, gpu_plan.seeds(job.args), args.runs)
                  for job, _ in jobs_now]
        ended = run_jobs([(cmd, args.runs / "logs" / f"{job.name}.log")
                          for job, cmd in jobs_now], left)
        for (job, cmd), done_before, (code, seconds) in zip(jobs_now, before, ended,
                                                            strict=True):
            finished = gpu_plan.folds_done(job.out, gpu_plan.seeds(job.args),
                                           args.runs) - done_before
            timings[job.name] = {"exit": code, "seconds": round(seconds, 1),
                                 "figure": job.figure_key,
                                 "folds_finished": finished, "side_by_side": len(wave),
                                 "options": list(cmd[cmd.index("--out") + 2:])}
            state = {0: "finished", 130: "stopped by the budget (finished folds kept)"}.get(
                code, f"FAILED (exit {code}; see {args.runs / 'logs' / (job.name + '.log')})")
            print(f"{job.name}: {state} in {seconds:.0f} s", flush=True)
    record = args.runs / "timings.json"
    calls = json.loads(record.read_text()) if record.exists() else []
    calls.append({"started": started, "host": os.uname().nodename,
                  "device": gpu_plan.device_name(args.device), "jobs": timings})
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(calls, indent=2) + "\n")
    if args.pack is not None:
        pack(args.runs, args.pack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
