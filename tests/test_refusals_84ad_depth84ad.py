"""Pass 84ad's finding of a count option set huge (``--model-opt pc_depth=1000000000``): the
model was built block by block for ever, on the meta device for ``convert-weights`` as for a
run, and never refused. The shipped models (MMNet, HSTA, HTNet and CausalNet's hierarchy)
now estimate their weights before building anything, and any plugin's model is stopped by
the bytes it registers; both are said as a model too large to allocate is."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import one_line
from torch import nn

from merbench.base import memory
from merbench.base.errors import MerbenchError, TooLargeToBuild
from merbench.meta import ModelMeta, TrainRecipe
from merbench.plugin_system.entry import Entry, Origin

TINY = ["--quiet", "--epochs", "1", "--threads", "1", "--dataset-opt", "subjects=2",
        "--dataset-opt", "databases=1", "--dataset-opt", "samples_per_subject=3"]
WORDS = ("cannot be built with {opt}=1000000000: it would need more memory than this machine "
         "has; give a smaller {opt}")


def test_convert_weights_refuses_a_billion_mmnet_blocks_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    """Built on the meta device, the billion blocks were never finished."""
    monkeypatch.chdir(tmp_path)
    Path("authors.pth").write_bytes(b"PK\x03\x04 not a checkpoint")
    started = time.monotonic()
    code, _, err = cli("convert-weights", "mmnet", "authors.pth", "--out", "ours.pth",
                       "--model-opt", "pc_depth=1000000000")
    assert code == 2 and one_line(err) == (
        "merbench: error: model 'mmnet' " + WORDS.format(opt="pc_depth")), err
    assert time.monotonic() - started < 60  # imports torch and timm on a busy machine
    assert not Path("ours.pth").exists()


def test_a_run_refuses_a_billion_htnet_blocks_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    code, out, err = cli("run", "-m", "htnet", "-d", "synthetic", *TINY, "--model-opt",
                         "block_repeats=1000000000", "--out", "r")
    assert code == 2, (out, err)
    assert time.monotonic() - started < 60
    assert one_line(err) == ("merbench: error: model 'htnet' "
                             + WORDS.format(opt="block_repeats")
                             + "; no fold had finished, so nothing was kept"), err
    assert not Path("r").exists()


@pytest.mark.parametrize(("model", "option"), [("hsta", "depth"), ("hsta", "s_blocks"),
                                               ("hsta-release", "depth"),
                                               ("causalnet", "block_repeats"),
                                               ("mmnet-3class", "pc_depth")])
def test_the_models_estimate_before_building(model: str, option: str) -> None:
    from merbench import create_model

    started = time.monotonic()
    with pytest.raises(MerbenchError, match=WORDS.format(opt=option)):
        create_model(model, **{option: 1_000_000_000})
    assert time.monotonic() - started < 60  # the first imports timm on a busy machine


def test_an_estimate_within_memory_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimate is a lower bound of what is built: the defaults pass, and the same model
    is refused once the machine is said to have less memory than its blocks take."""
    from merbench import create_model

    assert isinstance(create_model("htnet", block_repeats=[1, 1, 1], dim=8), nn.Module)
    monkeypatch.setattr(memory, "machine_memory", lambda: 1000.0)
    with pytest.raises(MerbenchError, match=r"cannot be built with block_repeats=\[1, 1, 1\], "
                                          r"dim=8: .*; give smaller sizes"):
        create_model("htnet", block_repeats=[1, 1, 1], dim=8)


def _endless_blocks(num_classes: int = 3) -> nn.Module:
    """A third-party model that checks nothing: blocks appended until the count runs out,
    here never."""
    model = nn.Sequential()
    while True:
        model.append(nn.Linear(64, 64))


def test_any_plugins_model_is_stopped_by_the_bytes_it_registers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "machine_memory", lambda: 1e6)
    meta = ModelMeta(name="endless", version=1, description="d", citation="none",
                     feature="flow-uvos", recipe=TrainRecipe(epochs=1, batch_size=8, lr=0.1))
    entry = Entry(meta, _endless_blocks, Origin("p", "pkg", "1"))
    started = time.monotonic()
    with pytest.raises(TooLargeToBuild) as refused:
        entry.create("model", num_classes=3)
    assert time.monotonic() - started < 30
    assert str(refused.value) == ("model 'endless' of plugin 'p' (package pkg 1) ran out of "
                                  "memory while being built, with no options given; free "
                                  "memory, or report it to the authors of pkg, or skip the "
                                  "plugin with --no-plugin p")


def test_the_count_ends_with_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what is registered inside a build is counted, and the hooks go with it."""
    monkeypatch.setattr(memory, "machine_memory", lambda: 0.0)
    with pytest.raises(TooLargeToBuild), memory.weights_counted():
        nn.Linear(4, 4)
    assert isinstance(nn.Linear(4, 4), nn.Module)


def test_weights_in_this_machines_memory_count_against_what_is_free(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """By the machine's whole memory, a build allocating for real took all of it before the
    refusal; the meta device allocates nothing, so there the whole memory is the bound."""
    import torch

    monkeypatch.setattr(memory, "memory_free", lambda: 10_000.0)
    with pytest.raises(TooLargeToBuild), memory.weights_counted():
        nn.Linear(64, 64)  # 16 KiB of weights
    with torch.device("meta"), memory.weights_counted():
        assert isinstance(nn.Linear(64, 64), nn.Module)
    monkeypatch.undo()
    assert 0 < memory.memory_free() <= memory.machine_memory() * 2  # swap may add to it
