"""End-to-end runs on small synthetic data: results files, resume, isolation, determinism."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from interrupt import ctrl_c_once, stopping_after
from sklearn.linear_model import LogisticRegression

import merbench
from merbench.meta import ModelMeta
from merbench.plugin_system.manager import load_plugins
from merbench.results import SCHEMA_VERSION
from merbench.results.codec import to_json
from merbench.scores.metrics import pooled_scores

SMALL = {"subjects": 4, "samples_per_subject": 6}


def _run(tmp_path: Path, name: str, **options):
    options.setdefault("dataset_options", SMALL)
    options.setdefault("epochs", 3)
    options.setdefault("device", "cpu")
    return merbench.run(model=options.pop("model", "ststnet"), dataset="synthetic",
                        out=tmp_path / name, **options)


def test_results_file_and_predictions(tmp_path: Path) -> None:
    result = _run(tmp_path, "r")
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results == json.loads(json.dumps(to_json(result.results)))
    assert results["schema_version"] == SCHEMA_VERSION
    assert results["model"]["name"] == "ststnet" and results["model"]["version"] == 1
    assert results["dataset"]["name"] == "synthetic"
    assert results["dataset"]["n_samples"] == 24 and results["dataset"]["n_subjects"] == 4
    assert results["protocol"] == results["protocol"] | {"name": "loso", "n_folds": 4}
    assert results["selection"] == {"policy": "fixed", "test_set_selection": False,
                                    "inner_val_subjects": None,
                                    "available": ["fixed", "oracle"]}
    assert results["metrics_by_policy"]["fixed"]["metrics"] == results["metrics"]
    assert results["metrics_by_policy"]["oracle"]["test_set_selection"] is True
    assert results["seed"] == 0
    assert results["hyperparameters"] == {"epochs": 3, "batch_size": 256, "lr": 5e-5,
                                          "optimizer": "adam", "weight_decay": 0.0,
                                          "schedule": "constant", "warmup_epochs": 0,
                                          "gamma": 1.0, "decay_epochs": None, "min_lr": 0.0,
                                          "data_order": "shuffle"}
    env = results["environment"]
    assert env["merbench"] == merbench.__version__ and env["device"] == "cpu"
    assert env["python"] and env["torch"]
    assert results["wall_time_s"] > 0
    overall = results["metrics"]["overall"]
    assert {"uf1", "uar", "accuracy"} <= set(overall)
    assert set(results["metrics"]["per_database"]) == {"syn1", "syn2", "syn3"}

    predictions = pd.read_csv(tmp_path / "r" / "predictions.csv", dtype={"subject": str})
    assert list(predictions.columns[:6]) == ["sample_id", "database", "subject", "fold",
                                             "y_true", "y_pred"]
    assert len(predictions) == 24 and predictions["sample_id"].is_unique
    assert (predictions["epoch"] == 3).all()  # fixed selection = last epoch
    # the stored metrics are exactly what the per-sample predictions give
    again = pooled_scores(predictions["y_true"], predictions["y_pred"],
                          predictions["database"], results["dataset"]["classes"])
    assert again == json.loads(json.dumps(results["metrics"]))
    # the per-epoch test predictions of every fold are kept for later selection policies
    with np.load(tmp_path / "r" / "folds" / "fold-000.npz") as fold:
        assert fold["epoch_predictions"].shape == (3, len(fold["y_true"]))


def test_resume_skips_finished_folds_and_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    reference = _run(tmp_path, "whole", epochs=4)
    interrupted = stopping_after(2)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "resumed", epochs=4, plugins=interrupted)
    folds = tmp_path / "resumed" / "folds"
    assert sorted(p.name for p in folds.iterdir()) == ["fold-000.npz", "fold-001.npz"]
    assert not (tmp_path / "resumed" / "results.json").exists()
    stamps = {p.name: p.stat().st_mtime_ns for p in folds.iterdir()}

    resumed = _run(tmp_path, "resumed", epochs=4)
    assert resumed.results.folds_resumed == 2
    assert [f.resumed for f in resumed.results.folds] == [True, True, False, False]
    assert {p: (folds / p).stat().st_mtime_ns for p in stamps} == stamps  # not retrained
    assert resumed.metrics == reference.metrics
    pd.testing.assert_frame_equal(resumed.predictions, reference.predictions)


@pytest.mark.slow
def test_killed_process_resumes_with_identical_metrics(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "merbench", "run", "--model", "ststnet", "--dataset",
               "synthetic", "--epochs", "60", "--device", "cpu", "--quiet",
               "--dataset-opt", "subjects=4", "--dataset-opt", "samples_per_subject=6"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(killed)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    first_fold = killed / "folds" / "fold-000.npz"
    deadline = time.monotonic() + 120
    while not first_fold.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = sorted(p.name for p in (killed / "folds").glob("fold-*.npz"))
    assert 1 <= len(done) < 4, "the run must be killed part-way for this test to mean anything"

    # the resumed run and the uninterrupted reference need no process of their own: the same
    # run in this one (only the killed run is a process, to be killed)
    for out in (killed, tmp_path / "whole"):
        merbench.run(model="ststnet", dataset="synthetic", epochs=60, device="cpu",
                     dataset_options={"subjects": 4, "samples_per_subject": 6}, out=out)
    resumed = json.loads((killed / "results.json").read_text())
    whole = json.loads((tmp_path / "whole" / "results.json").read_text())
    assert resumed["folds_resumed"] == len(done)
    assert resumed["metrics"] == whole["metrics"]
    assert (killed / "predictions.csv").read_text() == (
        (tmp_path / "whole" / "predictions.csv").read_text())


def test_same_seed_same_predictions_on_cpu(tmp_path: Path) -> None:
    a = _run(tmp_path, "a", seed=7)
    b = _run(tmp_path, "b", seed=7)
    for name in sorted(os.listdir(tmp_path / "a" / "folds")):
        with np.load(tmp_path / "a" / "folds" / name) as x, \
                np.load(tmp_path / "b" / "folds" / name) as y:
            np.testing.assert_array_equal(x["epoch_predictions"], y["epoch_predictions"])
    assert a.metrics == b.metrics


class _SpyEstimator:
    """Records what each fold trains on, to prove the test subject never reaches ``fit``."""

    fits: ClassVar[list[set[bytes]]] = []
    leaks: ClassVar[list[int]] = []

    def __init__(self, num_classes: int = 3) -> None:
        self.model = LogisticRegression(max_iter=200)
        self.train_rows: set[bytes] = set()

    def get_params(self, deep: bool = True) -> dict:
        return {}

    def fit(self, x: np.ndarray, y: np.ndarray) -> _SpyEstimator:
        self.train_rows = {row.tobytes() for row in x}
        type(self).fits.append(self.train_rows)
        self.model.fit(x / 255.0, y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        type(self).leaks.append(sum(row.tobytes() in self.train_rows for row in x))
        return self.model.predict(x / 255.0)


class _SpyPlugin:
    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        registry.add(ModelMeta(name="spy", version=1, kind="sklearn", description="spy",
                               citation="test", feature="flow-uvos"), _SpyEstimator)

    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        pass


def test_estimators_run_through_the_same_path_and_never_see_the_test_subject(
        tmp_path: Path) -> None:
    _SpyEstimator.fits.clear()
    _SpyEstimator.leaks.clear()
    plugins = load_plugins(extra=[("spy", _SpyPlugin())])
    result = merbench.run(model="spy", dataset="synthetic", out=tmp_path / "spy",
                          dataset_options=SMALL, plugins=plugins)
    assert len(_SpyEstimator.fits) == 4  # a fresh estimator fitted once per fold
    assert _SpyEstimator.leaks == [0, 0, 0, 0]
    assert all(len(rows) == 18 for rows in _SpyEstimator.fits)  # 24 samples - 6 of one subject
    assert result.results.model.kind == "sklearn"
    assert result.results.hyperparameters.recorded() == {}
    assert len(result.predictions) == 24 and (result.predictions["epoch"] == 1).all()


def test_torch_models_get_fresh_weights_every_fold(tmp_path: Path, monkeypatch) -> None:
    from merbench_cnn import ststnet

    built = []
    original = ststnet.build_ststnet

    def counting(**kwargs):
        model = original(**kwargs)
        if model.conv.weight.device.type != "meta":  # shapes only, to count parameters
            built.append(model.conv.weight.detach().clone())
        return model

    monkeypatch.setattr(ststnet, "build_ststnet", counting)
    _run(tmp_path, "fresh", epochs=2, plugins=load_plugins())  # resolves the patched factory
    assert len(built) == 4
    assert not bool((built[0] == built[1]).all())  # each fold starts from its own init


def test_default_out_dir_and_rerun_restores_everything(tmp_path: Path, monkeypatch,
                                                        cli) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "2",
            "--device", "cpu", "--dataset-opt", "subjects=3", "--dataset-opt",
            "samples_per_subject=4", "--quiet"]
    code, out, err = cli(*args)
    assert code == 0, err
    [run_dir] = (tmp_path / "runs").iterdir()
    assert run_dir.name.startswith("ststnet-synthetic-loso-seed0-")
    assert "UF1" in out and "overall" in out and str(run_dir.name) in out
    written = (run_dir / "results.json").read_bytes()
    code, out, err = cli(*args)
    assert code == 0
    assert (run_dir / "results.json").read_bytes() == written  # reported, not rewritten
    assert "finished before" in err and "UF1" in out
    (run_dir / "results.json").unlink()  # the folds are there: restored, not trained
    code, out, err = cli(*args)
    assert code == 0
    assert json.loads((run_dir / "results.json").read_text())["folds_resumed"] == 3
    assert "3 folds restored" in out
    code, _, err = cli("run", "--resume", str(run_dir), "--quiet")
    assert code == 0, err


class _MismatchPlugin:
    """A feature that breaks its declared shape, and one that needs what no dataset has."""

    @merbench.hookimpl
    def merbench_register_features(self, registry) -> None:
        from merbench.meta import FeatureMeta

        registry.add(FeatureMeta(name="wrong-shape", version=1, description="d", citation="c",
                                 needs=("flow_uvos",), shape=(3, 14, 14)),
                     lambda: lambda dataset: np.zeros((len(dataset.samples), 3, 28, 28)))
        registry.add(FeatureMeta(name="needs-video", version=1, description="d", citation="c",
                                 needs=("frames",)), lambda: lambda dataset: None)

    @merbench.hookimpl
    def merbench_register_models(self, registry) -> None:
        for feature in ("wrong-shape", "needs-video"):
            registry.add(ModelMeta(name=f"on-{feature}", version=1, kind="sklearn",
                                   description="d", citation="c", feature=feature),
                         LogisticRegression)


def test_feature_contract_is_checked(tmp_path: Path) -> None:
    plugins = load_plugins(extra=[("mismatch", _MismatchPlugin())])
    with pytest.raises(merbench.MerbenchError,
                       match=r"gave per-sample shape \(3, 28, 28\) on dataset 'synthetic', "
                             r"not the \(3, 14, 14\) it declares"):
        merbench.run(model="on-wrong-shape", dataset="synthetic", out=tmp_path / "a",
                     plugins=plugins)
    with pytest.raises(merbench.MerbenchError,
                       match="needs frames from the dataset, and dataset 'synthetic' provides "
                             "only flow_uvos, landmarks68"):
        merbench.run(model="on-needs-video", dataset="synthetic", out=tmp_path / "b",
                     plugins=plugins)
    assert not (tmp_path / "b").exists()  # refused before anything was written


def test_ctrl_c_says_where_the_folds_are(tmp_path: Path) -> None:
    # Ctrl-C comes as soon as the first fold is saved, seconds before the last of 10 would be
    out = tmp_path / "r"
    code, err = ctrl_c_once(out, ["--dataset-opt", "subjects=10", "--epochs", "40"],
                            "folds/fold-000.npz")
    assert code == 130 and len(err) == 1
    finished = len(list((out / "folds").glob("fold-*.npz")))
    # the fold in progress saves its state when its epoch ends (unless the signal came
    # between two folds)
    saved = ("; the fold in progress is kept as of its last saved state"
             if list(out.glob("partial/fold-*.pt")) else "")
    are = "is" if finished == 1 else "are"
    assert err == [f"merbench: interrupted — {finished} of 10 folds {are} finished and kept in "
                   f"{out}{saved}; run the same command again to resume"]


def test_ctrl_c_before_any_fold_finished_says_nothing_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, err = ctrl_c_once(out, ["--dataset-opt", "subjects=30", "--epochs", "400",
                                  "--checkpoint-every", "0"], "run.json")
    assert code == 130
    assert not list((out / "folds").glob("*.npz"))
    assert err in (
        [f"merbench: interrupted — no fold had finished yet in {out}, and no fold had saved "
         "its state; a new run starts from the beginning"],
        ["merbench: interrupted — it stopped before training began: nothing was trained "
         "yet"])


def test_an_option_set_to_its_default_is_the_run_without_it(tmp_path: Path) -> None:
    from merbench.results.schema import departures_from_declared

    plain = _run(tmp_path, "plain")
    (tmp_path / "plain" / "results.json").unlink()  # so the folds are restored, not reported
    explicit = _run(tmp_path, "plain", model_options={"padding": 2, "dropout": 0.5},
                    dataset_options=SMALL | {"databases": 3}, protocol_options={})
    # the same run: resumed in the same directory, not refused as a different one
    assert explicit.results.folds_resumed == 4
    assert explicit.results.model.options == {}
    assert explicit.results.dataset.options == SMALL
    assert departures_from_declared(explicit.results) == [("epochs", 3, 800)]
    assert json.loads((tmp_path / "plain" / "run.json").read_text())["config"][
        "model_options"] == {}
    assert explicit.metrics == plain.metrics
    # a value the factory does not take as its default is still an option of the run
    other = _run(tmp_path, "other", model_options={"dropout": 0.25})
    assert other.results.model.options == {"dropout": 0.25}


def test_an_option_at_its_default_is_the_same_run_as_leaving_it_out(tmp_path: Path) -> None:
    """A run started with an option set to its default continues without it, and the
    identity holds no default; another value is another run."""
    interrupted = stopping_after(2)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "old", plugins=interrupted, model_options={"padding": 2})
    recorded = json.loads((tmp_path / "old" / "run.json").read_text())
    assert recorded["identity"]["model"]["options"] == {}
    resumed = _run(tmp_path, "old")
    assert resumed.results.folds_resumed == 2
    with pytest.raises(merbench.MerbenchError, match="holds a different run"):
        _run(tmp_path, "old", model_options={"padding": 1})


def test_one_process_at_a_time_in_a_run_directory(tmp_path: Path, cli) -> None:
    command = ["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "60",
               "--device", "cpu", "--quiet", "--dataset-opt", "subjects=4",
               "--dataset-opt", "samples_per_subject=6", "--out", str(tmp_path / "r")]
    first = subprocess.Popen([sys.executable, "-m", "merbench", *command],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "r" / "run.json").exists() and first.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.poll() is None, "the first run must still be going for this test"
        code, _, err = cli(*command)
        assert code == 2
        assert err.strip() == (f"merbench: error: another merbench process is running in "
                               f"{tmp_path / 'r'}; wait for it to finish (it keeps every "
                               "fold it trains), or choose another --out")
    finally:
        first.kill()
        first.wait()
    # a killed process leaves no lock behind: the same command resumes its folds
    code, _, err = cli(*command)
    assert code == 0, err


def test_status_says_how_far_a_run_has_got(tmp_path: Path, cli) -> None:
    from merbench.results.rundir import RunDirectory

    interrupted = stopping_after(2)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "r", plugins=interrupted)
    code, out, err = cli("status", tmp_path / "r")
    assert code == 0, err
    line = " ".join(out.split())
    assert line.startswith(f"{tmp_path / 'r'}: ststnet on synthetic/loso, seed 0: 2/4 folds, "
                           "stopped; ")
    # two tiny folds left: seconds, said as such (it once read "about 0 min to go")
    assert " s per fold (median); under a minute to go at that pace; run the same command" \
        in line
    with RunDirectory(tmp_path / "r").held():
        assert "2/4 folds, running now" in cli("status", tmp_path / "r")[1]
    # a run directory that did not record its number of folds (version 1, migrated)
    run_file = tmp_path / "r" / "run.json"
    recorded = json.loads(run_file.read_text())
    # nor anything a later version brought (a run.json saying version 1 while holding one
    # had its version edited, and is refused as such)
    del recorded["n_folds"], recorded["schema_version"], recorded["feature_values"]
    run_file.write_text(json.dumps(recorded))
    assert "seed 0: 2 folds finished, stopped" in cli("status", tmp_path / "r")[1]
    _run(tmp_path, "r")
    assert cli("status", tmp_path / "r")[1].strip().endswith(
        "seed 0: complete, 4/4 folds (results.json)")

    for seed in (0, 1):
        _run(tmp_path, f"seeds/seed-{seed}", seed=seed, epochs=1)
    out = cli("status", tmp_path / "seeds")[1]
    assert [line.split(": ")[0] for line in out.splitlines()] == [  # seed runs, no summary
        str(tmp_path / "seeds"), str(tmp_path / "seeds" / "seed-0"),
        str(tmp_path / "seeds" / "seed-1")]
    assert "holds 2 seed runs (seed-0, seed-1) and no seeds.json" in out.splitlines()[0]
    assert len(cli("status", tmp_path)[1].splitlines()) == 3  # every run below a folder
    (tmp_path / "seeds").rename(tmp_path / "runs")
    with pytest.MonkeyPatch.context() as patch:  # no folder: runs/, where runs go by default
        patch.chdir(tmp_path)
        assert [line.split(": ")[0] for line in cli("status")[1].splitlines()] == [
            "runs", str(Path("runs") / "seed-0"), str(Path("runs") / "seed-1")]
    (tmp_path / "runs").rename(tmp_path / "seeds")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{not json")
    code, out, err = cli("status", tmp_path)
    assert code == 2 and len(out.splitlines()) == 3  # the others are still shown
    assert f"{tmp_path / 'broken' / 'run.json'} is unreadable" in err
    (tmp_path / "empty").mkdir()
    code, _, err = cli("status", tmp_path / "empty")
    assert code == 2 and f"{tmp_path / 'empty'} holds no merbench run" in err


def test_default_seeds_folder_is_named_after_what_runs() -> None:
    """Repeating a --seeds command finds its folder: the name hashes the options that say
    what runs (the RunSpec's fields, less the seed), so where and how fast it runs (the
    RunSettings, which it is not given) does not rename it, and another configuration gets
    another folder."""
    import dataclasses

    from merbench.runner.identity import default_seeds_dir, json_hash
    from merbench.runner.spec import RunSpec

    spec = RunSpec(model="ststnet", dataset="composite")
    what = {f.name: getattr(spec, f.name) for f in dataclasses.fields(RunSpec)
            if f.name != "seed"}
    assert default_seeds_dir(spec, [0, 1, 2]).name == \
        f"ststnet-composite-loso-seeds0-1-2-{json_hash(what)[:8]}"
    assert default_seeds_dir(RunSpec(model="ststnet", dataset="composite",
                                     fused_optimizer=True), [0, 1, 2]) != \
        default_seeds_dir(spec, [0, 1, 2])
    assert default_seeds_dir(RunSpec(model="ststnet", dataset="composite", seed=5),
                             [0, 1, 2]) == default_seeds_dir(spec, [0, 1, 2])


def test_a_run_waits_a_moment_for_a_directory_lock(tmp_path: Path) -> None:
    """'merbench status' probes the lock for an instant; a run starting then still starts."""
    import threading

    from merbench.results.rundir import RunDirectory

    (tmp_path / "r").mkdir()
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with RunDirectory(tmp_path / "r").held():
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    threading.Timer(0.3, release.set).start()
    try:
        _run(tmp_path, "r", epochs=1)
    finally:
        release.set()
        holder.join()


@pytest.mark.parametrize("where", ["planning", "reading the data"])
def test_a_stop_before_training_began_says_so_wherever_it_comes(
        where: str, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A walker's Ctrl-C in the second before training got one of three answers: the
    documented one, 'no fold had saved its state' (run.json was written while the data was
    read), or the generic 'did not finish' (the stop came before the try)."""
    from merbench.cli import run_command

    out, begun = tmp_path / "r", tmp_path / "begun"
    if where == "reading the data":  # a run.json as a run writes it before reading the data
        assert cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                   "--dataset-opt", "subjects=3", "--quiet", "--out", begun)[0] == 0

    def stopped(*args: object, **kwargs: object) -> None:
        if where == "reading the data":  # the run's folder begun, no fold started
            out.mkdir(parents=True)
            (out / "run.json").write_bytes((begun / "run.json").read_bytes())
        raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "plan_run" if where == "planning" else "run", stopped)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--out", out)
    assert code == 130
    assert err.splitlines()[-1] == ("merbench: interrupted — it stopped before training "
                                    "began: nothing was trained yet")
