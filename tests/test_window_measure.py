"""Issue 81, a window spends its time training: with runs left, it measures only the models
of the jobs left that have no figure on its chip (``benchmarks/window_measure.py``,
``train_matrix.py --only``), and tests only the steps the plan takes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def measure(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import window_measure

    return window_measure


def test_only_the_models_with_no_figure_on_this_chip_are_measured(
        measure: ModuleType, tmp_path: Path) -> None:
    import job_precision

    plan = job_precision.PLAN_PRECISION  # the precision of the seeds' models' new runs
    jobs = measure.jobs_left(tmp_path / "runs", None, tmp_path / "committed")
    assert [j.name for j in jobs][:3] == ["htnet-reference-seed0", "mmnet-release-seed0",
                                          "hsta-release-seed0"]
    assert not any(j.images for j in jobs)  # CausalNet's: no session passes its images
    committed = json.loads((BENCHMARKS / "train_matrix.json").read_text())
    committed.pop("plan_models", None)  # as before any window measured the others
    figures = json.loads((BENCHMARKS / "gpu_figures.json").read_text())
    on_h200 = measure.to_measure(jobs, "NVIDIA H200", committed, figures)
    # HTNet has the committed matrix's rows there; the others none
    assert on_h200 == [f"mmnet-release:{plan}", f"hsta-release:{plan}", "offapexnet:fp32",
                       "alexnet-flow:fp32", "ststnet:fp32"]
    on_h100 = measure.to_measure(jobs, "NVIDIA H100 80GB HBM3", committed, figures)
    # OFF-ApexNet was timed on an H100; HTNet's matrix is the H200's
    assert on_h100[0] == f"htnet:{plan}" and "offapexnet:fp32" not in on_h100
    # what a window measured is a figure of its chip for the next window
    measured = {"device": "NVIDIA H200", "settings": committed["settings"],
                "plan_models": [{"model": m.split(":")[0], "precision": m.split(":")[1]}
                                for m in on_h200]}
    # MMNet and HSTA train fold-parallel since issue 81: measured one fold at a time only,
    # they are measured again, K at once too, but only when the window opens with them (a
    # window that opens with HTNet's seed would give the measurement its folds' seconds)
    assert measure.to_measure(jobs, "NVIDIA H200", measured, figures) == []
    assert measure.to_measure(jobs[1:], "NVIDIA H200", measured, figures) == [
        f"mmnet-release:{plan}"]
    assert measure.to_measure(jobs[2:], "NVIDIA H200", measured, figures) == [
        f"hsta-release:{plan}"]
    measured["plan_models"] += [{"model": m.split(":")[0], "precision": m.split(":")[1],
                                 "k": 8} for m in on_h200[:2]]
    assert measure.to_measure(jobs[1:], "NVIDIA H200", measured, figures) == []
    # a job in another precision needs its model's figure in that one; TF32 is planned
    # from fp32's
    other = "fp32" if plan != "fp32" else "bf16"
    again = [dataclasses.replace(j, args=("--model", "mmnet-release", "--precision", other))
             for j in jobs if j.name == "mmnet-release-seed0"]
    assert measure.to_measure(again, "NVIDIA H200", measured, figures) == [
        f"mmnet-release:{other}"]
    tf32 = [j for j in jobs if j.name == "htnet-reference-tf32"]
    assert measure.to_measure(tf32, "NVIDIA H200", committed, figures) == []


def test_a_started_run_is_measured_in_its_own_precision(measure: ModuleType,
                                                        tmp_path: Path) -> None:
    """HTNet's seed 0, started in fp32 (its folds in gpu-unfinished), goes on in fp32
    whatever the plan's precision: a window measures and smoke-tests the precision each
    job will train in, not the plan's alone (its later seeds start in the plan's)."""
    import job_precision

    plan = job_precision.PLAN_PRECISION
    jobs = measure.jobs_left(tmp_path / "runs", BENCHMARKS / "gpu-unfinished",
                             tmp_path / "committed")
    precision = {j.name: measure.job_model(j)[1] for j in jobs}
    assert precision["htnet-reference-seed0"] == "fp32"
    assert precision["htnet-reference-seed1"] == plan
    committed = json.loads((BENCHMARKS / "train_matrix.json").read_text())
    figures = json.loads((BENCHMARKS / "gpu_figures.json").read_text())
    on_h100 = measure.to_measure(jobs, "NVIDIA H100 80GB HBM3", committed, figures)
    assert on_h100[0] == "htnet:fp32" and (plan == "fp32" or f"htnet:{plan}" in on_h100)


def test_the_smoke_tests_are_the_plans_steps(measure: ModuleType, tmp_path: Path) -> None:
    import leaderboard_runs

    # HTNet's seed 0 as a window trains it: in fp32, the precision its started run records
    fp32 = [j for j in measure.jobs_left(tmp_path / "runs", BENCHMARKS / "gpu-unfinished",
                                         tmp_path / "committed")
            if j.name == "htnet-reference-seed0"]
    assert measure.job_model(fp32[0]) == ("htnet", "fp32")
    nodes = measure.smoke_tests(fp32)
    assert [n.split("::")[1] for n in nodes] == list(measure.SMOKE)
    source = measure.TESTS.read_text()
    for name in (*measure.SMOKE, *measure.SMOKE_BY_PRECISION.values()):
        assert f"def {name.split('[')[0]}(" in source  # each node is a test of the file
    tf32 = [j for j in leaderboard_runs.JOBS if j.name == "htnet-reference-tf32"]
    assert measure.smoke_tests(tf32)[-1].endswith("[tf32]")


def test_the_short_measurement_plans_what_it_was_asked(measure: ModuleType,
                                                       tmp_path: Path) -> None:
    import train_matrix

    cuda = train_matrix.only_plan("htnet:fp32,mmnet-release:bf16", cuda=True)
    assert cuda[0] == ("same", ("htnet", 2, 3))  # captured planned only where exact
    assert ("measure", ("htnet", 16, "fp32", True)) in cuda
    assert cuda[-2:] == [("plan", ("mmnet-release", None, "bf16", 8)),  # K at once first
                         ("plan", ("mmnet-release", None, "bf16"))]
    # on a CPU (a rehearsal) HTNet's settings are CUDA's: its jobs train it there
    assert train_matrix.only_plan("htnet:fp32,causalnet:fp32", cuda=False) == [
        ("plan", ("causalnet", "causalnet-release", "fp32"))]
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"device": "NVIDIA H200", "settings": [{"model": "htnet"}],
                                "profiles": [{"model": "htnet"}], "errors": ["vmap: NYI"]}))
    report = {"device": "NVIDIA H200", "settings": [], "plan_models": [], "errors": []}
    train_matrix.with_base(report, str(base))
    assert report["settings"] == [{"model": "htnet"}]
    # the window's file replaces the committed one: nothing of the base may be dropped
    # (the H200 window of 2026-11-28 lost the profiles and the errors that said why
    # STSTNet has no fold-parallel row)
    assert report["profiles"] == [{"model": "htnet"}] and report["errors"] == ["vmap: NYI"]
    with pytest.raises(SystemExit, match="measured on NVIDIA H200, not on NVIDIA H100"):
        train_matrix.with_base({"device": "NVIDIA H100", "settings": []}, str(base))
