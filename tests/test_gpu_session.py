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
def session() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gpu_session", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_session"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _dry(session: ModuleType, tmp_path: Path, budget: int, capsys) -> list[str]:
    assert session.main(["--data", str(tmp_path / "data"), "--runs", str(tmp_path / "runs"),
                         "--out", str(tmp_path / "out"), "--budget-s", str(budget),
                         "--dry-run"]) == 0
    return capsys.readouterr().out.splitlines()


def test_dry_run_prints_every_step_within_the_budget(session: ModuleType, tmp_path: Path,
                                                     capsys) -> None:
    lines = _dry(session, tmp_path, 900, capsys)
    steps = [line for line in lines if line.startswith("[")]
    assert [s.split(",")[0] for s in steps] == ["[gpu tests", "[train matrix",
                                                "[leaderboard runs"]
    assert "-m gpu" in steps[0] and "train_speed.py --matrix" in steps[1]
    assert "--budget-s 360" in steps[2] and "--pack" in steps[2]
    # before this machine measured its matrix, the runs plan from the committed one
    assert f"--matrix {session.HERE / 'train_matrix.json'}" in steps[2]
    limits = [float(s.split("up to ")[1].split(" s]")[0]) for s in steps]
    assert sum(limits) + session.PACK_RESERVE_S <= 900
    assert "budget: 900 s; planned: 900 s" in "\n".join(lines)
    assert "merbench validate" in "\n".join(lines)
    assert not (tmp_path / "out").exists()  # a dry run writes nothing
    short = [line for line in _dry(session, tmp_path, 200, capsys) if line.startswith("[")]
    assert sum(float(s.split("up to ")[1].split(" s]")[0]) for s in short) <= 200


def test_a_later_call_goes_straight_to_the_runs(session: ModuleType, tmp_path: Path,
                                                capsys) -> None:
    kept = tmp_path / "runs" / "gpu-session"
    kept.mkdir(parents=True)
    (kept / "gpu-tests.xml").write_text("<testsuites/>")
    (kept / "train_matrix.json").write_text("{}")
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
    assert "htnet-reference-seed0: 68 folds left, 24.0 s a fold" in printed  # gpu_figures
    assert "PREDICTED from FLOPs" in printed  # model_costs.json, for models never timed


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
    assert "--eager" not in steps[0]
    (kept / "gpu-tests.xml").write_text(
        '<testsuites><testsuite><testcase name="test_captured_epochs_equal_eager_ones[2]">'
        '<failure message="x"/></testcase></testsuite></testsuites>')
    assert not session.captured_works(kept)
    steps = [line for line in _dry(session, tmp_path, 540, capsys) if line.startswith("[")]
    assert steps[0].endswith("--eager")
    (kept / "gpu-tests.xml").write_text(passed + "</testsuite></testsuites>")
    (kept / "train_matrix.json").write_text(json.dumps({"same_numbers": [
        {"model": "htnet", "differing_tensors": 2, "same_predictions": True}]}))
    assert not session.captured_works(kept)
