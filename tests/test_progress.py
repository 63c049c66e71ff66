"""What a user sees while a run goes: an estimate of the whole run before waiting on it, an
ETA at any speed, and what is happening before the first bar."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import Progress

from merbench.cli import progress as progress_module
from merbench.cli.estimate import duration, estimate_line
from merbench.cli.progress import (
    AveragePaceRemaining,
    MeasuredPaceRemaining,
    ProgressReporter,
)
from merbench.plugin_system.runinfo import RunInfo

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
    assert short == "estimate: about 6 s for 6 folds x 100 epochs on cpu (10 ms per " \
                    "fold-epoch so far)"
    assert [duration(s) for s in (0.024, 40, 420, 7500, 200000)] == [
        "24 ms", "40 s", "7 min", "2 h 05 min", "2 d 7 h"]


class FakeClock:
    """``time.perf_counter`` for the reporter: moved by the test, not by the machine."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _reporter(info: RunInfo, clock: FakeClock, monkeypatch) -> tuple[ProgressReporter,
                                                                     io.StringIO]:
    monkeypatch.setattr(progress_module.time, "perf_counter", clock)
    reporter = ProgressReporter(plain=False)
    reporter.merbench_run_start(run=info)
    assert reporter._progress is not None
    printed = io.StringIO()
    reporter._progress.console.file = printed
    return reporter, printed


def _eta(reporter: ProgressReporter) -> str:
    assert reporter._progress is not None
    return MeasuredPaceRemaining().render(reporter._progress.tasks[0]).plain


def test_a_slow_start_is_left_out_of_the_pace(tmp_path: Path, monkeypatch) -> None:
    """A slowed clock: 82 s of start-up and first epoch, then 41 s an epoch (HTNet's paper
    setting on this CPU). The estimate waits for three measured epochs and counts the
    start-up once, not in every fold-epoch's pace."""
    clock = FakeClock(100.0)
    info = RunInfo(run_dir=tmp_path, device="cpu", **HTNET_PAPER)  # type: ignore[arg-type]
    reporter, printed = _reporter(info, clock, monkeypatch)
    for epoch, at in ((1, 182.0), (2, 223.0), (3, 264.0)):
        clock.now = at
        reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=epoch)
    assert printed.getvalue() == "" and _eta(reporter) == "estimating..."
    clock.now = 305.0
    reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=4)
    clock.now = 346.0
    reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=5)  # said once
    reporter.stop()
    text = " ".join(printed.getvalue().split())
    assert text.count("estimate: about 25 d 19 h") == 1 and "(41 s per fold-epoch" in text
    assert "this is GPU work" in text


def test_a_fast_run_is_estimated_from_its_pace_not_its_start_up(tmp_path: Path,
                                                                monkeypatch) -> None:
    """A fast clock: 5 s of start-up, then 10 ms an epoch (STSTNet on the synthetic data).
    Counting the start-up in the pace said 50 minutes and "GPU work" for a run of seconds."""
    info = RunInfo(run_dir=tmp_path, model="ststnet", dataset="synthetic", protocol="loso",
                   n_folds=6, folds_to_train=6, epochs=100, device="cpu")
    clock = FakeClock(0.0)
    reporter, printed = _reporter(info, clock, monkeypatch)
    for epoch in range(1, 101):  # the first fold ends before 2 s are measured
        clock.now = 5.0 + 0.01 * (epoch - 1)
        reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=epoch)
    text = " ".join(printed.getvalue().split())
    reporter.stop()
    assert "estimate: about 11 s for 6 folds x 100 epochs" in text
    assert "GPU work" not in text


def test_folds_trained_together_share_the_pace(tmp_path: Path, monkeypatch) -> None:
    """Three folds at once, each epoch reported for all three; and captured epochs, whose
    reports come in bursts of three epochs once the device has finished them."""
    info = RunInfo(run_dir=tmp_path, model="htnet", dataset="synthetic", protocol="loso",
                   n_folds=6, folds_to_train=6, epochs=100, device="cuda")
    for step in (1, 3):
        clock = FakeClock(0.0)
        reporter, printed = _reporter(info, clock, monkeypatch)
        for epoch in range(step, 5 * step, step):
            clock.now = 10.0 + 3.0 * (epoch - step)
            for fold in range(3):
                reporter.merbench_epoch_finished(run=info, fold_index=fold, epoch=epoch)
        text = " ".join(printed.getvalue().split())  # the console wraps at its width
        assert "(1 s per fold-epoch so far)" in text, text
        assert _eta(reporter) not in ("estimating...", "-:--:--")
        reporter.stop()


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
    reporter = ProgressReporter(plain=False)
    reporter.preparing("htnet on composite: reading the data")
    assert reporter._status is not None
    reporter.stop()
    assert reporter._status is None
    quiet = ProgressReporter(enabled=False)
    quiet.preparing("x")
    assert quiet._status is None


def test_a_narrow_terminal_cuts_the_label_not_the_counts_or_the_eta(tmp_path: Path) -> None:
    info = RunInfo(run_dir=tmp_path, model="timm-face-convnext_small", dataset="composite",
                   protocol="loso", n_folds=68, folds_to_train=68, epochs=800,
                   device="cuda:0 (NVIDIA H100 80GB HBM3)")
    reporter = ProgressReporter()
    reporter.merbench_run_start(run=info)
    assert reporter._progress is not None
    reporter._progress.stop()
    reporter._progress.update(reporter._task, completed=12345,
                              description="timm-face-convnext_small on composite fold 12/68")
    for width in (80, 120):
        shown = io.StringIO()
        Console(width=width, file=shown).print(
            reporter._progress.make_tasks_table(reporter._progress.tasks))
        line = shown.getvalue().rstrip("\n")
        assert len(line) <= width
        assert line.endswith("12345/54400 fold-epochs 0:00:00 ETA estimating..."), line
    reporter.stop()


def test_into_a_log_progress_comes_as_lines_from_the_first_second(
        tmp_path: Path, monkeypatch) -> None:
    """A log (stdout a file or a pipe) gets what is read at once, then training's start, its
    first epoch, the estimate, and a line at most every 30 s: never 30 s of silence before
    the estimate."""
    clock = FakeClock(100.0)
    monkeypatch.setattr(progress_module.time, "perf_counter", clock)
    reporter = ProgressReporter(plain=True)
    lines = io.StringIO()
    reporter._lines.file = lines
    reporter.preparing("htnet on composite: reading the data")
    assert lines.getvalue() == "htnet on composite: reading the data\n"
    info = RunInfo(run_dir=tmp_path, device="cpu", **HTNET_PAPER)  # type: ignore[arg-type]
    reporter.merbench_run_start(run=info)
    assert reporter._progress is not None
    reporter._progress.console.file = io.StringIO()
    for epoch, at in ((1, 120.0), (2, 130.0), (3, 140.0), (4, 150.0), (5, 160.0),
                      (6, 170.0), (7, 180.0), (8, 190.0)):
        clock.now = at
        reporter.merbench_epoch_finished(run=info, fold_index=0, epoch=epoch)
    reporter.stop()
    said = lines.getvalue().splitlines()[1:]
    assert said[:2] == [
        f"training htnet on composite (cpu): 68 folds x 800 epochs, in {tmp_path}",
        "htnet on composite: fold 1/68 epoch 1/800; 1/54400 fold-epochs in 0:00:20, ETA "
        "estimating..."]
    assert said[2].startswith("estimate: about 6 d 7 h for 68 folds x 800 epochs on cpu (10 s "
                              "per fold-epoch so far). this is GPU work")  # at epoch 4
    assert said[3:] == [  # 30 s after the estimate
        "htnet on composite: fold 1/68 epoch 7/800; 7/54400 fold-epochs in 0:01:20, ETA "
        "151:05:30"]


def test_a_redirected_run_says_what_it_does_within_seconds(tmp_path: Path) -> None:
    """The command with its output in a pipe: its first line comes while it is still reading
    the data, and each line is flushed as written (nothing came before the results)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "merbench", "run", "--model", "ststnet", "--dataset",
         "synthetic", "--epochs", "2000", "--device", "cpu", "--out", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        waited = time.monotonic() - started
        second = process.stdout.readline()
    finally:
        process.kill()
        process.wait()
    assert first == ("ststnet on synthetic: reading the data, the features and any finished "
                     "folds\n")
    assert second.startswith("training ststnet on synthetic (cpu): 6 folds x 2,000 epochs")
    assert waited < 20, waited  # Python's start and merbench's imports, on a busy machine


#: what a drawn bar leaves (the bar's glyphs, its ETA column); a plain line says "ETA" too,
#: but plain lines go to stdout, never to stderr
DRAWN = ("━", "ETA", "fold-epochs 0:")


@pytest.mark.parametrize("stopped", [False, True], ids=["finished", "stopped"])
def test_off_a_terminal_no_bar_reaches_stderr(cli, tmp_path: Path, monkeypatch,
                                              stopped: bool) -> None:
    """``merbench run ... 2> log``: stderr is a file, not a terminal, so no bar is drawn
    there, not even its last frame when the run ends or stops (rich's final refresh left
    ``htnet on synthetic fol… ━━━━ 300/300 fold-epochs 0:00:12 ETA 0:00:00`` in the log, and
    ``0/300 fold-epochs ... ETA estimating...`` after a stop before the first epoch)."""
    if stopped:
        from interrupt import ctrl_c

        from merbench.plugin_system.hookimpl import hookimpl

        def stop_at_first_epoch(self, run: RunInfo, fold_index: int, epoch: int) -> None:
            ctrl_c()  # Ctrl-C before the bar has moved

        monkeypatch.setattr(ProgressReporter, "merbench_epoch_finished",
                            hookimpl(stop_at_first_epoch))
    monkeypatch.setenv("COLUMNS", "40")  # what rich wraps a file's lines at (80 unset)
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "2", "--device",
                       "cpu", "--out", tmp_path / "run")
    assert code == (130 if stopped else 0), err
    assert not [mark for mark in DRAWN if mark in err], err
    assert "\n\n" not in err, err  # nor the empty line rich wrote after it
    if not stopped:  # the estimate, said on stderr (stdout is no log here), is one line
        estimate = next(line for line in err.splitlines() if line.startswith("estimate:"))
        assert estimate.endswith("per fold-epoch so far)"), err


def test_off_a_terminal_a_sweeps_bar_is_not_drawn(tmp_path: Path) -> None:
    """The one bar of folds ``sweep`` and ``tune`` show: nothing of it off a terminal."""
    from merbench.cli.fold_bar import SweepProgress

    shown = io.StringIO()
    progress = SweepProgress(enabled=True)
    bar = progress._bar()
    assert bar is not None
    bar.console.file = shown
    progress.merbench_run_start(run=RunInfo(run_dir=tmp_path, model="ststnet",
                                            dataset="synthetic", protocol="loso", n_folds=6,
                                            folds_to_train=6, epochs=2, device="cpu"))
    progress.print("sweep: 1 run")
    progress.stop()
    assert shown.getvalue() == "sweep: 1 run\n"
