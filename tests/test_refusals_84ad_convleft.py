"""Two faults of ``merbench convert-weights`` left after pass 84ac (issue 84): a model option
out of range reached the checkpoint's shape check (``image_size=1e9`` said as a classifier
of another shape, with --model-opt advice), where ``merbench run`` refuses the option; and
an authors' key missing from a checkpoint of a converter that renames by prefix (RCN-A,
OFF-ApexNet, MMNet) was named in merbench's names, which the user's file does not hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import one_line
from test_authors_weights import (
    _seeded,
    mmnet_layout,
    offapexnet_layout,
    rcn_layout,
    ststnet_layout,
)

TOO_LARGE = ("merbench: error: model 'ststnet' cannot be built with image_size=1000000000: it "
             "would need more memory than this machine has; give a smaller image_size")


def _save(path: Path, layout: dict[str, tuple[int, ...]], **changed: Any) -> Path:
    torch.save({**{name: torch.tensor(5) if name.endswith("num_batches_tracked") else
                   _seeded(name, shape) for name, shape in layout.items()}, **changed}, path)
    return path


# options checked before the weights are read ------------------------------------------------

@pytest.mark.parametrize("value", ["1e9", "1000000000"])
def test_an_option_too_large_to_build_is_refused_as_run_refuses_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any, value: str) -> None:
    """Built on the meta device, STSTNet of image_size=1e9 was built, and the authors' fc
    (3, 400) was refused as "of another shape" than (3, 444444446222222224)."""
    monkeypatch.chdir(tmp_path)
    _save(Path("authors.pth"), ststnet_layout())
    code, _, err = cli("convert-weights", "ststnet", "authors.pth", "--out", "ours.pth",
                       "--model-opt", f"image_size={value}")
    assert code == 2 and one_line(err) == TOO_LARGE, err
    assert not Path("ours.pth").exists()


def test_an_option_is_refused_before_the_checkpoint_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """A damaged checkpoint was said first, and the option refused only once it was fixed."""
    monkeypatch.chdir(tmp_path)
    Path("authors.pth").write_bytes(b"PK\x03\x04 not a checkpoint")
    for option, said in (("image_size=1e9", TOO_LARGE),
                         ("padding=1e9", "merbench: error: model 'ststnet' cannot be built with "
                          "padding=1000000000: it would need more memory than this machine "
                          "has; give a smaller padding"),
                         ("image_size=0", "merbench: error: ststnet: image_size must be a whole "
                          "number of at least 1 (got 0)")):
        code, _, err = cli("convert-weights", "ststnet", "authors.pth", "--out", "ours.pth",
                           "--model-opt", option)
        assert code == 2 and one_line(err) == said, (option, err)


def test_run_weights_refuses_an_option_too_large_to_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """``run --weights`` checked its checkpoints against the same model on the meta device,
    with the same fault."""
    monkeypatch.chdir(tmp_path)
    Path("authors").mkdir()
    for subject in ("s01", "s02"):
        _save(Path("authors", f"{subject}.pth"), ststnet_layout())
    code, _, err = cli("convert-weights", "ststnet", "authors", "--out", "ours")
    assert code == 0, err
    code, _, err = cli("run", "--model", "ststnet", "--weights", "ours", "--dataset",
                       "synthetic", "--dataset-opt", "subjects=2", "--dataset-opt",
                       "samples_per_subject=3", "--dataset-opt", "databases=1", "--device",
                       "cpu", "--out", "run", "--quiet", "--model-opt", "image_size=1e9")
    assert code == 2 and one_line(err) == TOO_LARGE, err
    assert not Path("run", "results.json").exists()


# an authors' key missing from a renamed checkpoint ------------------------------------------

@pytest.mark.parametrize(("model", "layout", "theirs", "ours"), [
    ("rcn", rcn_layout, "rcls.0.ffconv.1.running_var", "recurrent.feedforward.1.running_var"),
    ("offapexnet", offapexnet_layout, "cnn2.conv2.bias", "v_stream.3.bias"),
    ("offapexnet", offapexnet_layout, "dense.6.weight", "classifier.6.weight"),
    ("mmnet", lambda: mmnet_layout(3, grid=4, widths=(16, 16, 32, 64), stem=24),
     "main_branch.layer2.0.downsample.1.weight", "main_branch.blocks.1.shortcut.1.weight")],
    ids=["rcn", "offapexnet", "offapexnet-classifier", "mmnet"])
def test_a_missing_authors_key_is_named_as_their_file_names_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any, model: str,
        layout: Callable[[], dict[str, tuple[int, ...]]], theirs: str, ours: str) -> None:
    """It was named in merbench's names alone (``v_stream.3.bias``), with advice to give a
    --model-opt; a missing classifier was said as another model's checkpoint."""
    monkeypatch.chdir(tmp_path)
    state = {name: _seeded(name, shape) for name, shape in layout().items()}
    del state[theirs]
    torch.save(state, "authors.pth")
    options = ("--model-opt", "image_size=64", "--model-opt", "widths=[16,16,32,64]",
               "--model-opt", "stem=24") if model == "mmnet" else ()
    code, _, err = cli("convert-weights", model, "authors.pth", "--out", "ours.pth", *options)
    authors = {"rcn": "RCN-A", "offapexnet": "OFF-ApexNet", "mmnet": "MMNet"}[model]
    built = " with image_size=64, widths=[16, 16, 32, 64], stem=24" if options else ""
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint authors.pth: 1 key(s) of the {authors} authors' layout "
        f"that model '{model}'{built} builds are missing: {theirs} (merbench's {ours}); is "
        f"this a complete checkpoint of their {authors}, saved from that configuration? Copy "
        "it again, or convert it as the model (and --model-opt) it was saved from"), err
    assert not Path("ours.pth").exists()


def test_a_renamed_tensor_of_another_shape_is_named_as_their_file_names_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """The shape check named OFF-ApexNet's dense.0.weight as merbench's classifier.0.weight."""
    monkeypatch.chdir(tmp_path)
    torch.save({name: _seeded(name, shape) for name, shape in offapexnet_layout().items()},
               "authors.pth")
    code, _, err = cli("convert-weights", "offapexnet", "authors.pth", "--out", "ours.pth",
                       "--model-opt", "image_size=32")
    assert code == 2 and "dense.0.weight (merbench's classifier.0.weight) (1024, 1568) " \
        "(model: (1024, 2048))" in one_line(err), err
