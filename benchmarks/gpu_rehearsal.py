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

    python benchmarks/gpu_rehearsal.py --data ../shared/data --work DIR [--budget-s 200]

It exits non-zero, saying why, if any of that fails; ``tests/test_gpu_rehearsal.py`` runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
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
    if "--precision" in cmd and cmd[cmd.index("--precision") + 1] == "tf32" and \
            "--device" in cmd and not cmd[cmd.index("--device") + 1].startswith("cuda"):
        cmd[cmd.index("--precision") + 1] = "fp32"  # a CUDA mode; the CPU runs the rest
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
    done, open_ = [], []
    tunings = [p.parent for p in runs.rglob("tuning.json")]
    for path in sorted(runs.rglob("run.json")):
        if any(t in path.parents for t in tunings):
            continue
        (done if (path.parent / "results.json").is_file() else open_).append(path.parent)
    for tuning in tunings:
        (done if (tuning / "tune.json").is_file() else open_).append(tuning)
    return done, open_


def session(args: argparse.Namespace, runs: Path, out: Path, budget_s: float,
            start_from: Path | None, committed: Path | None = None) -> dict[str, Any]:
    """One call of ``gpu_session.py``, as a window makes it; each job's timing, once every
    step and job is shown to have ended well (or been stopped by the budget)."""
    command = [sys.executable, str(HERE / "gpu_session.py"), "--data", str(args.data_subset),
               "--runs", str(runs), "--features", str(args.features), "--out", str(out),
               "--budget-s", f"{budget_s:.0f}", "--device", "cpu", "--rehearse"]
    if start_from is not None:
        command += ["--start-from", str(start_from)]
    command += ["--committed", str(committed or args.work / "committed")]
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, check=True)
    record = json.loads((out / "session.json").read_text())
    failed = [s["step"] + ": " + str(s["status"]) for s in record["steps"]
              if not str(s["status"]).startswith(("exit 0", "stopped at", "skipped",
                                                  "installed", "no wheels"))]
    if failed:
        raise SystemExit(f"a step of the session failed: {failed}")
    jobs = {name: job for call in json.loads((runs / "timings.json").read_text())
            for name, job in call["jobs"].items()}
    broken = {name: job["exit"] for name, job in jobs.items() if job["exit"] not in (0, 130)}
    if broken:
        raise SystemExit(f"jobs failed (exit status): {broken}; their logs: {runs / 'logs'}")
    if (out / "guard.log").is_file():  # imports the code caught: reported, not fatal
        print(f"imports refused as the image would, each caught by the code that asked:\n"
              f"{(out / 'guard.log').read_text()}", flush=True)
    return jobs


def validate(folders: list[Path]) -> None:
    """``merbench validate`` of every finished run and tuning, in one process."""
    if folders:
        subprocess.run(["merbench", "validate", *map(str, folders)], check=True,
                       stdout=subprocess.DEVNULL)


def check_every_model_stepped(first: dict[str, Any], second: dict[str, Any],
                              back: Path, matrices: list[Path]) -> list[str]:
    """Every job of the plan ended well in one call or the other, each run job finished a
    fold and each tuning wrote tune.json; the matrix took a real step of every plan model.
    What each did, as lines for the report."""
    from leaderboard_runs import JOBS
    from plan_step import PLAN_MODELS

    lines = []
    measured = {r["model"] for matrix in matrices
                for r in json.loads(matrix.read_text())["plan_models"]}
    missing = sorted(set(PLAN_MODELS) - measured)
    if missing:
        raise SystemExit(f"neither call's matrix took a step of {missing}: give the "
                         "rehearsal's matrix step more time (gpu_session.REHEARSAL_SHARES_S)")
    lines.append(f"matrix: a real step of {', '.join(sorted(measured))}")
    for job in JOBS:
        if job.images:  # CausalNet's job reads its authors' images; its step is the matrix's
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="the folder holding the composite release (../shared/data)")
    parser.add_argument("--work", type=Path, required=True, help="an empty folder to work in")
    parser.add_argument("--budget-s", type=float, default=190.0,
                        help="the first call's budget: short enough that it stops jobs")
    args = parser.parse_args(argv)
    began = time.monotonic()
    work = args.work = args.work.resolve()
    args.data_subset = subset_release(args.data, work / "data")
    args.features = work / "features"
    subprocess.run([sys.executable, str(HERE / "leaderboard_runs.py"), "--data",
                    str(args.data_subset), "--runs", str(work / "prepare"), "--features",
                    str(args.features), "--prepare", "--rehearse", "--dry-run"], check=True,
                   stdout=subprocess.DEVNULL)
    first = session(args, work / "runs-1", work / "out-1", args.budget_s, None)
    check_returned(work / "out-1")
    back = unpack(work / "out-1", work / "back-1")
    done, unfinished = finished_and_not(back)
    started = {name for name, job in first.items() if job["exit"] in (0, 130)}
    from leaderboard_runs import JOBS

    if len([j for j in JOBS if not j.images and j.name in started
            and first[j.name]["exit"] == 0]) == len([j for j in JOBS if not j.images]):
        raise SystemExit("the first call finished every job: nothing tested the stop and the "
                         "resume; give it a smaller --budget-s")
    stash, committed = work / "unfinished", work / "committed"
    for folder in unfinished:  # benchmarks/gpu-unfinished/, for the next --start-from
        shutil.copytree(folder, stash / folder.relative_to(back),
                        ignore=shutil.ignore_patterns("partial"))
    for folder in done:  # leaderboards/results/, where the next window finds them finished
        shutil.copytree(folder, committed / folder.relative_to(back))
    validate(done)
    print(f"first call: stopped by its budget; {len(done)} runs finished and valid, "
          f"{len(unfinished)} cut mid-run (kept for --start-from), "
          f"{len([j for j in JOBS if not j.images]) - len(started)} jobs not started",
          flush=True)
    second = session(args, work / "runs-2", work / "out-2", 3 * args.budget_s, stash,
                     committed)
    check_returned(work / "out-2")
    back = unpack(work / "out-2", work / "back-2")
    done, unfinished = finished_and_not(back)
    validate(done)
    print(f"second call: {len(done)} runs finished and valid, {len(unfinished)} unfinished",
          flush=True)
    if unfinished:
        raise SystemExit(f"the second call left {[str(p) for p in unfinished]} unfinished")
    report = check_every_model_stepped(first, second, back,
                                       [work / f"out-{n}" / "train_matrix.json"
                                        for n in (1, 2)])
    for line in report:
        print(line)
    print("rehearsal passed: every step ran, every plan model took real training steps, the "
          "packs came back within the device tool's limits and validate, and the second call, "
          "on a fresh runs folder, finished what the first left and nothing it had finished")
    write_stamp(report, time.monotonic() - began)
    return 0


# ------------------------------------------------------------ what the last rehearsal passed

#: what a rehearsal's outcome depends on besides merbench itself: the session's scripts, the
#: image's package lists and guard, the plan's figures and searches, and the CUDA tests the
#: session runs. merbench's own commands, models and imports the suite tests every time
#: (``tests/test_gpu_travel.py`` imports what every step imports; ``test_plan_imports.py``
#: plans every job), so a change there needs no new rehearsal; a change here does.
REHEARSED = ("gpu_session.py", "gpu_plan.py", "gpu_rehearsal.py", "gpu_preflight.py",
             "gpu_wheels.py", "leaderboard_runs.py", "train_matrix.py", "plan_step.py",
             "step_timing.py", "gpu_image_guard/sitecustomize.py", "gpu_image_packages.txt",
             "gpu_wheels.txt", "gpu_figures.json", "train_matrix.json", "tunes/*.toml",
             "../tests/test_gpu.py")
STAMP = HERE / "gpu_rehearsal.json"  # committed: the suite reads it instead of rehearsing


def rehearsed_sha256() -> str:
    """One digest over every file :data:`REHEARSED` names, with its path."""
    digest = hashlib.sha256()
    for pattern in REHEARSED:
        for path in sorted(HERE.glob(pattern)):
            digest.update(f"{path.relative_to(HERE.parent).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def write_stamp(report: list[str], seconds: float) -> None:
    """Record that the rehearsal passed, for the files it passed with."""
    from gpu_plan import cpu_name

    STAMP.write_text(json.dumps({
        "kind": "gpu-rehearsal", "rehearsed_sha256": rehearsed_sha256(),
        "passed": time.strftime("%Y-%m-%d", time.gmtime()), "machine": cpu_name(),
        "seconds": round(seconds), "report": report}, indent=1) + "\n")


def current_stamp() -> dict[str, Any] | None:
    """The last passing rehearsal's record, if it passed with today's files (else None: the
    files changed since, or no rehearsal passed)."""
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return None
    return stamp if stamp.get("rehearsed_sha256") == rehearsed_sha256() else None


if __name__ == "__main__":
    sys.exit(main())
