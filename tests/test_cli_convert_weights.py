"""What ``merbench convert-weights`` says to do with what it wrote, followed literally: a
folder of per-subject checkpoints scores with the printed ``merbench run`` (which carries
the conversion's ``--model-opt``), a single checkpoint loads with the printed Python lines
(``--weights`` cannot score it under LOSO). And a checkpoint of another model is named as
such in one line."""

from __future__ import annotations

import json
import os
import shlex
import textwrap
import zlib
from pathlib import Path

import pytest
import torch

SYNTHETIC = ("--dataset-opt", "subjects=2", "--dataset-opt", "samples_per_subject=3",
             "--dataset-opt", "databases=1")


def _offapexnet_port(seed: str) -> dict[str, torch.Tensor]:
    """A state dict under the Off-TANet port's names (cnn1 / cnn2, dense), seeded by ``seed``."""
    shapes = {"cnn1.conv1.weight": (6, 1, 5, 5), "cnn1.conv1.bias": (6,),
              "cnn1.conv2.weight": (16, 6, 5, 5), "cnn1.conv2.bias": (16,),
              "cnn2.conv1.weight": (6, 1, 5, 5), "cnn2.conv1.bias": (6,),
              "cnn2.conv2.weight": (16, 6, 5, 5), "cnn2.conv2.bias": (16,),
              "dense.0.weight": (1024, 1568), "dense.0.bias": (1024,),
              "dense.3.weight": (1024, 1024), "dense.3.bias": (1024,),
              "dense.6.weight": (3, 1024), "dense.6.bias": (3,)}
    generator = torch.Generator().manual_seed(zlib.crc32(seed.encode()))
    return {name: torch.randn(shape, generator=generator) * 0.05
            for name, shape in shapes.items()}


def test_a_folder_prints_the_run_with_the_conversions_model_options(tmp_path: Path,
                                                                    cli) -> None:
    for subject in ("s01", "s02"):  # the synthetic dataset's subjects
        (tmp_path / "port").mkdir(exist_ok=True)
        torch.save(_offapexnet_port(subject), tmp_path / "port" / f"{subject}.pth")
    code, out, err = cli("convert-weights", "offapexnet", tmp_path / "port", "--out",
                         tmp_path / "ours", "--model-opt", "conv_activation=none")
    assert code == 0, err
    hint = out.splitlines()[-1]
    assert hint == ("score them, one a LOSO test subject, with: merbench run --model "
                    f"offapexnet --weights {tmp_path / 'ours'} --model-opt "
                    "conv_activation=none --dataset D --data-root PATH")
    command = shlex.split(hint.split("with: ", 1)[1])
    assert command[:2] == ["merbench", "run"]
    arguments = command[2:command.index("--dataset")]
    code, _, err = cli("run", *arguments, "--dataset", "synthetic", *SYNTHETIC,
                       "--device", "cpu", "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["model"]["options"] == {"conv_activation": "none"}
    assert results["weights"]["dir"] == str(tmp_path / "ours")


def test_a_file_prints_python_lines_that_load_it_strictly(tmp_path: Path, cli) -> None:
    torch.save(_offapexnet_port("one"), tmp_path / "port.pth")
    code, out, err = cli("convert-weights", "offapexnet", tmp_path / "port.pth", "--out",
                         tmp_path / "ours.pth", "--model-opt", "conv_activation=none")
    assert code == 0, err
    lines = out.splitlines()
    told = next(i for i, line in enumerate(lines) if line.endswith("Load it in Python:"))
    assert "--weights reads a folder of one checkpoint per LOSO test subject" in lines[told]
    assert "merbench run" not in out  # nothing that would score it under LOSO
    code_lines = textwrap.dedent("\n".join(lines[told + 1:]))
    assert 'create_model(\'offapexnet\', num_classes=3, conv_activation=\'none\')' in code_lines
    namespace: dict[str, object] = {}
    exec(code_lines, namespace)  # the printed lines, as a user runs them
    model = namespace["model"]
    assert isinstance(model, torch.nn.Module)
    streams = [*model.get_submodule("u_stream").modules(),
               *model.get_submodule("v_stream").modules()]
    assert not any(isinstance(layer, torch.nn.ReLU) for layer in streams)  # the port's
    assert torch.equal(model.state_dict()["classifier.6.weight"],
                       _offapexnet_port("one")["dense.6.weight"])


def test_another_models_checkpoint_is_named_as_such(tmp_path: Path, cli) -> None:
    """An RCN-A checkpoint converted as htnet (whose names are its authors'): the converted
    state lacks HTNet's classifier, which the message names instead of blaming the model."""
    rcn = {"conv1.0.weight": torch.zeros(64, 3, 5, 5), "classifier.weight": torch.zeros(3, 3136)}
    torch.save(rcn, tmp_path / "rcn.pth")
    code, out, err = cli("convert-weights", "htnet", tmp_path / "rcn.pth", "--out",
                         tmp_path / "out.pth")
    assert code == 2 and err.count("\n") == 1 and not out
    assert f"checkpoint {tmp_path / 'rcn.pth'} lacks the classifier 'mlp_head.2.weight' of " \
           "model 'htnet': is it a checkpoint of htnet?" in err
    assert "Traceback" not in err and not (tmp_path / "out.pth").exists()


def test_out_never_replaces_a_file_unasked(tmp_path: Path, cli) -> None:
    """``--out notes.txt`` replaced the notes with a zip; only --force replaces a file."""
    torch.save(_offapexnet_port("one"), tmp_path / "port.pth")
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    convert = ("convert-weights", "offapexnet", tmp_path / "port.pth", "--out", notes)
    code, out, err = cli(*convert)
    assert code == 2 and not out and err.count("\n") == 1, err
    assert err == (f"merbench: error: --out {notes} exists; merbench does not replace a file "
                   "unasked: give --force to replace it, or choose another --out\n")
    assert notes.read_text() == "keep me\n"
    code, _, err = cli(*convert, "--force")
    assert code == 0, err
    assert set(torch.load(notes)) >= {"classifier.6.weight"}


@pytest.mark.parametrize("folder", [False, True], ids=["a-file", "a-folder"])
def test_out_in_a_result_folder_is_refused(tmp_path: Path, cli, folder: bool) -> None:
    """A checkpoint written into a run's folder is a stranger that makes it rejected."""
    (tmp_path / "port").mkdir()
    torch.save(_offapexnet_port("s01"), tmp_path / "port" / "s01.pth")
    result = tmp_path / "r2"
    result.mkdir()
    (result / "run.json").write_text("{}")
    source = tmp_path / "port" if folder else tmp_path / "port" / "s01.pth"
    code, out, err = cli("convert-weights", "offapexnet", source, "--out", result)
    assert code == 2 and not out and err.count("\n") == 1, err
    assert f"--out {result} is the folder of a merbench result (it holds run.json), whose " \
           "files are its own; give a new " in err, err
    assert sorted(p.name for p in result.iterdir()) == ["run.json"]


def test_weights_holding_nan_are_refused(tmp_path: Path, cli) -> None:
    state = _offapexnet_port("one")
    state["dense.6.weight"][:] = float("nan")
    torch.save(state, tmp_path / "port.pth")
    code, out, err = cli("convert-weights", "offapexnet", tmp_path / "port.pth", "--out",
                         tmp_path / "ours.pth")
    assert code == 2 and not out and err.count("\n") == 1, err
    assert f"checkpoint {tmp_path / 'port.pth'}: dense.6.weight holds NaN in 3,072 of its " \
           "3,072 values; weights like these come from a training that diverged" in err, err
    assert not (tmp_path / "ours.pth").exists()


@pytest.mark.parametrize(("make", "said"), [
    (os.mkfifo, "is a fifo"), (lambda p: os.symlink("/dev/zero", p), "is a character device"),
], ids=["fifo", "device"])
def test_a_source_that_is_no_file_is_said_as_what_it_is(tmp_path: Path, cli, make,
                                                       said: str) -> None:
    make(tmp_path / "w.pth")
    code, _, err = cli("convert-weights", "offapexnet", tmp_path / "w.pth", "--out",
                       tmp_path / "ours.pth")
    assert code == 2 and err.count("\n") == 1, err
    assert err == (f"merbench: error: {tmp_path / 'w.pth'} {said}, not a regular file; give a "
                   "regular file as the checkpoint\n")
