"""A GPU window rehearsed on the CPU: ``gpu_session.py`` end to end, every job cut small.

The window of 2026-11-26 met three failures on the GPU that a CPU could have shown (a tree
too big to travel, a package the image lacks, a plan longer than the window). This runs what
a window runs, on the CPU, from the same scripts: the pre-flight, the tests step, the
matrix step (``--device cpu``), every job of the plan (each ``merbench run`` or ``merbench
tune`` of ``leaderboard_runs.py``, on a few subjects of the composite for one epoch: a real
training step of every model), the stop at the budget, the pack into ``--out`` within what
the device tool brings back (8 files, 16 MiB each, two folders deep), then what the CPU
machine does with it: unpack, ``merbench validate``, and a second call that goes on from
the unfinished runs (``--start-from``), as the next window would. Every step runs with
``gpu_image_guard`` first on its path, so an import of a package the image lacks fails here.

    python benchmarks/gpu_rehearsal.py --data ../shared/data --work DIR [--budget-s 270]

It exits non-zero, saying why (the step, the jobs or the check that failed), if any of that
fails. CI runs it every time (``.ci/run``, after the README's test command): the first
window has nothing committed, the second the first's finished seeds 0 (not its later seeds,
whatever the machine's pace), so later seeds run beside a committed seed 0 as they do in a
real window.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

try:
    import tomllib  # type: ignore[import-not-found, unused-ignore]
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

HERE = Path(__file__).resolve().parent
LABELS = "combined_3_class2_for_optical_flow.csv"
FLOWS, APEXES = "STSNet_whole_norm_u_v_os", "combined_datasets_whole"
# the subjects a rehearsal keeps: one of each database, each with samples of all three
# classes and few of them (13 in all): three LOSO folds, and two training subjects in each,
# as a nested tuning's two inner folds need
SUBJECTS = {"casme2": "sub06", "samm": "016", "smic": "s15"}
MAX_FILES, MAX_BYTES, MAX_DEPTH = 8, 16 * 1024 * 1024, 2  # what the device tool returns


def subset_release(data: Path, dest: Path) -> Path:
    """A copy of the composite release holding only :data:`SUBJECTS` (``dest/composite``,
    read with ``--dataset-opt subset=true``); ``dest`` itself, to pass as ``--data``."""
    source, target = data / "composite", dest / "composite"
    table = pd.read_csv(source / LABELS, dtype=str, keep_default_na=False)
    keep = table[[SUBJECTS.get(db) == sub for db, sub in zip(table["dataset"], table["sub"],
                                                             strict=True)]]
    if keep.empty:
        raise SystemExit(f"{source / LABELS} holds none of the subjects {SUBJECTS}")
    (target / FLOWS).mkdir(parents=True, exist_ok=True)
    (target / APEXES).mkdir(parents=True, exist_ok=True)
    keep.to_csv(target / LABELS, index=False)
    for sub, clip, apex in zip(keep["sub"], keep["filename_o"], keep["imagename"], strict=True):
        shutil.copy2(source / FLOWS / f"{sub}_{clip} .png", target / FLOWS)
        shutil.copy2(source / APEXES / apex, target / APEXES)
    return dest


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def rehearsal_tuning(source: Path, dest: Path) -> Path:
    """``source``'s search cut to one trial of two inner folds, one epoch, on the subset."""
    document = tomllib.loads(source.read_text())
    document["inner_folds"] = 2
    document.setdefault("search", {}).update(trials=1)
    space = {}
    for name, parameter in document["space"].items():
        first = parameter["choices"][0] if "choices" in parameter else parameter["low"]
        space[name] = {"choices": [1 if name == "epochs" else first]}
    document["space"] = space
    document.setdefault("options", {})
    if "epochs" not in space:
        document["options"]["epochs"] = 1
    document.setdefault("dataset_options", {})["subset"] = True
    lines = [f"{k} = {_toml_value(v)}" for k, v in document.items() if not isinstance(v, dict)]
    for table in (k for k, v in document.items() if isinstance(v, dict)):
        lines.append(f"\n[{table}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in document[table].items()]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n")
    return dest


def rehearsal_command(cmd: list[str], runs: Path) -> list[str]:
    """A job's command cut for the rehearsal: one seed, one epoch, the subset's subjects; a
    tuning's search file replaced by its cut copy (:func:`rehearsal_tuning`)."""
    cmd = list(cmd)
    if cmd[1] == "tune":
        source = Path(cmd[2])
        cmd[2] = str(rehearsal_tuning(source, runs / "rehearsal-tunes" / source.name))
        return cmd
    if "--seeds" in cmd:
        cmd[cmd.index("--seeds") + 1] = "0"
    # TF32 is a CUDA mode; bf16's pace on a CPU is the processor's (AVX512-BF16 made it faster
    # than fp32 on the 2-core EPYC, so an idle machine's first call finished every job and
    # stopped none; emulated, it is slower): the rehearsal times the window's steps, not
    # the CPU's bf16, so its jobs train in fp32 there
    if "--precision" in cmd and cmd[cmd.index("--precision") + 1] in ("tf32", "bf16") and \
            "--device" in cmd and not cmd[cmd.index("--device") + 1].startswith("cuda"):
        cmd[cmd.index("--precision") + 1] = "fp32"
    # --eager is refused off CUDA (it chooses between CUDA engines), so a CPU rehearsal of a
    # window run with --eager trains without it
    if "--eager" in cmd and "--device" in cmd and \
            not cmd[cmd.index("--device") + 1].startswith("cuda"):
        cmd.remove("--eager")
    return [*cmd, "--epochs", "1", "--dataset-opt", "subset=true"]


def check_returned(out: Path) -> list[Path]:
    """What ``--out`` holds, refused unless the device tool would bring all of it back."""
    files = [p for p in out.rglob("*") if p.is_file()]
    deep = [p for p in files if len(p.relative_to(out).parts) > MAX_DEPTH + 1]
    large = [p for p in files if p.stat().st_size > MAX_BYTES]
    if len(files) > MAX_FILES or deep or large:
        raise SystemExit(f"{out}: {len(files)} files (at most {MAX_FILES}), too deep: "
                         f"{[str(p) for p in deep]}, over 16 MiB: {[str(p) for p in large]}")
    return files


def unpack(out: Path, into: Path) -> Path:
    """The runs a call packed, joined from their parts where they were split, unpacked."""
    parts = sorted(out.glob("runs.tgz.part-*"))
    whole = out / "runs.tgz"
    if parts:
        with open(whole, "wb") as joined:
            for part in parts:
                joined.write(part.read_bytes())
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(whole, "r:gz") as archive:
        archive.extractall(into, filter="data")
    return into / next(p.name for p in into.iterdir())


def finished_and_not(runs: Path) -> tuple[list[Path], list[Path]]:
    """Run folders (a ``run.json``) and tunings (a ``tuning.json``) under ``runs``: those
    whose result file is written, and the others."""
    done: list[Path] = []
    open_: list[Path] = []
    tunings = [p.parent for p in runs.rglob("tuning.json")]
    for path in sorted(runs.rglob("run.json")):
        if any(t in path.parents for t in tunings):
            continue
        (done if (path.parent / "results.json").is_file() else open_).append(path.parent)
    for tuning in tunings:
        (done if (tuning / "tune.json").is_file() else open_).append(tuning)
    return done, open_


#: the statuses a step may end with in a rehearsal; anything else fails it, named
ENDED_WELL = ("exit 0", "installed", "no wheels", "skipped: a rehearsal",
              "skipped: runs are left")


def session(args: argparse.Namespace, runs: Path, out: Path, budget_s: float,
            start_from: Path | None, committed: Path | None = None) -> dict[str, Any]:
    """One call of ``gpu_session.py``, as a window makes it; each job's timing, once every
    step and job is shown to have ended well (else SystemExit naming the step or the jobs:
    a runs step that never ran, or wrote no timings, is a failed step, not a missing file)."""
    command = [sys.executable, str(HERE / "gpu_session.py"), "--data", str(args.data_subset),
               "--runs", str(runs), "--features", str(args.features), "--out", str(out),
               "--budget-s", f"{budget_s:.0f}", "--device", "cpu", "--rehearse"]
    if start_from is not None:
        command += ["--start-from", str(start_from)]
    command += ["--committed", str(committed or args.work / "committed")]
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        raise SystemExit(f"gpu_session.py exited {done.returncode}; its log: "
                         f"{out / 'session.log'}")
    try:
        record = json.loads((out / "session.json").read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"gpu_session.py wrote no readable {out / 'session.json'}: {exc}") \
            from None
    failed = [f"{s['step']}: {s['status']}" for s in record["steps"]
              if not str(s["status"]).startswith(ENDED_WELL)]
    if not any(s["step"] == "leaderboard runs" for s in record["steps"]):
        failed.append("leaderboard runs: never reached (an earlier step ended the call)")
    if failed:
        raise SystemExit(f"a step of the session failed: {'; '.join(failed)}; its log: "
                         f"{out / 'session.log'}")
    try:
        calls = json.loads((runs / "timings.json").read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"the leaderboard runs step wrote no readable timings "
                         f"({exc}); its log: {out / 'session.log'}") from None
    # a job met in two calls of the runs step (the second given the seconds the first left)
    # is one job: its folds are both calls', and a failure in either is its failure
    jobs: dict[str, Any] = {}
    for call in calls:
        for name, job in call["jobs"].items():
            before = jobs.get(name)
            if before is not None:
                failed = [j["exit"] for j in (before, job) if j["exit"] not in (0, 130)]
                job = {**job, "folds_finished": before["folds_finished"]
                       + job["folds_finished"], "exit": failed[0] if failed else job["exit"]}
            jobs[name] = job
    broken = {name: job["exit"] for name, job in jobs.items() if job["exit"] not in (0, 130)}
    if broken:
        raise SystemExit(f"jobs failed (exit status): {broken}; their logs: {runs / 'logs'}")
    if (out / "guard.log").is_file():  # imports the code caught: reported, not fatal
        print(f"imports refused as the image would, each caught by the code that asked:\n"
              f"{(out / 'guard.log').read_text()}", flush=True)
    print(f"training: {record.get('training_s', 0):.0f} s of the call's "
          f"{record.get('seconds', 0):.0f} s", flush=True)
    return jobs


def validate(folders: list[Path]) -> None:
    """``merbench validate`` of every finished run and tuning, in one process."""
    if folders:
        subprocess.run(["merbench", "validate", *map(str, folders)], check=True,
                       stdout=subprocess.DEVNULL)


def check_every_model_stepped(first: dict[str, Any], second: dict[str, Any],
                              back: Path, matrices: list[Path]) -> list[str]:
    """Every job of the plan ended well in one call or the other, each run job finished a
    fold and each tuning wrote tune.json; the measurement took a real step of every model
    of a job (CausalNet's job needs its authors' images, and no session runs it). What
    each did, as lines for the report."""
    from leaderboard_runs import JOBS
    from window_measure import job_model

    lines = []
    measured = {r["model"] for matrix in matrices if matrix.is_file()
                for r in json.loads(matrix.read_text()).get("plan_models", [])}
    # HTNet's measurement is of K folds at once on CUDA; on the CPU its jobs train it
    missing = sorted({job_model(job)[0] for job in JOBS if not job.images} - measured
                     - {"htnet"})
    if missing:
        raise SystemExit(f"the measurement step took no step of {missing} in either call "
                         "(gpu_session.MEASURE_SHARE_S); see out-1/ and out-2/session.log")
    lines.append(f"measurement: a real step of {', '.join(sorted(measured))}")
    for job in JOBS:
        if job.images:  # CausalNet's job reads its authors' images
            lines.append(f"{job.name}: not run (needs --causalnet-images)")
            continue
        timings = [t for t in (first.get(job.name), second.get(job.name)) if t is not None]
        folds = sum(t["folds_finished"] for t in timings)
        done = (back / job.out / "tune.json").is_file() if job.tool == "tune" else folds > 0
        if not done:
            raise SystemExit(f"{job.name} took no training step in either call: {timings}")
        lines.append(f"{job.name}: {folds} folds in {sum(t['seconds'] for t in timings):.0f} s "
                     f"over {len(timings)} call(s)")
    return lines


def later_seeds(jobs: dict[str, Any], committed: Path, runs: Path) -> list[str]:
    """The seed jobs after seed 0 that trained in a call (exit 0 or stopped with folds),
    each with where its seed 0 was: committed before the call, or beside it in the runs."""
    from leaderboard_runs import JOBS

    seen = []
    for job in JOBS:
        if not re.fullmatch(r"seed-[1-9]\d*", job.out.rsplit("/", 1)[-1]) or \
                job.name not in jobs:
            continue
        timing = jobs[job.name]
        if timing["exit"] not in (0, 130) or not (timing["folds_finished"] or
                                                   timing["exit"] == 0):
            continue
        seed_0 = job.out.rsplit("/", 1)[0] + "/seed-0"
        where = ("seed 0 committed" if (committed / seed_0 / "results.json").is_file()
                 else "seed 0 beside it" if (runs / seed_0 / "run.json").is_file()
                 else "no seed 0")
        seen.append(f"{job.name} ({where})")
    return seen


# A window's budget, and the rehearsal's two calls at it scaled to the CPU: each call keeps
# a window's shares for the pre-flight, the smoke tests, the measurement and the packing
# (gpu_session.py's, 150 s), and the runs get what is left. The first call gets half a
# window (270 s: the jobs' Ctrl-C about a minute into the runs, as a window's comes mid-plan
# on the GPU: the cut jobs of three subjects and one epoch take 10 to 25 s each on the 2-core
# CPU, a window's real ones minutes), the second a whole one, which finishes the rest.
WINDOW_S = 540.0
FIRST_CALL_SHARE = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="the folder holding the composite release (../shared/data)")
    parser.add_argument("--work", type=Path, required=True, help="an empty folder to work in")
    parser.add_argument("--budget-s", type=float, default=WINDOW_S * FIRST_CALL_SHARE,
                        help="the first call's budget (default: half a window's %(default)s "
                             "s): short enough that it stops jobs; the second gets "
                             f"{WINDOW_S:.0f} s")
    args = parser.parse_args(argv)
    if not (args.data / "composite").is_dir():
        parser.error(f"--data {args.data} holds no composite/ folder; give the folder that "
                     "holds the release (../shared/data)")
    began = time.monotonic()
    work = args.work = args.work.resolve()
    args.data_subset = subset_release(args.data, work / "data")
    args.features = work / "features"
    subprocess.run([sys.executable, str(HERE / "leaderboard_runs.py"), "--data",
                    str(args.data_subset), "--runs", str(work / "prepare"), "--features",
                    str(args.features), "--prepare", "--rehearse", "--dry-run"], check=True,
                   stdout=subprocess.DEVNULL)
    stash, committed = work / "unfinished", work / "committed"
    committed.mkdir(parents=True, exist_ok=True)
    # the first window: nothing committed, nothing to start from
    first = session(args, work / "runs-1", work / "out-1", args.budget_s, None, committed)
    check_returned(work / "out-1")
    back = unpack(work / "out-1", work / "back-1")
    done, unfinished = finished_and_not(back)
    from leaderboard_runs import JOBS

    runnable = [j for j in JOBS if not j.images]
    if all(first.get(j.name, {}).get("exit") == 0 for j in runnable):
        raise SystemExit("the first call finished every job: nothing tested the stop and the "
                         "resume; give it a smaller --budget-s")
    beside = later_seeds(first, committed, work / "runs-1")
    for folder in unfinished:  # benchmarks/gpu-unfinished/, for the next --start-from
        shutil.copytree(folder, stash / folder.relative_to(back),
                        ignore=shutil.ignore_patterns("partial"))
    # leaderboards/results/, where the next window finds them finished: every seed 0 the
    # first call finished, and no later seed. How far the first call gets depends on the
    # machine's pace (CI's finished every later seed beside its seed 0, leaving the second
    # window none to train beside a committed one), so its finished later seeds are held
    # back and the second window trains them again, beside their committed seed 0, on
    # every machine.
    held_back = [f for f in done if re.fullmatch(r"seed-[1-9]\d*", f.name)]
    for folder in done:
        if folder not in held_back:
            shutil.copytree(folder, committed / folder.relative_to(back))
    validate(done)
    seeds_0 = sorted(j.name for j in runnable if j.out.endswith("/seed-0")
                     and (committed / j.out / "results.json").is_file())
    print(f"first window (nothing committed): stopped by its budget; {len(done)} runs "
          f"finished and valid, {len(unfinished)} cut mid-run (kept for --start-from), "
          f"{len([j for j in runnable if j.name not in first])} jobs not started; later "
          f"seeds trained: {', '.join(beside) or 'none'}; held back from the committed "
          f"runs, for the second window: "
          f"{', '.join(str(f.relative_to(back)) for f in held_back) or 'none'}", flush=True)
    if not seeds_0:
        raise SystemExit("the first call committed no seed 0, so the second window would "
                         "rehearse no later seed beside a committed one; give the first "
                         "call a larger --budget-s")
    # the second window: seed 0 of {seeds_0} committed, the cut runs to start from
    second = session(args, work / "runs-2", work / "out-2", WINDOW_S, stash, committed)
    check_returned(work / "out-2")
    back = unpack(work / "out-2", work / "back-2")
    done, unfinished = finished_and_not(back)
    validate(done)
    after = later_seeds(second, committed, work / "runs-2")
    print(f"second window (seed 0 of {', '.join(seeds_0)} committed): {len(done)} runs "
          f"finished and valid, {len(unfinished)} unfinished; later seeds trained: "
          f"{', '.join(after) or 'none'}", flush=True)
    if unfinished:
        raise SystemExit(f"the second call left {[str(p) for p in unfinished]} unfinished")
    if not any("(seed 0 committed)" in line for line in after):
        raise SystemExit("the second window trained no later seed of a configuration whose "
                         "seed 0 was committed")
    report = check_every_model_stepped(first, second, back,
                                       [work / f"out-{n}" / "train_matrix.json"
                                        for n in (1, 2)])
    for line in report:
        print(line)
    print(f"rehearsal passed in {time.monotonic() - began:.0f} s: every step ran, every plan "
          "model took real training steps, later seeds trained beside a committed seed 0, "
          "the packs came back within the device tool's limits and validate, and the second "
          "call, on a fresh runs folder, finished what the first left and nothing committed",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
