"""``benchmarks/leaderboard_runs.py``: its commands are valid merbench runs, and a budget that
runs out stops a job with its finished folds kept and packs what it has."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import ModuleType

import pytest

from merbench.cli import build_parser
from merbench.plugin_system.manager import load_plugins

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "leaderboard_runs.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    if str(SCRIPT.parent) not in sys.path:  # as when it runs: its folder's gpu_plan.py
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("leaderboard_runs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_every_job_is_a_valid_run_of_a_registered_model(script: ModuleType,
                                                        tmp_path: Path) -> None:
    registries = load_plugins().registries
    parser = build_parser()
    seen = set()
    for job in script.RUN_JOBS:
        cmd = script.command(job, tmp_path / "data", tmp_path / "runs", tmp_path / "f", "cuda",
                             tmp_path / "images")
        assert cmd[:2] == ["merbench", "run"]
        args = parser.parse_args(cmd[1:])
        assert args.model in registries.models and args.dataset == "composite"
        assert args.data_root == str(tmp_path / "data" / "composite")
        if job.regions is not None:
            assert registries.models.get(args.model).meta.feature == "htnet-regions"
            assert dict(args.feature_options)["crop"] == job.regions
            assert args.features == str(tmp_path / "f" / f"regions-{job.regions}.npz")
        else:
            assert not hasattr(args, "features")
        if job.images:  # CausalNet's released images, through the feature that reads them
            assert args.feature == "causalnet-release"
            assert dict(args.feature_options)["images"] == str(tmp_path / "images")
        assert job.out not in seen
        seen.add(job.out)
    assert {j.args[1] for j in script.RUN_JOBS} == {"htnet", "mmnet-release",
                                                     "hsta-release", "offapexnet",
                                                     "alexnet-flow", "causalnet"}


def test_every_tuning_job_is_a_valid_tuning_of_a_registered_model(script: ModuleType,
                                                                   tmp_path: Path) -> None:
    """The searches too big for the CPU: each a tuning file that reads, of a registered
    model on the composite, run both nested and test-scored."""
    from merbench.tuning.space import read_tune_file

    registries = load_plugins().registries
    parser = build_parser()
    tunings = [job for job in script.JOBS if job.tool == "tune"]
    assert tunings
    for job in tunings:
        cmd = script.command(job, tmp_path / "data", tmp_path / "runs", None, "cuda")
        assert cmd[:2] == ["merbench", "tune"]
        args = parser.parse_args(cmd[1:])
        spec = read_tune_file(args.space)
        assert spec.model in registries.models and spec.dataset == "composite"
        assert args.data_root == str(tmp_path / "data" / "composite")
        assert args.out == tmp_path / "runs" / job.out
    assert {(job.args[0], "--score" in job.args) for job in tunings} == \
        {(job.args[0], scored) for job in tunings for scored in (True, False)}


def test_the_seeds_models_come_first_and_no_job_retrains_a_committed_run(
        script: ModuleType) -> None:
    """HTNet's reference seed 0, then MMNet's and HSTA's, then their other seeds; and no
    job writes where a committed run (or one CPU work makes) already is."""
    names = [job.name for job in script.JOBS]
    assert names[:9] == ["htnet-reference-seed0", "mmnet-release-seed0", "hsta-release-seed0",
                         "htnet-reference-seed1", "htnet-reference-seed2",
                         "mmnet-release-seed1", "mmnet-release-seed2",
                         "hsta-release-seed1", "hsta-release-seed2"]
    committed = SCRIPT.parents[1] / "leaderboards" / "results"
    for job in script.JOBS:
        seeds = [job.out] if "--seed" in job.args else [f"{job.out}/seed-{s}" for s in (0, 1, 2)]
        for out in seeds:
            assert not (committed / out / "results.json").exists(), (job.name, out)
    cpu_work = {"rcn", "dual-inception", "ststnet", "timm-resnet18"}
    assert not cpu_work & {j.args[1] for j in script.RUN_JOBS}
    # a seed's job counts its time under its configuration's figure
    assert {j.figure_key for j in script.JOBS if j.name.startswith("htnet-reference")} == {
        "htnet-reference"}


def test_the_causalnet_job_runs_only_with_its_images(script: ModuleType, tmp_path: Path,
                                                     capsys) -> None:
    (tmp_path / "composite").mkdir()
    base = ["--data", str(tmp_path), "--runs", str(tmp_path / "r"), "--dry-run"]
    assert script.main(base) == 0  # every job: causalnet is left out, and said so
    out = capsys.readouterr().out
    assert "causalnet: skipped, it needs --causalnet-images" in out
    assert "--model alexnet-flow" in out and "--model causalnet" not in out
    with pytest.raises(SystemExit):  # named, it is not dropped quietly
        script.main([*base, "--only", "causalnet,alexnet-flow"])
    assert "causalnet reads CausalNet's released images" in capsys.readouterr().err
    (tmp_path / "images").mkdir()
    assert script.main([*base, "--only", "causalnet", "--causalnet-images",
                        str(tmp_path / "images")]) == 0
    assert f"images={tmp_path / 'images'}" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        script.main([*base, "--causalnet-images", str(tmp_path / "nowhere")])
    assert "is not a folder" in capsys.readouterr().err


def test_unknown_jobs_and_missing_data_are_usage_errors(script: ModuleType, tmp_path: Path,
                                                         capsys) -> None:
    (tmp_path / "composite").mkdir()
    with pytest.raises(SystemExit) as stop:
        script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "r"), "--only", "mmnet"])
    assert stop.value.code == 2 and "unknown job mmnet" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        script.main(["--data", str(tmp_path / "nowhere"), "--runs", str(tmp_path / "r")])
    assert "holds no composite/ folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "r"),
                     "--features", str(tmp_path), "--only", "htnet-corrected"])
    assert "missing" in capsys.readouterr().err


@pytest.mark.slow
def test_a_spent_budget_stops_the_job_keeps_its_run_and_packs_it(
        script: ModuleType, real_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two calls of 18 s each, the budget's end and the second Ctrl-C included: 28 s of a
    worker. CI's rehearsal (.ci/run, every run: gpu_rehearsal.py) stops real jobs by their
    budget, packs them and goes on from them in a second window, so the suite runs this
    only with MERBENCH_REHEARSE=1 (docs/testing.md)."""
    if os.environ.get("MERBENCH_REHEARSE") != "1":
        pytest.skip("CI's rehearsal (.ci/run) stops, packs and resumes real jobs every run; "
                    "MERBENCH_REHEARSE=1 runs this too")
    runs, packed = tmp_path / "runs", tmp_path / "out" / "runs.tgz"
    # a second Ctrl-C 2 s after the first: 68 stacked folds on a CPU would take a minute
    # to end their epoch and save gigabytes of state
    monkeypatch.setattr(script, "STOP_GRACE_S", 2.0)
    # and one fold at a time: on an idle 2-core CPU the 68 stacked folds are training by the
    # budget's end, and a step of all 68 holds the interpreter past both Ctrl-Cs (the
    # budget and the packing are what this checks, not how fast vmap yields to a signal)
    jobs = tuple(dataclasses.replace(job, args=tuple(
        "1" if previous == "--parallel-folds" else arg
        for previous, arg in zip(("", *job.args[:-1]), job.args, strict=True)))
        if job.name == "offapexnet-seed2" else job for job in script.JOBS)
    monkeypatch.setattr(script, "JOBS", jobs)
    monkeypatch.setattr(script, "SECOND_STOP_S", 3.0)
    monkeypatch.setattr(script, "PACK_RESERVE_S", 3.0)
    # the job's Ctrl-C 10 s in, 8 s kept to stop it and pack: it writes run.json about 9 s
    # after it starts on an idle 2-core AMD EPYC (imports, planning, reading the composite);
    # two calls get it there under load too
    for _ in range(2):  # the second call continues the same run directories
        started = time.monotonic()
        assert script.main(["--data", str(real_data), "--runs", str(runs), "--only",
                            "offapexnet-seed2", "--device", "cpu", "--budget-s", "18",
                            "--pack", str(packed)]) == 0
        # within the budget, but for the machine's load (a loaded 2-core runner took 18.9 s):
        # what must hold is that it ends before gpu_session stops the step, its grace later
        grace = importlib.import_module("gpu_session").RUNS_GRACE_S  # beside the script
        assert time.monotonic() - started < 18 + grace
    calls = json.loads((runs / "timings.json").read_text())
    assert [call["jobs"]["offapexnet-seed2"]["exit"] for call in calls] == [130, 130]
    log = (runs / "logs" / "offapexnet-seed2.log").read_text()
    assert log.count("$ merbench run") == 2 and "merbench: interrupted — " in log
    with tarfile.open(packed) as archive:
        names = archive.getnames()
    assert "runs/offapexnet-composite-loso/seed-2/run.json" in names
    assert not any(name.endswith((".png", ".jpg")) for name in names)


def test_a_job_the_budget_ended_by_sigint_is_recorded_as_a_shell_would(
        script: ModuleType, tmp_path: Path) -> None:
    """A second Ctrl-C in a stopped run's shutdown ends it by SIGINT (-2 to Popen): that is
    the budget's stop, recorded as 130 like merbench's own exit, not as a failure. A job
    that died by SIGINT before the budget was spent is not the budget's doing: it stays
    -2, a failure."""
    waits = [sys.executable, "-c", "import time; time.sleep(60)"]  # SIGINT at its default
    [(code, seconds)] = script.run_jobs([(waits, tmp_path / "waits.log")], 1.0)
    assert code == 130 and seconds < 30
    by_itself = [sys.executable, "-c", "import os, signal; signal.signal(signal.SIGINT, "
                 "signal.SIG_DFL); os.kill(os.getpid(), signal.SIGINT)"]
    [(code, _)] = script.run_jobs([(by_itself, tmp_path / "itself.log")], None)
    assert code == -signal.SIGINT


def test_start_from_copies_unfinished_runs_without_their_states(script: ModuleType,
                                                               tmp_path: Path) -> None:
    """A seed of full HTNet outlasts a GPU session: the next session starts from the folds
    an earlier one finished, never over a run folder it already has."""
    unfinished, runs = tmp_path / "unfinished", tmp_path / "runs"
    job = script.JOBS[0]  # one seed: its folder is the run's
    seed = unfinished / job.out
    (seed / "folds").mkdir(parents=True)
    (seed / "partial").mkdir()
    (seed / "run.json").write_text("{}")
    (seed / "folds" / "fold-000.npz").write_bytes(b"x")
    (seed / "partial" / "fold-001.pt").write_bytes(b"y")
    assert script.start_from(unfinished, runs, list(script.JOBS)) == [job.name]
    copied = runs / job.out
    assert (copied / "folds" / "fold-000.npz").read_bytes() == b"x"
    assert not (copied / "partial").exists()
    (copied / "folds" / "fold-001.npz").write_bytes(b"z")  # trained on this machine
    assert script.start_from(unfinished, runs, list(script.JOBS)) == []
    assert (copied / "folds" / "fold-001.npz").exists()


# A stand-in for merbench on PATH: it notes each Ctrl-C in its log and ignores the first one
# for IGNORE_S seconds (a stacked save at the epoch's end), then exits 130 as merbench does;
# a second Ctrl-C ends it at once, unless DEAF (a job stuck in a step: only a kill ends it).
FAKE_MERBENCH = '''#!{python}
import signal, sys, time
IGNORE_S, DEAF = {ignore_s}, {deaf}
stops = []
def stop(*_):
    stops.append(time.monotonic())
    print("Ctrl-C", len(stops), flush=True)
    if len(stops) > 1 and not DEAF:
        sys.exit(130)
signal.signal(signal.SIGINT, stop)
print("args", " ".join(sys.argv[1:]), flush=True)
while not stops or time.monotonic() - stops[0] < IGNORE_S:
    time.sleep(0.05)
sys.exit(130)
'''


def _fake_merbench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ignore_s: float,
                   deaf: bool) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "merbench"
    fake.write_text(FAKE_MERBENCH.format(python=sys.executable, ignore_s=ignore_s, deaf=deaf))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


@pytest.mark.parametrize("deaf", [False, True])
def test_the_budget_holds_the_stop_and_the_pack(script: ModuleType, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 deaf: bool) -> None:
    """The H200 session's runs were Ctrl-C'd at their budget and then waited a minute for
    16 folds' state: the session ended them before they packed. Now ``--budget-s`` holds the
    stop and the pack: a job that ignores the first Ctrl-C for a while (or for good, and is
    killed) still leaves timings and a pack inside the budget."""
    _fake_merbench(tmp_path, monkeypatch, 60.0, deaf)
    for name, seconds in (("NO_STATE_GRACE_S", 0.5), ("SECOND_STOP_S", 0.5),
                          ("PACK_RESERVE_S", 0.5)):
        monkeypatch.setattr(script, name, seconds)
    monkeypatch.setattr(script, "MIN_START_S", 0.25)
    (tmp_path / "data" / "composite").mkdir(parents=True)
    runs, packed = tmp_path / "runs", tmp_path / "out" / "runs.tgz"
    options = ["--data", str(tmp_path / "data"), "--runs", str(runs), "--only",
               "offapexnet-seed2", "--pack", str(packed), "--no-saved-states", "--device", "cpu"]
    assert script.main([*options, "--dry-run"]) == 0  # the plugins loaded, as on a GPU
    # the jobs' Ctrl-C at 1.5 s (a stand-in's start takes a few hundredths), half a second
    # of grace, half a second after the second, half a second to pack
    budget = 3.0
    started = time.monotonic()
    assert script.main([*options, "--budget-s", str(budget)]) == 0
    assert time.monotonic() - started < budget
    [call] = json.loads((runs / "timings.json").read_text())
    job = call["jobs"]["offapexnet-seed2"]
    assert job["exit"] == (128 + signal.SIGKILL if deaf else 130)
    assert job["options"][-2:] == ["--checkpoint-every", "0"]
    log = (runs / "logs" / "offapexnet-seed2.log").read_text()
    assert "Ctrl-C 1" in log and "Ctrl-C 2" in log
    with tarfile.open(packed) as archive:
        assert "runs/timings.json" in archive.getnames()


def test_partial_states_stay_out_of_the_pack(script: ModuleType, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "a" / "partial").mkdir(parents=True)
    (runs / "a" / "partial" / "group.pt").write_bytes(b"x" * 100)
    (runs / "a" / "folds").mkdir()
    (runs / "a" / "folds" / "fold-000.npz").write_bytes(b"y")
    script.pack(runs, tmp_path / "kept.tgz")
    script.pack(runs, tmp_path / "lean.tgz", states=False)
    with tarfile.open(tmp_path / "kept.tgz") as kept, tarfile.open(tmp_path / "lean.tgz") as lean:
        assert "runs/a/partial/group.pt" in kept.getnames()
        assert "runs/a/folds/fold-000.npz" in lean.getnames()
        assert not any("partial" in name for name in lean.getnames())


def test_a_ctrl_c_to_the_script_stops_its_job_and_still_packs(tmp_path: Path) -> None:
    """gpu_session.py stops this script with Ctrl-C to it alone, not to its jobs: it died in
    its stop's wait, with no timings and no pack. Now the Ctrl-C goes on to the job, and the
    timings and the pack are written before the script exits."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "merbench"
    fake.write_text(FAKE_MERBENCH.format(python=sys.executable, ignore_s=1.0, deaf=False))
    fake.chmod(0o755)
    (tmp_path / "data" / "composite").mkdir(parents=True)
    runs, packed = tmp_path / "runs", tmp_path / "runs.tgz"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    # its own process group: the Ctrl-C reaches the script alone, as gpu_session.py sends it
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--data", str(tmp_path / "data"), "--runs", str(runs),
         "--only", "offapexnet-seed2", "--budget-s", "300", "--pack", str(packed),
         "--no-saved-states", "--device", "cpu"], env=env, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = runs / "logs" / "offapexnet-seed2.log"
    deadline = time.monotonic() + 60
    while not (log.is_file() and "args" in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 130, out.decode()  # stopped, as merbench says it
    [call] = json.loads((runs / "timings.json").read_text())
    assert call["jobs"]["offapexnet-seed2"]["exit"] == 130
    assert "Ctrl-C 1" in log.read_text()
    with tarfile.open(packed) as archive:
        assert "runs/timings.json" in archive.getnames()


def test_prepare_keeps_the_regions_saved_before(script: ModuleType, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Preparing a second time (a window's folder made again) was a traceback: merbench
    extract refuses to replace a --save file unasked. A crop saved before is the same file
    from the same data, so it is kept and only a missing one is extracted."""
    calls: list[list[str]] = []
    monkeypatch.setattr(script.subprocess, "run", lambda cmd, **_: calls.append(cmd))
    features = tmp_path / "features"
    features.mkdir()
    script.regions_file(features, script.CROPS[0]).write_bytes(b"saved")
    script.prepare(tmp_path / "data", features)
    assert len(calls) == len(script.CROPS) - 1
    assert str(script.regions_file(features, script.CROPS[1])) in calls[0]
    assert "saved before, kept" in capsys.readouterr().out
