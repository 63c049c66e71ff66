"""A stop signal saves the fold in progress when its epoch ends, long before the periodic save.

A new user's SIGTERM 97 s into HTNet's first fold was answered "no fold had saved its state; a
new run starts from the beginning": states were saved only every ``--checkpoint-every``
minutes (5). Now Ctrl-C, SIGTERM and SIGHUP wait for the epoch's end, save the state there
in the periodic save's format, and stop with the signal's exit status; the same command goes
on from it to the numbers of an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from interrupt import signal_in_first_fold
from merbench_cnn.offapexnet import OffApexNet

import merbench
from merbench.base.atomic import TEMP_SUFFIX
from merbench.meta import TrainRecipe
from merbench.plugin_system.manager import load_plugins
from merbench.training import epoch_end_stop, fold_checkpoint
from merbench.training.fold_checkpoint import FoldCheckpoint
from merbench.training.torch_trainer import train_fold

# two folds: the one stopped, and one trained after it; each of about 1.3 s on the 2-core
# EPYC, so a signal after the first epoch comes long before the fold's end (four folds of
# 300 epochs were as long each, and twice as many to train again)
SMALL = {"subjects": 2, "databases": 1, "samples_per_subject": 6}
EPOCHS = 600
OPTIONS = ["--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
           "--dataset-opt", "samples_per_subject=6", "--epochs", str(EPOCHS)]


class EpochsSeen:
    """Records every epoch fold 0 reports."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    @merbench.hookimpl
    def merbench_epoch_finished(self, run, fold_index, epoch) -> None:
        if fold_index == 0:
            self.seen.append(epoch)


def _run(out: Path, **options):
    return merbench.run("ststnet", "synthetic", out=out, dataset_options=SMALL, device="cpu",
                        epochs=EPOCHS, **options)


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run's directory."""
    out = tmp_path_factory.mktemp("whole") / "r"
    _run(out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_in_the_first_fold_saves_it_and_the_same_command_goes_on(
        tmp_path: Path, whole: Path, sent: int) -> None:
    out = tmp_path / "r"
    code, err = signal_in_first_fold(out, OPTIONS, sent)  # the default 5-minute interval
    assert code == 128 + sent, err
    assert err[-1] == (f"merbench: interrupted — no fold had finished yet in {out}; the fold "
                       "in progress is kept as of its last saved state; run the same command "
                       "again to resume")
    saved = torch.load(out / "partial" / "fold-000.pt", weights_only=True)
    assert 1 <= saved["epochs_done"] < EPOCHS
    assert saved["predictions"].shape[0] == saved["epochs_done"]

    epochs = EpochsSeen()
    _run(out, plugins=load_plugins(extra=[("epochs", epochs)]))
    # on from the saved epoch: those before it are not trained again
    assert epochs.seen == list(range(saved["epochs_done"], EPOCHS + 1))
    assert (out / "predictions.csv").read_text() == (whole / "predictions.csv").read_text()
    assert not (out / "partial").exists()


@pytest.fixture
def int_handler() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt here, as in any Python process (a suite started in the
    background inherits it ignored); the handler before is put back after."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _fold(checkpoint: FoldCheckpoint, on_epoch=None) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (40, 3, 28, 28)).astype(np.uint8)
    return train_fold(lambda: OffApexNet(hidden=16), TrainRecipe(epochs=8, batch_size=16,
                                                                 lr=1e-3),
                      x, rng.integers(0, 3, 40), x[:6], device="cpu", seed=1,
                      checkpoint=checkpoint, on_epoch=on_epoch)


def test_a_signal_mid_epoch_is_said_and_saved_at_the_epochs_end(
        tmp_path: Path, int_handler, capfd, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process, the signal raised from inside the first epoch's report: the fold saves
    epoch 1 (not the 5 minutes of ``every_s``) and only then raises KeyboardInterrupt; the
    handlers are back as they were, and the resumed fold ends as an uninterrupted one."""
    monkeypatch.setattr(epoch_end_stop, "NOTICEABLE_S", 0.0)  # these epochs take ms: say it
    monkeypatch.setattr(epoch_end_stop.EpochEndStop, "last_epoch_seconds", None)
    whole = _fold(FoldCheckpoint(tmp_path / "whole.pt", 300.0, {}, "fold s1"))
    state = tmp_path / "fold-000.pt"

    def ctrl_c(epoch: int) -> None:
        if epoch == 1:
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        _fold(FoldCheckpoint(state, 300.0, {}, "fold s1"), on_epoch=ctrl_c)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert capfd.readouterr().err.strip() == (
        "merbench: stopping — fold s1 is saved when its current epoch ends; Ctrl-C again (or "
        "a second signal) stops at once, keeping only the state saved before")
    assert torch.load(state, weights_only=True)["epochs_done"] == 1
    np.testing.assert_array_equal(_fold(FoldCheckpoint(state, 300.0, {}, "fold s1")), whole)


def test_a_stop_in_the_processs_first_epoch_is_always_said(
        capfd, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 85, as the user guide says: the process's very first epoch has no last epoch to
    go by, so a stop in it is said even where epochs take ms (the README's demo); once an
    epoch under a second is known, the stop is said only as it ends."""
    for last, said in ((None, True), (0.065, False), (2.0, True)):
        monkeypatch.setattr(epoch_end_stop.EpochEndStop, "last_epoch_seconds", last)
        stop = epoch_end_stop.EpochEndStop("fold syn1/s01")
        stop._note(signal.SIGINT, None)
        err = capfd.readouterr().err
        assert err.startswith("merbench: stopping — fold syn1/s01 is saved when its current "
                              "epoch ends") is said, (last, err)
        assert stop.requested


def test_a_signal_in_the_last_epoch_saves_the_whole_fold(tmp_path: Path, int_handler) -> None:
    """The state then holds every epoch: the run goes on from it by training none."""
    whole = _fold(FoldCheckpoint(tmp_path / "whole.pt", 300.0, {}, "fold s1"))
    state = tmp_path / "fold-000.pt"

    def ctrl_c(epoch: int) -> None:
        if epoch == 8:
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        _fold(FoldCheckpoint(state, 300.0, {}, "fold s1"), on_epoch=ctrl_c)
    assert torch.load(state, weights_only=True)["epochs_done"] == 8
    seen: list[int] = []
    resumed = _fold(FoldCheckpoint(state, 300.0, {}, "fold s1"), on_epoch=seen.append)
    assert seen == [8]
    np.testing.assert_array_equal(resumed, whole)


def test_a_second_signal_during_the_save_keeps_the_last_whole_state(
        tmp_path: Path, int_handler, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saves every epoch; Ctrl-C in epoch 3, and again while its save is half written: the
    run stops at once, and the file is epoch 2's state, whole, with no temporary left."""
    state = tmp_path / "fold-000.pt"
    real_save = torch.save
    calls = []

    def save(payload, handle) -> None:
        calls.append(payload["epochs_done"])
        if payload["epochs_done"] == 3:
            handle.write(b"PK\x03\x04 half a state")
            signal.raise_signal(signal.SIGINT)
        real_save(payload, handle)

    monkeypatch.setattr(fold_checkpoint, "SAVE_SHARE", float("inf"))
    monkeypatch.setattr(fold_checkpoint.torch, "save", save)

    def ctrl_c(epoch: int) -> None:
        if epoch == 3:
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        _fold(FoldCheckpoint(state, 0.0, {}, "fold s1"), on_epoch=ctrl_c)
    assert calls == [1, 2, 3]
    assert torch.load(state, weights_only=True)["epochs_done"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["fold-000.pt"]
    assert not list(tmp_path.glob(f"*{TEMP_SUFFIX}"))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.slow
def test_a_process_without_a_handler_saves_then_ends_by_the_signal(tmp_path: Path) -> None:
    """A Python caller of merbench.run() that left SIGTERM at its default: the state is saved
    at the epoch's end, then the signal ends the process as it would have."""
    out = tmp_path / "r"
    script = f"""
import os, signal, merbench
from merbench.plugin_system.manager import load_plugins

class Term:
    @merbench.hookimpl
    def merbench_epoch_finished(self, run, fold_index, epoch):
        if (fold_index, epoch) == (0, 2):
            os.kill(os.getpid(), signal.SIGTERM)

merbench.run("ststnet", "synthetic", out={str(out)!r}, dataset_options={SMALL!r},
             device="cpu", epochs=50, plugins=load_plugins(extra=[("term", Term())]))
print("not stopped")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert "not stopped" not in done.stdout
    assert torch.load(out / "partial" / "fold-000.pt", weights_only=True)["epochs_done"] == 2


def test_a_stop_inside_torchs_writer_is_a_stop_not_a_full_disk(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """A stop raised while ``torch.save`` writes comes out of its writer as a RuntimeError
    ("unexpected pos"), the stop as its context; the save took it for a full disk, warned
    and trained on, and a stopped tuning ran to its end with exit status 0 (.ci/run, once,
    on a loaded machine). It is raised as the stop it is, and no temporary is left."""
    import io

    from merbench.base import atomic

    real_fdopen = atomic.os.fdopen

    class Interrupted(io.BufferedWriter):
        writes = 0

        def write(self, data: Any) -> int:
            Interrupted.writes += 1
            if Interrupted.writes == 3:
                raise KeyboardInterrupt
            return super().write(data)

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "wb":
            return Interrupted(io.FileIO(fd, "wb"))
        return real_fdopen(fd, mode, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    checkpoint = FoldCheckpoint(tmp_path / "fold-000.pt", 0.0, {}, "fold s1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "cannot be saved" warning: a stop is no disk
        with pytest.raises(KeyboardInterrupt):
            checkpoint.save({"epochs_done": 1, "weights": torch.zeros(1000)})
    assert list(tmp_path.iterdir()) == []
