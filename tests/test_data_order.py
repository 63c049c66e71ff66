"""The training recipe's data order: reshuffled every epoch (merbench's default), the
samples as the table lists them, or as the HTNet and STSTNet authors' loader feeds them
(class by class, each class's files by name), the last two never shuffled."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import merbench
from merbench.meta import TrainRecipe
from merbench.training.torch_trainer import epoch_order, train_fold


def test_an_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="data_order must be one of shuffle, listed, authors"):
        TrainRecipe(epochs=1, batch_size=4, lr=0.1, data_order="sorted")


def test_listed_feeds_the_rows_in_order_and_leaves_the_generator_alone() -> None:
    generator = torch.Generator().manual_seed(0)
    before = generator.get_state()
    for _ in range(3):
        assert epoch_order(7, "listed", generator).tolist() == list(range(7))
    assert torch.equal(generator.get_state(), before)
    first, second = epoch_order(7, "shuffle", generator), epoch_order(7, "shuffle", generator)
    assert sorted(first.tolist()) == list(range(7)) and not torch.equal(first, second)


def _fit(order: str) -> np.ndarray:
    from merbench_cnn.ststnet import STSTNet

    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (48, 3, 28, 28)).astype(np.uint8)
    y = rng.integers(0, 3, 48)
    recipe = TrainRecipe(epochs=6, batch_size=8, lr=1e-3, data_order=order)
    return train_fold(lambda: STSTNet(num_classes=3), recipe, x, y, x[:12], device="cpu",
                      seed=2)


def test_listed_is_deterministic_and_trains_otherwise_than_shuffled() -> None:
    listed = _fit("listed")
    np.testing.assert_array_equal(listed, _fit("listed"))
    assert not np.array_equal(listed, _fit("shuffle"))


def test_the_command_line_order_is_the_runs_and_is_recorded(tmp_path: Path, cli) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "2",
                       "--device", "cpu", "--data-order", "listed", "--out", tmp_path / "r",
                       "--dataset-opt", "subjects=3", "--quiet")
    assert code == 0, err
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["hyperparameters"]["data_order"] == "listed"
    assert results["model"]["recipe"]["data_order"] == "shuffle"  # what STSTNet declares
    stored = json.loads((tmp_path / "r" / "run.json").read_text())
    assert stored["identity"]["hyperparameters"]["data_order"] == "listed"
    code, _, err = cli("run", "--model", "biwoof-release-svm", "--dataset", "synthetic",
                       "--data-order", "listed", "--out", tmp_path / "svm")
    assert code == 2 and "has no --data-order" in err and err.count("\n") == 1


def test_a_listed_run_is_its_own_run(tmp_path: Path) -> None:
    small = {"subjects": 3, "samples_per_subject": 4}
    shuffled = merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                            dataset_options=small, out=tmp_path / "a")
    with pytest.raises(merbench.MerbenchError, match=r"hyperparameters\.data_order"):
        merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                     dataset_options=small, out=shuffled.run_dir, data_order="listed")


def test_the_composite_lists_its_samples_as_the_release_does(real_data: Path,
                                                             plugins) -> None:
    """'listed' is the release's order: the sample table keeps its label file's rows (the
    order the HTNet authors' script reads and never shuffles)."""
    root = real_data / "composite"
    dataset = plugins.registries.datasets.get("composite").create("dataset",
                                                                  data_root=str(root))
    release = pd.read_csv(root / "combined_3_class2_for_optical_flow.csv", dtype=str,
                          keep_default_na=False, encoding="utf-8-sig")
    assert len(release) == len(dataset.samples) == 442
    assert release["sub"].tolist() == dataset.samples["subject"].tolist()
    assert release["filename_o"].tolist() == dataset.samples["clip"].tolist()


def test_authors_feeds_class_by_class_and_files_by_name(real_data: Path, plugins) -> None:
    """The composite's training rows of one fold (all but subject sub01) in the authors'
    order: negative, positive, surprise, each by the flow image's file name, as their
    script lists u_train/<label>/ (sorted: see runner/fold_inputs.authors_order)."""
    from merbench.runner.fold_inputs import authors_order

    dataset = plugins.registries.datasets.get("composite").create(
        "dataset", data_root=str(real_data / "composite"))
    samples = dataset.samples
    labels = samples["label"].to_numpy()
    rows = np.flatnonzero(samples["subject"].to_numpy() != "sub01")
    ordered = authors_order(samples, rows, labels)
    assert sorted(ordered.tolist()) == rows.tolist()
    assert (np.diff(labels[ordered]) >= 0).all()  # class by class
    names = [Path(p).name for p in samples["flow_path"].to_numpy()[ordered]]
    for label in (0, 1, 2):
        in_class = [n for n, y in zip(names, labels[ordered], strict=True) if y == label]
        assert in_class == sorted(in_class) and in_class
    # the first negative by name (a SAMM clip), then the last surprise (a CASME II clip)
    assert (names[0], names[-1]) == ("006_006_1_2 .png", "sub25_EP12_01 .png")
    assert np.bincount(labels[ordered]).tolist() == [248, 108, 83]
    assert not np.array_equal(ordered, rows)  # not the table's (listed) order


def test_an_authors_run_trains_each_fold_in_that_order(tmp_path: Path, monkeypatch) -> None:
    import merbench.training.torch_trainer as trainer

    fed: list[np.ndarray] = []

    def recorded(build, recipe, x_train, y_train, x_test, **options):  # type: ignore
        fed.append(np.asarray(y_train))
        assert recipe.data_order == "authors"
        return np.zeros((recipe.epochs, len(x_test)), dtype=np.int64)

    monkeypatch.setattr(trainer, "train_fold", recorded)
    result = merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                          data_order="authors", out=tmp_path / "r",
                          dataset_options={"subjects": 3, "samples_per_subject": 6})
    assert result.results.hyperparameters.recipe.data_order == "authors"
    assert len(fed) == 3 and all((np.diff(y) >= 0).all() for y in fed)


def test_a_raw_database_feeds_the_release_names_order() -> None:
    """A raw database has no flow_path: its samples go by the file names merbench's export
    writes (the release's ``{sub}_{clip} .png``), so SAMM's ``006_...`` comes before SMIC's
    ``s01_...`` and CASME II's ``sub01_...``, as in the composite release, not by sample id
    (``casme2/...`` first)."""
    from merbench.runner.fold_inputs import authors_order

    ids = ["casme2/sub01/EP02_01f", "smic/s01/s01_ne_01", "samm/006/006_1_2",
           "casme2/sub02/EP01_11f", "samm/007/007_3_1", "smic/s02/s02_po_05"]
    raw = pd.DataFrame({"sample_id": ids, "database": [i.split("/")[0] for i in ids],
                        "subject": [i.split("/")[1] for i in ids]})
    labels = np.array([0, 0, 0, 1, 1, 1])
    rows = np.arange(len(ids))
    ordered = authors_order(raw, rows, labels)
    assert [ids[i] for i in ordered] == [
        "samm/006/006_1_2", "smic/s01/s01_ne_01", "casme2/sub01/EP02_01f",   # negative
        "samm/007/007_3_1", "smic/s02/s02_po_05", "casme2/sub02/EP01_11f"]  # positive
    released = raw.assign(flow_path=[f"STSNet_whole_norm_u_v_os/{i.split('/')[1]}_"
                                     f"{i.split('/')[2]} .png" for i in ids])
    assert authors_order(released, rows, labels).tolist() == ordered.tolist()
    by_id = np.lexsort((np.array(ids), labels))
    assert not np.array_equal(ordered, by_id)  # what the sample ids alone would give
