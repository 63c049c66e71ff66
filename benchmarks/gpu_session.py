"""One command that spends a GPU session well: the CUDA tests first, then the speed figure,
then the leaderboard's runs for whatever time is left, packed to bring back.

A GPU is lent here for 15 minutes of device time in all (since 2026-11-26), in practice one
command of at most 10, and most sessions have none, so the first minutes must show what is
broken on CUDA and the rest must go to the runs behind the leaderboard. Within
``--budget-s`` seconds, in order:

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

import gpu_preflight

HERE = Path(__file__).resolve().parent
PART_BYTES = 16 * 1024 * 1024  # the largest file the device tool brings back
MAX_FILES = 8
PREFLIGHT_SHARE_S = 30.0  # imports and device checks: a few seconds; a hang stops here
TEST_SHARE_S = 240.0  # the gpu tests take about a minute; a hung one is stopped here
MATRIX_SHARE_S = 270.0  # train_speed --matrix: 240 s of settings, then the JSON
SIDE_BY_SIDE = 3  # small models' jobs at once where they fit (leaderboard_runs.py)
PACK_RESERVE_S = 30.0  # left for packing and the summary
# After the runs step's budget, before its Ctrl-C: leaderboard_runs.py ends within its own
# budget (its jobs' stop and its pack included), so this is a margin, not a plan; after the
# Ctrl-C it has run_step's 30 s to stop its jobs and pack.
RUNS_GRACE_S = 20.0
# leaderboard_runs.py keeps 60 s of its budget to stop its jobs and pack: with less than
# this the runs would finish no fold, and the step is skipped
MIN_RUNS_S = 90.0
TESTS = HERE.parent / "tests" / "test_gpu.py"
COMMITTED_MATRIX = HERE / "train_matrix.json"


# A rehearsal on the CPU (--device cpu --rehearse) does every step, each shorter: the tests
# only collect and skip there, and the matrix times a step of each model and stops.
REHEARSAL_SHARES_S = {"tests": 45.0, "matrix": 75.0}


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
    """The steps still to do, each with the seconds it may take."""
    python = sys.executable
    kept = state_dir(args)
    left = args.budget_s - (time.monotonic() - started) - PACK_RESERVE_S
    env = gpu_preflight.environment(args.rehearse, kept)
    steps = []
    if not (kept / "preflight.txt").is_file():
        check = min(PREFLIGHT_SHARE_S, max(0.0, left))
        steps.append(Step("pre-flight", [python, "-c", gpu_preflight.CHECK, args.device,
                                         str(args.data), str(HERE)], check, env))
        left -= check
    if not (kept / "gpu-tests.xml").is_file():
        share = REHEARSAL_SHARES_S["tests"] if args.rehearse else TEST_SHARE_S
        tests = min(share, max(0.0, left))
        # addopts cleared: the suite's addopts start a worker per core (pytest-xdist 3.8+);
        # the gpu tests share one device and need no xdist on the GPU machine's image
        steps.append(Step("gpu tests", [python, "-m", "pytest", str(TESTS), "-o", "addopts=",
                                        "-m", "gpu", "-q", "-p", "no:cacheprovider",
                                        "--junitxml", str(kept / "gpu-tests.xml"), "-ra"],
                          tests, {**env, **({} if args.rehearse
                                            else {"MERBENCH_REQUIRE_GPU": "1"})}))
        left -= tests
    matrix = kept / "train_matrix.json"
    if not matrix.is_file() and not committed_matrix_is_this_gpus(args.device):
        share = REHEARSAL_SHARES_S["matrix"] if args.rehearse else MATRIX_SHARE_S
        speed = min(share, max(0.0, left))
        steps.append(Step("train matrix", [python, str(HERE / "train_speed.py"), "--matrix",
                                           "--json", str(matrix), "--budget-s",
                                           f"{max(0.0, speed - 30):.0f}", "--device",
                                           args.device], speed, env))
        left -= speed
    runs = [python, str(HERE / "leaderboard_runs.py"), "--data", str(args.data), "--runs",
            str(args.runs), "--budget-s", f"{max(0.0, left):.0f}", "--pack",
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
    runs_s = left if left >= MIN_RUNS_S else 0.0
    steps.append(Step("leaderboard runs", runs, runs_s, env, grace_s=RUNS_GRACE_S))
    return steps


def this_gpu() -> str:
    """This machine's GPU as ``nvidia-smi`` names it ("cuda" where there is none)."""
    import gpu_plan  # beside this file, on the path when it runs as a script

    return gpu_plan.device_name("cuda")


def committed_matrix_is_this_gpus(device: str = "cuda") -> bool:
    """Whether the committed ``train_matrix.json`` was measured on this machine's GPU: then
    measuring it again would spend four of the session's minutes on figures it has (never
    on a CPU, whose rehearsal measures its own)."""
    if not COMMITTED_MATRIX.is_file() or not device.startswith("cuda"):
        return False
    return json.loads(COMMITTED_MATRIX.read_text()).get("device") == this_gpu()


def matrix_skipped(args: argparse.Namespace) -> bool:
    """Whether this call plans from the committed matrix instead of measuring one."""
    return (not (state_dir(args) / "train_matrix.json").is_file()
            and committed_matrix_is_this_gpus(args.device))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="the folder that holds the release's composite/")
    parser.add_argument("--runs", type=Path, required=True, help="where the run folders go")
    parser.add_argument("--features", type=Path, default=None,
                        help="saved HTNet regions (leaderboard_runs.py --prepare)")
    parser.add_argument("--start-from", type=Path, default=None,
                        help="unfinished runs of earlier sessions (benchmarks/gpu-unfinished)")
    parser.add_argument("--out", type=Path, required=True,
                        help="what comes back: at most 8 files of 16 MB")
    parser.add_argument("--budget-s", type=float, required=True,
                        help="seconds for the whole session command")
    parser.add_argument("--dry-run", action="store_true",
                        help="print every step and its time, run nothing")
    parser.add_argument("--device", default="cuda",
                        help="cuda (a window) or cpu (with --rehearse: its rehearsal)")
    parser.add_argument("--committed", type=Path, default=None,
                        help="where finished runs are committed (leaderboard_runs.py's "
                             "default: leaderboards/results): their jobs are not run again")
    parser.add_argument("--rehearse", action="store_true",
                        help="rehearse a window on the CPU: every step, each job cut small "
                             "(--data from gpu_rehearsal.py), imports the GPU image lacks "
                             "refused (gpu_image_guard)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.budget_s <= PACK_RESERVE_S:
        parser.error(f"--budget-s must exceed {PACK_RESERVE_S:.0f} s (packing and summary)")
    steps = plan(args, started)
    if args.dry_run:
        for step in steps:
            if step.name == "leaderboard runs" and matrix_skipped(args):
                print(f"[train matrix, skipped] {COMMITTED_MATRIX} was measured on this GPU "
                      f"({this_gpu()}): the runs plan from it")
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
    if matrix_skipped(args):
        record.append({"step": "train matrix", "status": f"skipped: {COMMITTED_MATRIX.name} "
                       f"was measured on this GPU ({this_gpu()})", "seconds": 0.0})
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
    (args.out / "session.json").write_text(json.dumps(
        {"budget_s": args.budget_s, "seconds": round(wall, 1), "device": args.device,
         "rehearsal": args.rehearse, "steps": record, "accounted_s": minutes}, indent=2)
        + "\n")
    print("where the time went: " + ", ".join(f"{k} {v:.0f} s" for k, v in minutes.items()))
    files = split_large(args.out)
    if len(files) > MAX_FILES:
        print(f"warning: {len(files)} files in {args.out}, more than the {MAX_FILES} that come "
              "back; bring the largest first", file=sys.stderr)
    print(back_home(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
