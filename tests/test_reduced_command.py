"""The reduced command a GPU-work estimate on a CPU offers: ready to paste, for the same
model and dataset, with the user's own options, labelled REDUCED, timed where measured."""

from __future__ import annotations

import dataclasses
import io
import shlex
from pathlib import Path

import pytest

import merbench
from merbench.cli import progress as progress_module
from merbench.cli.estimate import estimate_line, offer_time
from merbench.cli.parser import build_parser
from merbench.cli.progress import ProgressReporter
from merbench.cli.reduced_command import RunAsGiven
from merbench.cli.run_options import spec_from_args
from merbench.meta import ModelMeta, ReducedSetting, TrainRecipe
from merbench.plugin_system.manager import default_plugins, load_plugins
from merbench.plugin_system.runinfo import RunInfo
from merbench.results.schema import departures_from_declared
from merbench.testing import check_metadata

HTNET_REDUCED = default_plugins().registries.models.get("htnet").meta.reduced
PAPER = RunInfo(run_dir=Path("runs/x"), model="htnet", dataset="composite", protocol="loso",
                n_folds=68, folds_to_train=68, epochs=800, device="cpu")


def _given(*words: str, declared: ReducedSetting | None = HTNET_REDUCED) -> RunAsGiven:
    """The run that ``merbench run WORDS`` describes, as the command line reads it."""
    args = build_parser().parse_args(["run", *words])
    spec, settings = spec_from_args(args)
    seeds = [int(s) for s in args.seeds.split(",")] if hasattr(args, "seeds") else None
    return RunAsGiven(spec, settings, seeds, declared)


def _read_back(command: str) -> RunAsGiven:
    words = shlex.split(command)
    assert words[:2] == ["merbench", "run"]
    return _given(*words[2:])


def test_the_headline_command_on_a_cpu_is_offered_htnets_documented_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``merbench run --model htnet --dataset composite --data-root PATH`` on a 2-core CPU:
    10 s a fold-epoch, six days; what is printed names the setting of the committed
    htnet-reduced-cpu runs, on the composite, with the user's data root."""
    clock = [100.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: clock[0])
    reporter = ProgressReporter(plain=True)  # into a log: every line whole
    printed = io.StringIO()
    reporter._lines.file = printed
    reporter.given = _given("--model", "htnet", "--dataset", "composite", "--data-root",
                            "/data/mer bench/composite")
    reporter.merbench_run_start(run=PAPER)
    for epoch in range(1, 6):
        clock[0] = 110.0 + 10.0 * epoch
        reporter.merbench_epoch_finished(run=PAPER, fold_index=0, epoch=epoch)
    reporter.stop()
    estimate, offer, command = [line for line in printed.getvalue().splitlines()
                                if not line.startswith(("training", "htnet on"))][:3]
    assert estimate.startswith("estimate: about 6 d 7 h for 68 folds x 800 epochs on cpu")
    assert "this is GPU work" in estimate and "try the REDUCED setting below first" in estimate
    assert estimate.endswith("Ctrl-C keeps every finished fold and the one in progress as of "
                             "its last saved state (saved when its current epoch ends, where "
                             "that comes within seconds)")
    assert offer.startswith("try first: htnet's documented REDUCED setting, the small "
                            "configuration of the authors' parity vectors")
    assert "not measured on this machine (2800 s of training for the composite's 68 folds" \
        in offer
    assert offer.endswith("not comparable with published numbers, and never ranked as htnet:")
    assert command == ("  merbench run --model htnet --dataset composite --epochs 200 --lr "
                       "0.0002 --model-opt dim=24 --model-opt 'block_repeats=[1,1,2]' "
                       "--data-root '/data/mer bench/composite'")
    again = _read_back(command)
    assert again.spec.model_options == {"dim": 24, "block_repeats": [1, 1, 2]}
    assert (again.spec.epochs, again.spec.lr) == (200, 2e-4)
    assert again.settings.data_root == "/data/mer bench/composite"


def test_every_option_given_is_carried_over_and_reads_back() -> None:
    given = _given("--model", "htnet", "--dataset", "composite", "--data-root", "/d",
                   "--feature-opt", "crop=corrected", "--model-opt", "dim=48",
                   "--model-opt", 'note="true"', "--seeds", "3,4", "--device", "cpu",
                   "--threads", "2", "--checkpoint-every", "1", "--out", "runs/h",
                   "--selection", "oracle", "--shuffle-train-labels", "--batch-size", "64")
    offer = given.offer(per_fold_epoch=10.0, start_up=20.0, n_folds=68, epochs=800)
    assert offer is not None
    again = _read_back(offer.command)
    reduced = HTNET_REDUCED
    assert reduced is not None
    expected = dataclasses.replace(
        given.spec, epochs=reduced.epochs, lr=reduced.lr,
        model_options={"dim": 24, "note": "true", "block_repeats": [1, 1, 2]})
    assert again.spec == expected  # the reduced setting's dim wins over the user's
    assert again.seeds == [3, 4]
    assert again.settings == dataclasses.replace(given.settings, out=Path("runs/h-reduced"))


def test_a_model_without_a_declared_setting_is_offered_fewer_epochs_timed_here() -> None:
    given = _given("--model", "ststnet", "--dataset", "composite", "--data-root", "/d",
                   declared=None)
    # 20 s of start-up, then 2 s a fold-epoch: (900 - 20) / 136 = 6.5 epochs in 15 minutes
    offer = given.offer(per_fold_epoch=2.0, start_up=20.0, n_folds=68, epochs=800)
    assert offer is not None
    assert offer.what == ("the same run with --epochs 5 instead of 800, a REDUCED setting "
                          "(fewer epochs only, to see it run)")
    assert offer_time(offer) == "about 12 min here, at the pace measured"  # 20 + 2x68x5 s
    assert offer.command == ("merbench run --model ststnet --dataset composite --epochs 5 "
                             "--data-root /d")
    # three seeds share the quarter of an hour
    seeds = dataclasses.replace(given, seeds=[0, 1, 2])
    offer = seeds.offer(per_fold_epoch=2.0, start_up=20.0, n_folds=68, epochs=800)
    assert offer is not None and "--epochs 2 " in offer.command and "--seeds 0,1,2" in \
        offer.command
    assert offer_time(offer) == "about 15 min for 3 seeds here, at the pace measured"
    # when one epoch of every fold is already longer, there is no try to offer
    assert given.offer(per_fold_epoch=20.0, start_up=20.0, n_folds=68, epochs=800) is None
    line = estimate_line(PAPER, 20.0, 20.0, offer=None)
    assert "or try a reduced setting (fewer --epochs, a smaller --model-opt) first" in line


def test_a_run_in_its_reduced_setting_is_offered_fewer_epochs_of_it() -> None:
    given = _given("--model", "htnet", "--dataset", "composite", "--model-opt", "dim=24",
                   "--model-opt", "block_repeats=[1,1,2]", "--epochs", "200", "--lr", "2e-4")
    offer = given.offer(per_fold_epoch=1.0, start_up=0.0, n_folds=68, epochs=200)
    assert offer is not None and offer.what.startswith("the same run with --epochs 10 ")
    assert _read_back(offer.command).spec == dataclasses.replace(given.spec, epochs=10)


def test_the_offered_run_is_labelled_reduced(tmp_path: Path) -> None:
    """Run the offered command's setting: its results depart from the model as declared,
    which is what the printed results and the leaderboard call a REDUCED setting."""
    given = _given("--model", "ststnet", "--dataset", "synthetic", "--device", "cpu",
                   "--dataset-opt", "subjects=4", "--dataset-opt", "samples_per_subject=6",
                   declared=None)
    offer = given.offer(per_fold_epoch=5.0, start_up=0.0, n_folds=4, epochs=800)
    assert offer is not None
    again = _read_back(offer.command)
    result = merbench.run(again.spec.model, again.spec.dataset, out=tmp_path / "r",
                          epochs=again.spec.epochs,
                          dataset_options=again.spec.dataset_options, device="cpu")
    assert departures_from_declared(result.results) == [("epochs", again.spec.epochs, 800)]


def test_between_a_quarter_hour_and_two_hours_a_cpu_run_is_not_gpu_work() -> None:
    line = estimate_line(dataclasses.replace(PAPER, epochs=10), 5.0)  # 57 min
    assert "GPU work" not in line and "a long run for this CPU" in line
    assert estimate_line(PAPER, 0.15).count("GPU work") == 1  # 2 h 16 min


def test_what_ctrl_c_keeps_is_said_as_the_run_is_set_up() -> None:
    assert _given("--model", "htnet", "--dataset", "composite").saves_states
    for words in (["--checkpoint-every", "0"], ["--executor", "ray"]):
        given = _given("--model", "htnet", "--dataset", "composite", *words)
        assert not given.saves_states
        assert estimate_line(PAPER, 10.0, saves_states=False).endswith(
            "Ctrl-C keeps every finished fold; the one in progress is lost (no state is "
            "saved with --checkpoint-every 0 or --executor ray)")


class HTNetReducedAs:
    """Registers HTNet's module again, as ``htnet-x``, with another reduced setting."""

    def __init__(self, reduced: ReducedSetting) -> None:
        self.reduced = reduced

    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        registry.add(ModelMeta(name="htnet-x", version=1, description="d", citation="c",
                               feature="htnet-regions", reduced=self.reduced,
                               recipe=TrainRecipe(epochs=800, batch_size=256, lr=5e-5)),
                     "merbench_htnet.htnet:HTNet")


def test_a_reduced_setting_is_checked_where_it_is_declared() -> None:
    check_metadata("model", "htnet")  # its options are HTNet's, and they reduce it
    with pytest.raises(ValueError, match="must change something"):
        ReducedSetting()
    with pytest.raises(ValueError, match="epochs to be None or a whole number >= 1"):
        ReducedSetting(epochs=0)
    with pytest.raises(ValueError, match="no epochs, lr or batch size to reduce"):
        ModelMeta(name="svm-x", version=1, description="d", citation="c", feature="f",
                  kind="sklearn", reduced=ReducedSetting(epochs=3))
    for reduced, why in ((ReducedSetting(model_options={"width": 3}), "sets width, not"),
                         (ReducedSetting(model_options={"dim": 256}, epochs=800),
                          "is the model's own setting")):
        plugins = load_plugins(extra=[("x", HTNetReducedAs(reduced))])
        with pytest.raises(AssertionError, match=why):
            check_metadata("model", "htnet-x", plugins)


def test_a_whole_number_of_minutes_is_offered_as_typed() -> None:
    """``--checkpoint-every 0`` came back as ``--checkpoint-every 0.0`` (walk 85k)."""
    given = _given("--model", "htnet", "--dataset", "composite", "--checkpoint-every", "0")
    offer = given.offer(per_fold_epoch=10.0, start_up=20.0, n_folds=68, epochs=800)
    assert offer is not None
    assert "--checkpoint-every 0 " in offer.command + " ", offer.command
