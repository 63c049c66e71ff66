"""A third-party plugin's metadata and fit report in the values Python hands, met as a user
meets them (pass 84l, N2-N5).

``TrainRecipe(epochs=10**400)`` loaded, and the run wrote its results before its summary
line died of an OverflowError; ``citation=5`` and ``name=5`` failed the plugin's load with
Python's own words and no field named; ``version=2.0``, ``np.int64(2)``, ``Decimal("2")``
and ``extra_training_data=np.bool_(True)`` were refused although they are 2 and True; and a
``fit_report_`` holding ``np.float32(0.5)`` or ``Decimal("0.5")`` ended the run with the JSON
writer's words naming the estimator's class. Every metadata class now reads its fields with
:mod:`merbench.meta.field_values`, and the fit report's numbers are read the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import one_line
from test_plugin_model_output import RUN

from merbench.meta import DatasetMeta, FeatureMeta, ProtocolMeta, ReducedSetting, TrainRecipe
from merbench.meta.long_video import LongVideoMeta
from merbench.meta.spotter import SpotterMeta
from merbench.plugin_system.manager import default_plugins

ODD9 = """
    import os
    from decimal import Decimal
    import numpy as np
    from torch import nn
    from merbench.api import DatasetMeta, ModelMeta, ReducedSetting, TrainRecipe, hookimpl

    RECIPE = dict(epochs=1, batch_size=8, lr=1e-3)
    CASES = {
        "ep400": dict(recipe=dict(epochs=10**400, batch_size=8, lr=1e-3)),
        "epdec": dict(recipe=dict(epochs=Decimal("1e400"), batch_size=8, lr=1e-3)),
        "ep300": dict(recipe=dict(epochs=1e300, batch_size=8, lr=1e-3)),
        "bs": dict(recipe=dict(epochs=1, batch_size=10**400, lr=1e-3)),
        "lr": dict(recipe=dict(epochs=1, batch_size=8, lr=1e4)),
        "wd": dict(recipe=dict(epochs=1, batch_size=8, lr=1e-3, weight_decay=10**300)),
        "red": dict(reduced=dict(epochs=10**6)),
        "cit5": dict(citation=5),
        "desc5": dict(description=5),
        "name5": dict(name=5),
        "v20": dict(version=2.0),
        "vnp": dict(version=np.int64(2)),
        "vdec": dict(version=Decimal("2")),
        "npbool": dict(extra_training_data=np.bool_(True)),
        "bogus": dict(bogus=1),
        "recmissing": dict(recipe=dict(epochs=1)),
    }

    class Net(nn.Module):
        def __init__(self, num_classes=3):
            super().__init__()
            self.fc = nn.Linear(3 * 28 * 28, num_classes)

        def forward(self, x):
            return self.fc(x.flatten(1).float())

    class Reporting:
        def __init__(self, held=None):
            self.held = held
        def get_params(self, deep=True):
            return {}
        def set_params(self, **params):
            return self
        def fit(self, X, y):
            self.fit_report_ = {"a": self.held, "n": [np.int64(3), Decimal("2")]}
            return self
        def predict(self, X):
            return np.zeros(len(X), int)

    REPORTS = {"f32": np.float32(0.5), "dec": Decimal("0.5"), "obj": object()}

    def reporting(held):
        def factory():
            return Reporting(held)
        return factory

    @hookimpl
    def merbench_register_models(registry):
        for name, held in REPORTS.items():
            registry.add(ModelMeta(name="s-" + name, version=1, description="reports " + name,
                                   citation="x", feature="flow-uvos", kind="sklearn"),
                         reporting(held))
        case = os.environ.get("ODD9")
        if case in CASES:
            fields = dict(name="q-" + case, version=1, description="odd " + case,
                          citation="x", feature="flow-uvos", recipe=RECIPE)
            fields.update(CASES[case])
            fields["recipe"] = TrainRecipe(**fields["recipe"])
            if "reduced" in fields:
                fields["reduced"] = ReducedSetting(**fields["reduced"])
            registry.add(ModelMeta(**fields), Net)

    @hookimpl
    def merbench_register_datasets(registry):
        if os.environ.get("ODD9") == "provides":
            registry.add(DatasetMeta(name="d-provides", version=1, description="d",
                                     citation="x", provides="flow_uvos"), lambda: None)
        if os.environ.get("ODD9") == "dsmissing":
            registry.add(DatasetMeta(name="d-missing", version=1, description="d"),
                         lambda: None)
"""

ORIGIN = "of plugin 'odd9' (package odd9plug 1.0)"


@pytest.fixture
def odd9(make_dist: Callable[..., None]) -> None:
    make_dist("odd9plug", "odd9", "mb_odd9", ODD9)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


@pytest.mark.parametrize(("case", "said"), [
    ("ep400", "a training recipe needs epochs to be a whole number from 1 to 100,000, not "
              "1e+400"),
    ("epdec", "a training recipe needs epochs to be a whole number from 1 to 100,000, not "
              "1E+400"),
    ("ep300", "a training recipe needs epochs to be a whole number from 1 to 100,000, not "
              "1e+300"),
    ("bs", "a training recipe needs batch_size to be a whole number from 1 to 65,536, not "
           "1e+400"),
    ("lr", "a training recipe needs lr to be a number >= 1e-09 and at most 1000, not "
           "10000.0"),
    ("wd", "a training recipe needs weight_decay to be a number >= 0 and at most 1000, not "
           "1e+300"),
    ("red", "a reduced setting needs epochs to be None or a whole number from 1 to 100,000, "
            "not 1000000"),
    ("cit5", "ModelMeta 'q-cit5': citation must be text, not 5"),
    ("desc5", "ModelMeta 'q-desc5': description must be text, not 5"),
    ("name5", "ModelMeta name must be text, not 5"),
    ("provides", "DatasetMeta 'd-provides': provides must be a tuple of names (texts), not "
                 "'flow_uvos'"),
    # pass 84m, M13: Python's "DatasetMeta.__init__() missing 2 required keyword-only
    # arguments: 'citation' and 'provides'", in merbench's words
    ("dsmissing", "DatasetMeta 'd-missing': citation and provides are missing (every "
                  "DatasetMeta gives name, version, description, citation and provides)"),
    ("recmissing", "TrainRecipe: batch_size and lr are missing (every TrainRecipe gives "
                   "epochs, batch_size and lr)"),
    ("bogus", "ModelMeta 'q-bogus': bogus is no field of a ModelMeta (its fields: name, "),
])
def test_metadata_of_a_wrong_type_or_beyond_the_options_bounds_is_refused_at_load(
        odd9, cli, monkeypatch: pytest.MonkeyPatch, case: str, said: str) -> None:
    monkeypatch.setenv("ODD9", case)
    code, out, err = cli("list", "models")
    line = one_line(err)
    assert code == 0 and "plugin 'odd9' (package odd9plug 1.0) failed to load" in line, line
    assert said in line and "Error" not in line and "attribute" not in line, line
    assert "__init__" not in line and "keyword" not in line, line
    assert f"q-{case}" not in out


@pytest.mark.parametrize("case", ["v20", "vnp", "vdec", "npbool"])
def test_a_whole_version_and_numpys_bool_are_taken(
        odd9, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    monkeypatch.setenv("ODD9", case)
    code, _, err = cli(*RUN, "--epochs", "1", "--model", f"q-{case}", "--out", tmp_path / case)
    assert code == 0 and not err.strip(), err
    model = json.loads((tmp_path / case / "results.json").read_text())["model"]
    assert model["version"] == (1 if case == "npbool" else 2), model
    assert cli("validate", tmp_path / case)[0] == 0


@pytest.mark.parametrize("case", ["f32", "dec"])
def test_a_fit_report_of_numpy_or_decimal_numbers_is_recorded_as_numbers(
        odd9, cli, tmp_path: Path, case: str) -> None:
    code, _, err = cli(*RUN, "--model", f"s-{case}", "--out", tmp_path / case)
    assert code == 0, err
    folds = json.loads((tmp_path / case / "results.json").read_text())["folds"]
    assert all(fold["fit_report"] == {"a": 0.5, "n": [3, 2]} for fold in folds), folds
    assert cli("validate", tmp_path / case)[0] == 0


def test_a_fit_report_holding_an_object_is_the_plugins_fault_in_one_line(
        odd9, cli, tmp_path: Path) -> None:
    code, _, err = cli(*RUN, "--model", "s-obj", "--out", tmp_path / "obj")
    line = one_line(err)
    assert code == 2 and f"model 's-obj' {ORIGIN} failed" in line, line
    assert "its fit_report_ holds an object at 'a', which no results file can hold" in line
    assert "JSON" not in line and "serializable" not in line, line


def _refused(kind: type, **fields: Any) -> str:
    base: dict[str, Any] = dict(name="x", version=1, description="d", citation="c")
    with pytest.raises(ValueError) as caught:
        kind(**{**base, **fields})
    return str(caught.value)


def test_every_metadata_class_reads_its_fields_one_way() -> None:
    """The same faults in the other classes, through the one reading of
    :mod:`merbench.meta.field_values`: a flag may be numpy's bool, a whole number 2.0, a
    number a Decimal; text where text belongs, a field named when it is not."""
    dataset = DatasetMeta(name="x", version=np.int64(2), description="d", citation="c",
                          provides=["flow_uvos"], generated=np.bool_(True))
    assert (dataset.version, dataset.provides, dataset.generated) == (2, ("flow_uvos",), True)
    assert _refused(DatasetMeta, provides=(1,)) == \
        "DatasetMeta 'x': provides[0] must be a name (text), not 1"
    assert _refused(DatasetMeta, provides=(), license=None) == \
        "DatasetMeta 'x': license must be text, not None"
    feature = FeatureMeta(name="x", version=1, description="d", citation="c", needs=("a",),
                          shape=(np.int64(3), 28.0))
    assert feature.shape == (3, 28)
    assert _refused(FeatureMeta, needs="ab") == \
        "FeatureMeta 'x': needs must be a tuple of names (texts), not 'ab'"
    assert _refused(FeatureMeta, needs=(), shape=(3, 0)) == \
        "FeatureMeta 'x': shape[1] must be a whole number >= 1, not 0"
    protocol = ProtocolMeta(name="x", version=1, description="d", citation="c",
                            subject_independent=np.bool_(False))
    assert protocol.subject_independent is False
    videos = LongVideoMeta(name="x", version=1, description="d", citation="c",
                           fps=Decimal("200"), blinks=np.bool_(True))
    assert (videos.fps, videos.blinks) == (200.0, True)
    assert _refused(LongVideoMeta, fps=30, emotions="yes") == \
        "long-video dataset 'x': emotions must be True or False, not 'yes'"
    spotter = SpotterMeta(name="x", version=1, description="d", citation="c",
                          tuned=(("p", (Decimal("0.5"), np.float64(0.25))),))
    assert spotter.tuned == (("p", (0.5, 0.25)),)
    assert _refused(SpotterMeta, tuned=(("p", (Decimal("NaN"),)),)) == \
        "spotter 'x': tuned option 'p' needs one or more finite numbers, not (NaN)"
    with pytest.raises(ValueError, match=r"^a reduced setting needs why to be text, not 5$"):
        ReducedSetting(epochs=2, why=5)
    assert TrainRecipe(epochs=np.int64(100_000), batch_size=65_536, lr=Decimal("1e3")).epochs \
        == 100_000
