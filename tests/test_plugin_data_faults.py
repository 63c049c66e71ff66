"""A dataset or feature plugin that misbehaves, met the way a user meets it (pass 84h N5, N6).

A dataset factory returning no Dataset, or a feature that raises, returns None or text, or
gives NaN, ended in a raw traceback or in another's words ("1 rows for 30 samples", "training
diverged ... try a smaller --lr"); numpy's ``np.int64(9)`` stood in a refusal; classes named
twice, and a dataset of one class, were run. Each is now one line, status 2, and the faults
of a plugin's code name the plugin as a model factory's do (Entry.fault).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from merbench.base.errors import MerbenchError
from merbench.features.feature_faults import checked_values
from merbench.meta import FeatureMeta
from merbench.plugin_system.entry import Entry, Origin
from merbench.plugin_system.manager import default_plugins

BAD = """
    import numpy as np, pandas as pd
    from merbench.api import (DatasetMeta, FeatureMeta, InMemoryDataset, SampleExtractor,
                              hookimpl)

    def make_ds(mode):
        def build(subjects: int = 2, per_subject: int = 4):
            n = subjects * per_subject
            s = pd.DataFrame({"sample_id": [f"lab_s{i // per_subject}_{i % per_subject}"
                                            for i in range(n)],
                              "database": "lab",
                              "subject": [f"s{i // per_subject}" for i in range(n)],
                              "label": [i % 3 for i in range(n)]})
            classes = ("negative", "positive", "surprise")
            if mode == "wrongtype":
                return {"samples": s}
            if mode == "label9":
                s.loc[0, "label"] = 9
            if mode == "dupclass":
                classes = ("negative", "negative", "surprise")
            if mode == "oneclass":
                s["label"] = 0
            if mode == "nanlabel":
                s["label"] = s["label"].astype(float)
                s.loc[2, "label"] = float("nan")
            if mode == "nanid":
                s["sample_id"] = s["sample_id"].astype(object)
                s.loc[3, "sample_id"] = None
                s["subject"] = s["subject"].astype(object)
                s.loc[5, "subject"] = None
            img = np.zeros((n, 28, 28, 3), dtype=np.uint8)
            return InMemoryDataset("bad-" + mode, s, classes, {"flow_uvos": img})
        return build

    def make_feat(mode):
        def build():
            def extract(dataset):
                a = dataset.read_all("flow_uvos").astype("float32").transpose(0, 3, 1, 2)
                if mode == "raise":
                    raise RuntimeError("feature exploded")
                if mode == "str":
                    return "abc"
                if mode == "none":
                    return None
                if mode == "nan":
                    a[4, 0, 0, 0] = float("nan")
                return a
            return extract
        return build

    class Broken(SampleExtractor):
        sources = ("flow_uvos",)

        def compute(self, inputs, sample_id):
            if sample_id.endswith("_03"):
                raise RuntimeError("no face found")
            return inputs["flow_uvos"].astype("float32").transpose(2, 0, 1)

    @hookimpl
    def merbench_register_datasets(registry):
        for m in ("wrongtype", "label9", "dupclass", "oneclass", "nanlabel", "nanid"):
            registry.add(DatasetMeta(name="bad-" + m, version=1, description="bad",
                                     citation="none: generated", provides=("flow_uvos",),
                                     generated=True), make_ds(m))

    @hookimpl
    def merbench_register_features(registry):
        def meta(name):
            return FeatureMeta(name=name, version=1, description="bad", citation="none",
                               needs=("flow_uvos",), shape=(3, 28, 28))
        for m in ("raise", "str", "none", "nan"):
            registry.add(meta("badf-" + m), make_feat(m))
        registry.add(meta("badf-sample"), Broken)
"""

RUN = ("run", "--epochs", "1", "--threads", "1", "--quiet", "--model", "ststnet")
SYNTHETIC = (*RUN, "--dataset", "synthetic", "--dataset-opt", "subjects=3")
BLAME = "of plugin 'bad' (package badplug 1.0)"
ADVICE = "; report it to the authors of badplug, or skip the plugin with --no-plugin bad"


@pytest.fixture
def bad(make_dist: Callable[..., None], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    make_dist("badplug", "bad", "mb_bad", BAD)
    default_plugins.cache_clear()
    yield tmp_path / "cache"
    default_plugins.cache_clear()


def _refused(cli: Callable[..., tuple[int, str, str]], out: Path, *args: object) -> str:
    """The one line a refused run says; nothing is left in its folder."""
    code, _, err = cli(*args, "--out", out)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())
    return lines[0].removeprefix("merbench: error: ")


def test_a_dataset_factory_returning_no_dataset_blames_the_plugin(bad, cli,
                                                                 tmp_path: Path) -> None:
    line = _refused(cli, tmp_path / "x", *RUN, "--dataset", "bad-wrongtype")
    assert line.startswith(f"dataset 'bad-wrongtype' {BLAME}: its factory ")
    assert line.endswith(f"returned a dict, not a merbench Dataset{ADVICE}"), line


@pytest.mark.parametrize(("mode", "said"), [
    ("label9", "dataset 'bad-label9': label 9 of sample lab_s0_0 is not a class index 0..2"),
    ("dupclass", "dataset 'bad-dupclass': class 'negative' is named twice in its classes "
                 "(negative, negative, surprise); give each class its own name"),
    ("oneclass", "dataset 'bad-oneclass': every sample is of class 'negative'; an emotion run "
                 "needs samples of two classes at least, or there is nothing to tell apart"),
    ("nanlabel", "dataset 'bad-nanlabel': the label column has an empty value, first at "
                 "sample lab_s0_2; every sample needs a sample_id, database, subject and "
                 "label"),
    ("nanid", "dataset 'bad-nanid': the sample_id and subject columns have an empty value, "
              "first at row 3 of the sample table (counting from 0); every sample needs"),
])
def test_a_dataset_plugins_bad_table_is_refused_in_one_line(bad, cli, tmp_path: Path,
                                                            mode: str, said: str) -> None:
    line = _refused(cli, tmp_path / mode, *RUN, "--dataset", f"bad-{mode}")
    assert line.startswith(said), line
    assert "np." not in line


@pytest.mark.parametrize(("mode", "said"), [
    ("raise", f"feature 'badf-raise' {BLAME} failed: feature exploded{ADVICE}"),
    ("str", f"feature 'badf-str' {BLAME} returned text, not numbers{ADVICE}"),
    ("none", f"feature 'badf-none' {BLAME} returned None, not an array{ADVICE}"),
    ("nan", f"feature 'badf-nan' {BLAME} gave NaN for sample syn1_s01_04{ADVICE}"),
])
def test_a_feature_plugins_fault_blames_the_plugin(bad, cli, tmp_path: Path, mode: str,
                                                   said: str) -> None:
    assert _refused(cli, tmp_path / mode, *SYNTHETIC, "--feature", f"badf-{mode}") == said


def test_a_per_sample_feature_failing_keeps_the_samples_done(bad, cli, tmp_path: Path) -> None:
    """The samples extracted before the failing one stay in the cache: the next run after
    the plugin is fixed computes only the rest."""
    line = _refused(cli, tmp_path / "s", *SYNTHETIC, "--feature", "badf-sample",
                    "--workers", "1")
    assert line == (f"feature 'badf-sample' {BLAME} failed on sample syn1_s01_03: "
                    f"no face found{ADVICE}")
    assert len(list((bad / "features" / "badf-sample").glob("*/*.npz"))) == 3


@pytest.mark.parametrize(("values", "said"), [
    ([[1.0, 2.0], [3.0]], "returned values that are not one array of numbers a sample"),
    (5.0, "returned a single value, not an array with a row a sample"),
    (["x", "y"], "returned text, not numbers"),
    ([[1.0, float("inf")], [1.0, 2.0]], "gave an infinite value for sample a"),
])
def test_what_is_no_array_of_finite_numbers_is_named(values: object, said: str) -> None:
    """The other ways a feature's values are no numbers, and a ``--features`` file's NaN,
    blamed on the file (which another merbench wrote), not on the feature's plugin."""
    meta = FeatureMeta(name="f", version=1, description="d", citation="none",
                       needs=("flow_uvos",), shape=(2,))
    feature = Entry(meta, lambda: None, Origin("p", "pkg", "1"))
    with pytest.raises(MerbenchError) as refused:
        checked_values(feature, values, ["a", "b"], "ds")
    assert str(refused.value) == (f"feature 'f' of plugin 'p' (package pkg 1) {said}; report "
                                  "it to the authors of pkg, or skip the plugin with "
                                  "--no-plugin p")
    with pytest.raises(MerbenchError, match=r"^F\.npz: its values of feature 'f' gave NaN for "
                                            r"sample b; write it again with 'merbench extract"):
        checked_values(feature, np.array([[1.0, 2.0], [np.nan, 2.0]]), ["a", "b"], "ds",
                       source="F.npz")
