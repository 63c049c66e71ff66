"""``merbench audit`` shows its progress (issue 83): the fold-epochs it trains again, a line
each tenth off a terminal and a bar on one, nothing before a refusal; stdout keeps the
audit's own lines."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.cli.audit_progress import AuditProgress
from merbench.plugin_system.runinfo import RunInfo

CliResult = tuple[int, str, str]


def _run(where: str, folds: int = 2, epochs: int = 5) -> RunInfo:
    return RunInfo(run_dir=Path(where), model="ststnet", dataset="synthetic", protocol="loso",
                   n_folds=6, folds_to_train=folds, epochs=epochs, device="cpu")


def test_an_audit_off_a_terminal_says_each_tenth_of_what_it_trains_again(
        tmp_path: Path, examples: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        cli: Callable[..., CliResult]) -> None:
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)  # say it at once
    run = tmp_path / "run"
    shutil.copytree(examples["emotion run"], run)
    code, out, err = cli("audit", run)
    assert code == 0, err
    # two folds of one epoch trained again: half, then all of it, on stderr
    assert err.splitlines() == [
        "merbench: audit trained 1 of 2 fold-epochs of run 1 again (50%)",
        "merbench: audit trained 2 of 2 fold-epochs of run 1 again (100%)"]
    assert "fold-epochs" not in out and out.splitlines()[-1].startswith("audit passed")


def test_a_refused_audit_prints_its_refusal_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    code, out, err = cli("audit", tmp_path / "nowhere")
    assert code != 0 and out == ""
    assert len(err.splitlines()) == 1 and "no such file or folder" in err


def test_on_a_terminal_a_bar_counts_fold_epochs_across_the_runs_trained_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr("sys.stderr", screen)
    with AuditProgress(terminal=True) as progress:
        assert screen.getvalue() == "" and progress.counted == (0, 0)
        first = _run("/scratch/a")
        progress.merbench_epoch_finished(run=first, fold_index=3, epoch=1)
        bar = progress._bar
        assert bar is not None
        assert (bar.tasks[0].completed, bar.tasks[0].total) == (1, 10)
        assert bar.tasks[0].description == "auditing: ststnet on synthetic, fold 4/6 epoch 1/5"
        progress.merbench_epoch_finished(run=first, fold_index=3, epoch=1)  # told twice
        progress.merbench_epoch_finished(run=first, fold_index=3, epoch=3)
        assert progress.counted == (3, 10)
        # a seeds summary's audit trains a second run: its folds join the count
        progress.merbench_epoch_finished(run=_run("/scratch/b", folds=1), fold_index=0,
                                         epoch=1)
        assert progress.counted == (4, 15) and bar.tasks[0].total == 15
    assert not bar.live.is_started  # taken down when the audit ends


def test_off_a_terminal_each_line_says_the_true_share_trained_again(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Three fold-epochs: 33% and 66% (the share), not the tenth crossed rounded down to
    30% and 60% (issue 85); a line for each tenth crossed, as before."""
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    with AuditProgress(terminal=False) as progress:
        run = _run("/scratch/a", folds=1, epochs=3)
        for epoch in (1, 2, 3):
            progress.merbench_epoch_finished(run=run, fold_index=0, epoch=epoch)
    assert capsys.readouterr().err.splitlines() == [
        f"merbench: audit trained {n} of 3 fold-epochs of run 1 again ({share}%)"
        for n, share in ((1, 33), (2, 66), (3, 100))]


def test_off_a_terminal_each_run_trained_again_is_counted_on_its_own(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A tuning's audit trains its runs one after another, their number not known at the
    first: its first run's last epoch said "1 of 1 ... (100%)" of the whole audit, with six
    runs to come (issue 85's second walk). Each run's lines now say which run they count."""
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    with AuditProgress(terminal=False) as progress:
        for where in ("/scratch/a", "/scratch/b"):
            progress.merbench_epoch_finished(run=_run(where, folds=1, epochs=1), fold_index=0,
                                             epoch=1)
    assert capsys.readouterr().err.splitlines() == [
        "merbench: audit trained 1 of 1 fold-epochs of run 1 again (100%)",
        "merbench: audit trained 1 of 1 fold-epochs of run 2 again (100%)"]
