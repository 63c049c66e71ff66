"""A third-party feature extractor's faults, said in one line naming its plugin (pass 84aa,
AA16-AA18).

AA16: an extractor raising MemoryError ended ``extract`` and ``run`` in Python's traceback.
AA17: complex values were taken, cut to their real part with numpy's warning relayed.
AA18: a wrong per-sample shape or row count was refused naming neither the plugin nor a fix.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import one_line

from merbench.base.errors import MerbenchError
from merbench.features.extraction import SampleFailed
from merbench.features.feature_faults import checked_values, out_of_memory
from merbench.meta import FeatureMeta
from merbench.plugin_system.entry import FIRST_PARTY, Entry, Origin
from merbench.plugin_system.manager import default_plugins

PLUGIN = """
    import numpy as np
    from merbench.api import FeatureMeta, SampleExtractor, hookimpl

    def whole(mode):
        def build():
            def extract(dataset):
                n = len(dataset.samples)
                if mode in ("mem", "mem28"):
                    raise MemoryError()
                if mode == "complex":
                    return np.zeros((n, 3), complex)
                if mode == "rows":
                    return np.zeros((3, 3), "float32")
                return np.zeros((n, 5), "float32")
            return extract
        return build

    class Hungry(SampleExtractor):
        sources = ("flow_uvos",)

        def compute(self, inputs, sample_id):
            if sample_id.endswith("_03"):
                raise MemoryError()
            return np.zeros(3, "float32")

    @hookimpl
    def merbench_register_features(registry):
        def meta(name, shape=(3,)):
            return FeatureMeta(name=name, version=1, description="feat", citation="none",
                               needs=("flow_uvos",), shape=shape)
        for m in ("mem", "complex", "rows", "shape"):
            registry.add(meta("ff-" + m), whole(m))
        registry.add(meta("ff-mem28", (3, 28, 28)), whole("mem28"))  # a shape ststnet takes
        registry.add(meta("ff-sample"), Hungry)
"""

SYNTHETIC = ("--dataset", "synthetic", "--dataset-opt", "subjects=3")
BLAME = "of plugin 'ff' (package ffplug 1.0)"
ADVICE = "report it to the authors of ffplug, or skip the plugin with --no-plugin ff"


@pytest.fixture
def plugin(make_dist: Callable[..., None], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    make_dist("ffplug", "ff", "mb_ff", PLUGIN)
    default_plugins.cache_clear()
    yield tmp_path / "cache"
    default_plugins.cache_clear()


def _extract(cli: Callable[..., tuple[int, str, str]], out: Path, feature: str,
             *more: str) -> str:
    """The one line ``extract --save`` of ``feature`` says, refused; no file is written."""
    code, _, err = cli("extract", "--feature", feature, *SYNTHETIC, "--save", out / "f.npz",
                       *more)
    assert code == 2, err
    assert not (out / "f.npz").exists()
    return one_line(err).removeprefix("merbench: error: ")


def test_a_feature_running_out_of_memory_is_one_line(plugin, cli, tmp_path: Path) -> None:
    """AA16: extract and run alike, naming the plugin and what to do."""
    said = (f"feature 'ff-mem' {BLAME} ran out of memory on dataset 'synthetic'; free memory "
            f"or use fewer samples; failing that, {ADVICE}")
    assert _extract(cli, tmp_path, "ff-mem") == said
    code, _, err = cli("run", "--model", "ststnet", "--feature", "ff-mem28", *SYNTHETIC,
                       "--epochs", "1", "--threads", "1", "--quiet", "--out", tmp_path / "r")
    assert code == 2 and one_line(err) == "merbench: error: " + said.replace("ff-mem", "ff-mem28")


def test_a_per_sample_feature_out_of_memory_keeps_the_samples_done(plugin, cli,
                                                                    tmp_path: Path) -> None:
    """AA16 for a per-sample extractor: the sample is named, those before it are cached."""
    assert _extract(cli, tmp_path, "ff-sample", "--workers", "1") == (
        f"feature 'ff-sample' {BLAME} ran out of memory on sample syn1_s01_03 of dataset "
        f"'synthetic'; free memory; failing that, {ADVICE}")
    assert len(list((plugin / "features" / "ff-sample").glob("*/*.npz"))) == 3


def test_a_samples_memory_fault_crosses_from_a_worker() -> None:
    """A worker process raises it: it must pickle with what it says."""
    failed = SampleFailed("f", "s1", "it ran out of memory", out_of_memory=True)
    again = pickle.loads(pickle.dumps(failed))
    assert again.out_of_memory and again.sample_id == "s1"


def test_merbench_s_own_feature_out_of_memory_names_no_report() -> None:
    """merbench's own feature is the machine's to mend: no report, no --no-plugin."""
    meta = FeatureMeta(name="flow-uvos", version=1, description="d", citation="none",
                       needs=("flow_uvos",), shape=(3,))
    own = Entry(meta, lambda: None, Origin("features", FIRST_PARTY, "0.1.0"))
    assert str(out_of_memory(own, "casme2")) == (
        "feature 'flow-uvos' ran out of memory on dataset 'casme2'; free memory or use "
        "fewer samples")


def test_complex_values_are_refused_in_merbench_s_words(plugin, cli, tmp_path: Path) -> None:
    """AA17: no "Casting complex values to real" warning, no file saved."""
    assert _extract(cli, tmp_path, "ff-complex") == (
        f"feature 'ff-complex' {BLAME} returned complex values, not real numbers; {ADVICE}")


@pytest.mark.parametrize(("feature", "said"), [
    ("ff-rows", "returned 3 rows for 30 samples"),
    ("ff-shape", "gave per-sample shape (5,) on dataset 'synthetic', not the (3,) it declares"),
])
def test_a_wrong_row_count_or_shape_names_the_plugin(plugin, cli, tmp_path: Path,
                                                     feature: str, said: str) -> None:
    """AA18: the same plugin-naming form and fix as the feature's other faults."""
    assert _extract(cli, tmp_path, feature) == f"feature '{feature}' {BLAME} {said}; {ADVICE}"


def _entry() -> Entry[FeatureMeta]:
    meta = FeatureMeta(name="f", version=1, description="d", citation="none",
                       needs=("flow_uvos",), shape=(2,))
    return Entry(meta, lambda: None, Origin("p", "pkg", "1"))


def test_a_features_file_s_rows_blame_the_file() -> None:
    """Values read from a ``--features`` file are the file's fault, not the plugin's."""
    with pytest.raises(MerbenchError, match=r"^F\.npz: its values of feature 'f' returned 1 "
                                            r"row for 2 samples; write it again"):
        checked_values(_entry(), np.zeros((1, 2)), ["a", "b"], "ds", source="F.npz")


def test_a_features_file_s_complex_values_blame_the_file() -> None:
    with pytest.raises(MerbenchError, match=r"^F\.npz: its values of feature 'f' returned "
                                            r"complex values, not real numbers; write it"):
        checked_values(_entry(), np.zeros((2, 2), complex), ["a", "b"], "ds", source="F.npz")
