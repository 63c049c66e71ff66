"""One command that spends a GPU session well: the CUDA tests first, then the speed figure,
then the leaderboard's runs for whatever time is left, packed to bring back.

A GPU is lent here for 15 minutes of device time in all (since 2026-11-26), in practice one
command of at most 10, and most sessions have none, so the first minutes must show what is
broken on CUDA and the rest must go to the runs behind the leaderboard. While the plan has
runs left, steps 1 and 2 give way to training (issue 81; ``window_measure.py``): a smoke
test of the steps the plan uses (30 s) and a measurement of each of its models with no
figure on this chip (60 s), and the runs are planned for the seconds the dry run planned
with; the whole of 1 and 2 only in a window with no run left. Within ``--budget-s`` seconds,
in order:

1. ``pytest tests/test_gpu.py -m gpu`` (every CUDA path on small shapes) with
   ``MERBENCH_REQUIRE_GPU=1``, so a machine without CUDA fails instead of skipping; that file
   only, because collecting the whole suite imports what the GPU image lacks (cryptography,
   timm: 19 modules failed to collect on the H200 and the step exited 2);
2. ``benchmarks/train_speed.py --matrix`` (``train_matrix.py``: the steady state of eager and
   captured epochs, K folds at once, fp32 / tf32 / bf16, for HTNet and STSTNet, and the check
   that captured fp32 epochs are the eager ones bit for bit), within 4 minutes, unless the
   committed ``benchmarks/train_matrix.json`` was measured on this same GPU: then the runs
   plan from it and get those minutes;
   both once: their reports are kept in ``RUNS/gpu-session/``, and a later call on the same
   machine goes straight to the runs;
3. ``benchmarks/leaderboard_runs.py --no-saved-states`` for the time left, each job of a
   measured model with the matrix setting that finishes the most folds in that time
   (``gpu_plan.py``), and every job ``--eager`` if a captured-epoch test failed or the matrix
   found captured epochs differing from eager ones (so a broken capture costs speed, not the
   window); its budget holds the jobs' Ctrl-C (merbench keeps every finished fold, and the
   next call continues) and the packing to a .tar.gz.

Everything is written to ``--out``: the test report, the speed JSON, the runs archive (split
into parts of at most 16 MB) and ``session.json`` with each step's command, status and time;
at most 8 files, so all of it can come back from the GPU machine. At the end it prints what
to do with them on the CPU machine. ``--dry-run`` prints every step with its share of the
budget and each leaderboard job's predicted minutes (from the matrix this machine measured,
else the committed ``train_matrix.json`` and ``gpu_figures.json``), and runs nothing.

    python benchmarks/gpu_session.py --data PATH --runs RUNS --features FEAT \\
        --out "$OUT" --budget-s 540
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import gpu_plan
import gpu_preflight
import quiet_pipe
import window_measure

from merbench.cli.shared_options import finite_number, given_path
from merbench.cli.strict_parser import StrictParser

HERE = Path(__file__).resolve().parent
PART_BYTES = 16 * 1024 * 1024  # the largest file the device tool brings back
MAX_FILES = 8
PREFLIGHT_SHARE_S = 30.0  # imports and device checks: a few seconds; a hang stops here
# A window whose plan has runs left spends its time training (issue 81: of 540 s, the tests
# could take 240 and the matrix 270, and HTNet's seed took three windows): the gpu tests of
# the steps the plan uses, and a short measurement of each plan model with no figure on this
# chip (window_measure.py). The whole suite and the matrix only where no run is left.
SMOKE_SHARE_S = 30.0
MEASURE_SHARE_S = 60.0
TEST_SHARE_S = 240.0  # the gpu tests take about a minute; a hung one is stopped here
MATRIX_SHARE_S = 270.0  # train_speed --matrix: 240 s of settings, then the JSON
TRAINING_GOAL = 0.8  # of the command's seconds, in the jobs' training (session.json)
SIDE_BY_SIDE = 3  # small models' jobs at once where they fit (leaderboard_runs.py)
PACK_RESERVE_S = 30.0  # left for packing and the summary
# After the runs step's budget, before its Ctrl-C: leaderboard_runs.py ends within its own
# budget (its jobs' stop and its pack included), so this is a margin, not a plan; after the
# Ctrl-C it has run_step's 30 s to stop its jobs and pack.
RUNS_GRACE_S = 20.0
# leaderboard_runs.py keeps 60 s of its budget to stop its jobs and pack: with less than
# this the runs would finish no fold, and the step is skipped
MIN_RUNS_S = 90.0
TESTS = window_measure.TESTS
COMMITTED_MATRIX = HERE / "train_matrix.json"


# A rehearsal on the CPU (--device cpu --rehearse) does every step with a window's shares:
# the tests only collect and skip there, and the measurement times a step of each model.


@dataclass
class Step:
    name: str
    command: list[str]
    limit_s: float
    env: dict[str, str]
    grace_s: float = 0.0  # a step that stops itself at its limit gets this long to pack


def state_dir(args: argparse.Namespace) -> Path:
    """Where a call leaves what the next one needs: ``--out`` is emptied between calls on the
    lent machine, the runs folder is not."""
    return args.runs / "gpu-session"


def plan(args: argparse.Namespace, started: float) -> list[Step]:
    """The steps still to do, each with the seconds it may take. With runs left: a smoke
    test and a measurement of what has no figure on this chip (``window_measure.py``), the
    rest to the runs; the runs' settings are chosen for the seconds the first plan left
    them (``args.plan_budget_s``), so the window runs the plan its dry run printed."""
    python = sys.executable
    kept = state_dir(args)
    left = args.budget_s - (time.monotonic() - started) - PACK_RESERVE_S
    env = gpu_preflight.environment(args.rehearse, kept)
    jobs = window_measure.jobs_left(args.runs, args.start_from, args.committed)
    steps = []
    if not (kept / "preflight.txt").is_file():
        check = min(PREFLIGHT_SHARE_S, max(0.0, left))
        steps.append(Step("pre-flight", [python, "-c", gpu_preflight.CHECK, args.device,
                                         str(args.data), str(HERE)], check, env))
        left -= check
    if not (kept / "gpu-tests.xml").is_file():
        tests = min(SMOKE_SHARE_S if jobs else TEST_SHARE_S, max(0.0, left))
        # addopts cleared: the suite's addopts start a worker per core (pytest-xdist 3.8+);
        # the gpu tests share one device and need no xdist on the GPU machine's image
        which = window_measure.smoke_tests(jobs) if jobs else [str(TESTS), "-m", "gpu"]
        steps.append(Step("gpu smoke tests" if jobs else "gpu tests",
                          [python, "-m", "pytest", *which, "-o", "addopts=", "-q", "-p",
                           "no:cacheprovider", "--junitxml", str(kept / "gpu-tests.xml"),
                           "-ra"],
                          tests, {**env, **({} if args.rehearse
                                            else {"MERBENCH_REQUIRE_GPU": "1"})}))
        left -= tests
    matrix = kept / "train_matrix.json"
    if not matrix.is_file() and jobs:
        chip = this_gpu() if args.device.startswith("cuda") else args.device
        committed = window_measure.load(COMMITTED_MATRIX)
        wanted = window_measure.to_measure(jobs, chip, committed,
                                           window_measure.load(gpu_plan.FIGURES))
        if wanted:
            speed = min(MEASURE_SHARE_S, max(0.0, left))
            # it starts no model after speed - 30 s: 30 s for its imports and the last step
            base = ["--base", str(COMMITTED_MATRIX)] if committed.get("device") == chip \
                else []
            steps.append(Step("measurement", [python, str(HERE / "train_matrix.py"), "--json",
                                              str(matrix), "--only", ",".join(wanted),
                                              "--budget-s", f"{max(0.0, speed - 30):.0f}",
                                              "--device", args.device, *base], speed, env))
            left -= speed
    elif not matrix.is_file() and not committed_matrix_is_this_gpus(args.device):
        speed = min(MATRIX_SHARE_S, max(0.0, left))
        steps.append(Step("train matrix", [python, str(HERE / "train_speed.py"), "--matrix",
                                           "--json", str(matrix), "--budget-s",
                                           f"{max(0.0, speed - 30):.0f}", "--device",
                                           args.device], speed, env))
        left -= speed
    runs_s = left if left >= MIN_RUNS_S else 0.0
    if getattr(args, "plan_budget_s", None) is None:
        args.plan_budget_s = runs_s  # the first plan's: the dry run's
    runs = [python, str(HERE / "leaderboard_runs.py"), "--data", str(args.data), "--runs",
            str(args.runs), "--budget-s", f"{max(0.0, left):.0f}", "--plan-budget-s",
            f"{min(args.plan_budget_s, max(0.0, left)):.0f}", "--pack",
            str(args.out / "runs.tgz"), "--matrix", str(matrix_for_plan(matrix)),
            "--side-by-side", str(SIDE_BY_SIDE), "--no-saved-states", "--device", args.device,
            *(("--rehearse",) if args.rehearse else ())]
    if not captured_works(kept, matrix_for_plan(matrix)):
        runs.append("--eager")
    if args.features is not None:
        runs += ["--features", str(args.features)]
    if args.start_from is not None:
        runs += ["--start-from", str(args.start_from)]
    if args.committed is not None:
        runs += ["--committed", str(args.committed)]
    steps.append(Step("leaderboard runs", runs, runs_s, env, grace_s=RUNS_GRACE_S))
    return steps


def this_gpu() -> str:
    """This machine's GPU as ``nvidia-smi`` names it ("cuda" where there is none)."""
    return gpu_plan.device_name("cuda")


def committed_matrix_is_this_gpus(device: str = "cuda") -> bool:
    """Whether the committed ``train_matrix.json`` was measured on this machine's GPU: then
    measuring it again would spend four of the session's minutes on figures it has (never
    on a CPU, whose rehearsal measures its own)."""
    if not COMMITTED_MATRIX.is_file() or not device.startswith("cuda"):
        return False
    return json.loads(COMMITTED_MATRIX.read_text()).get("device") == this_gpu()


def matrix_skipped(args: argparse.Namespace, steps: list[Step]) -> str:
    """Why this call measures no matrix ("": it measures one, or one is kept from an
    earlier call on this machine)."""
    if (state_dir(args) / "train_matrix.json").is_file() or \
            any(step.name == "train matrix" for step in steps):
        return ""
    if any(step.name == "measurement" for step in steps):
        return ("runs are left: only the models with no figure on this chip are measured "
                "(window_measure.py)")
    if committed_matrix_is_this_gpus(args.device):
        return f"{COMMITTED_MATRIX.name} was measured on this GPU ({this_gpu()})"
    return "runs are left, and every model of them has a figure on this chip"


def captured_works(kept: Path, matrix: Path | None = None) -> bool:
    """Whether the runs may replay captured epochs: not when a captured-epoch gpu test
    failed on this machine or the matrix the runs plan from (``matrix``, default the one
    measured here) found captured epochs other than eager ones (then every job runs
    ``--eager``, and the window still yields runs)."""
    tests = kept / "gpu-tests.xml"
    if tests.is_file():
        for case in ElementTree.parse(tests).iter("testcase"):
            failed = case.find("failure") is not None or case.find("error") is not None
            if failed and "captured" in case.get("name", ""):
                return False
    matrix = matrix or kept / "train_matrix.json"
    if matrix.is_file():
        checks = json.loads(matrix.read_text()).get("same_numbers", [])
        if any(c["differing_tensors"] or not c["same_predictions"] for c in checks):
            return False
    return True


def matrix_for_plan(measured: Path) -> Path:
    """The matrix the runs plan from: this machine's, once measured, else the last one
    committed (``benchmarks/train_matrix.json``)."""
    return measured if measured.is_file() else COMMITTED_MATRIX


def training_seconds(runs: Path, record: list[dict[str, object]]) -> float:
    """Seconds this call's jobs trained (the runs' ``timings.json``: its last call's
    ``jobs_s``, the time jobs were running); 0 where the runs step did not run."""
    ran = any(step["step"] == "leaderboard runs" and str(step["status"]).startswith(
        ("exit", "stopped")) for step in record)
    try:
        calls = json.loads((runs / "timings.json").read_text()) if ran else []
    except (OSError, ValueError):
        return 0.0
    return float(calls[-1].get("jobs_s", 0.0)) if calls else 0.0


def run_step(step: Step, log: Path) -> tuple[str, float]:
    """Run ``step`` within its limit (Ctrl-C at the limit, then a kill); its status and time."""
    if step.limit_s <= 0:
        return "skipped: no time left", 0.0
    start = time.monotonic()
    with open(log, "ab") as handle:
        handle.write(f"$ {' '.join(step.command)}\n".encode())
        handle.flush()
        process = subprocess.Popen(step.command, stdout=handle, stderr=subprocess.STDOUT,
                                   env={**os.environ, **step.env},
                                   preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                    signal.SIG_DFL))
        try:
            code = process.wait(timeout=step.limit_s + step.grace_s)
            status = f"exit {code}"
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)  # merbench keeps what finished
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            status = f"stopped at its {step.limit_s:.0f} s limit"
    return status, time.monotonic() - start


def split_large(out: Path) -> list[Path]:
    """Files over the size that comes back are cut into ``.part-NN`` pieces; returns every
    file in ``out``."""
    for path in sorted(out.iterdir()):
        if path.is_file() and path.stat().st_size > PART_BYTES:
            with open(path, "rb") as whole:
                for number, chunk in enumerate(iter(lambda: whole.read(PART_BYTES), b"")):
                    (out / f"{path.name}.part-{number:02d}").write_bytes(chunk)
            path.unlink()
    return sorted(p for p in out.iterdir() if p.is_file())


def back_home(out: Path) -> str:
    return f"""back on the CPU machine, with the files of {out} in a folder OUT:
  cat OUT/runs.tgz.part-* > OUT/runs.tgz   # only if it came in parts
  tar -xzf OUT/runs.tgz -C RUNS && merbench validate RUNS
  # unfinished run folders (fold files and run.json, no partial/) go to
  # benchmarks/gpu-unfinished/ for the next session's --start-from
  # copy each finished run directory into leaderboards/results/ and add its row (command,
  # GPU, commits, times) to leaderboards/results/README.md; read gpu-tests.xml for any CUDA
  # failure; commit OUT/train_matrix.json as benchmarks/train_matrix.json (the next dry run
  # plans from it) with its figures in benchmarks/README.md, the GPU named, and update
  # benchmarks/gpu_figures.json from the runs' timings:
  python benchmarks/gpu_plan.py --record RUNS/timings.json --commit COMMIT
  git add leaderboards/results benchmarks/README.md && git commit"""


def _parser() -> StrictParser:
    """The command line, read by merbench's own parser (pass 84k R9): argparse took
    ``--budget-s nan`` (a plan of NaN seconds), an option given twice (the last won), an
    empty ``--out`` and ``--device banana``, and refused in its own words ("invalid float
    value", "the following arguments are required"). Each refusal is now one line in
    merbench's words, exit status 2."""
    parser = StrictParser(prog="gpu_session.py", description=__doc__.splitlines()[0])
    parser.speaker = "gpu_session.py"
    parser.add_argument("--data", type=given_path, required=True,
                        help="the folder that holds the release's composite/")
    parser.add_argument("--runs", type=given_path, required=True,
                        help="where the run folders go")
    parser.add_argument("--features", type=given_path, default=None,
                        help="saved HTNet regions (leaderboard_runs.py --prepare)")
    parser.add_argument("--start-from", type=given_path, default=None,
                        help="unfinished runs of earlier sessions (benchmarks/gpu-unfinished)")
    parser.add_argument("--out", type=given_path, required=True,
                        help="what comes back: at most 8 files of 16 MB")
    parser.add_argument("--budget-s", type=finite_number, required=True,
                        help="seconds for the whole session command")
    parser.add_argument("--dry-run", action="store_true",
                        help="print every step and its time, run nothing")
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"),
                        help="cuda (a window) or cpu (with --rehearse: its rehearsal)")
    parser.add_argument("--committed", type=given_path, default=None,
                        help="where finished runs are committed (leaderboard_runs.py's "
                             "default: leaderboards/results): their jobs are not run again")
    parser.add_argument("--rehearse", action="store_true",
                        help="rehearse a window on the CPU: every step, each job cut small "
                             "(--data from gpu_rehearsal.py), imports the GPU image lacks "
                             "refused (gpu_image_guard)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.budget_s <= PACK_RESERVE_S:
        parser.error(f"--budget-s must exceed {PACK_RESERVE_S:.0f} s (packing and summary)")
    steps = plan(args, started)
    skipped = matrix_skipped(args, steps)
    if args.dry_run:
        for step in steps:
            if step.name == "leaderboard runs" and skipped:
                print(f"[train matrix, skipped] {skipped}; the runs plan from "
                      f"{matrix_for_plan(state_dir(args) / 'train_matrix.json')}")
            print(f"[{step.name}, up to {step.limit_s:.0f} s] {' '.join(step.command)}")
        total = sum(step.limit_s for step in steps) + PACK_RESERVE_S
        print(f"budget: {args.budget_s:.0f} s; planned: {total:.0f} s with {PACK_RESERVE_S:.0f}"
              " s to pack")
        if (args.data / "composite").is_dir():  # each job's predicted minutes
            sys.stdout.flush()
            subprocess.run([*steps[-1].command, "--dry-run"], check=False)
        print(back_home(args.out))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    state_dir(args).mkdir(parents=True, exist_ok=True)
    log = args.out / "session.log"
    record: list[dict[str, object]] = []
    if skipped:
        record.append({"step": "train matrix", "status": f"skipped: {skipped}",
                       "seconds": 0.0})
    if not (state_dir(args) / "preflight.txt").is_file():
        began = time.monotonic()
        installed = gpu_preflight.install_wheels(args.rehearse)
        record.append({"step": "wheels", "status": installed,
                       "seconds": round(time.monotonic() - began, 1)})
        print(f"wheels: {installed}", flush=True)
    for step in steps:
        # steps that end early leave their time to the leaderboard runs
        if step.name == "leaderboard runs":
            step = plan(args, started)[-1]
        status, seconds = run_step(step, log)
        if step.name == "pre-flight" and status == "exit 0":
            (state_dir(args) / "preflight.txt").write_text(status + "\n")
        elif step.name == "pre-flight":  # nothing else can work: say so, bring back the log
            record.append({"step": step.name, "command": step.command, "status": status,
                           "seconds": round(seconds, 1)})
            print(f"pre-flight FAILED ({status}); see {log}", flush=True)
            break
        record.append({"step": step.name, "command": step.command, "status": status,
                       "seconds": round(seconds, 1), "limit_s": round(step.limit_s, 1)})
        print(f"{step.name}: {status} ({seconds:.0f} s)")
    for name in ("gpu-tests.xml", "train_matrix.json", "guard.log"):  # every call's
        if (state_dir(args) / name).is_file():
            shutil.copy2(state_dir(args) / name, args.out / name)
    wall = time.monotonic() - started
    minutes = gpu_preflight.accounted(record, wall)
    training = training_seconds(args.runs, record)
    (args.out / "session.json").write_text(json.dumps(
        {"budget_s": args.budget_s, "seconds": round(wall, 1), "device": args.device,
         "rehearsal": args.rehearse, "steps": record, "accounted_s": minutes,
         "training_s": training, "training_share": round(training / wall, 3) if wall else 0.0,
         "training_goal": TRAINING_GOAL}, indent=2) + "\n")
    print("where the time went: " + ", ".join(f"{k} {v:.0f} s" for k, v in minutes.items())
          + f"; training {training:.0f} s, {training / max(wall, 1e-9):.0%} of the command "
          f"(goal {TRAINING_GOAL:.0%})")
    files = split_large(args.out)
    if len(files) > MAX_FILES:
        print(f"warning: {len(files)} files in {args.out}, more than the {MAX_FILES} that come "
              "back; bring the largest first", file=sys.stderr)
    print(back_home(args.out))
    return 0


if __name__ == "__main__":
    quiet_pipe.exit_with(main)
