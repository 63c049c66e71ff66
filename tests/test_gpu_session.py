"""benchmarks/gpu_session.py on a CPU: every step planned within the budget, steps done by an
earlier call skipped, a step stopped at its limit, and what comes back small enough."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_session.py"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    if str(SCRIPT.parent) not in sys.path:  # as when it runs: its folder's gpu_plan.py
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("gpu_session", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_session"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    # a GPU other than the committed matrix's, unless a test says otherwise
    monkeypatch.setattr(module, "this_gpu", lambda: "NVIDIA A100-SXM4-80GB")
    return module


def _plan_precision() -> str:
    """The precision the plan's new runs of the seeds' models train in."""
    import job_precision  # beside gpu_session (the fixture put benchmarks/ on the path)

    return str(job_precision.PLAN_PRECISION)


def _dry(session: ModuleType, tmp_path: Path, budget: int, capsys,
         *extra: str) -> list[str]:
    assert session.main(["--data", str(tmp_path / "data"), "--runs", str(tmp_path / "runs"),
                         "--out", str(tmp_path / "out"), "--budget-s", str(budget),
                         "--dry-run", *extra]) == 0
    return capsys.readouterr().out.splitlines()


def test_dry_run_prints_every_step_within_the_budget(session: ModuleType, tmp_path: Path,
                                                     capsys) -> None:
    """Issue 81: a window with runs left trains; before the runs only the pre-flight, a
    smoke test of the steps the plan uses and a measurement of the models with no figure
    on this chip (an A100 here: none has one)."""
    lines = _dry(session, tmp_path, 900, capsys)
    steps = [line for line in lines if line.startswith("[")]
    assert [s.split(",")[0] for s in steps] == ["[pre-flight", "[gpu smoke tests",
                                                "[measurement", "[train matrix",
                                                "[leaderboard runs"]
    # imports and the device, checked before anything long (gpu_preflight.CHECK)
    assert "-c" in steps[0] and "up to 30 s" in steps[0]
    # the gpu tests of the plan's steps, by node: collecting the suite imports what the GPU
    # image lacks, and the whole of test_gpu.py is no window's business while runs are left
    assert "up to 30 s" in steps[1] and f"{session.TESTS}::test_cuda_takes_the_fused_step" \
        in steps[1] and "test_captured_epochs_equal_eager_ones[2]" in steps[1]
    assert "-m gpu" not in steps[1] and session.TESTS.is_file()
    assert "up to 60 s" in steps[2] and "train_matrix.py" in steps[2]
    only = steps[2].split("--only ")[1].split()[0].split(",")
    plan = _plan_precision()  # no run started: every job in the plan's precision
    assert only[:3] == [f"htnet:{plan}", f"mmnet-release:{plan}", f"hsta-release:{plan}"]
    assert "causalnet:fp32" not in only  # no job of a session trains it
    assert "--base" not in steps[2]  # the committed matrix is another GPU's
    assert steps[3].startswith("[train matrix, skipped] runs are left")
    assert "--budget-s 750 --plan-budget-s 750" in steps[4] and "--pack" in steps[4]
    assert "--no-saved-states" in steps[4]  # partial/ never comes back
    # before this machine measured, the runs plan from the committed matrix
    assert f"--matrix {session.HERE / 'train_matrix.json'}" in steps[4]
    limits = [float(s.split("up to ")[1].split(" s]")[0]) for s in steps if "up to" in s]
    assert sum(limits) + session.PACK_RESERVE_S <= 900
    assert "budget: 900 s; planned: 900 s" in "\n".join(lines)
    assert "merbench validate" in "\n".join(lines)
    assert not (tmp_path / "out").exists()  # a dry run writes nothing
    short = [line for line in _dry(session, tmp_path, 200, capsys) if "up to" in line]
    assert sum(float(s.split("up to ")[1].split(" s]")[0]) for s in short) <= 200


def test_a_window_with_no_run_left_tests_and_measures_everything(
        session: ModuleType, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(session.window_measure, "jobs_left", lambda *_: [])
    steps = [line for line in _dry(session, tmp_path, 900, capsys) if line.startswith("[")]
    assert [s.split(",")[0] for s in steps] == ["[pre-flight", "[gpu tests", "[train matrix",
                                                "[leaderboard runs"]
    assert "-m gpu" in steps[1] and "up to 240 s" in steps[1]
    assert "train_speed.py --matrix" in steps[2] and "up to 270 s" in steps[2]


def test_the_runs_are_planned_for_the_dry_runs_seconds(session: ModuleType,
                                                        tmp_path: Path) -> None:
    """The dry run and the window plan the runs for the same seconds: the shares' limits.
    Seconds the earlier steps leave unused come after the plan (--budget-s), never change
    it (--plan-budget-s)."""
    args = session.argparse.Namespace(runs=tmp_path / "runs", out=tmp_path / "out",
                                      data=tmp_path, features=None, start_from=None,
                                      budget_s=540.0, device="cuda", rehearse=False,
                                      committed=None)
    began = session.time.monotonic()
    first = session.plan(args, began)[-1].command
    assert args.plan_budget_s == pytest.approx(390, abs=1)  # 540 - 30 - 30 - 60 - 30
    kept = session.state_dir(args)
    kept.mkdir(parents=True)
    (kept / "preflight.txt").write_text("exit 0\n")
    (kept / "gpu-tests.xml").write_text("<testsuites/>")
    (kept / "train_matrix.json").write_text("{}")
    later = session.plan(args, began + 0.0)[-1].command  # the steps took no time
    at = later.index("--plan-budget-s")
    assert later[at + 1] == first[first.index("--plan-budget-s") + 1] == "390"
    assert float(later[later.index("--budget-s") + 1]) > 500


def test_a_later_call_goes_straight_to_the_runs(session: ModuleType, tmp_path: Path,
                                                capsys) -> None:
    kept = tmp_path / "runs" / "gpu-session"
    kept.mkdir(parents=True)
    (kept / "gpu-tests.xml").write_text("<testsuites/>")
    (kept / "train_matrix.json").write_text("{}")
    (kept / "preflight.txt").write_text("exit 0\n")
    steps = [line for line in _dry(session, tmp_path, 540, capsys) if line.startswith("[")]
    assert len(steps) == 1 and steps[0].startswith("[leaderboard runs, up to 510 s]")
    assert f"--matrix {kept / 'train_matrix.json'}" in steps[0]  # this machine's own


def test_a_step_is_stopped_at_its_limit(session: ModuleType, tmp_path: Path) -> None:
    step = session.Step("sleep", [sys.executable, "-c", "import time; time.sleep(60)"], 1.0, {})
    status, seconds = session.run_step(step, tmp_path / "log")
    assert status == "stopped at its 1 s limit" and seconds < 30
    done = session.Step("quick", [sys.executable, "-c", "pass"], 30.0, {})
    assert session.run_step(done, tmp_path / "log")[0] == "exit 0"
    assert session.run_step(session.Step("none", ["true"], 0.0, {}), tmp_path / "log")[0] \
        == "skipped: no time left"


def test_large_files_come_back_in_parts(session: ModuleType, tmp_path: Path,
                                        monkeypatch) -> None:
    monkeypatch.setattr(session, "PART_BYTES", 10)
    (tmp_path / "runs.tgz").write_bytes(bytes(range(25)))
    (tmp_path / "small.json").write_text("{}")
    files = session.split_large(tmp_path)
    assert [f.name for f in files] == ["runs.tgz.part-00", "runs.tgz.part-01",
                                       "runs.tgz.part-02", "small.json"]
    assert b"".join(f.read_bytes() for f in files[:3]) == bytes(range(25))


def test_the_dry_run_predicts_each_jobs_minutes(session: ModuleType, tmp_path: Path,
                                                capfd) -> None:
    (tmp_path / "data" / "composite").mkdir(parents=True)
    assert session.main(["--data", str(tmp_path / "data"), "--runs", str(tmp_path / "runs"),
                         "--out", str(tmp_path / "out"), "--budget-s", "540",
                         "--dry-run"]) == 0
    printed = capfd.readouterr().out  # the leaderboard runs' dry run is a child process
    assert "predicted:" in printed
    # the committed matrix's setting, chosen for the runs' window
    assert "htnet-reference-seed0: 68 folds left with --parallel-folds" in printed
    assert "train_matrix on NVIDIA H200" in printed
    # each job's minutes say where they come from: a model a window measured on the chip
    # is [measured], one never timed is predicted from model_costs.json's FLOPs
    committed = json.loads((SCRIPT.parent / "train_matrix.json").read_text())
    timed = {row["model"] for row in committed.get("plan_models", [])}
    for model in ("mmnet-release", "hsta-release"):
        mark = "[measured]" if model in timed else "[predicted]"
        assert f"{mark} {model}-seed0:" in printed


def test_a_broken_capture_sends_every_job_eager(session: ModuleType, tmp_path: Path,
                                                capsys) -> None:
    kept = tmp_path / "runs" / "gpu-session"
    kept.mkdir(parents=True)
    passed = '<testsuites><testsuite><testcase name="test_captured_epochs_equal_eager_ones[2]"/>'
    (kept / "gpu-tests.xml").write_text(passed + "</testsuite></testsuites>")
    (kept / "train_matrix.json").write_text(json.dumps({"same_numbers": [
        {"model": "htnet", "differing_tensors": 0, "same_predictions": True}]}))
    assert session.captured_works(kept)
    steps = [line for line in _dry(session, tmp_path, 540, capsys) if line.startswith("[")]
    assert "--eager" not in steps[-1]
    (kept / "gpu-tests.xml").write_text(
        '<testsuites><testsuite><testcase name="test_captured_epochs_equal_eager_ones[2]">'
        '<failure message="x"/></testcase></testsuite></testsuites>')
    assert not session.captured_works(kept)
    steps = [line for line in _dry(session, tmp_path, 540, capsys) if line.startswith("[")]
    assert steps[-1].endswith("--eager")
    (kept / "gpu-tests.xml").write_text(passed + "</testsuite></testsuites>")
    (kept / "train_matrix.json").write_text(json.dumps({"same_numbers": [
        {"model": "htnet", "differing_tensors": 2, "same_predictions": True}]}))
    assert not session.captured_works(kept)


def test_a_matrix_measured_on_this_gpu_is_not_measured_again(session: ModuleType,
                                                             tmp_path: Path, capsys,
                                                             monkeypatch) -> None:
    """On the GPU that measured the committed matrix, no matrix: only the plan's models with
    no figure on it are measured, beside the committed rows (--base). HTNet's seed 0 goes
    on in fp32 (its started run, gpu-unfinished), whose figure is there (gpu_figures.json),
    so HTNet is measured only in the plan's precision, for its later seeds."""
    committed = tmp_path / "train_matrix.json"
    committed.write_text(json.dumps({"device": "NVIDIA H200", "same_numbers": []}))
    monkeypatch.setattr(session, "COMMITTED_MATRIX", committed)
    monkeypatch.setattr(session, "this_gpu", lambda: "NVIDIA H200")
    unfinished = ("--start-from", str(session.HERE / "gpu-unfinished"))
    plan = _plan_precision()
    lines = _dry(session, tmp_path, 540, capsys, *unfinished)
    steps = [line for line in lines if line.startswith("[")]
    assert [s.split(",")[0] for s in steps] == ["[pre-flight", "[gpu smoke tests",
                                                "[measurement", "[train matrix",
                                                "[leaderboard runs"]
    assert f"--base {committed}" in steps[2] and "htnet:fp32" not in steps[2]
    assert f"mmnet-release:{plan}" in steps[2]
    assert steps[3].startswith("[train matrix, skipped]")
    assert steps[4].startswith("[leaderboard runs, up to 390 s]")  # 540 - 30 - 30 - 60 - 30
    # with every model of the jobs left measured here, nothing is measured
    committed.write_text(json.dumps({"device": "NVIDIA H200", "plan_models": [
        {"model": m, "precision": p, "k": k} for m, p, k in
        (("htnet", plan, 1), ("mmnet-release", plan, 8), ("hsta-release", plan, 8),
         ("offapexnet", "fp32", 1), ("alexnet-flow", "fp32", 1), ("ststnet", "fp32", 1))]}))
    steps = [line for line in _dry(session, tmp_path, 540, capsys, *unfinished)
             if line.startswith("[")]
    assert [s.split(",")[0] for s in steps] == ["[pre-flight", "[gpu smoke tests",
                                                "[train matrix", "[leaderboard runs"]
    assert steps[3].startswith("[leaderboard runs, up to 450 s]")
    assert f"--matrix {committed}" in steps[3]


def test_the_runs_step_has_time_to_stop_and_pack(session: ModuleType, tmp_path: Path,
                                                 capsys) -> None:
    """The runs step's own budget holds its stop and its pack; the session waits a margin
    beyond it before its Ctrl-C, and gives it no budget too short to finish a fold."""
    args = session.argparse.Namespace(runs=tmp_path / "runs", out=tmp_path / "out",
                                      data=tmp_path, features=None, start_from=None,
                                      budget_s=900.0, device="cuda", rehearse=False,
                                      committed=None)
    runs = session.plan(args, session.time.monotonic())[-1]
    assert runs.grace_s >= 20 and runs.limit_s == pytest.approx(750, abs=1)
    short = [line for line in _dry(session, tmp_path, 230, capsys) if line.startswith("[")]
    assert short[-1].startswith("[leaderboard runs, up to 0 s]")  # 50 s left: skipped


@pytest.mark.parametrize(("given", "said"), [
    (["--budget-s", "nan"], "--budget-s nan: the value is not a number (NaN); give a finite "
                            "number"),
    (["--budget-s", "inf"], "--budget-s inf: the value is infinite; give a finite number"),
    (["--budget-s", "600", "--budget-s", "700"], "--budget-s is given twice, '600' and '700'; "
                                                  "give it once, with the value you mean"),
    (["--budget-s", "600", "--out", ""], "--out '': an empty path names nothing"),
    (["--budget-s", "600", "--device", "banana"], "--device takes cuda or cpu, not 'banana'"),
    (["--budget-s", "abc"], "--budget-s takes a number, not 'abc'"),
])
def test_a_bad_command_line_is_one_line_in_merbenchs_words(
        session: ModuleType, tmp_path: Path, capsys, given: list[str], said: str) -> None:
    """Pass 84k R9: argparse took NaN and infinite budgets, an option given twice (the last
    won), an empty --out and --device banana, and refused in its own words."""
    with pytest.raises(SystemExit) as stopped:
        session.main(["--data", str(tmp_path / "data"), "--runs", str(tmp_path / "runs"),
                      "--out", str(tmp_path / "out"), "--dry-run", *given])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"gpu_session.py: error: {said}"), err
    assert "usage" not in err and "invalid" not in err


def test_options_left_out_are_said_in_merbenchs_words(session: ModuleType, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        session.main(["--dry-run", "--budget-s", "600"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.startswith("gpu_session.py: error: gpu_session.py needs --data DATA, --runs "
                          "RUNS and --out OUT"), err
