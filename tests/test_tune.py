"""``merbench tune``: the tuning file's checks, the subject-split protocol, the nested search
on ``synthetic`` (validated, resumed after a kill, the test subject never read) and the
refusals of a forged ``tune.json``."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from interrupt import stop_signals_as_default

import merbench
from merbench.api import DatasetMeta, InMemoryDataset
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import load_plugins
from merbench.protocols.loso import LeaveOneSubjectOut
from merbench.protocols.subject_split import SubjectSplit
from merbench.results.run_files import ResultRejected
from merbench.runner.spec import RunSettings, from_config
from merbench.tuning.archive import RUNS_ARCHIVE, unpack_runs
from merbench.tuning.check import validate_tune
from merbench.tuning.record import NESTED, TEST_SCORED, read_tune
from merbench.tuning.space import parse_tune

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tune-synthetic.toml"

# one epoch: the runs only have to exist and differ between learning rates
TINY = """
model = "ststnet"
dataset = "{dataset}"
inner_folds = 2
[options]
epochs = 1
[search]
sampler = "grid"
pruner = "median"
[space]
lr = {{choices = [0.001, 0.03]}}
"""


def _tune(tmp_path: Path, name: str, dataset: str = "synthetic", mode: str = NESTED,
          plugins: Any = None, timeout_s: float | None = None, **settings: Any):
    from merbench.tuning.run_tuning import tune

    spec = parse_tune(_toml(TINY.format(dataset=dataset)), "tiny.toml")
    return tune(spec, mode, RunSettings(threads=1, **settings), tmp_path / name,
                plugins or load_plugins(), timeout_s=timeout_s)


def _toml(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A nested search on synthetic: 6 outer folds x 2 learning rates x 2 inner folds."""
    folder = tmp_path_factory.mktemp("tune")
    _tune(folder, "nested")
    return folder / "nested"


# -- the tuning file --------------------------------------------------------------------------

BASE = {"model": "ststnet", "dataset": "synthetic", "space": {"lr": {"choices": [0.1]}}}


@pytest.mark.parametrize(("change", "message"), [
    ({"colour": 1}, "t.toml: colour: not a key of a tuning file; it has dataset"),
    ({"objective": "accuracy"}, "objective: must be one of \"uf1\", \"uar\""),
    ({"inner_folds": 1}, "inner_folds: must be a whole number from 2"),
    ({"options": {"protocol": "lodo"}}, "[options] protocol: not an option a trial takes"),
    ({"options": {"seed": 3}}, "the tuner decides it"),
    ({"options": {"device": "cpu"}}, "give it on the merbench tune command line"),
    ({"options": {"epochs": "ten"}},
     "[options] epochs: must be a whole number, not \"ten\" (a string)"),
    ({"space": {}}, "space: an empty table; search at least one option"),
    ({"space": {"colour": {"choices": [1]}}}, "[space] colour: not an option"),
    ({"space": {"lr": {"choices": [0.1, 0.1]}}}, "lists a value twice"),
    ({"space": {"lr": {"low": 0.0, "high": 1.0, "log": True}}}, "a log range needs low > 0"),
    ({"space": {"lr": {"low": 1.0, "high": 0.1}}}, "low < high"),
    ({"space": {"lr": {"choices": [0.1], "low": 0.1}}}, "choices and a range are given"),
    ({"space": {"lr": 0.1}}, "give a table"),
    ({"space": {"model_options.": {"choices": [1]}}}, "name the model option"),
    ({"options": {"epochs": 2}, "space": {"epochs": {"choices": [1, 2]}}},
     "also fixed in [options]"),
    ({"search": {"sampler": "grid", "trials": 2}}, "more than the grid's 1 configurations"),
    ({"search": {"sampler": "grid"}, "space": {"lr": {"low": 0.1, "high": 1.0}}},
     "a grid cannot list"),
    ({"search": {"sampler": "annealing"}},
     "[search] sampler: must be one of \"tpe\", \"grid\", \"random\""),
    ({"search": {"budget": 3}}, "[search] budget: not a key of [search]"),
    ({"search": {"sampler": "grid"},
      "space": {"model_options.padding": {"low": 0, "high": 10**9}}},
     "[search] sampler: \"grid\" lists 1,000,000,001 configurations of [space], more "
     "than 100,000"),
])
def test_tune_file_refusals(change: dict[str, Any], message: str) -> None:
    with pytest.raises(MerbenchError) as caught:
        parse_tune({**BASE, **change}, "t.toml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_tune_file_defaults_and_trial_spec() -> None:
    spec = parse_tune({**BASE, "space": {"lr": {"low": 1e-4, "high": 1e-2, "log": True},
                                         "model_options.dim": {"choices": [8, 16]}},
                       "options": {"epochs": 5}}, "t.toml")
    assert (spec.sampler, spec.trials, spec.pruner, spec.inner_folds) == ("tpe", 20, "median", 3)
    run = spec.trial_spec({"lr": 0.001, "model_options.dim": 16}, "loso", {})
    assert (run.lr, run.epochs, run.model_options, run.seed) == (0.001, 5, {"dim": 16}, 0)


# -- the subject-split protocol ---------------------------------------------------------------

def _samples() -> pd.DataFrame:
    return pd.DataFrame({"database": ["a", "a", "a", "b", "b"],
                         "subject": ["s1", "s1", "s2", "s1", "s3"], "label": [0, 1, 2, 0, 1]})


def test_subject_split_reads_only_listed_subjects() -> None:
    fold, = SubjectSplit(train=["a/s1", "b/s3"], test=["b/s1"]).folds(_samples())
    assert fold.train.tolist() == [0, 1, 4] and fold.test.tolist() == [3]
    # keyed as LOSO keys the subject: a retrained fold draws its LOSO fold's seed
    loso = {f.key: f for f in LeaveOneSubjectOut().folds(_samples())}
    assert fold.key in loso
    several, = SubjectSplit(train=["a/s1"], test=["a/s2", "b/s3"]).folds(_samples())
    assert several.key[0] == "subjects" and several.test.tolist() == [2, 4]


@pytest.mark.parametrize(("options", "message"), [
    ({"train": ["a/s1"], "test": ["a/s1"]}, "in both train and test"),
    ({"train": ["a/s9"], "test": ["a/s1"]}, "names subject a/s9, which the dataset does not"),
    ({"train": "a/s1", "test": ["a/s2"]}, "give a list of one or more subjects"),
    ({"train": ["a/s1"]}, "needs both options"),
])
def test_subject_split_refusals(options: dict[str, Any], message: str) -> None:
    with pytest.raises(MerbenchError, match=message):
        SubjectSplit(**options).folds(_samples())


# -- the nested search -------------------------------------------------------------------------

def test_nested_tuning_validates_and_keeps_test_subjects_out(tuned: Path) -> None:
    results = validate_tune(tuned)
    assert results.mode == NESTED and len(results.outer) == 6
    assert results.n_samples == 60 and results.library["optuna"]
    runs = tuned.parent / "unpacked"
    unpack_runs(tuned, runs)
    for outer in results.outer:
        assert len(outer.test_subjects) == 1
        for trial in outer.trials:
            for run in trial.runs:
                spec, _ = from_config(json.loads((runs / run / "run.json").read_text())
                                      ["config"])
                listed = spec.protocol_options["train"] + spec.protocol_options["test"]
                assert spec.protocol == "subject-split"
                assert outer.test_subjects[0] not in listed
                # nothing shows a trial's interval over subjects: it is not computed
                assert json.loads((runs / run / "results.json").read_text())["intervals"] \
                    is None
        complete = [t for t in outer.trials if t.state == "complete"]
        assert outer.chosen == max(complete, key=lambda t: (t.score, -t.number)).number
    assert validate_tune(tuned, deep=False).overall == results.overall


class _Poisoned:
    """``synthetic`` with the labels of one subject (syn1/s01, the first LOSO fold's test
    subject) turned: a sentinel whose labels no trial of that fold may read."""

    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        def poisoned() -> InMemoryDataset:
            from merbench_datasets.synthetic import make_synthetic

            clean = make_synthetic()
            samples = clean.samples.copy()
            rows = (samples["database"] == "syn1") & (samples["subject"] == "s01")
            samples.loc[rows, "label"] = (samples.loc[rows, "label"] + 1) % 3
            return InMemoryDataset("poisoned", samples, clean.classes, clean.arrays)

        registry.add(DatasetMeta(name="poisoned", version=1, description="d", citation="c",
                                 provides=("flow_uvos", "landmarks68")), poisoned)


def test_poisoned_test_subject_changes_no_trial_score(tuned: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    plugins = load_plugins(extra=[("poisoned-dataset", _Poisoned())])
    poisoned = _tune(tmp_path, "poisoned", dataset="poisoned", plugins=plugins)
    clean = read_tune(tuned / "tune.json")
    first, first_poisoned = clean.outer[0], poisoned.outer[0]
    assert first.test_subjects == first_poisoned.test_subjects == ["syn1/s01"]
    assert [(t.params, t.state, t.steps) for t in first.trials] == \
        [(t.params, t.state, t.steps) for t in first_poisoned.trials]
    # the sentinel is read where it may be: the other folds train on it, so their trials
    # (the test is not blind) see other labels
    assert any([t.steps for t in a.trials] != [t.steps for t in b.trials]
               for a, b in zip(clean.outer[1:], poisoned.outer[1:], strict=True))


class _Numbered:
    """``synthetic`` with subjects named as SAMM names them, in digits (``s01`` -> ``001``),
    which must stay text from every file to the page."""

    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        def numbered() -> InMemoryDataset:
            from merbench_datasets.synthetic import make_synthetic

            clean = make_synthetic()
            samples = clean.samples.copy()
            samples["subject"] = samples["subject"].str.replace("s", "0")
            return InMemoryDataset("numbered", samples, clean.classes, clean.arrays)

        registry.add(DatasetMeta(name="numbered", version=1, description="d", citation="c",
                                 provides=("flow_uvos", "landmarks68")), numbered)


def test_a_tuning_stopped_by_its_time_budget_goes_on(tmp_path: Path, cli,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """--timeout-s stops after a round: the choice among the trials run is retrained and
    recorded (complete: false), the folder's runs are no leaderboard rows even before
    tune.json exists, and the same command later runs the other trials, retraining a
    changed choice into a folder of its own. On subjects named in digits (SAMM's 006)."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    plugins = load_plugins(extra=[("numbered-dataset", _Numbered())])
    results = tmp_path / "results"
    stopped = _tune(results, "numbered", dataset="numbered", plugins=plugins, timeout_s=1e-9)
    assert not stopped.complete and {len(o.trials) for o in stopped.outer} == {1}
    assert stopped.outer[0].test_subjects == ["syn1/001"]
    validate_tune(results / "numbered")
    (results / "numbered" / "tune.json").unlink()
    code, out, err = cli("leaderboard", "build", "--results", str(results),
                         "--out", str(tmp_path / "site"))
    # its runs are no rows, and the search is said, not passed over: not finished yet
    assert code == 0 and "0 runs, 1 rejected" in out, err
    assert "numbered: is a tuning not finished yet" in err
    went_on = _tune(results, "numbered", dataset="numbered", plugins=plugins)
    assert went_on.complete and {len(o.trials) for o in went_on.outer} == {2}
    validate_tune(results / "numbered")


def test_test_scored_tuning_is_the_best_whole_run(tmp_path: Path) -> None:
    results = _tune(tmp_path, "test", mode=TEST_SCORED)
    validate_tune(tmp_path / "test")
    outer, = results.outer
    assert [len(t.runs) for t in outer.trials] == [1, 1]
    best = max(outer.trials, key=lambda t: (t.score, -t.number))
    assert outer.final_run == best.runs[0] and results.overall.uf1 == pytest.approx(best.score)


def _merbench(*args: str) -> subprocess.Popen[str]:
    # the child restores SIGINT's default, so it stops however the suite was launched
    return subprocess.Popen([sys.executable, "-m", "merbench", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            preexec_fn=stop_signals_as_default)


def _record(path: Path) -> dict[str, Any]:
    data = json.loads((path / "tune.json").read_text())
    for key in ("created", "wall_time_s"):
        data.pop(key)
    # the packed files' digests differ as their times do; the files packed are the same
    data["archived"] = sorted(data["archived"])
    return data


@pytest.mark.slow
def test_killed_tuning_resumes_to_the_same_result(tuned: Path, tmp_path: Path, cli) -> None:
    toml = tmp_path / "tiny.toml"
    toml.write_text(TINY.format(dataset="synthetic"))
    out = tmp_path / "killed"
    child = _merbench("tune", str(toml), "--out", str(out), "--threads", "1", "--quiet")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None and \
            len(list(out.glob("trials/*/*/*/results.json"))) < 8:
        time.sleep(0.2)
    assert child.poll() is None, child.communicate()[0]
    child.send_signal(signal.SIGINT)
    said = child.communicate(timeout=120)[0]
    assert child.returncode == 130, said
    assert re.search(r"[1-9][\d,]* finished runs? kept in", said), said
    assert not (out / "tune.json").exists()
    kept = len(list(out.glob("trials/*/*/*/results.json")))
    # started again (in this process: only the killed one needs a process of its own)
    code, _, err = cli("tune", toml, "--out", out, "--threads", "1", "--quiet")
    assert code == 0, err
    assert kept >= 8 and _record(out) == _record(tuned)
    assert pd.read_csv(out / "predictions.csv").equals(pd.read_csv(tuned / "predictions.csv"))


def test_a_tuning_stopped_before_it_wrote_anything_says_so(tmp_path: Path, cli,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A stop before the search made its folder said its runs were kept in a folder that
    did not exist (the adversarial pass of issue 69)."""
    from merbench.cli import tune_command

    def stopped(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(tune_command, "tune", stopped)
    toml = tmp_path / "tiny.toml"
    toml.write_text(TINY.format(dataset="synthetic"))
    code, _, err = cli("tune", toml, "--out", tmp_path / "never", "--quiet")
    assert code == 130 and "interrupted — nothing had been written yet" in err
    assert not (tmp_path / "never").exists()


# -- forged records --------------------------------------------------------------------------

def _forged(tuned: Path, tmp_path: Path, edit: Any) -> Path:
    copy = tmp_path / "forged"
    shutil.copytree(tuned, copy)
    data = json.loads((copy / "tune.json").read_text())
    edit(data)
    (copy / "tune.json").write_text(json.dumps(data))
    return copy


def _set(path: str, value: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value(node[int(last) if last.isdigit()
                                                                  else last])
    return edit


def _swap_runs(data: dict[str, Any]) -> None:
    first, second = data["outer"][0]["trials"][:2]
    first["runs"], second["runs"] = second["runs"], first["runs"]


def _pruned(data: dict[str, Any]) -> None:
    trial = data["outer"][0]["trials"][1]
    trial.update(state="pruned", steps=trial["steps"][:1], runs=trial["runs"][:1], score=None)


@pytest.mark.parametrize(("edit", "message"), [
    (_set("outer.0.chosen", lambda c: 1 - c), "scored best"),
    (_set("outer.0.trials.0.steps", lambda s: [v + 0.1 for v in s]), "scores"),
    (_set("outer.0.trials.0.params", lambda p: {"lr": 0.5}),
     "are not what the grid sampler proposes"),
    (_swap_runs, "is not the run tune.json says"),
    (_pruned, "pruner does not stop it"),
    (_set("outer.0.trials", lambda t: t[:1]), "records trials [0], not 0 to 1"),
    (_set("outer", lambda outer: outer[1:]), "do not test every subject"),
    (_set("outer.0.train_subjects", lambda s: [*s, "syn1/s01"]), "trains on its test subject"),
    (_set("outer.0.inner_validation", lambda parts: [parts[0]]), "do not split"),
    (_set("overall.uf1", lambda v: v + 0.01), "scores do not match"),
    (_set("outer.0.trials.0.runs", lambda r: ["../elsewhere", *r[1:]]),
     "not a folder inside"),
    (_set("outer.0.final_run", lambda r: r[:-1] + ("0" if r.endswith("1") else "1")),
     "reports run"),
    # tune.json alone was trusted for the search's settings (the adversarial pass, #69)
    (_set("trials", lambda t: t - 1), "is not the search tuning.json recorded when it "
                                      "started (they differ in trials)"),
    (_set("protocol", lambda p: "lodo"), "(they differ in protocol)"),
    (_set("pruner", lambda p: "../../etc/passwd \x1b[31m"), "merbench searches with tpe, "
                                                             "grid, random and prunes with"),
])
def test_forged_tunings_are_rejected(tuned: Path, tmp_path: Path, edit: Any,
                                     message: str) -> None:
    with pytest.raises(ResultRejected, match=re.escape(message)):
        validate_tune(_forged(tuned, tmp_path, edit))


@pytest.mark.parametrize("record", ["[]", "0", None])
def test_a_tuning_whose_record_of_the_search_is_not_one_is_rejected(tuned: Path,
                                                                    tmp_path: Path,
                                                                    record: str | None) -> None:
    copy = _forged(tuned, tmp_path, lambda data: None)
    if record is None:
        (copy / "tuning.json").unlink()
    else:
        (copy / "tuning.json").write_text(record)
    said = "tuning.json is missing" if record is None else "is not the record of a search"
    with pytest.raises(ResultRejected, match=re.escape(said)):
        validate_tune(copy)


def test_a_tuning_without_its_predictions_is_rejected_in_one_line(tuned: Path,
                                                                  tmp_path: Path) -> None:
    copy = _forged(tuned, tmp_path, lambda data: None)
    (copy / "predictions.csv").unlink()
    with pytest.raises(ResultRejected, match=re.escape("predictions.csv is missing")):
        validate_tune(copy)


def test_another_search_into_a_tuning_folder_is_refused(tuned: Path, tmp_path: Path) -> None:
    _forged(tuned, tmp_path, lambda data: None)  # a nested tuning's folder, tuning.json too
    with pytest.raises(MerbenchError, match="holds another search"):
        _tune(tmp_path, "forged", mode=TEST_SCORED)


def test_swapped_predictions_are_rejected(tuned: Path, tmp_path: Path) -> None:
    copy = _forged(tuned, tmp_path, lambda data: None)
    table = pd.read_csv(copy / "predictions.csv")
    table.loc[0, "y_pred"] = (table.loc[0, "y_pred"] + 1) % 3
    table.to_csv(copy / "predictions.csv", index=False)
    with pytest.raises(ResultRejected, match="is not the predictions"):
        validate_tune(copy)


# -- compact storage: the runs in one archive -------------------------------------------------

def test_a_finished_tuning_keeps_its_runs_in_one_archive(tuned: Path, cli) -> None:
    assert sorted(p.name for p in tuned.iterdir()) == sorted(
        ["predictions.csv", RUNS_ARCHIVE, "tune.json", "tuning.json"])
    code, out, _ = cli("status", tuned)
    assert code == 0 and "finished: tune.json written" in out
    assert re.search(r"[1-9]\d* inner runs and 6 retrainings finished", out), out


def _tar(folder: Path, name: str, add: Any) -> Path:
    import io
    import tarfile

    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
        add(archive)
    (folder / name).write_bytes(buffer.getvalue())
    return folder


def _member(name: str, kind: bytes, link: str = "") -> Any:
    import tarfile

    def add(archive: Any) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        archive.addfile(info)
    return add


@pytest.mark.parametrize(("add", "message"), [
    (_member("trials/x/run.json", b"2", "/etc/passwd"), "not a regular file or folder"),
    (_member("trials/x/run.json", b"1", "tune.json"), "not a regular file or folder"),
    (_member("/etc/cron.d/x", b"0"), "not a path inside trials/ or final/"),
    (_member("trials/../../x", b"0"), "not a path inside trials/ or final/"),
    (_member("elsewhere/x", b"0"), "not a path inside trials/ or final/"),
    (_member("trials/fifo", b"6"), "not a regular file or folder"),
    (_member("trials/big", b"0"), "is 0 MiB, more than any file of a run merbench writes"),
])
def test_an_archive_member_out_of_place_is_refused_before_unpacking(
        tuned: Path, tmp_path: Path, add: Any, message: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The big member: an archive of 175 kB unpacked 1 GiB into /tmp (the adversarial pass
    of issue 69); here a cap of -1 byte stands for the 64 MiB one, which an empty member
    passes."""
    from merbench.tuning import archive as run_archive

    if message.startswith("is 0 MiB"):
        monkeypatch.setattr(run_archive, "MAX_MEMBER_BYTES", -1)
    copy = _forged(tuned, tmp_path, lambda data: None)
    _tar(copy, RUNS_ARCHIVE, add)
    with pytest.raises(ResultRejected, match=re.escape(message)):
        validate_tune(copy)
    into = tmp_path / "into"
    with pytest.raises(MerbenchError, match=re.escape(message)):
        unpack_runs(copy, into)
    assert not into.exists() or not any(into.iterdir())


@pytest.mark.parametrize("swap", ["fifo", "link", "damaged"])
def test_an_archive_that_is_no_file_is_refused_without_blocking(tuned: Path, tmp_path: Path,
                                                                swap: str) -> None:
    copy = _forged(tuned, tmp_path, lambda data: None)
    (copy / RUNS_ARCHIVE).unlink()
    if swap == "fifo":
        os.mkfifo(copy / RUNS_ARCHIVE)
    elif swap == "link":
        (copy / RUNS_ARCHIVE).symlink_to(tuned / RUNS_ARCHIVE)
    else:
        (copy / RUNS_ARCHIVE).write_bytes(b"not xz")
    expected = {"fifo": "is a fifo", "link": "is a symbolic link", "damaged": "is damaged"}
    with pytest.raises(ResultRejected, match=re.escape(expected[swap])):
        validate_tune(copy)


def test_a_layout_1_tuning_migrates_to_the_archive_and_validates(tuned: Path, tmp_path: Path,
                                                                  cli) -> None:
    old = _forged(tuned, tmp_path, lambda data: data.update(schema_version=1))
    unpack_runs(old, old)
    (old / RUNS_ARCHIVE).unlink()
    with pytest.raises(ResultRejected, match=re.escape(f"merbench migrate {old}")):
        validate_tune(old)
    code, out, err = cli("migrate", old)
    assert code == 0 and "migrated" in out and f"{old}/tune.json" in out, err
    assert not (old / "trials").exists() and (old / RUNS_ARCHIVE).is_file()
    assert (old / RUNS_ARCHIVE).read_bytes() == (tuned / RUNS_ARCHIVE).read_bytes()
    assert validate_tune(old).overall == read_tune(tuned / "tune.json").overall


def test_the_same_command_on_a_finished_tuning_trains_nothing_and_packs_the_same(
        tuned: Path, tmp_path: Path) -> None:
    copy = _forged(tuned, tmp_path, lambda data: None)
    packed = (copy / RUNS_ARCHIVE).read_bytes()
    from merbench.tuning.run_tuning import tune

    spec = parse_tune(_toml(TINY.format(dataset="synthetic")), "tiny.toml")
    started = time.monotonic()
    tune(spec, NESTED, RunSettings(threads=1), copy, load_plugins())
    assert time.monotonic() - started < 60  # read back, not trained again
    assert (copy / RUNS_ARCHIVE).read_bytes() == packed and not (copy / "trials").exists()
    assert _record(copy) == _record(tuned)


# -- the command line ---------------------------------------------------------------------------

def test_tune_command_refusals(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('model = "ststnet"\ndataset = "synthetic"\n[space]\nlr = 3\n')
    code, _, err = cli("tune", str(bad), "--out", str(tmp_path / "out"))
    assert code == 2 and "[space] lr: give a table" in err
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    code, _, err = cli("tune", str(EXAMPLE), "--out", str(foreign))
    assert code == 2 and "holds notes.txt, which no tuning writes" in err
    assert (foreign / "notes.txt").read_text() == "mine"


def test_example_tuning_file_reads() -> None:
    from merbench.tuning.space import read_tune_file

    spec = read_tune_file(EXAMPLE)
    assert spec.dataset == "synthetic" and spec.sampler == "grid" and spec.trials == 2
    assert np.isclose(sorted(spec.space[0].grid())[0], 0.001)


# -- the leaderboard ---------------------------------------------------------------------------

def test_tuning_page_shows_both_searches_and_their_difference(tuned: Path, tmp_path: Path,
                                                              cli, read_tables) -> None:
    results = tmp_path / "results"
    results.mkdir()
    shutil.copytree(tuned, results / "nested")
    _tune(results, "test-scored", mode=TEST_SCORED)
    forged = _forged(tuned, tmp_path, _set("outer.1.chosen", lambda c: 1 - c))
    shutil.copytree(forged, results / "forged")
    code, out, err = cli("leaderboard", "build", "--results", str(results), "--out",
                         str(tmp_path / "site"))
    assert code == 0, err
    assert "0 runs, 1 rejected" in out  # a tuning's runs are its trials, not rows
    site = tmp_path / "site"
    assert not (site / "runs").exists() or not any((site / "runs").iterdir())
    page = (site / "tuning.html").read_text()
    tables = read_tables(page)
    # 1 epoch where STSTNet's recipe trains 800: reduced settings, apart and unranked, as
    # every page shows them (the word, the mark, no bold)
    [empty] = tables["tuning-table"]  # its one row says why it is empty
    assert list(empty.values()) == [
        "No search at the model's declared recipe yet: the searches below are REDUCED settings."]
    rows = tables["tuning-reduced-table"]
    assert [r["mode"].split()[0] for r in rows] == ["tuned", "TEST-SCORED"]
    assert all("REDUCED setting" in r["model"] and "epochs 1 (recipe 800)" in r["model"]
               for r in rows)
    assert "<strong>" not in page.split('id="tuning-reduced-table"')[1].split("</table>")[0]
    nested = read_tune(tuned / "tune.json")
    assert rows[0]["uf1"].startswith(f"{nested.overall.uf1:.4f}")
    gain = {r["metric"]: r for r in tables["tuning-gain-1"]}
    scored = read_tune(results / "test-scored" / "tune.json")
    assert float(gain["UF1"]["gain"]) == pytest.approx(
        scored.overall.uf1 - nested.overall.uf1, abs=1e-4)
    assert "tuning.html" in (site / "index.html").read_text()
    assert json.loads((site / "tunings" / "tuning-1" / "tune.json").read_text())["kind"] == \
        "tune"
    shutil.rmtree(results / "forged")
    code, out, err = cli("leaderboard", "export", "tune-synthetic-loso", "--results",
                         str(results))
    assert code == 0, err
    assert out.count("REDUCED setting (epochs 1 (recipe 800))") == 2, out


def test_what_a_search_varies_is_no_reduced_setting(tuned: Path) -> None:
    """A tuning is reduced where what its trials share departs from the recipe (epochs 1);
    a searched option departs by design (every trial's lr here), and searching epochs would
    make the epochs no departure either."""
    import dataclasses

    from merbench.tuning.check import validated_tune
    from merbench.tuning.record import ParameterRecord
    from merbench.tuning.view import tuning_reduced

    with validated_tune(tuned, deep=False) as checked:
        assert tuning_reduced(checked.results, checked.runs) == "epochs 1 (recipe 800)"
        epochs = ParameterRecord("epochs", [1], None, None, False, None, True)
        searched = dataclasses.replace(checked.results,
                                       space=[*checked.results.space, epochs])
        assert tuning_reduced(searched, checked.runs) is None


def test_a_grid_search_tries_every_configuration_once_per_outer_fold() -> None:
    """Each trial's sampler is made afresh (so a resumed search asks the same trials); the
    grid's must shuffle the grid alike for every trial of a study, or a later trial reads
    another order and repeats an earlier one's configuration."""
    from merbench.tuning import search

    spec = parse_tune({**BASE, "search": {"sampler": "grid"},
                       "space": {"lr": {"choices": [0.1, 0.2, 0.3]},
                                 "epochs": {"choices": [1, 2]}}}, "t.toml")
    orders = []
    for outer in range(3):
        study = search.new_study(spec, 1)
        tried = []
        for number in range(spec.trials):
            trial = search.ask(study, spec, outer, number)
            tried.append(tuple(search.decoded(spec.space, trial.params).values()))
            search.tell(study, trial, 0.5)
        assert sorted(tried) == sorted((lr, e) for lr in (0.1, 0.2, 0.3) for e in (1, 2))
        orders.append(tried)
    assert len(set(map(tuple, orders))) > 1  # each outer fold walks the grid its own way


def test_status_of_a_tuning_is_one_line(tuned: Path, cli) -> None:
    code, out, _ = cli("status", str(tuned))
    assert code == 0 and len(out.strip().splitlines()) == 1
    assert "tuning of ststnet on synthetic/loso, nested, 2 trials x 2 inner folds" in out
    assert "of at most 30; finished: tune.json written" in out


def test_a_stop_while_a_finished_tuning_removes_its_runs_loses_nothing(tuned: Path,
                                                                      tmp_path: Path) -> None:
    """Fifth adversarial pass, finding 2: a stop after tune.json was written, while the
    unpacked runs were removed, left half of them; the same command then trusted the
    folders, deleted runs.tar.xz (the one whole copy) and failed on a half-removed run."""
    from merbench.tuning.archive import unpack_runs

    folder = Path(shutil.copytree(tuned, tmp_path / "nested"))
    unpack_runs(folder, folder)
    trial = sorted((folder / "trials").glob("*/trial-*"))
    shutil.rmtree(trial[-1])  # every trial-N of the last outer fold's gone, one half-removed
    for path in (trial[0] / "inner-0").rglob("*"):
        if path.is_file():
            path.unlink()
    before = read_tune(tuned / "tune.json")
    again = _tune(tmp_path, "nested")
    assert (again.overall.uf1, again.overall.uar) == (before.overall.uf1, before.overall.uar)
    assert (folder / "runs.tar.xz").is_file() and not (folder / "trials").exists()
    validate_tune(folder)


def test_going_on_with_an_audited_tuning_is_refused_in_one_line(tmp_path: Path, cli) -> None:
    """A tuning keeps its audits in its folder: a tune command going on there would write
    another tune.json and other runs under them (the records then refused as dated before
    the tuning finished), so it is refused before anything is trained."""
    toml = tmp_path / "tiny.toml"
    toml.write_text(TINY.format(dataset="synthetic"))
    (tmp_path / "tuned").mkdir()
    (tmp_path / "tuned" / "audit.json").write_text("{}")
    code, out, err = cli("tune", toml, "--out", tmp_path / "tuned")
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, (out, err)
    assert "holds audit.json: audits of the finished tuning there" in err


def test_a_nested_tuning_is_audited_outer_fold_by_outer_fold_and_recorded(
        tuned: Path, tmp_path: Path, cli) -> None:
    """A nested search's audit: for each outer fold drawn, every trial's inner runs and the
    chosen configuration's retrained run trained again; the record's part is that outer
    fold (by its label), kept in the tuning's audit.json, which validate then checks."""
    import shutil

    folder = Path(shutil.copytree(tuned, tmp_path / "nested"))
    code, out, err = cli("audit", folder, "--folds", "1", "--seed", "0")
    assert code == 0, err
    assert "drawn with --seed 0; every trial's inner runs and the chosen configuration's run " \
           "trained again" in out
    assert "audit passed: 1 of 6 outer folds of the search made again match" in out
    [record] = json.loads((folder / "audit.json").read_text())["audits"]
    label = json.loads((folder / "tune.json").read_text())["outer"][record["folds"][0]["index"]]
    assert record["n_folds"] == 6 and record["folds"][0]["key"] == [label["label"]]
    code, out, err = cli("validate", folder)
    assert code == 0 and "audit.json: 1 audit(s)" in out, err


def test_the_bar_of_a_tuning_names_the_command_and_its_runs(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its lines count runs ("round 1/2: 2 runs"), and its bar said "sweep: ... 30/30
    folds" (issue 85): it says tune, and over how many runs the folds are. The bar is drawn
    on a terminal only (rich's TTY_COMPATIBLE stands for one here)."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    tiny = Path(__file__).parents[1] / "examples" / "tune-tiny.toml"
    code, _, err = cli("tune", tiny, "--score", "test", "--threads", "1", "--out",
                         tmp_path / "tuned")
    assert code == 0, err
    assert "sweep" not in err and "tune: ststnet on synthetic" in err, err
    assert "6/6 folds of 2 runs" in err, err
