"""What a user sees while a run goes: an estimate of the whole run before waiting on it, an
ETA at any speed, and what is happening before the first bar."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from merbench.cli import progress as progress_module
from merbench.cli.progress import AveragePaceRemaining, ProgressReporter, duration, estimate_line
from merbench.runinfo import RunInfo

HTNET_PAPER = dict(model="htnet", dataset="composite", protocol="loso", n_folds=68,
                   folds_to_train=68, epochs=800)


def test_a_long_cpu_run_is_estimated_with_what_to_do(tmp_path: Path) -> None:
    info = RunInfo(run_dir=tmp_path, device="cpu", **HTNET_PAPER)  # type: ignore[arg-type]
    line = estimate_line(info, per_fold_epoch=41.0)
    assert line.startswith("estimate: about 25 d 19 h for 68 folds x 800 epochs on cpu "
                           "(41 s per fold-epoch so far)")
    assert "--device cuda" in line and "reduced setting" in line and "Ctrl-C keeps" in line
    short = estimate_line(RunInfo(run_dir=tmp_path, model="ststnet", dataset="synthetic",
                                  protocol="loso", n_folds=6, folds_to_train=6, epochs=100,
                                  device="cpu"), per_fold_epoch=0.01)
    assert short == "estimate: about 6 s for 6 folds x 100 epochs on cpu (0 s per fold-epoch " \
                    "so far)"
    assert [duration(s) for s in (40, 420, 7500, 200000)] == ["40 s", "7 min", "2 h 05 min",
                                                             "2 d 7 h"]


def test_the_reporter_prints_the_estimate_after_the_first_measured_epochs(
        tmp_path: Path, monkeypatch) -> None:
    clock = iter([100.0, 182.0])  # run start, then a fold's second epoch 82 s later
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: next(clock))
    info = RunInfo(run_dir=tmp_path, device="cpu", **HTNET_PAPER)  # type: ignore[arg-type]
    reporter = ProgressReporter()
    reporter.merbench_run_start(run=info)
    assert reporter._progress is not None
    printed = io.StringIO()
    reporter._progress.console.file = printed
    reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=1)
    reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=2)
    reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=3)  # said once
    reporter.stop()
    assert printed.getvalue().count("estimate: about 25 d 19 h") == 1


def test_the_eta_shows_when_one_step_takes_minutes() -> None:
    bar = Progress(AveragePaceRemaining(), console=Console(file=io.StringIO()))
    task_id = bar.add_task("fold-epochs", total=10)
    task = bar.tasks[0]
    assert AveragePaceRemaining().render(task).plain == "-:--:--"  # nothing measured yet
    bar.start_task(task_id)
    task.start_time = task.start_time - 300  # as if started 5 minutes ago...
    bar.update(task_id, completed=2)  # ...with two steps of 150 s each
    left = AveragePaceRemaining().render(task).plain
    assert left in ("0:20:00", "0:19:59")


def test_a_spinner_says_what_happens_before_the_first_bar() -> None:
    reporter = ProgressReporter()
    reporter.preparing("htnet on composite: reading the data")
    assert reporter._status is not None
    reporter.stop()
    assert reporter._status is None
    quiet = ProgressReporter(enabled=False)
    quiet.preparing("x")
    assert quiet._status is None
