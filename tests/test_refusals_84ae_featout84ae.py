"""A third-party feature's samples of different shapes, or of no values at all (pass 84ae,
AE3 and AE5).

AE3: a per-sample extractor whose samples differed in shape ended ``extract`` and ``run`` in
numpy's traceback as the samples were stacked; each sample is now checked as it is computed,
before it is cached, against the declared shape or the first sample's.
AE5: a feature of 0 values per sample was trained on (a scikit-learn model then failed in
scikit-learn's words, blamed on the model) and saved by ``extract --save``; a ``--features``
file of 0 values per sample was taken too.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import one_line

from merbench.base.errors import MerbenchError
from merbench.features.feature_faults import SampleShape, checked_values
from merbench.meta import FeatureMeta
from merbench.plugin_system.entry import Entry, Origin
from merbench.plugin_system.manager import default_plugins

PLUGIN = """
    import numpy as np
    from merbench.api import FeatureMeta, ModelMeta, SampleExtractor, hookimpl

    class Ragged(SampleExtractor):
        sources = ("flow_uvos",)

        def compute(self, inputs, sample_id):
            return np.zeros(2 if sample_id.endswith("_03") else 3, "float32")

    class Empty(SampleExtractor):
        sources = ("flow_uvos",)

        def compute(self, inputs, sample_id):
            return np.zeros(0, "float32")

    def empty_columns():
        return lambda dataset: np.zeros((len(dataset.samples), 0), "float32")

    @hookimpl
    def merbench_register_features(registry):
        def meta(name, **shape):
            return FeatureMeta(name=name, version=1, description="feat", citation="none",
                               needs=("flow_uvos",), **shape)
        registry.add(meta("fo-declared", shape=(3,)), Ragged)
        registry.add(meta("fo-ragged"), Ragged)
        registry.add(meta("fo-ps-empty"), Empty)
        registry.add(meta("fo-empty"), empty_columns)

    @hookimpl
    def merbench_register_models(registry):
        from sklearn.linear_model import LogisticRegression
        for name, feature in (("fo-sk", "fo-empty"), ("fo-sk-ragged", "fo-ragged")):
            registry.add(ModelMeta(name=name, version=1, description="linear",
                                   citation="none", feature=feature, kind="sklearn"),
                         LogisticRegression)
"""

SYNTHETIC = ("--dataset", "synthetic", "--dataset-opt", "subjects=3")
BLAME = "of plugin 'fo' (package foplug 1.0)"
ADVICE = "report it to the authors of foplug, or skip the plugin with --no-plugin fo"


@pytest.fixture
def plugin(make_dist: Callable[..., None], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    make_dist("foplug", "fo", "mb_fo", PLUGIN)
    default_plugins.cache_clear()
    yield tmp_path / "cache"
    default_plugins.cache_clear()


def _refused(cli: Callable[..., tuple[int, str, str]], *args: object) -> str:
    code, _, err = cli(*args)
    assert code == 2, err
    return one_line(err).removeprefix("merbench: error: ")


def _extract(cli: Callable[..., tuple[int, str, str]], feature: str) -> str:
    """The one line ``extract --save`` of ``feature`` says, refused; no file is written."""
    said = _refused(cli, "extract", "--feature", feature, *SYNTHETIC, "--save", "f.npz",
                    "--workers", "1")
    assert not Path("f.npz").exists()
    return said


def test_a_sample_not_of_the_declared_shape_is_refused_before_it_is_cached(
        plugin: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    """AE3: the sample, its shape and the declared one, naming the plugin; the samples
    before it stay cached, it is not."""
    assert _extract(cli, "fo-declared") == (
        f"feature 'fo-declared' {BLAME} gave per-sample shape 2 for sample syn1_s01_03, not "
        f"the 3 it declares; {ADVICE}")
    assert len(list((plugin / "features" / "fo-declared").glob("*/*.npz"))) == 3


def test_samples_of_different_shapes_are_refused_in_extract_and_run(
        plugin: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    """AE3 for a feature that declares no shape: the first sample's is the one expected."""
    said = (f"feature 'fo-ragged' {BLAME} gave per-sample shape 2 for sample syn1_s01_03 but 3 "
            f"for syn1_s01_00; {ADVICE}")
    assert _extract(cli, "fo-ragged") == said
    assert _refused(cli, "run", "--model", "fo-sk-ragged", *SYNTHETIC,
                    "--threads", "1", "--quiet", "--out", "r") == said


def test_a_shape_fault_crosses_from_a_worker() -> None:
    """A worker process raises it: it must pickle with what it says."""
    fault = SampleShape("f", "s2", (3, 28, 27), (3, 28, 28), "s0")
    assert str(pickle.loads(pickle.dumps(fault))) == (
        "feature 'f' gave per-sample shape 3x28x27 for sample s2 but 3x28x28 for s0")


def test_a_feature_of_no_values_is_refused_before_training(
        plugin: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    """AE5: scikit-learn's words blamed the model; a torch model trained on nothing."""
    assert _refused(cli, "run", "--model", "fo-sk", *SYNTHETIC, "--threads", "1", "--quiet",
                    "--out", "r") == (
        f"feature 'fo-empty' {BLAME} gave 0 values per sample (shape 30x0); {ADVICE}")
    assert not Path("r").exists()


def test_a_per_sample_feature_of_no_values_is_not_saved(
        plugin: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    """AE5: ``extract --save`` wrote 30 x 0 values and told the user to train on them."""
    assert _extract(cli, "fo-ps-empty") == (
        f"feature 'fo-ps-empty' {BLAME} gave 0 values per sample (shape 30x0); {ADVICE}")


def test_a_features_file_of_no_values_is_refused_naming_it() -> None:
    """AE5 for ``--features FILE`` (written by a merbench that saved such values)."""
    meta = FeatureMeta(name="fo-empty", version=1, description="d", citation="none",
                       needs=("flow_uvos",))
    entry = Entry(meta, lambda: None, Origin("fo", "foplug", "1.0"))
    with pytest.raises(MerbenchError) as raised:
        checked_values(entry, np.zeros((2, 0), "float32"), ["a", "b"], "ds", source="f.npz")
    assert str(raised.value) == (
        "f.npz holds 0 values per sample (shape 2x0) of feature 'fo-empty', which no model "
        "can learn from; write it again with 'merbench extract --save FILE'")
