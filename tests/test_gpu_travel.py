"""A GPU window meets only what a CPU cannot show: the tree travels, every import is there,
and the whole session command runs first here, rehearsed (``benchmarks/gpu_rehearsal.py``).

The window of 2026-11-26 lost most of its 15 minutes to three failures found on the GPU: a
tree over the 64 MiB that travels, a package the image lacks, a plan longer than the window.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
TRAVEL_LIMIT = 64 * 2**20  # the device tool's working tree
TREE_GOAL = 16 * 2**20  # well under it: what the compact results storage gives


def _tracked_bytes() -> int:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.split(b"\0")
    return sum((ROOT / os.fsdecode(name)).stat().st_size for name in listed
               if name and (ROOT / os.fsdecode(name)).is_file())


def test_the_tracked_tree_travels_with_room_to_spare() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    size = _tracked_bytes()
    assert size < TREE_GOAL < TRAVEL_LIMIT, (
        f"the tracked tree is {size / 2**20:.1f} MiB; the GPU machine takes 64 MiB and the goal "
        "is under 16: keep result runs compact (a tuning's runs in runs.tar.xz) and data out")


def _gpu_wheels() -> Any:
    """benchmarks/gpu_wheels.py, imported as the scripts beside it import it."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import gpu_wheels
    finally:
        sys.path.remove(str(BENCHMARKS))
    return gpu_wheels


def _lists() -> tuple[set[str], dict[str, str]]:
    gpu_wheels = _gpu_wheels()
    return gpu_wheels.image_packages(), gpu_wheels.pinned_wheels()


def test_the_carried_wheels_are_pinned_and_not_in_the_image() -> None:
    image, wheels = _lists()
    assert "torch" in image and "pluggy" in image and len(image) > 150
    assert wheels and all(version for version in wheels.values())
    assert not set(wheels) & image, "a carried wheel the image already has would shadow it"


def _imported_distributions(code: str) -> set[str]:
    """The distributions whose modules a fresh Python imports running ``code``."""
    probe = ("import sys\n" + code + "\nfrom importlib.metadata import packages_distributions"
             "\nowners = packages_distributions()\n"
             "names = {m.split('.')[0] for m in list(sys.modules)}\n"
             "print('\\n'.join(sorted({d for n in names for d in owners.get(n, [])})))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=BENCHMARKS, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(BENCHMARKS)},
                          check=True)
    return {line.strip().lower().replace("_", "-") for line in done.stdout.splitlines()}


def test_every_package_the_session_imports_is_in_the_image_or_carried() -> None:
    """What the session's steps import (the scripts, merbench run and tune with every plan
    model built) is in the GPU image or pinned as a wheel. OpenCV's contrib build imports as
    the image's plain one (cv2); merbench itself travels as the checkout."""
    gpu_wheels = _gpu_wheels()
    allowed = gpu_wheels.allowed_distributions()
    # each model built on the meta device: the same code runs, imports included, with no
    # weights to allocate or initialise (HTNet's 139.6M parameters took seconds)
    code = ("import gpu_session, gpu_plan, leaderboard_runs, train_matrix, plan_step\n"
            "import merbench.cli.run_command, merbench.cli.tune_command, merbench.tuning.search\n"
            "import optuna, merbench, torch\n"
            "for name in ('htnet', 'mmnet-release', 'hsta-release', 'alexnet-flow', "
            "'causalnet', 'offapexnet', 'ststnet'):\n"
            "    with torch.device('meta'):\n"
            "        merbench.create_model(name, num_classes=3)\n")
    imported = _imported_distributions(code)
    assert {"torch", "optuna", "pluggy"} <= imported  # the probe saw the steps' imports
    missing = sorted(d for d in imported if not gpu_wheels.is_allowed(d, allowed))
    assert not missing, (f"{missing} would be missing on the GPU machine: pin each in "
                         "benchmarks/gpu_wheels.txt (with what it needs) or stop importing it")


def _rehearsal(monkeypatch: pytest.MonkeyPatch) -> Any:
    """benchmarks/gpu_rehearsal.py, imported as the scripts beside it import it (they stay
    importable for the test: the module imports some of them when asked)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import gpu_rehearsal

    return gpu_rehearsal


@pytest.mark.slow
def test_a_gpu_window_rehearsed_on_the_cpu(real_data: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """gpu_session.py twice, as two windows: pre-flight, tests, matrix, every job of the
    plan cut to one epoch of three subjects under the image's imports, the stop at the
    budget, the pack within the return limits; then unpack, validate, commit the finished,
    stash the unfinished and a second call that finishes the rest (gpu_rehearsal.py).

    Five minutes of one core, so it runs when what it rehearses changed since the rehearsal
    recorded in benchmarks/gpu_rehearsal.json passed (the session's scripts, the image's
    lists, the plan's figures and searches: ``gpu_rehearsal.REHEARSED``), or when
    MERBENCH_REHEARSE=1 asks; merbench's side of a window (its imports, every job planned)
    the tests above and test_plan_imports.py check every time."""
    rehearsal = _rehearsal(monkeypatch)
    stamp = None if os.environ.get("MERBENCH_REHEARSE") == "1" else rehearsal.current_stamp()
    if stamp is None:
        done = subprocess.run([sys.executable, str(BENCHMARKS / "gpu_rehearsal.py"), "--data",
                               str(real_data), "--work", str(tmp_path)], capture_output=True,
                              text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        assert "rehearsal passed" in done.stdout
        assert "first call: stopped by its budget" in done.stdout
        stamp = rehearsal.current_stamp()
        assert stamp is not None, "a rehearsal that passed records it"
    report = "\n".join(stamp["report"])
    from leaderboard_runs import JOBS

    for job in JOBS:  # every job of today's plan was rehearsed (or said why not)
        assert f"{job.name}: " in report, f"{job.name} is in the plan, not in the rehearsal"
    for job in ("htnet-reference-seed0", "mmnet-release-seed0", "hsta-release-seed0",
                "alexnet-flow", "offapexnet-seed2", "ststnet-tune-nested"):
        assert f"{job}: " in report and f"{job}: not run" not in report


def test_a_rehearsal_is_asked_again_when_what_it_rehearsed_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorded rehearsal stands for the files it passed with, and for no others."""
    rehearsal = _rehearsal(monkeypatch)
    monkeypatch.setattr(rehearsal, "HERE", tmp_path / "benchmarks")
    monkeypatch.setattr(rehearsal, "STAMP", tmp_path / "benchmarks" / "gpu_rehearsal.json")
    (tmp_path / "benchmarks" / "tunes").mkdir(parents=True)
    (tmp_path / "benchmarks" / "gpu_session.py").write_text("print('a window')\n")
    (tmp_path / "benchmarks" / "tunes" / "a.toml").write_text("trials = 1\n")
    assert rehearsal.current_stamp() is None  # none passed
    rehearsal.write_stamp(["htnet-reference-seed0: 3 folds in 9 s over 1 call(s)"], 300.0)
    assert rehearsal.current_stamp()["report"] == [
        "htnet-reference-seed0: 3 folds in 9 s over 1 call(s)"]
    (tmp_path / "benchmarks" / "tunes" / "a.toml").write_text("trials = 2\n")
    assert rehearsal.current_stamp() is None  # a search changed: rehearse again
    rehearsal.write_stamp([], 300.0)
    (tmp_path / "benchmarks" / "tunes" / "b.toml").write_text("trials = 1\n")
    assert rehearsal.current_stamp() is None  # a search added
