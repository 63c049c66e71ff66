"""``benchmarks/gpu_plan.py``: a GPU window's plan is known before it starts. Each leaderboard
job trains with the fastest setting a measured matrix found at its own precision (captured
only where the captured epochs were checked bit for bit), and its predicted minutes come from
that matrix or from the committed seconds per fold, counting only the folds it has left."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def plan() -> ModuleType:
    if str(BENCHMARKS) not in sys.path:  # as when the scripts run: their own folder first
        sys.path.insert(0, str(BENCHMARKS))
    import gpu_plan

    return gpu_plan


def _row(k: int, precision: str, captured: bool, ms: float) -> dict:
    return {"model": "htnet", "k": k, "precision": precision, "captured": captured,
            "build_s": 2.0, "first_epochs_s": [1.0, 1.0], "epoch_s": ms * k / 1000,
            "fold_epoch_ms": ms, "peak_gib": 3.0 * k, "minutes_68x800": 0.0}


MATRIX = {"device": "NVIDIA H100 80GB HBM3",
          "settings": [_row(8, "fp32", False, 20.0), _row(8, "fp32", True, 7.0),
                       _row(1, "fp32", True, 1.0),  # never chosen: a lone fold is eager
                       _row(16, "fp32", True, 6.0), _row(16, "tf32", True, 3.0),
                       _row(16, "bf16", False, 2.5)],
          "same_numbers": [{"model": "htnet", "k": 2, "epochs": 3, "tensors": 10,
                            "differing_tensors": 0, "largest_difference": 0.0,
                            "same_predictions": True}]}


def test_the_fastest_setting_at_the_jobs_own_precision(plan: ModuleType) -> None:
    best = plan.best_setting(MATRIX, "htnet", "fp32")
    assert (best.folds_at_once, best.captured) == (16, True)
    # the group's build and first two epochs as measured, its other 798 at the steady rate
    group = plan.RUN_OVER_MATRIX * (2.0 + 2.0 + 6.0 * 16 / 1000 * 798)
    assert best.seconds_per_fold == pytest.approx(group / 16) and best.group_s == group
    assert best.options() == ("--parallel-folds", "16")
    assert plan.best_setting(MATRIX, "htnet", "bf16").options() == (
        "--parallel-folds", "16", "--eager")
    assert plan.best_setting(MATRIX, "ststnet", "fp32") is None  # not measured
    # captured epochs that were not the eager ones bit for bit are never chosen
    differing = {**MATRIX, "same_numbers": [{**MATRIX["same_numbers"][0],
                                             "differing_tensors": 3}]}
    assert plan.best_setting(differing, "htnet", "fp32").options() == (
        "--parallel-folds", "8", "--eager")
    unchecked = {**MATRIX, "same_numbers": []}
    assert plan.best_setting(unchecked, "htnet", "fp32").captured is False


def _h200_row(k: int, build_s: float, first: list[float], epoch_s: float,
              peak_gib: float = 40.0) -> dict:
    return {"model": "htnet", "k": k, "precision": "fp32", "captured": True,
            "build_s": build_s, "first_epochs_s": first, "epoch_s": epoch_s,
            "fold_epoch_ms": 1000 * epoch_s / k, "peak_gib": peak_gib, "minutes_68x800": 0.0}


# the H200's fp32 captured rows of 2026-11-26 (benchmarks/train_matrix.json)
H200 = {"device": "NVIDIA H200", "same_numbers": MATRIX["same_numbers"],
        "settings": [_h200_row(4, 0.17, [0.5156, 0.1016], 0.10133, 19.79),
                     _h200_row(8, 0.521, [0.5744, 0.1812], 0.18089, 51.37),
                     _h200_row(16, 0.57, [0.6945, 0.3491], 0.34842, 42.23),
                     _h200_row(17, 0.647, [0.7639, 0.3917], 0.39084, 80.0)]}


def test_k_is_chosen_to_finish_the_most_folds_in_the_window(plan: ModuleType) -> None:
    """16 folds at once are the fastest per fold, but a group of 16 takes longer than the
    327 s the H200 session's runs had: it finished nothing. Inside a window the setting that
    finishes most folds wins; without one, the fastest per fold."""
    fastest = plan.best_setting(H200, "htnet", "fp32")
    assert fastest.folds_at_once == 16
    # the model against the one measured group: K=8, 165 s of training on the H200
    eight = next(s for s in (plan.best_setting({**H200, "settings": [r]}, "htnet", "fp32")
                             for r in H200["settings"]) if s.folds_at_once == 8)
    assert eight.group_s == pytest.approx(165.0, abs=3.0)
    assert fastest.folds_within(327, 50) == 0  # start-up and one group: over 327 s
    windowed = plan.best_setting(H200, "htnet", "fp32", window_s=327, folds_left=50)
    assert windowed.folds_at_once < 16 and windowed.folds_within(327, 50) >= 8
    assert windowed.folds_within(327, 50) == max(
        plan.best_setting({**H200, "settings": [r]}, "htnet", "fp32").folds_within(327, 50)
        for r in H200["settings"])
    # a window that holds one group of 8 but not of 16 (with the 10 % margin): 8 at once,
    # not one group of 4
    assert plan.best_setting(H200, "htnet", "fp32", window_s=215).folds_at_once == 8
    # 235 s hold one group of 8 or two of 4, 8 folds either way: the fewer seconds a fold
    assert plan.best_setting(H200, "htnet", "fp32", window_s=235,
                             folds_left=50).folds_within(235, 50) == 8
    assert plan.best_setting(H200, "htnet", "fp32", window_s=235).folds_at_once == 8
    # the folds left cap what a window finishes: 4 folds left, 4 at once
    assert plan.best_setting(H200, "htnet", "fp32", window_s=2000,
                             folds_left=4).folds_within(2000, 4) == 4
    # a long window: the fastest finishes the most
    assert plan.best_setting(H200, "htnet", "fp32", window_s=3600).folds_at_once == 16


def test_a_group_predicted_to_end_in_the_windows_last_tenth_is_not_planned(
        plan: ModuleType) -> None:
    """Issue 81: 17 folds at once were chosen whenever 374.5 s remained, for a predicted
    354.5 s group after 20 s of start-up; a group 2 % slower finished nothing. With the
    margin, a group must be predicted to end by 90 % of the window."""
    seventeen = plan.best_setting({**H200, "settings": [H200["settings"][3]]}, "htnet", "fp32")
    assert seventeen.group_s == pytest.approx(354.5, abs=0.5)
    assert seventeen.folds_within(374.5, 50) == 0  # ends at 100 % of the window: not planned
    needed = (plan.START_UP_S + seventeen.group_s) / (1 - plan.MARGIN)
    assert seventeen.folds_within(needed + 0.01, 50) == 17
    assert seventeen.folds_within(needed - 0.01, 50) == 0
    chosen = plan.best_setting(H200, "htnet", "fp32", window_s=374.5, folds_left=50)
    assert chosen.folds_at_once < 17
    assert plan.START_UP_S + chosen.group_s <= 0.9 * 374.5


def test_settings_too_big_for_this_gpu_are_left_out(plan: ModuleType) -> None:
    """An H200's matrix on an H100: a setting that peaked at 80 GiB does not fit 80 GB."""
    only_big = {**H200, "settings": [H200["settings"][3]]}
    assert plan.best_setting(only_big, "htnet", "fp32").folds_at_once == 17
    assert plan.best_setting(only_big, "htnet", "fp32", memory_gib=79.2,
                             device="NVIDIA H100 80GB HBM3") is None
    # on the GPU that measured it, it ran: kept
    assert plan.best_setting(only_big, "htnet", "fp32", memory_gib=139.8,
                             device="NVIDIA H200").folds_at_once == 17
    assert plan.best_setting(only_big, "htnet", "fp32", memory_gib=79.2,
                             device="NVIDIA H200").folds_at_once == 17


def test_predictions_count_the_folds_left(plan: ModuleType, tmp_path: Path) -> None:
    runs, unfinished = tmp_path / "runs", tmp_path / "unfinished"
    for root, seed, n in ((unfinished, 0, 10), (runs, 1, 3)):
        folds = root / "htnet-composite-loso" / "crop-reference" / f"seed-{seed}" / "folds"
        folds.mkdir(parents=True)
        for i in range(n):
            (folds / f"fold-{i:03d}.npz").write_bytes(b"")
    args = ("--model", "htnet", "--seeds", "0,1,2")
    figures = {"jobs": {"htnet-reference": {"seconds_per_fold": 24.0, "engine": "eager",
                                            "device": "H100", "measured": "2026-11-22"}}}
    out = "htnet-composite-loso/crop-reference"
    measured = plan.predict("htnet-reference", out, args, figures, {}, runs, unfinished)
    assert measured.folds_left == 3 * 68 - 13
    assert measured.minutes == pytest.approx((3 * 68 - 13) * 24.0 / 60)
    assert "about 76.4 min" in measured.line()
    matrix = plan.predict("htnet-reference", out, args, figures, MATRIX, runs, unfinished)
    assert matrix.setting is not None and matrix.seconds_per_fold < 24.0
    unknown = plan.predict("rcn", "rcn-composite-loso", ("--model", "rcn", "--seeds", "0,1,2"),
                           figures, MATRIX, runs, unfinished, costs={})
    assert unknown.minutes is None and "[no figure]" in unknown.line()
    costs = {"models": {"rcn": {"gpu_s_per_fold": 3.0, "gpu_source": "predicted from FLOPs"},
                        "htnet": {"gpu_s_per_fold": 24.0, "gpu_source": "measured, H100"}}}
    predicted = plan.predict("rcn", "rcn-composite-loso", ("--model", "rcn", "--seed", "1"),
                             figures, {}, runs, unfinished, costs=costs)
    assert predicted.minutes == pytest.approx(68 * 3.0 / 60)
    assert "PREDICTED from FLOPs" in predicted.line()
    # a measured figure, looked up under the configuration a seed's job belongs to, wins
    seed_job = plan.predict("htnet-reference-seed1", f"{out}/seed-1",
                            ("--model", "htnet", "--seed", "1"), figures, {}, runs, unfinished,
                            figure="htnet-reference", costs=costs)
    assert seed_job.folds_left == 68 - 3 and seed_job.seconds_per_fold == 24.0
    assert "PREDICTED" not in seed_job.line()
    single = plan.predict("tf32", out, ("--model", "htnet", "--seed", "0", "--precision",
                                        "tf32"), figures, MATRIX, None, None)
    assert single.folds_left == 68 and single.setting.options() == ("--parallel-folds", "16")


def test_a_sessions_timings_update_the_figures(plan: ModuleType) -> None:
    calls = [{"started": "2026-12-01T10:00:00+0000", "device": "NVIDIA H100 80GB HBM3",
              "jobs": {"htnet-reference": {"exit": 130, "seconds": 300.0, "folds_finished": 60,
                                           "options": ["--parallel-folds", "16"]},
                       "offapexnet": {"exit": 2, "seconds": 3.0, "folds_finished": 0},
                       "hsta-release-seed1": {"exit": 0, "seconds": 680.0,
                                              "folds_finished": 68,
                                              "figure": "hsta-release"}}}]
    old = {"jobs": {"offapexnet": {"seconds_per_fold": 9.0}}}
    updated = plan.record(old, calls, "abc1234")
    assert updated["jobs"]["htnet-reference"]["seconds_per_fold"] == 5.0
    assert updated["jobs"]["htnet-reference"]["device"] == "NVIDIA H100 80GB HBM3"
    assert updated["jobs"]["offapexnet"] == {"seconds_per_fold": 9.0}  # failed: kept
    assert updated["jobs"]["hsta-release"]["seconds_per_fold"] == 10.0  # its configuration's
    assert "hsta-release-seed1" not in updated["jobs"]


def test_the_fold_files_own_seconds_are_the_figure(plan: ModuleType, tmp_path: Path) -> None:
    """The H200 window of 2026-11-28 finished 8 folds in a call of 229 s: its start-up and
    the group the budget cut made that 28.6 s a fold, where the folds' own record says
    20.32 (a group of 8 in 163 s). The figure is the fold files' seconds where the runs
    recorded them, the call's wall time only where they did not."""
    import numpy as np

    from merbench.plugin_system.runinfo import FoldOutcome
    from merbench.results.fold_file import write_fold_file

    folds = tmp_path / "job" / "seed-0" / "folds"
    folds.mkdir(parents=True)
    for index, seconds in enumerate((20.32, 20.32, 22.5)):
        fold = FoldOutcome(index=index, key=("db", f"s{index}"), test_index=np.arange(2),
                           sample_ids=np.array(["a", "b"]), y_true=np.zeros(2, int),
                           epoch_predictions=np.zeros((3, 2), int), n_train=10,
                           seconds=seconds, device="cuda (NVIDIA H200)", folds_at_once=8)
        write_fold_file(folds / f"fold-{index:03d}.npz", fold, None)
    (folds / "fold-009.npz").write_bytes(b"not a fold file")  # unreadable: not counted
    files = plan.fold_files("job", [0], tmp_path)
    assert len(files) == 4 and plan.folds_done("job", [0], tmp_path) == 4
    assert plan.training_seconds(files) == 20.32 and plan.training_seconds([]) is None
    calls = [{"started": "2026-11-28T06:17:24+0000", "device": "NVIDIA H200",
              "jobs": {"htnet-reference-seed0": {"exit": 130, "seconds": 228.8,
                                                 "folds_finished": 8, "fold_seconds": 20.32,
                                                 "figure": "htnet-reference"}}}]
    figure = plan.record({}, calls, "54ded25")["jobs"]["htnet-reference"]
    assert figure["seconds_per_fold"] == 20.32
    assert "fold files' median seconds (8 folds in 229 s of the call" in figure["source"]


def test_the_committed_figures_give_the_dry_run_its_minutes(plan: ModuleType, tmp_path: Path,
                                                             capsys) -> None:
    import importlib

    runs_script = importlib.import_module("leaderboard_runs")  # beside gpu_plan (fixture)
    (tmp_path / "composite").mkdir()
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json.dumps(MATRIX))
    assert runs_script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "runs"),
                             "--start-from", str(BENCHMARKS / "gpu-unfinished"),
                             "--dry-run"]) == 0
    out = capsys.readouterr().out
    done = len(list((BENCHMARKS / "gpu-unfinished").glob("htnet-*/crop-reference/seed-0/"
                                                          "folds/fold-*.npz")))
    figure = json.loads((BENCHMARKS / "gpu_figures.json").read_text())["jobs"]
    assert 0 < done < 68  # the fold files the windows brought back count, as folds done
    assert (f"htnet-reference-seed0: {68 - done} folds left, "
            f"{figure['htnet-reference']['seconds_per_fold']:.1f} s a fold") in out
    assert "offapexnet-seed2: 68 folds left, 6.3 s a fold" in out  # its committed seeds
    # this matrix (MATRIX) timed no MMNet: its minutes come from its FLOPs, marked so
    assert "mmnet-release-seed0: 68 folds left" in out and "PREDICTED from FLOPs" in out
    assert "[no figure]" not in out  # every job's minutes are known before the window
    assert runs_script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "runs"),
                             "--matrix", str(matrix), "--only", "htnet-reference-seed0",
                             "--dry-run"]) == 0
    out = capsys.readouterr().out
    command = next(line for line in out.splitlines() if line.startswith("merbench run"))
    assert "--precision bf16" in command  # a new run: the precision study's outcome
    assert command.split("--seed 0 ")[1].startswith("--parallel-folds 16")
    assert "train_matrix on NVIDIA H100 80GB HBM3" in out


def test_small_jobs_run_side_by_side_and_htnet_alone(plan: ModuleType) -> None:
    jobs = [("htnet", ("--model", "htnet")),
            ("ststnet", ("--model", "ststnet")),
            ("rcn", ("--model", "rcn")),
            ("offapexnet", ("--model", "offapexnet", "--parallel-folds", "68")),
            ("rcn-again", ("--model", "rcn")),
            ("unknown", ("--model", "no-such-model"))]
    waves = plan.side_by_side(jobs, 80.0, 3)
    assert [i for wave in waves for i in wave] == list(range(len(jobs)))  # the jobs' order
    assert waves[0] == [0]  # HTNet's 68 folds would need terabytes: alone, K from memory
    assert waves[1] == [1, 2, 3] and waves[2] == [4] and waves[3] == [5]
    assert all(len(w) == 1 for w in plan.side_by_side(jobs, 0.0, 3))  # nothing fits
    assert all(len(w) == 1 for w in plan.side_by_side(jobs, 80.0, 1))
    assert plan.estimate_gib("htnet", 1) == pytest.approx(139.6e6 * 48 / 2**30, rel=0.01)


def test_jobs_side_by_side_run_at_once_and_stop_together(plan: ModuleType,
                                                         tmp_path: Path) -> None:
    import importlib
    import time

    runs_script = importlib.import_module("leaderboard_runs")
    # programs that start at once however loaded the machine (a Python interpreter can take
    # over a second to start on a busy 2-core machine: the quick job was cut at the budget)
    nap = ["sleep", "2"]
    started = time.perf_counter()
    ended = runs_script.run_jobs([(nap, tmp_path / "a.log"), (nap, tmp_path / "b.log")], None)
    assert [code for code, _ in ended] == [0, 0]
    assert time.perf_counter() - started < 3.9  # at once, not one after the other
    long, quick = ["sleep", "60"], ["true"]
    ended = runs_script.run_jobs([(long, tmp_path / "c.log"), (quick, tmp_path / "d.log")], 1.0)
    assert ended[0][0] != 0 and ended[0][1] < 30  # Ctrl-C at the budget
    assert ended[1][0] == 0
    assert "$ " in (tmp_path / "c.log").read_text()


def test_eager_sends_every_job_eager(plan: ModuleType, tmp_path: Path, capsys) -> None:
    import importlib

    runs_script = importlib.import_module("leaderboard_runs")
    (tmp_path / "composite").mkdir()
    assert runs_script.main(["--data", str(tmp_path), "--runs", str(tmp_path / "runs"),
                             "--eager", "--dry-run"]) == 0
    commands = [line for line in capsys.readouterr().out.splitlines()
                if line.startswith("merbench run")]
    assert commands and all(c.split().count("--eager") == 1 for c in commands)


def test_the_matrix_leaves_out_models_merbench_never_batches(plan: ModuleType) -> None:
    """STSTNet was left out while its BatchNorm kept ``merbench run`` to one fold at a time,
    and its forward's channels-last copy failed under vmap. Since issue 81 its BatchNorm is
    masked per fold and the copy is skipped for a batched tensor: the matrix measures it,
    and the vmapped forward gives each fold what the model gives it alone."""
    import torch
    import train_matrix
    from merbench_cnn.ststnet import STSTNet

    assert train_matrix.not_batched() == {}
    model = STSTNet().eval()
    params = {k: torch.stack([v, v]) for k, v in model.named_parameters()}
    buffers = {k: torch.stack([v, v]) for k, v in model.named_buffers()}
    batched = torch.func.vmap(lambda p, b, x: torch.func.functional_call(model, (p, b), (x,)),
                              randomness="different")
    x = torch.rand(2, 4, 3, 28, 28, generator=torch.Generator().manual_seed(0)) * 255
    # another convolution kernel (contiguous, not channels-last) on 0..255 inputs rounds
    # otherwise in the fifth digit
    torch.testing.assert_close(batched(params, buffers, x)[1], model(x[1]), rtol=1e-4,
                               atol=1e-4)


def test_a_window_plans_from_the_steps_its_matrix_measured(plan: ModuleType) -> None:
    """MMNet-release had only a FLOPs prediction (85 min a seed at HTNet's utilisation);
    once a window's matrix takes real steps of it, the plan uses those, marked measured,
    and the dry run says which minutes are measured and which predicted."""
    args = ("--model", "mmnet-release", "--seed", "0")
    costs = {"models": {"mmnet-release": {"gpu_s_per_fold": 74.7,
                                          "gpu_source": "predicted from FLOPs (x)"}}}
    before = plan.predict("mmnet-release-seed0", "mmnet", args, {}, {}, None, None,
                          costs=costs)
    assert before.basis == "predicted" and before.line().startswith("[predicted] ")
    row = {"model": "mmnet-release", "precision": "fp32", "epochs": 30,
           "fold_epoch_s": 0.5, "build_and_first_steps_s": 3.0, "achieved_tflops": 120.0,
           "times_floor": 2.5}
    matrix = {"device": "NVIDIA H200", "plan_models": [row]}
    after = plan.predict("mmnet-release-seed0", "mmnet", args, {}, matrix, None, None,
                         costs=costs)
    assert after.basis == "measured" and after.line().startswith("[measured] ")
    assert after.seconds_per_fold == pytest.approx(plan.RUN_OVER_MATRIX * (3.0 + 0.5 * 30))
    assert "real steps on NVIDIA H200" in after.line()
    bf16 = plan.predict("mmnet-release-seed0", "mmnet", (*args, "--precision", "bf16"), {},
                        matrix, None, None, costs=costs)
    assert bf16.basis == "predicted"  # fp32's steps say nothing of bf16's


def test_the_plan_takes_k_folds_at_once_where_merbench_run_would(plan: ModuleType) -> None:
    """Since issue 81 a window measures MMNet and HSTA K folds at once too: the plan takes a
    fold's share of that where ``merbench run`` trains the model so unasked (no dropout:
    ``by_default``), and one fold at a time where it would not (HSTA's dropout)."""
    alone = {"precision": "bf16", "epochs": 74, "fold_epoch_s": 0.324,
             "build_and_first_steps_s": 3.0, "achieved_tflops": 57.5, "times_floor": 13.3}
    together = {**alone, "k": 8, "fold_epoch_s": 0.1, "achieved_tflops": 186.0,
                "times_floor": 4.1}
    for model, by_default in (("mmnet-release", True), ("hsta-release", False)):
        matrix = {"device": "NVIDIA H200", "plan_models": [
            {**alone, "model": model}, {**together, "model": model, "by_default": by_default}]}
        seconds, source = plan.plan_model_seconds(matrix, model, "bf16")
        row = together if by_default else alone
        assert seconds == pytest.approx(plan.RUN_OVER_MATRIX * (
            row["build_and_first_steps_s"] + row["fold_epoch_s"] * 74))
        assert ("8 folds at once" if by_default else "one fold at a time") in source
        # a job that asks for the measured K (HSTA-release's --parallel-folds 8) gets it
        seconds, source = plan.plan_model_seconds(matrix, model, "bf16", asked_k=8)
        assert seconds == pytest.approx(plan.RUN_OVER_MATRIX * (3.0 + 0.1 * 74))
        assert "8 folds at once" in source
    import importlib

    jobs = importlib.import_module("leaderboard_runs").JOBS  # beside gpu_plan (fixture)
    hsta = next(job for job in jobs if job.name == "hsta-release-seed0")
    assert hsta.args[hsta.args.index("--parallel-folds") + 1] == str(plan.FOLDS_MEASURED)


def test_a_job_that_trains_folds_together_keeps_its_own_timing(plan: ModuleType) -> None:
    """The matrix steps a model one fold at a time; OFF-ApexNet's job trains its 68 folds at
    once, so its own timing (6.3 s a fold) plans it, not one fold at a time (64.8 s, the
    H200 window of 2026-11-28). With no timing of the job, the steps are all there is."""
    row = {"model": "offapexnet", "precision": "fp32", "epochs": 3000,
           "fold_epoch_s": 0.0191, "build_and_first_steps_s": 1.0, "achieved_tflops": 0.5,
           "times_floor": 60.0}
    matrix = {"device": "NVIDIA H200", "plan_models": [row]}
    figures = {"jobs": {"offapexnet-seed2": {"seconds_per_fold": 6.3, "engine": "K = 68",
                                             "device": "NVIDIA H100", "measured": "x"}}}
    together = ("--model", "offapexnet", "--seed", "2", "--parallel-folds", "68")
    assert plan.predict("offapexnet-seed2", "o", together, figures, matrix, None,
                        None).seconds_per_fold == 6.3
    alone = plan.predict("offapexnet-seed2", "o", together[:4], figures, matrix, None, None)
    assert alone.seconds_per_fold > 60  # one fold at a time: the steps say it
    untimed = plan.predict("offapexnet-seed2", "o", together, {}, matrix, None, None)
    assert untimed.seconds_per_fold > 60
