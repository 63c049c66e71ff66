"""An unfinished fold's saved state: an interrupted fold goes on from it, to the same bits."""

from __future__ import annotations

import json
import signal
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from interrupt import StopAfter, ctrl_c_once, stopping_at_epoch
from merbench_cnn.offapexnet import OffApexNet

import merbench
from merbench.meta import TrainRecipe
from merbench.plugin_system.manager import load_plugins
from merbench.results.rundir import RunDirectory
from merbench.training import fold_checkpoint
from merbench.training.fold_checkpoint import FoldCheckpoint
from merbench.training.fold_parallel import FoldTask, train_folds
from merbench.training.torch_trainer import train_fold

SMALL = {"subjects": 4, "samples_per_subject": 6}
EVERY_EPOCH = 1e-9  # minutes: a state is saved after every epoch


@pytest.fixture(autouse=True)
def save_whenever_due(monkeypatch: pytest.MonkeyPatch) -> None:
    """Saves as often as asked, however long they take (tiny models train faster than the
    1% share would let them save every epoch)."""
    monkeypatch.setattr(fold_checkpoint, "SAVE_SHARE", float("inf"))


def _run(tmp_path: Path, name: str, **options):
    """A small synthetic run into ``tmp_path / name`` (STSTNet unless ``model`` is given)."""
    options = {"dataset_options": SMALL, "device": "cpu", **options}
    return merbench.run(options.pop("model", "ststnet"), "synthetic", out=tmp_path / name,
                        **options)


def _whole_and_stopped(tmp_path: Path, fold_index: int, epoch: int, **common):
    """An uninterrupted run into ``whole``, and the same run into ``r`` stopped once fold
    ``fold_index`` has trained ``epoch`` epochs, saving its state after every epoch."""
    whole = _run(tmp_path, "whole", **common)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", checkpoint_every=EVERY_EPOCH,
             plugins=stopping_at_epoch(fold_index, epoch), **common)
    return whole


class EpochsSeen:
    """Records every (fold index, epoch) a run reports."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    @merbench.hookimpl
    def merbench_epoch_finished(self, run, fold_index, epoch) -> None:
        self.seen.append((fold_index, epoch))

    def of(self, fold_index: int) -> list[int]:
        return [epoch for index, epoch in self.seen if index == fold_index]


class Stop(Exception):
    pass


class NoisyOffApexNet(OffApexNet):
    """OFF-ApexNet with a training-batch augmentation, so all three random streams are used."""

    def augment(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return batch + torch.randn(batch.shape, generator=generator)


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (70, 3, 28, 28)).astype(np.uint8)
    return x, rng.integers(0, 3, 70), x[:9]


@pytest.mark.parametrize(("fused", "order"), [(False, "shuffle"), (True, "shuffle"),
                                              (False, "listed")],
                         ids=["default-step", "fused-step", "listed-order"])
def test_a_fold_continued_from_its_state_ends_as_an_uninterrupted_one(tmp_path: Path,
                                                                      fused: bool,
                                                                      order: str) -> None:
    """Weights, Adam's moments and the random streams (batch order, augmentation, dropout)
    all carry on: OFF-ApexNet, which has dropout, with an added augmentation, ends with the
    same weights and predictions to the bit."""
    x, y, x_test = _data()
    recipe = TrainRecipe(epochs=12, batch_size=16, lr=1e-3, optimizer="adam", data_order=order)
    built: list[OffApexNet] = []

    def build() -> OffApexNet:
        built.append(NoisyOffApexNet(hidden=64))
        return built[-1]

    def fold(**kwargs) -> np.ndarray:
        return train_fold(build, recipe, x, y, x_test, device="cpu", seed=3,
                          fused_optimizer=fused, **kwargs)

    whole = fold()
    whole_weights = built[-1].state_dict()

    def stop_at_7(epoch: int) -> None:
        if epoch == 7:
            raise Stop

    state = tmp_path / "fold-000.pt"
    with pytest.raises(Stop):
        fold(checkpoint=FoldCheckpoint(state, 0.0, {"fold": 0}, "s1"), on_epoch=stop_at_7)
    assert torch.load(state, weights_only=True)["epochs_done"] == 6
    seen: list[int] = []
    again = FoldCheckpoint(state, 0.0, {"fold": 0}, "s1")
    resumed = fold(checkpoint=again, on_epoch=seen.append)
    assert seen[0] == 6 and seen[1:] == list(range(7, 13))  # epochs 1-6 are not trained again
    assert again.seconds_before > 0
    np.testing.assert_array_equal(resumed, whole)
    for name, value in whole_weights.items():
        assert torch.equal(built[-1].state_dict()[name], value), name
    # (in the listed order this random data teaches one class; the weights above still
    # carry every epoch's steps, so their equality is the check)
    assert len(set(map(tuple, whole))) > 1 or order == "listed", \
        "the predictions must change for this to mean much"


def test_folds_trained_together_go_on_together(tmp_path: Path) -> None:
    """The fold-parallel engine saves the stacked weights, the one optimiser, every fold's
    batch order and the dropout generator: continued, each fold ends as uninterrupted."""
    x, y, x_test = _data()
    group = [FoldTask(x[:40], y[:40], x_test, 10), FoldTask(x[30:], y[30:], x_test[:4], 11)]
    recipe = TrainRecipe(epochs=10, batch_size=16, lr=1e-3, optimizer="adam")

    def build() -> OffApexNet:
        return OffApexNet(hidden=64)

    def state(name: str) -> FoldCheckpoint:
        return FoldCheckpoint(tmp_path / name, 0.0, {"tests": [[0], [1]]}, "g")

    whole = train_folds(build, recipe, group, device="cpu", checkpoint=state("whole.pt"))

    def stop_at_5(position: int, epoch: int) -> None:
        if (position, epoch) == (1, 5):
            raise Stop

    with pytest.raises(Stop):
        train_folds(build, recipe, group, device="cpu", on_epoch=stop_at_5,
                    checkpoint=state("resumed.pt"))
    assert torch.load(tmp_path / "resumed.pt", weights_only=True)["epochs_done"] == 4
    resumed = train_folds(build, recipe, group, device="cpu", checkpoint=state("resumed.pt"))
    for alone, again in zip(whole, resumed, strict=True):
        np.testing.assert_array_equal(again, alone)
    # the last states saved (after epoch 9 of 10) hold the same weights, to the bit
    a, b = (torch.load(tmp_path / f"{name}.pt", weights_only=True)
            for name in ("whole", "resumed"))
    assert a["epochs_done"] == b["epochs_done"] == 9
    for name, value in a["params"].items():
        assert torch.equal(b["params"][name], value), name


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a state set aside would pass unseen
def test_an_interrupted_run_goes_on_inside_its_fold(tmp_path: Path, cli) -> None:
    common = {"epochs": 8}
    whole = _whole_and_stopped(tmp_path, 1, 6, **common)
    saved = tmp_path / "r" / "partial" / "fold-001.pt"
    assert saved.is_file() and (tmp_path / "r" / "folds" / "fold-000.npz").is_file()
    assert not (tmp_path / "r" / "folds" / "fold-001.npz").exists()
    status = " ".join(cli("status", tmp_path / "r")[1].split())
    assert "1/4 folds, stopped" in status
    assert "1 unfinished fold saved at epoch 5 of 8 (a resumed run goes on from there)" in status

    epochs = EpochsSeen()
    resumed = _run(tmp_path, "r", plugins=load_plugins(extra=[("epochs", epochs)]), **common)
    assert epochs.of(1) == [5, 6, 7, 8]  # went on from the saved epoch 5, not from epoch 1
    assert resumed.metrics == whole.metrics
    assert (tmp_path / "r" / "predictions.csv").read_text() == \
        (tmp_path / "whole" / "predictions.csv").read_text()
    assert not (tmp_path / "r" / "partial").exists()  # states go once their folds finish
    assert "saved at" not in cli("status", tmp_path / "r")[1]
    # the fold's recorded time counts the training before the interruption too
    with np.load(tmp_path / "r" / "folds" / "fold-001.npz") as fold:
        assert json.loads(str(fold["meta"]))["seconds"] > 0


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_state_that_cannot_be_written_partway_stops_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """torch's writer raises RuntimeError when the disk fills in the middle of a file."""
    def full_disk(payload, handle) -> None:
        handle.write(b"PK")
        raise RuntimeError("[enforce fail at inline_container.cc:664] . unexpected pos 64")

    monkeypatch.setattr(fold_checkpoint.torch, "save", full_disk)
    with pytest.warns(RuntimeWarning, match=r"cannot be saved in .*\(\[enforce fail"):
        warnings.simplefilter("default")
        result = _run(tmp_path, "r", checkpoint_every=EVERY_EPOCH, epochs=3)
    assert result.results.protocol.n_folds == 4
    assert not (tmp_path / "r" / "partial").exists()  # no temporary file is left


@pytest.mark.parametrize("spoil", ["damaged", "other-fold", "other-model"])
def test_a_state_that_cannot_be_continued_is_set_aside(tmp_path: Path, spoil: str) -> None:
    common = {"epochs": 4}
    whole = _whole_and_stopped(tmp_path, 0, 3, **common)
    saved = tmp_path / "r" / "partial" / "fold-000.pt"
    state = torch.load(saved, weights_only=True)
    if spoil == "damaged":
        saved.write_bytes(saved.read_bytes()[:100])
        why = "it is damaged"
    elif spoil == "other-fold":
        state["belongs_to"]["seeds"] = [12345]
        torch.save(state, saved)
        why = "it belongs to another run, fold or recipe"
    else:
        state["model"] = {"other.weight": torch.zeros(2)}
        torch.save(state, saved)
        why = "it does not fit this model"
    stopped = StopAfter(1)  # look into partial/ while the rest of the run is still to come
    with pytest.warns(RuntimeWarning, match=f"training of fold syn1/s01 starts over: .*{why}"
                                            r".*\); it is kept as fold-000.pt.aside"), \
            pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", plugins=load_plugins(extra=[("stop", stopped)]), **common)
    assert [p.name for p in (tmp_path / "r" / "partial").iterdir()] == ["fold-000.pt.aside"]
    resumed = _run(tmp_path, "r", **common)
    assert resumed.metrics == whole.metrics  # trained again from its first epoch
    assert not (tmp_path / "r" / "partial").exists()  # kept until the run completed


def test_a_state_saved_on_another_device_is_refused_with_how_to_go_on(tmp_path: Path,
                                                                       cli) -> None:
    _whole_and_stopped(tmp_path, 0, 3, epochs=4)
    saved = tmp_path / "r" / "partial" / "fold-000.pt"
    state = torch.load(saved, weights_only=True)
    state["belongs_to"]["device"] = "cuda"
    torch.save(state, saved)
    code, _, err = cli("run", "--resume", tmp_path / "r", "--quiet")
    assert code == 2
    assert err.strip() == (
        f"merbench: error: fold syn1/s01 has a training state saved on cuda ({saved}); "
        "continue the run with --device cuda, or delete that file to train from the first "
        "epoch on cpu")
    assert saved.is_file()  # nothing is lost


def test_another_run_is_refused_where_a_state_is_saved(tmp_path: Path, cli) -> None:
    """A directory holding only an unfinished fold's state is a run's: another run is
    refused, never handed that state (it would train at the first run's learning rate)."""
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", checkpoint_every=EVERY_EPOCH, plugins=stopping_at_epoch(0, 3),
             epochs=4)
    assert not (tmp_path / "r" / "folds").exists()
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "4",
                       "--lr", "0.123", "--device", "cpu", "--dataset-opt", "subjects=4",
                       "--dataset-opt", "samples_per_subject=6", "--out", tmp_path / "r")
    assert code == 2 and "holds a different run" in err, err
    assert (tmp_path / "r" / "partial" / "fold-000.pt").is_file()


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_the_resumed_commands_summary_says_the_fold_went_on(tmp_path: Path, cli) -> None:
    """The demo stopped before any fold finished, and the resumed command printed only
    "device cpu, 104.3 s" (issue 85): its summary now says which fold went on from the
    state the earlier command saved, and from which epoch; a fold that starts afresh, or
    a run that saved nothing, says nothing of the kind."""
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", epochs=8, checkpoint_every=EVERY_EPOCH,
             plugins=stopping_at_epoch(1, 6))
    code, out, err = cli("run", "--resume", tmp_path / "r", "--quiet")
    assert code == 0, err
    notes = [line for line in out.splitlines() if line.startswith("note: ")]
    assert notes == ["note: fold syn1/s02 went on from the training state an earlier command "
                     "saved after epoch 5 of 8"], out
    assert out.index("device cpu, ") < out.index(notes[0]) < out.index("results: ")
    code, out, _ = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "2",
                       "--dataset-opt", "subjects=4", "--dataset-opt", "samples_per_subject=6",
                       "--out", tmp_path / "fresh", "--quiet")
    assert code == 0 and "went on from" not in out


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_seeds_summary_says_which_seeds_fold_went_on(tmp_path: Path, cli) -> None:
    """--seeds prints its summary, not each seed's: the seed whose fold went on from an
    earlier command's state is named under it."""
    with pytest.raises(KeyboardInterrupt):
        merbench.run_seeds("ststnet", "synthetic", [0, 1], out=tmp_path / "s", epochs=8,
                           checkpoint_every=EVERY_EPOCH, dataset_options=SMALL, device="cpu",
                           plugins=stopping_at_epoch(1, 6))
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs",
                         "8", "--dataset-opt", "subjects=4", "--dataset-opt",
                         "samples_per_subject=6", "--seeds", "0,1", "--out", tmp_path / "s",
                         "--quiet")
    assert code == 0, err
    assert [line for line in out.splitlines() if "went on" in line] == [
        "note: seed-0: fold syn1/s02 went on from the training state an earlier command "
        "saved after epoch 5 of 8"], out


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_fold_parallel_run_goes_on_inside_its_group(tmp_path: Path, cli) -> None:
    common = {"model": "htnet", "epochs": 4, "parallel_folds": 2,
              "model_options": {"dim": 12, "heads": 3, "block_repeats": [1, 1, 1]}}
    whole = _whole_and_stopped(tmp_path, 1, 3, **common)
    assert [p.name for p in (tmp_path / "r" / "partial").iterdir()] == ["folds-000-001.pt"]
    assert "2 unfinished folds saved at epoch 2 of 4" in " ".join(
        cli("status", tmp_path / "r")[1].split())
    epochs = EpochsSeen()
    resumed = _run(tmp_path, "r", plugins=load_plugins(extra=[("epochs", epochs)]), **common)
    assert epochs.of(0) == epochs.of(1) == [2, 3, 4]  # on from the saved epoch 2
    assert resumed.results.engine.mode == "fold-parallel"
    assert resumed.metrics == whole.metrics
    assert not (tmp_path / "r" / "partial").exists()


def test_a_state_grouped_otherwise_is_not_continued_and_says_so(tmp_path: Path) -> None:
    """Folds saved while trained together, resumed one at a time: they start over, with a
    warning naming the file, and it stays until the run completes."""
    common = {"model": "htnet", "epochs": 4,
              "model_options": {"dim": 12, "heads": 3, "block_repeats": [1, 1, 1]}}
    whole = _whole_and_stopped(tmp_path, 1, 3, parallel_folds=2, **common)
    saved = tmp_path / "r" / "partial" / "folds-000-001.pt"
    assert saved.is_file()
    epochs = EpochsSeen()
    stopped = StopAfter(1)
    with pytest.warns(RuntimeWarning, match=r"folds-000-001\.pt \(of syn1/s01, syn1/s02, "
                                            r"trained together\) is not continued"), \
            pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", parallel_folds=1,
             plugins=load_plugins(extra=[("epochs", epochs), ("stop", stopped)]), **common)
    assert epochs.of(0) == [1, 2, 3, 4]  # from the first epoch
    assert saved.is_file()  # kept while folds are still to train
    with pytest.warns(RuntimeWarning, match="is not continued"):
        resumed = _run(tmp_path, "r", parallel_folds=1, **common)
    assert resumed.results.protocol.n_folds == whole.results.protocol.n_folds
    assert not (tmp_path / "r" / "partial").exists()


@pytest.mark.slow
def test_ctrl_c_says_the_fold_in_progress_is_saved(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, err = ctrl_c_once(out, ["--dataset-opt", "subjects=4", "--epochs", "2000",
                                  "--checkpoint-every", "0.0001"], "partial/fold-000.pt")
    assert code == 130
    assert err == [
        f"merbench: interrupted — no fold had finished yet in {out}; the fold in progress is "
        "kept as of its last saved state; run the same command again to resume"]


@pytest.mark.slow
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_as_ctrl_c_does(tmp_path: Path, sent: int) -> None:
    """What SLURM, Kubernetes and ``timeout`` send (and a closed terminal): the fold in
    progress is kept as of its last saved state, the same line says how to resume, and the
    exit status is the shell's for that signal (128 + its number)."""
    out = tmp_path / "r"
    code, err = ctrl_c_once(out, ["--dataset-opt", "subjects=4", "--epochs", "2000",
                                  "--checkpoint-every", "0.0001"], "partial/fold-000.pt", sent)
    assert code == 128 + sent
    assert err == [
        f"merbench: interrupted — no fold had finished yet in {out}; the fold in progress is "
        "kept as of its last saved state; run the same command again to resume"]
    assert (out / "partial" / "fold-000.pt").is_file()


def test_no_state_is_saved_with_zero_minutes(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", checkpoint_every=0, plugins=stopping_at_epoch(0, 3), epochs=4)
    assert not (tmp_path / "r" / "partial").exists()


def test_a_state_that_cannot_be_written_stops_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", checkpoint_every=0, plugins=stopping_at_epoch(1, 1), epochs=3)
    (tmp_path / "r" / "partial").write_text("a file where the folder would go")
    with pytest.warns(RuntimeWarning, match="training states cannot be saved in .*training "
                                            "goes on") as caught:
        result = _run(tmp_path, "r", checkpoint_every=EVERY_EPOCH, epochs=3)
    assert result.results.protocol.n_folds == 4
    assert len({str(w.message) for w in caught}) == 1  # one line, however many folds


def test_saving_takes_at_most_a_small_share_of_the_time(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A save that took 2 s delays the next one to 200 s later, though every_s asks for 60."""
    clock = [1000.0]
    monkeypatch.setattr(fold_checkpoint.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(fold_checkpoint, "SAVE_SHARE", 0.01)

    def slow_write(path: Path, write) -> None:
        clock[0] += 2.0

    monkeypatch.setattr(fold_checkpoint, "atomic_write", slow_write)
    checkpoint = FoldCheckpoint(tmp_path / "fold-000.pt", 60.0, {}, "fold 0")
    clock[0] += 60.0
    assert checkpoint.due()
    checkpoint.save({"epochs_done": 1})
    clock[0] += 199.0
    assert not checkpoint.due()
    clock[0] += 1.0
    assert checkpoint.due()


def test_checkpoint_every_is_checked(cli, tmp_path: Path) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                       "--checkpoint-every", "-1", "--out", tmp_path / "r")
    assert code == 2
    assert err.strip() == ("merbench: error: --checkpoint-every must be a number of minutes "
                           ">= 0 (got -1); 0 saves no unfinished fold")


def test_status_counts_the_saved_epochs_in_its_estimate(tmp_path: Path) -> None:
    from merbench.runner.status import RunStatus

    status = RunStatus(path=tmp_path, model="m", dataset="d", protocol="loso", seed=0,
                       n_folds=4, finished=1, fold_seconds=(100.0,), damaged=0,
                       saved=((1, 5), (2, 2)), epochs=10, complete=False, running=False)
    # 3 folds to go, less half of one and a fifth of two others: 2.1 folds of 100 s
    assert status.seconds_left() == pytest.approx(210.0)


def test_status_counts_each_unfinished_fold_once(tmp_path: Path) -> None:
    """States of finished folds, and a fold's second state from another grouping, are not
    counted; the furthest state of a fold is."""
    from merbench.results.rundir import RunDirectory
    from merbench.runner.status import _saved_states

    run_dir = RunDirectory(tmp_path)
    run_dir.partial_dir.mkdir()
    for name, epochs in (("fold-000.pt", 7), ("folds-001-002.pt", 3), ("fold-001.pt", 5),
                         ("fold-003.pt.aside", 9)):
        torch.save({"epochs_done": epochs}, run_dir.partial_dir / name)
    assert _saved_states(run_dir, finished={0}) == ((1, 5),)
    assert _saved_states(run_dir, finished={0, 1}) == ()
    assert _saved_states(RunDirectory(tmp_path / "none"), finished=set()) == ()


@pytest.mark.parametrize("indices", [list(range(68)), [0, 1], [3, 4, 5, 9, 11, 12, 13, 40],
                                     list(range(0, 68, 2))])
def test_a_state_of_many_folds_has_a_name_a_file_system_takes(tmp_path: Path,
                                                               indices: list[int]) -> None:
    """68 folds trained at once (OFF-ApexNet on a GPU) once gave a name of 276 bytes, and
    the state was not saved; consecutive folds are written as spans."""
    directory = RunDirectory(tmp_path)
    path = directory.partial_path(indices)
    assert len(path.name) <= 255
    path.parent.mkdir()
    path.write_bytes(b"")
    assert directory.partial_states() == [(path, set(indices))]
