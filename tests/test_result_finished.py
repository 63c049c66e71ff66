"""One hook for every kind of result: ``merbench_result_finished`` is told of each result as
its command writes it, in the kind's name, with its folder, its file and exactly what the
file holds, and the run where the kind trains one.

Four tiny commands (seconds each on a CPU) make a result of every kind once for the module:
``run --seeds`` (emotion runs and their summary), ``run --task au --seeds`` on a generated
dataset given AU codes here (action-unit runs and their summary), ``spot --recognise
--seeds`` (a spotting run, its recognitions and their summary) and ``tune --seeds`` (its
trial runs, the tunings and their summary); a recorder plugin keeps what each told."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_RUN, TINY_SPOT, TINY_TUNING, run_cli
from merbench_datasets.synthetic import make_synthetic

import merbench.cli
from merbench.api import DatasetMeta, FinishedResult, InMemoryDataset, hookimpl
from merbench.kinds import kind_of, result_kinds
from merbench.plugin_system.manager import PluginRuntimeWarning, Plugins, load_plugins
from merbench.plugin_system.registry import DatasetRegistry
from merbench.results import kind_names
from merbench.runner.notify import Notifier

#: a generated dataset whose samples are coded with AU 1, AU 2 or both, so an AU run of it
#: trains in seconds (the real AU datasets need their files)
CODED = DatasetMeta(name="synthetic-au", version=1, description="synthetic, AU-coded",
                    citation="test", license="MIT", provides=("flow_uvos", "landmarks68"),
                    generated=True)
CODES = [(1,), (2,), (1, 2)]


def _coded(**options: Any) -> InMemoryDataset:
    plain = make_synthetic(**options)
    samples = plain.samples.assign(action_units=[CODES[i % len(CODES)]
                                                 for i in range(len(plain.samples))])
    return InMemoryDataset(CODED.name, samples, plain.classes, plain.arrays)


class Recorder:
    """Keeps every result it is told of, in order."""

    def __init__(self) -> None:
        self.told: list[FinishedResult] = []

    @hookimpl
    def merbench_register_datasets(self, registry: DatasetRegistry) -> None:
        registry.add(CODED, _coded)

    @hookimpl
    def merbench_result_finished(self, result: FinishedResult) -> None:
        self.told.append(result)


def _loading_with(recorder: Recorder) -> Callable[..., Plugins]:
    """The CLI's plugin loader, with ``recorder`` among the command's own extra plugins."""
    def load(**options: Any) -> Plugins:
        extra = [*options.pop("extra", ()), ("recorder", recorder)]
        return load_plugins(**options, extra=extra)

    return load


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[FinishedResult]]]:
    """The folder the commands wrote into, and every result they told of, in order."""
    root = tmp_path_factory.mktemp("told")
    recorder = Recorder()
    (root / "tiny.toml").write_text(TINY_TUNING)
    commands = [
        ("run", *TINY_RUN, "--seeds", "0,1", "--out", root / "seeds"),
        ("run", *[CODED.name if arg == "synthetic" else arg for arg in TINY_RUN],
         "--task", "au", "--au-set", "1,2", "--seeds", "0,1", "--out", root / "au-seeds"),
        ("spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1", "--seeds", "0,1",
         "--out", root / "str-seeds"),
        ("tune", root / "tiny.toml", "--score", "test", "--seeds", "0,1", "--threads", "1",
         "--quiet", "--out", root / "tune-seeds")]
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
        patch.setattr(merbench.cli, "load_plugins", _loading_with(recorder))
        for command in commands:
            code, _, err = run_cli(*command)
            assert code == 0, err
    yield root, recorder.told


def _told_of(told: list[FinishedResult], kind: str) -> list[FinishedResult]:
    return [result for result in told if result.kind == kind]


#: where each kind's results are in the commands' folders, in the order they are told
WHERE = {
    kind_names.EMOTION_RUN: ["seeds/seed-0", "seeds/seed-1"],
    kind_names.SEEDS_SUMMARY: ["seeds"],
    kind_names.AU_RUN: ["au-seeds/seed-0", "au-seeds/seed-1"],
    kind_names.AU_SEEDS_SUMMARY: ["au-seeds"],
    # the spotting of seed 0, its recognition, seed 1's recognition (its spotting copied)
    kind_names.SPOTTING_RUN: ["str-seeds/seed-0", "str-seeds/seed-0", "str-seeds/seed-1"],
    kind_names.STR_SEEDS_SUMMARY: ["str-seeds"],
    kind_names.TUNING: ["tune-seeds/seed-0", "tune-seeds/seed-1"],
    kind_names.TUNING_SEEDS_SUMMARY: ["tune-seeds"],
}


def test_every_kind_is_named_once_below_the_kinds() -> None:
    names = {value for key, value in vars(kind_names).items() if key.isupper()}
    assert sorted(kind.name for kind in result_kinds()) == sorted(names) == sorted(WHERE)


@pytest.mark.parametrize("kind", sorted(WHERE))
def test_each_kind_tells_of_its_written_result(told: tuple[Path, list[FinishedResult]],
                                               kind: str) -> None:
    root, results = told
    mine = _told_of(results, kind)
    if kind == kind_names.EMOTION_RUN:  # the tunings' trial runs are emotion runs too
        mine = [r for r in mine if "tune-seeds" not in r.folder.parts]
    assert [r.folder for r in mine] == [root / where for where in WHERE[kind]]
    for result in mine:
        assert kind_of(result.path) is not None and kind_of(result.path).name == kind
        assert result.record == json.loads(result.path.read_text())
        trains = kind in (kind_names.EMOTION_RUN, kind_names.AU_RUN)
        assert (result.run is not None) == trains
        if result.run is not None:
            assert result.run.run_dir == result.folder


def test_each_result_is_told_of_once_when_its_file_is_whole(
        told: tuple[Path, list[FinishedResult]]) -> None:
    root, results = told
    # a summary is told of after its seeds' results, a tuning after its trial runs
    order = [r.path for r in results]
    assert order.index(root / "seeds" / "seeds.json") > order.index(
        root / "seeds" / "seed-1" / "results.json")
    assert order.index(root / "str-seeds" / "str-seeds.json") == \
        max(i for i, p in enumerate(order) if "str-seeds" in p.parts)
    trials = [i for i, r in enumerate(results) if r.kind == kind_names.EMOTION_RUN
              and root / "tune-seeds" / "seed-0" in r.folder.parents]
    assert trials and max(trials) < order.index(root / "tune-seeds" / "seed-0" / "tune.json")
    assert len({(r.path, json.dumps(r.record)) for r in results}) == len(results)
    assert {r.result_file for r in _told_of(results, kind_names.SPOTTING_RUN)} == {
        "spotting.json", "str.json"}


def test_a_result_found_finished_is_not_told_again(
        told: tuple[Path, list[FinishedResult]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same ``run --seeds`` again trains nothing and rewrites only the summary: the seed
    runs were told of when they were written; the summary, written again, is told again."""
    root, _ = told
    shutil.copytree(root / "seeds", tmp_path / "seeds")
    recorder = Recorder()
    monkeypatch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setattr(merbench.cli, "load_plugins", _loading_with(recorder))
    code, _, err = run_cli("run", *TINY_RUN, "--seeds", "0,1", "--out", tmp_path / "seeds")
    assert code == 0, err
    assert [(r.kind, r.folder) for r in recorder.told] == [
        (kind_names.SEEDS_SUMMARY, tmp_path / "seeds")]


def test_a_failing_plugin_is_a_warning_and_the_old_hook_is_named_anew(tmp_path: Path) -> None:
    """The result is written whatever a plugin does with it; a plugin still implementing
    ``merbench_run_finished`` (emotion runs only, which this hook replaced) is left out in
    one line that names the hook to implement instead."""

    class Failing:
        @hookimpl
        def merbench_result_finished(self, result: FinishedResult) -> None:
            raise RuntimeError("upload refused")

    class Old:
        @hookimpl
        def merbench_run_finished(self, run: Any, results: Any) -> None:
            """The hook this one replaced."""

    plugins = load_plugins(autoload=False, extra=[("failing", Failing()), ("old", Old())])
    with pytest.warns(PluginRuntimeWarning, match="merbench_result_finished .*upload refused"):
        Notifier(plugins).result_finished(kind_names.TUNING, tmp_path, "tune.json", {})
    (old,) = plugins.failures
    assert "merbench_run_finished is not a merbench hook (did you mean " \
           "merbench_result_finished?)" in old.failure_line()
