"""The leaderboard's CPU runs: models a CPU core trains within about two hours a seed.

A GPU comes to about one session in twenty-five, so every run a CPU core can make is made on
one: RCN-A and Dual-Inception (three seeds each), timm's resnet18 seed 2 and STSTNet's seed 2
in its authors' data order (``benchmarks/model_costs.py`` says which models qualify), the
composite's per-database and LODO rows, and the AU benchmark's (``--task au``: STSTNet, RCN-A
and resnet18, three seeds each, about an hour a seed on one core). The
models are compute-bound on a CPU (time per sample flat from batch 64 to 1024), so training
folds together would not go faster: each job is one ``merbench run`` on one core
(``OMP_NUM_THREADS=1 --threads 1``), ``--cores`` of them side by side, each next job
starting as a core frees up:

    python benchmarks/cpu_runs.py --data PATH --runs DIR [--cores 2] [--budget-s S]
        [--only rcn-seed0,...] [--start-from benchmarks/cpu-unfinished]
        [--stash benchmarks/cpu-unfinished] [--dry-run]

A job whose run already finished (its ``results.json`` in ``--runs``, or its folder in
``--done``, the committed ``leaderboards/results/``) is skipped: nothing committed is
trained again. When the budget is spent the running jobs get Ctrl-C (merbench keeps every
finished fold), and ``--stash`` copies each unfinished run's ``run.json`` and finished fold
files into the repository's ``benchmarks/cpu-unfinished/``, so the next session goes on with
``--start-from`` from where this one stopped (a fold in progress starts over). A finished run
is checked with ``merbench validate`` and moved to ``leaderboards/results/`` by hand, with
its row in that folder's README.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import gpu_plan
import quiet_pipe
from gpu_plan import start_from

HERE = Path(__file__).resolve().parent
FOLDS = gpu_plan.FOLDS_PER_SEED


@dataclass(frozen=True)
class CpuJob:
    """One seed of one configuration on one core."""

    name: str
    out: str  # the run folder, as leaderboards/results/ lays it out
    args: tuple[str, ...]
    folds: int = FOLDS  # the protocol's: 68 for the composite's LOSO

    @property
    def model(self) -> str:
        return self.args[self.args.index("--model") + 1]

    @property
    def seed(self) -> int:
        return int(self.args[self.args.index("--seed") + 1])


def _seeds(name: str, out: str, seeds: tuple[int, ...], *args: str,
           folds: int = FOLDS) -> list[CpuJob]:
    return [CpuJob(f"{name}-seed{seed}", f"{out}/seed-{seed}", (*args, "--seed", str(seed)),
                   folds) for seed in seeds]


#: the composite's per-database LOSO and LODO protocols: (name, folds); each database's
#: subjects are folds of its own, as the composite's release counts them
OTHER_PROTOCOLS = (("loso-casme2", 24), ("loso-samm", 28), ("loso-smic", 16))


def _other_protocols() -> list[CpuJob]:
    """A seed-0 row on each per-database page for the CPU models, then LODO seeds: minutes
    each on one core, and pages that had no row. The two handcrafted baselines first, on
    every one of these protocols: seconds to minutes, and one seed is all they have (nothing
    in them is random)."""
    baselines = [job for protocol, folds in (*OTHER_PROTOCOLS, ("lodo", 3))
                 for model in ("biwoof-release-svm", "lbp-apex-svm")
                 for job in _seeds(f"{model}-{protocol}", f"{model}-composite-{protocol}", (0,),
                                   "--model", model, "--protocol", protocol, folds=folds)]
    jobs = baselines + [job for protocol, folds in OTHER_PROTOCOLS
            for model in ("rcn", "dual-inception", "ststnet")
            for job in _seeds(f"{model}-{protocol}", f"{model}-composite-{protocol}", (0,),
                              "--model", model, "--protocol", protocol, folds=folds)]
    return jobs + [job for model in ("rcn", "dual-inception", "timm-resnet18")
                   for job in _seeds(f"{model}-lodo", f"{model}-composite-lodo", (0, 1, 2),
                                     "--model", model, "--protocol", "lodo", folds=3)]


#: the composite's AU benchmark (--task au): its CASME II and SAMM samples, 52 subjects
AU_FOLDS = 52
AU_MODELS = ("ststnet", "rcn", "timm-resnet18")


def _au_runs() -> list[CpuJob]:
    """Issue 57's rows: STSTNet, RCN-A and resnet18 detecting MEB's AUs on the composite,
    each model's first seed before anyone's second (about 0.6 h a seed on one core)."""
    return [job for seed in (0, 1, 2) for model in AU_MODELS
            for job in _seeds(f"{model}-au", f"{model}-composite-loso-au", (seed,),
                              "--model", model, "--task", "au", folds=AU_FOLDS)]


_DUAL = ("dual-inception", "dual-inception-composite-loso")
_RCN = ("rcn", "rcn-composite-loso")
# In priority order: new models' rows first (Dual-Inception's and RCN-A's first seeds before
# anyone's third), then the seeds that complete rows already on the board.
JOBS = (
    # Issue 81's precision study first: RCN-A's full recipe in bf16 autocast (fp32 weights
    # and optimiser state), three seeds beside the three committed fp32 seeds, so that
    # `merbench compare` says whether bf16 changes what a recipe scores before the GPU jobs
    # of HTNet, MMNet and HSTA train in it.
    *_seeds("rcn-bf16", "rcn-composite-loso-bf16", (0, 1, 2), "--model", "rcn",
            "--precision", "bf16"),
    *_seeds(*_DUAL, (0,), "--model", "dual-inception"),
    *_seeds(*_RCN, (0,), "--model", "rcn"),
    *_seeds(*_DUAL, (1,), "--model", "dual-inception"),
    *_seeds(*_RCN, (1,), "--model", "rcn"),
    *_seeds(*_DUAL, (2,), "--model", "dual-inception"),
    *_seeds(*_RCN, (2,), "--model", "rcn"),
    *_seeds("timm-resnet18", "timm-resnet18-composite-loso", (2,), "--model", "timm-resnet18"),
    *_seeds("ststnet-authors-order", "ststnet-composite-loso-authors-order", (2,),
            "--model", "ststnet", "--data-order", "authors"),
    *_other_protocols(),
    *_au_runs(),
)


def command(job: CpuJob, data: Path, runs: Path) -> list[str]:
    """The ``merbench run`` command line of ``job``, on one core."""
    return ["merbench", "run", "--dataset", "composite", "--data-root", str(data / "composite"),
            "--device", "cpu", "--threads", "1", "--quiet", "--out", str(runs / job.out),
            *job.args]


#: what a finished run has written last: an emotion run's results, or an AU run's
RESULT_FILES = ("results.json", "au-results.json")


def finished(job: CpuJob, runs: Path, done: Path | None) -> bool:
    """Whether ``job``'s run is complete here or committed in ``done``, in its seed's folder
    or, for a configuration that has one seed (the handcrafted baselines: nothing in them is
    random), committed flat in the configuration's folder with that seed."""
    if any((root / job.out / name).is_file() for root in (runs, done)
           if root is not None for name in RESULT_FILES):
        return True
    flat = None if done is None else done / Path(job.out).parent / "results.json"
    return flat is not None and flat.is_file() and \
        json.loads(flat.read_text()).get("seed") == job.seed


def folds_finished(job: CpuJob, *roots: Path | None) -> int:
    """Fold files ``job`` has in the first of ``roots`` that holds its run folder."""
    for root in roots:
        if root is not None and (root / job.out).is_dir():
            return len(list((root / job.out / "folds").glob("fold-*.npz")))
    return 0


def stash(runs: Path, target: Path, jobs: list[CpuJob]) -> list[str]:
    """Keep what an unfinished run has (``run.json`` and finished fold files, never a
    fold's saved state) in ``target``; drop from it the runs that have finished."""
    kept = []
    for job in jobs:
        source, kept_copy = runs / job.out, target / job.out
        if any((source / name).is_file() for name in RESULT_FILES):
            shutil.rmtree(kept_copy, ignore_errors=True)
            continue
        if not (source / "run.json").is_file():
            continue
        folds = sorted((source / "folds").glob("fold-*.npz"))
        shutil.rmtree(kept_copy, ignore_errors=True)
        (kept_copy / "folds").mkdir(parents=True)
        shutil.copy2(source / "run.json", kept_copy / "run.json")
        for fold in folds:
            shutil.copy2(fold, kept_copy / "folds" / fold.name)
        kept.append(f"{job.out}: {len(folds)} of {job.folds} folds")
    target.mkdir(parents=True, exist_ok=True)  # a --stash not made yet: every run finished
    write_readme(target, runs, jobs)
    return kept


def _machine() -> str:
    import torch

    return f"{os.cpu_count()}-core {gpu_plan.cpu_name()}, torch {torch.__version__}"


def write_readme(target: Path, runs: Path, jobs: list[CpuJob]) -> None:
    """``target``'s README: what each kept run holds, where it came from, how to go on."""
    rows = []
    for job in JOBS:
        folder = target / job.out
        if not (folder / "run.json").is_file():
            continue
        folds = sorted((folder / "folds").glob("fold-*.npz"))
        rows.append(f"| `{job.out}/` | `{job.name}` | {len(folds)} of {job.folds} |")
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if rows:
        kept = "\n".join(["| run folder | job | folds finished |", "| --- | --- | --- |",
                          *rows, "", f"Kept {stamp} on a {_machine()}."])
    else:  # the folder stays, saying so: an empty one would leave the repository
        kept = (f"None now ({stamp}): every run this script started has finished; a "
                "finished run is\nchecked with `merbench validate` and moved to "
                "`leaderboards/results/` by hand. `python\nbenchmarks/cpu_runs.py --data PATH "
                "--runs RUNS --dry-run` lists the jobs still to run.")
    (target / "README.md").write_text(f"""# Unfinished CPU runs

Leaderboard runs of `benchmarks/cpu_runs.py` that a session's time stopped, laid out like
its `--runs` folder: each run folder's `run.json` and its finished `folds/fold-NNN.npz` (test
predictions of every epoch; no weights, no images). The next session goes on from them
(merbench re-checks each fold file against the run's identity; a fold in progress starts
over), and a run leaves this folder once it finishes:

```bash
nohup python benchmarks/cpu_runs.py --data PATH --runs RUNS --cores 2 --budget-s 9000 \\
    --start-from benchmarks/cpu-unfinished --stash benchmarks/cpu-unfinished &
```

{kept}
""")


def _one_core() -> None:
    # started in the background, children inherit an ignored SIGINT; the budget's Ctrl-C
    # must reach merbench, which then keeps every finished fold
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_pool(jobs: list[CpuJob], data: Path, runs: Path, cores: int,
             seconds: float | None) -> dict[str, int]:
    """Run ``jobs`` ``cores`` at a time until they end or the time is up; exit codes."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    deadline = None if seconds is None else time.monotonic() + seconds
    waiting, running, codes = list(jobs), [], {}
    (runs / "logs").mkdir(parents=True, exist_ok=True)
    while waiting or running:
        while waiting and len(running) < cores and (deadline is None
                                                    or time.monotonic() < deadline):
            job = waiting.pop(0)
            log = (runs / "logs" / f"{job.name}.log").open("a")
            cmd = command(job, data, runs)
            log.write(f"\n$ {shlex.join(cmd)}\n")
            log.flush()
            running.append((job, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                                  env=env, preexec_fn=_one_core), log))
            print(f"{job.name}: started", flush=True)
        for entry in list(running):
            job, process, log = entry
            if process.poll() is not None:
                codes[job.name] = process.returncode
                log.close()
                running.remove(entry)
                print(f"{job.name}: exit {process.returncode}", flush=True)
        if deadline is not None and time.monotonic() >= deadline:
            for _job, process, _log in running:
                process.send_signal(signal.SIGINT)
            for job, process, log in running:
                codes[job.name] = process.wait()
                log.close()
                print(f"{job.name}: stopped by the budget (exit {codes[job.name]})",
                      flush=True)
            for job in waiting:
                print(f"{job.name}: not started, the budget is spent", flush=True)
            return codes
        time.sleep(1)
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="folder holding the release's composite/ folder")
    parser.add_argument("--runs", type=Path, required=True, help="where the run folders go")
    parser.add_argument("--cores", type=int, default=2, help="jobs side by side, one core each")
    parser.add_argument("--only", default=None, help="comma-separated jobs (default: all, "
                        f"in this order: {', '.join(j.name for j in JOBS)})")
    parser.add_argument("--budget-s", type=float, default=None,
                        help="stop (Ctrl-C, finished folds kept) after this many seconds")
    parser.add_argument("--done", type=Path, default=HERE.parent / "leaderboards" / "results",
                        help="committed runs, never trained again (default: %(default)s)")
    parser.add_argument("--start-from", type=Path, default=None,
                        help="benchmarks/cpu-unfinished: runs to go on from")
    parser.add_argument("--stash", type=Path, default=None,
                        help="at the end, keep unfinished runs' folds here "
                             "(benchmarks/cpu-unfinished)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print each job's command, folds left and hours on one core")
    args = parser.parse_args(argv)
    jobs = gpu_plan.chosen_jobs(parser, JOBS, args.only, args.data)
    if args.cores < 1:
        parser.error("--cores takes 1 or more")
    done = {job.name for job in jobs if finished(job, args.runs, args.done)}
    for job in (j for j in jobs if j.name in done):
        print(f"{job.name}: finished already, skipped", flush=True)
    jobs = [j for j in jobs if j.name not in done]
    if args.dry_run:
        costs = gpu_plan.load(gpu_plan.COSTS).get("models", {})
        for job in jobs:
            left = job.folds - folds_finished(job, args.runs, args.start_from)
            per_seed = costs.get(job.model, {}).get("cpu_h_per_seed")
            # a composite LOSO fold's figure: other protocols' folds are other sizes
            hours = "no figure yet" if per_seed is None else \
                f"about {per_seed * left / FOLDS:.2f} h on one core (at a composite fold's pace)"
            print(f"{shlex.join(command(job, args.data, args.runs))}\n  {job.name}: "
                  f"{left} folds left, {hours}")
        return 0
    if args.start_from is not None:
        for name in start_from(args.start_from, args.runs, jobs):
            print(f"{name}: goes on from the folds in {args.start_from}", flush=True)
    codes = run_pool(jobs, args.data, args.runs, args.cores, args.budget_s)
    if args.stash is not None:
        for line in stash(args.runs, args.stash, jobs):
            print(f"kept in {args.stash}: {line}", flush=True)
    failed = {name: code for name, code in codes.items() if code not in (0, 130)}
    for name, code in failed.items():
        print(f"{name}: FAILED (exit {code}; see {args.runs / 'logs' / (name + '.log')})",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    quiet_pipe.exit_with(main)
