"""``benchmarks/cpu_runs.py``: the leaderboard's CPU runs are valid merbench runs on one core
each, never retrain a committed run, and keep an unfinished run's folds for the next session."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from merbench.cli import build_parser
from merbench.plugin_system.manager import load_plugins

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "cpu_runs.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    if str(SCRIPT.parent) not in sys.path:  # as when it runs: its folder's gpu_plan.py
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("cpu_runs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_job_is_one_seed_on_one_core(script: ModuleType, tmp_path: Path) -> None:
    registries, parser = load_plugins().registries, build_parser()
    outs = set()
    for job in script.JOBS:
        cmd = script.command(job, tmp_path, tmp_path / "runs")
        args = parser.parse_args(cmd[1:])
        assert args.model in registries.models and args.dataset == "composite"
        assert args.threads == 1 and args.device == "cpu" and not getattr(args, "seeds", None)
        assert str(args.out) == str(tmp_path / "runs" / job.out)
        assert job.out.endswith(f"seed-{args.seed}") and job.out not in outs
        outs.add(job.out)
    # issue 81's precision study first (it decides the GPU jobs' precision), each bf16 seed
    # RCN-A's committed recipe with only the precision changed; then the new models' first
    # seeds before anyone's third
    names = [job.name for job in script.JOBS]
    assert names[:5] == ["rcn-bf16-seed0", "rcn-bf16-seed1", "rcn-bf16-seed2",
                         "dual-inception-seed0", "rcn-seed0"]
    fp32 = next(job for job in script.JOBS if job.name == "rcn-seed0").args
    for job in script.JOBS[:3]:
        assert job.out.startswith("rcn-composite-loso-bf16/")
        assert [a for a in job.args if a not in ("--precision", "bf16")][:-1] == list(fp32[:-1])
    assert names.index("rcn-seed1") < names.index("dual-inception-seed2")


def test_a_committed_run_is_never_trained_again(script: ModuleType, tmp_path: Path,
                                                capsys) -> None:
    (tmp_path / "composite").mkdir()
    done = tmp_path / "done"
    (done / "rcn-composite-loso" / "seed-0").mkdir(parents=True)
    (done / "rcn-composite-loso" / "seed-0" / "results.json").write_text("{}")
    assert script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "runs"), "--done",
                        str(done), "--only", "rcn-seed0,rcn-seed1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "rcn-seed0: finished already, skipped" in out
    assert "rcn-seed1: 68 folds left" in out and "--seed 0" not in out
    import leaderboard_runs  # no CPU job trains what the GPU plan trains, nor the reverse

    gpu = [job.out for job in leaderboard_runs.JOBS]
    for job in script.JOBS:
        assert not any(job.out == out or job.out.startswith(f"{out}/") or
                       out.startswith(f"{job.out}/") for out in gpu), job.name


def test_a_one_seed_baseline_committed_flat_is_not_trained_again(script: ModuleType,
                                                                 tmp_path: Path) -> None:
    """The handcrafted baselines' per-database and LODO runs are committed flat in their
    configuration's folder (one seed: nothing in them is random); the plan took them for
    runs still to make, and would have trained them again."""
    committed = SCRIPT.parents[1] / "leaderboards" / "results"
    flat = [job for job in script.JOBS
            if (committed / Path(job.out).parent / "results.json").is_file()]
    assert {job.name for job in flat} >= {"lbp-apex-svm-loso-smic-seed0",
                                          "biwoof-release-svm-lodo-seed0"}
    for job in flat:
        assert script.finished(job, tmp_path, committed), job.name
        other_seed = type(job)(job.name, job.out, (*job.args[:-1], str(job.seed + 1)))
        assert not script.finished(other_seed, tmp_path, committed), job.name


def test_stash_keeps_an_unfinished_runs_folds_and_start_from_brings_them_back(
        script: ModuleType, tmp_path: Path) -> None:
    runs, kept = tmp_path / "runs", tmp_path / "cpu-unfinished"
    job, finished = script.JOBS[0], script.JOBS[1]
    folder = runs / job.out
    (folder / "folds").mkdir(parents=True)
    (folder / "partial").mkdir()
    (folder / "run.json").write_text("{}")
    for i in range(3):
        (folder / "folds" / f"fold-{i:03d}.npz").write_bytes(b"x")
    (folder / "partial" / "state.pt").write_bytes(b"big")
    (kept / finished.out).mkdir(parents=True)  # kept earlier, finished since
    (runs / finished.out).mkdir(parents=True)
    (runs / finished.out / "results.json").write_text("{}")
    assert script.stash(runs, kept, [job, finished]) == [f"{job.out}: 3 of 68 folds"]
    assert sorted(p.name for p in (kept / job.out / "folds").iterdir()) == [
        "fold-000.npz", "fold-001.npz", "fold-002.npz"]
    assert not (kept / job.out / "partial").exists() and not (kept / finished.out).exists()
    fresh = tmp_path / "fresh"
    assert script.start_from(kept, fresh, [job, finished]) == [job.name]
    assert script.folds_finished(job, fresh) == 3
    assert script.start_from(kept, fresh, [job]) == []  # never over a folder it has


def test_a_stash_folder_not_made_yet_is_made_when_every_run_finished(
        script: ModuleType, tmp_path: Path) -> None:
    """Every job finished, so nothing made the --stash folder: its README was written into
    a folder that did not exist, a traceback after a run of an hour had finished."""
    runs, kept = tmp_path / "runs", tmp_path / "not-yet" / "cpu-unfinished"
    job = script.JOBS[0]
    (runs / job.out).mkdir(parents=True)
    (runs / job.out / "results.json").write_text("{}")
    assert script.stash(runs, kept, [job]) == []
    assert "None now" in (kept / "README.md").read_text()


def test_bad_input_is_a_usage_error(script: ModuleType, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "r")])
    assert stop.value.code == 2 and "holds no composite/ folder" in capsys.readouterr().err
    (tmp_path / "composite").mkdir()
    with pytest.raises(SystemExit):
        script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "r"), "--only", "htnet"])
    assert "unknown job htnet" in capsys.readouterr().err


def test_an_unfinished_run_is_kept_without_its_saved_state(script: ModuleType,
                                                          tmp_path: Path) -> None:
    runs, kept = tmp_path / "runs", tmp_path / "kept"
    rcn = next(job for job in script.JOBS if job.name == "rcn-seed0")
    (runs / rcn.out / "folds").mkdir(parents=True)
    (runs / rcn.out / "partial").mkdir()
    (runs / rcn.out / "run.json").write_text("{}")
    (runs / rcn.out / "folds" / "fold-000.npz").write_bytes(b"x")
    (runs / rcn.out / "partial" / "state.pt").write_bytes(b"big")
    assert script.stash(runs, kept, [rcn]) == [f"{rcn.out}: 1 of 68 folds"]
    assert sorted(p.relative_to(kept / rcn.out).as_posix()
                  for p in (kept / rcn.out).rglob("*")) == ["folds", "folds/fold-000.npz",
                                                          "run.json"]
    assert f"| `{rcn.out}/` | `rcn-seed0` | 1 of 68 |" in (kept / "README.md").read_text()
    # the next session goes on from it; once it finishes, it leaves the stash
    again = tmp_path / "again"
    assert script.start_from(kept, again, [rcn]) == ["rcn-seed0"]
    assert (again / rcn.out / "folds" / "fold-000.npz").read_bytes() == b"x"
    (runs / rcn.out / "results.json").write_text("{}")
    assert script.stash(runs, kept, [rcn]) == []
    assert not (kept / rcn.out).exists()
    assert "None now" in (kept / "README.md").read_text()  # the folder stays, and says so


@pytest.mark.slow
def test_a_spent_budget_stops_the_runs_and_stashes_them(script: ModuleType, real_data: Path,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    runs, kept = tmp_path / "runs", tmp_path / "kept"
    started = runs / "ststnet-composite-loso-authors-order" / "seed-2" / "run.json"
    # the budget's clock starts once the run has its folder, so that a loaded machine, slow
    # to get there, does not stop it before it has anything to keep
    clock = SimpleNamespace(**{name: getattr(time, name) for name in dir(time)
                               if not name.startswith("_")})
    clock.monotonic = lambda: time.monotonic() if started.is_file() else 0.0
    monkeypatch.setattr(script, "time", clock)
    assert script.main(["--data", str(real_data), "--runs", str(runs), "--only",
                        "ststnet-authors-order-seed2", "--budget-s", "2", "--stash",
                        str(kept), "--done", str(tmp_path / "none")]) == 0
    log = (runs / "logs" / "ststnet-authors-order-seed2.log").read_text()
    assert "$ merbench run" in log and "--threads 1" in log
    assert (kept / "ststnet-composite-loso-authors-order" / "seed-2" / "run.json").is_file()
    readme = (kept / "README.md").read_text()
    assert "| `ststnet-composite-loso-authors-order/seed-2/` | `ststnet-authors-order-seed2` |" \
        in readme and "--start-from benchmarks/cpu-unfinished" in readme
