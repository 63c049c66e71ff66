"""The handcrafted SVMs: C searched on training subjects only, recorded per fold, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from merbench_handcrafted.svm import BIWOOF_CS, SubjectSearchSVC

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.meta import DatasetMeta
from merbench.plugin_system.manager import load_plugins
from merbench.verification.validate import validate_run

SMALL = {"subjects": 4, "samples_per_subject": 8}


class _ApexFaces:
    """A dataset with apex faces: each class has its own texture, plus noise."""

    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        def make(subjects: int = 4, per_subject: int = 6) -> InMemoryDataset:
            rng = np.random.default_rng(0)
            n = subjects * per_subject
            labels = np.arange(n) % 3
            samples = pd.DataFrame({
                "sample_id": [f"f{i:03d}" for i in range(n)], "database": "faces",
                "subject": [f"s{i // per_subject}" for i in range(n)], "label": labels})
            x = np.arange(48)
            textures = [np.sin(x / 2)[None, :] * np.ones((48, 1)),       # vertical stripes
                        np.sin(x / 2)[:, None] * np.ones((1, 48)),       # horizontal stripes
                        np.sin((x[:, None] + x[None, :]) / 3)]           # diagonal
            faces = np.stack([np.clip(128 + 60 * textures[c] + rng.normal(0, 25, (48, 48)),
                                      0, 255) for c in labels]).astype(np.uint8)
            return InMemoryDataset("apex-faces", samples, ("negative", "positive", "surprise"),
                                   {"apex_face": faces})

        registry.add(DatasetMeta(name="apex-faces", version=1, description="test faces",
                                 citation="none: generated", provides=("apex_face",)), make)


@pytest.fixture
def with_faces(monkeypatch: pytest.MonkeyPatch):
    import merbench_handcrafted.plugin as handcrafted

    monkeypatch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    return load_plugins(block=["handcrafted"],
                        extra=[("handcrafted-dev", handcrafted), ("faces", _ApexFaces())])


def test_the_inner_search_never_sees_the_test_subject_and_c_is_recorded(
        handcrafted_plugins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[np.ndarray] = []
    real_fit = SubjectSearchSVC.fit

    def spying(self, X, y, groups=None):
        seen.append(np.asarray(groups))
        fitted = real_fit(self, X, y, groups)
        for train, val in self.search_.cv:  # whole subjects in each inner part
            assert not set(groups[train]) & set(groups[val])
            assert set(groups[train]) | set(groups[val]) == set(groups)
        return fitted

    monkeypatch.setattr(SubjectSearchSVC, "fit", spying)
    out = tmp_path / "biwoof"
    result = merbench.run(model="biwoof-release-svm", dataset="synthetic", out=out,
                          dataset_options=SMALL, plugins=handcrafted_plugins)
    folds = result.results.folds
    assert len(seen) == len(folds) == 4
    for fold, groups in zip(folds, seen, strict=True):
        assert "/".join(fold.key) not in set(groups.tolist())
        assert len(set(groups.tolist())) == 3 and len(groups) == fold.n_train
        report = fold.fit_report
        assert report["C"] in BIWOOF_CS
        assert set(report["inner_scores"]) == {f"{c:g}" for c in BIWOOF_CS}
        assert report["inner_cv"] == "GroupKFold(3) over 3 training subjects"
        assert 1 <= report["inner_splits_used"] <= 3
    validate_run(out)
    stored = json.loads((out / "results.json").read_text())
    assert [f["fit_report"]["C"] for f in stored["folds"]] == [(f.fit_report or {})["C"]
                                                               for f in folds]
    assert stored["feature"]["report"] == {"centre": "median", "all_zero_samples": 0}


def test_the_chosen_c_is_the_best_inner_score() -> None:
    rng = np.random.default_rng(0)
    y = np.tile([0, 1, 2], 20)
    x = rng.normal(size=(60, 5)) + y[:, None] * 0.8
    groups = np.repeat([f"db/s{i}" for i in range(6)], 10)
    model = SubjectSearchSVC(Cs=[10.0, 0.001, 1.0]).fit(x, y, groups)
    scores = model.fit_report_["inner_scores"]
    assert list(scores) == ["0.001", "1", "10"]  # the grid is searched in ascending order
    assert scores[f"{model.fit_report_['C']:g}"] == max(scores.values())
    assert model.predict(x).shape == (60,)


@pytest.mark.parametrize(("options", "message"), [
    ({"Cs": []}, "Cs=\\[\\] lists no value"),
    ({"Cs": [1, -1]}, "Cs=\\[1, -1\\] lists -1, which is not positive"),
    ({"Cs": "many"}, "Cs=many is text"),
    ({"inner_splits": 1}, "inner_splits=1 is not a whole number of 2 or more"),
    ({"class_weight": "auto"}, 'class_weight="auto" is neither "balanced" nor null'),
])
def test_bad_model_options_are_one_clear_error(handcrafted_plugins, tmp_path: Path,
                                               options: dict, message: str) -> None:
    with pytest.raises(MerbenchError, match=message):
        merbench.run(model="biwoof-release-svm", dataset="synthetic", out=tmp_path / "bad",
                     dataset_options={"subjects": 3, "samples_per_subject": 4},
                     model_options=options, plugins=handcrafted_plugins)


def test_fit_without_groups_or_with_one_class_per_split_is_refused() -> None:
    with pytest.raises(MerbenchError, match="groups"):
        SubjectSearchSVC().fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    with pytest.raises(MerbenchError, match="leaves one class only"):
        SubjectSearchSVC().fit(np.zeros((4, 2)), np.array([0, 0, 1, 1]),
                               groups=np.array(["a", "a", "b", "b"]))
    with pytest.raises(MerbenchError, match="only class 1"):
        SubjectSearchSVC().fit(np.zeros((4, 2)), np.array([1, 1, 1, 1]),
                               groups=np.array(["a", "a", "b", "b"]))


def test_a_bad_feature_option_and_a_missing_source_are_clear_errors(
        handcrafted_plugins, tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="centre must be one of"):
        merbench.run(model="biwoof-release-svm", dataset="synthetic", out=tmp_path / "c",
                     feature_options={"centre": "mean"}, plugins=handcrafted_plugins)
    with pytest.raises(MerbenchError, match="needs apex_face"):
        merbench.run(model="lbp-apex-svm", dataset="synthetic", out=tmp_path / "d",
                     plugins=handcrafted_plugins)


def test_lbp_apex_svm_runs_end_to_end_and_learns_textures(with_faces, tmp_path: Path) -> None:
    out = tmp_path / "lbp"
    result = merbench.run(model="lbp-apex-svm", dataset="apex-faces", out=out,
                          plugins=with_faces)
    assert result.results.metrics.overall.uf1 > 0.8  # chance is about 0.33
    assert all("C" in (fold.fit_report or {}) for fold in result.results.folds)
    validate_run(out)


def test_the_cli_runs_a_handcrafted_model(cli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import merbench_handcrafted.plugin as handcrafted

    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("handcrafted-dev", handcrafted)]))
    monkeypatch.setenv("COLUMNS", "300")
    code, out, err = cli("list", "models", "--no-plugin", "handcrafted")
    assert code == 0 and "biwoof-release-svm" in out and "lbp-apex-svm" in out
    code, out, err = cli("run", "-m", "biwoof-release-svm", "-d", "synthetic", "-q",
                         "--no-plugin", "handcrafted", "--dataset-opt", "subjects=3",
                         "--dataset-opt", "samples_per_subject=6", "-o", tmp_path / "cli")
    assert code == 0, err
    assert "feature biwoof-release:" in out
    code, out, err = cli("run", "-m", "biwoof-release-svm", "-d", "synthetic", "-q",
                         "--no-plugin", "handcrafted", "--epochs", "3",
                         "-o", tmp_path / "cli2")
    assert code == 2 and "has no --epochs" in err and "Traceback" not in err


def test_spot_recognise_with_biwoof_svm_trains_on_folds_without_class_1(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``spot --recognise biwoof-svm`` on synthetic-long ended with scikit-learn's own
    "ValueError: pos_label=1 is not a valid label: It should be one of [0 2]" (pass 84l N3):
    a subject's training expressions held classes 0 and 2 only, and the inner search's
    scorer checked f1_score's default pos_label against them. Macro F1 has no positive
    class, so such a fold trains and the run writes its str.json."""
    import merbench_handcrafted.plugin as handcrafted

    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("handcrafted-dev", handcrafted)]))
    code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                       "--quiet", "--no-plugin", "handcrafted", "--recognise", "biwoof-svm",
                       "--out", tmp_path / "str")
    assert code == 0, err
    assert "pos_label" not in err and (tmp_path / "str" / "str.json").exists()
