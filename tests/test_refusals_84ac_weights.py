"""Pass 84ac, AC1-AC4: authors' checkpoints and ``--weights`` files that ended in torch's
traceback or its text, or were refused naming the wrong party: a converter's tensors of
unexpected shapes (AC1), tensors with no values to read (AC2), a zip that is no torch
archive and the other archives torch cannot read (AC3), a classifier of 0 or 1 rows (AC4).
Each hostile checkpoint is built here with ``torch.save``."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import one_line
from test_authors_weights import _seeded, ststnet_layout
from test_refusals_84y_inputs import run_with_changed_weights

FIX = ("not the floating-point weights torch.save(model.state_dict(), path) writes; give "
       "the checkpoint as it was saved")
AGAIN = "copy it again, or save it again with torch.save(model.state_dict(), path)"


def _authors_ststnet(**changed: torch.Tensor) -> dict[str, torch.Tensor]:
    """The STSTNet authors' state dict (conv1-3, bn1-3, fc; one count of training steps)
    with ``changed`` tensors."""
    return {**{name: torch.tensor(5) if name.endswith("num_batches_tracked") else
               _seeded(name, shape) for name, shape in ststnet_layout().items()}, **changed}


def _convert(cli: Any, tmp_path: Path, state: Any) -> tuple[int, str, Path]:
    """``convert-weights ststnet`` of ``state`` saved as one file: (status, stderr, file)."""
    source = tmp_path / "authors.pth"
    if isinstance(state, bytes):
        source.write_bytes(state)
    else:
        torch.save(state, source)
    code, _, err = cli("convert-weights", "ststnet", source, "--out", tmp_path / "ours.pth")
    if code != 0:
        assert not (tmp_path / "ours.pth").exists()
    return code, err, source


# AC2: tensors that hold no values ------------------------------------------------------

NO_VALUES: list[tuple[Callable[[torch.Tensor], torch.Tensor], str]] = [
    (lambda t: t.to("meta"), "is a meta tensor (a shape with no values)"),
    (lambda t: torch.nested.nested_tensor([t[0], t[1, :7]]),
     "is a nested tensor (tensors of several shapes in one)"),
]


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize(("change", "said"), NO_VALUES, ids=["meta", "nested"])
def test_convert_weights_refuses_a_tensor_with_no_values(tmp_path: Path, cli: Any,
                                                         change: Any, said: str) -> None:
    """AC2: the NaN check called ``.item()`` on a meta tensor: torch's RuntimeError."""
    state = _authors_ststnet()
    state["fc.weight"] = change(state["fc.weight"])
    code, err, source = _convert(cli, tmp_path, state)
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {source}: fc.weight {said}, {FIX}"), err


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize(("change", "said"), NO_VALUES, ids=["meta", "nested"])
def test_run_weights_refuses_a_tensor_with_no_values(tmp_path: Path, cli: Any,
                                                     change: Any, said: str) -> None:
    """AC2: ``run --weights`` reads its files through the same reader."""
    code, err = run_with_changed_weights(tmp_path, cli, "classifier.6.weight", change)
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {tmp_path / 'ours' / 's02.pth'}: classifier.6.weight "
        f"{said}, {FIX}"), err


def test_predict_trains_again_over_a_recogniser_with_a_meta_tensor(tmp_path: Path,
                                                                   cli: Any) -> None:
    """AC2: predict reads its own recogniser.pt (not ``--weights``): one holding a meta
    tensor, under a record whose digest matches it, is trained again, never a traceback."""
    import hashlib

    small = ("--dataset-opt", "subjects=3", "--dataset-opt", "databases=1",
             "--dataset-opt", "samples_per_subject=3")
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--threads", "1", *small, "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    video = ("-d", "synthetic-long", "--video", "synthetic-long/sub01/v1", "--from-run",
             tmp_path / "run", "--out", tmp_path / "p", "--quiet")
    code, _, err = cli("predict", *video)
    assert code == 0, err
    weights, record = tmp_path / "p" / "recogniser.pt", tmp_path / "p" / "recogniser.json"
    state = torch.load(weights, weights_only=True)
    torch.save({**state, "fc.weight": state["fc.weight"].to("meta")}, weights)
    kept = json.loads(record.read_text())
    kept["weights_sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    record.write_text(json.dumps(kept))
    code, _, err = cli("predict", *video)
    assert code == 0 and "Traceback" not in err, err
    assert torch.load(weights, weights_only=True)["fc.weight"].device.type == "cpu"


# AC3: zip archives torch cannot read -----------------------------------------------------

def _rezipped(state: dict[str, torch.Tensor], *, drop: str = "",
              replace: tuple[str, bytes] | None = None) -> bytes:
    """``state`` as ``torch.save`` writes it, its records ending in ``drop`` left out and
    the record ending in ``replace[0]`` given ``replace[1]``."""
    written = io.BytesIO()
    torch.save(state, written)
    buffer = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            if drop and name.endswith(drop):
                continue
            content = replace[1] if replace and name.endswith(replace[0]) else source.read(name)
            archive.writestr(name, content)
    return buffer.getvalue()


def _junk_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("junk/data.pkl", b"hello")
        archive.writestr("x", b"y")
    return buffer.getvalue()


INDEX = "is a damaged torch archive (complete, but its index of tensors, archive/data.pkl, "
UNREADABLE: list[tuple[Callable[[], bytes], str]] = [
    (_junk_zip, "is a zip archive but no torch checkpoint (it has no version record, which "
                "torch.save writes); give the .pth file torch.save wrote"),
    (lambda: _rezipped(_authors_ststnet(), drop="/version"),
     "is a zip archive but no torch checkpoint (it has no version record, which torch.save "
     "writes); give the .pth file torch.save wrote"),
    (lambda: _rezipped(_authors_ststnet(), drop="/data/0"),
     "is a damaged torch archive (complete, but a tensor's record under archive/data/ is "
     f"missing or of another size than its index says); {AGAIN}"),
    (lambda: _rezipped(_authors_ststnet(), replace=("/data/0", b"abc")),
     "is a damaged torch archive (complete, but a tensor's record under archive/data/ is "
     f"missing or of another size than its index says); {AGAIN}"),
    # cut inside the name of torch's rebuild function: was "code-bearing ... _rebuild_t"
    (lambda: _rezipped(_authors_ststnet(), replace=(
        "/data.pkl", _rezipped_index()[:50])), f"{INDEX}is cut short or garbled); {AGAIN}"),
    (lambda: _rezipped(_authors_ststnet(), replace=("/byteorder", b"middle")),
     f"is a damaged torch archive (its byteorder record is garbled); {AGAIN}"),
    (lambda: _rezipped(_authors_ststnet(), replace=("/version", b"v3\n")),
     f"is a damaged torch archive (its version record is garbled); {AGAIN}"),
    (lambda: _rezipped(_authors_ststnet(), replace=("/version", b"99\n")),
     f"is a torch archive of version 99, newer than the version 3 torch {torch.__version__} "
     "writes, and this torch cannot read it; upgrade torch to the one that saved it"),
]


def _rezipped_index() -> bytes:
    """The pickled index ``torch.save`` writes for the authors' STSTNet."""
    with zipfile.ZipFile(io.BytesIO(_rezipped(_authors_ststnet()))) as archive:
        return archive.read("archive/data.pkl")


@pytest.mark.parametrize(("content", "said"), UNREADABLE,
                         ids=["junk-zip", "no-version", "no-storage", "short-storage",
                              "cut-index", "byteorder", "version-garbled", "version-newer"])
def test_an_archive_torch_cannot_read_is_said_in_merbenchs_words(
        tmp_path: Path, cli: Any, content: Callable[[], bytes], said: str) -> None:
    """AC3: torch's C++ text (``Expected hasRecord("version") to be true``, a miniz error,
    a record size) was relayed, cut mid-word at 120 characters."""
    code, err, source = _convert(cli, tmp_path, content())
    assert code == 2 and one_line(err) == f"merbench: error: checkpoint {source} {said}", err
    for torchs in ("hasRecord", "PytorchStreamReader", "miniz", "record size", "Error"):
        assert torchs not in err


# AC1: tensors of unexpected shapes in an authors' checkpoint ------------------------------

THEIRS = "is this a checkpoint of their STSTNet?"
SHAPES: list[tuple[dict[str, torch.Tensor], str]] = [
    ({"conv1.weight": torch.rand(3, 3, 5, 5)},
     "conv1.weight has shape (3, 3, 5, 5), but STSTNet's conv1.weight, conv2.weight and "
     "conv3.weight are joined into one tensor and must agree beyond their first dimension "
     f"(conv2.weight: (5, 3, 3, 3)); {THEIRS}"),
    ({"conv2.bias": torch.tensor(0.5)},
     "conv2.bias is a single value (shape ()), but STSTNet's conv1.bias, conv2.bias and "
     f"conv3.bias are joined along their first dimension; {THEIRS}"),
    # one of the three of whole numbers: joined, torch made it floats unsaid
    ({"conv1.weight": torch.ones(3, 3, 3, 3, dtype=torch.int32)},
     f"conv1.weight holds whole-number values (int32), {FIX}"),
    ({"bn2.num_batches_tracked": torch.tensor([5, 5, 5])},
     "bn2.num_batches_tracked has shape (3,) (int64), but STSTNet's count of training steps "
     f"is one whole number; {THEIRS}"),
    ({name: torch.tensor(5.5) for name in ("bn1.num_batches_tracked",
                                           "bn2.num_batches_tracked",
                                           "bn3.num_batches_tracked")},
     "bn1.num_batches_tracked holds 5.5, but STSTNet's count of training steps is one whole "
     f"number; {THEIRS}"),
    ({"fc.weight": torch.rand(1, 3, 400)},
     "its classifier fc.weight has shape (1, 3, 400), but model 'ststnet' has it as "
     "(CLASSES, 400); is it a checkpoint of ststnet?"),
    ({"fc.weight": torch.tensor(0.5)},
     "its classifier fc.weight has shape (), but model 'ststnet' has it as (CLASSES, 400); "
     "is it a checkpoint of ststnet?"),
]


@pytest.mark.parametrize(("changed", "said"), SHAPES,
                         ids=["kernel", "scalar-bias", "int-stream", "counts", "count-5.5",
                              "classifier-3d", "classifier-scalar"])
def test_an_authors_tensor_of_another_shape_is_named_with_its_shape(
        tmp_path: Path, cli: Any, changed: dict[str, torch.Tensor], said: str) -> None:
    """AC1: conv1.weight 5x5 beside 3x3 ended in torch.cat's RuntimeError, a count of three
    values in int()'s, a scalar classifier in an IndexError; the others were converted."""
    code, err, source = _convert(cli, tmp_path, _authors_ststnet(**changed))
    assert code == 2 and one_line(err) == f"merbench: error: checkpoint {source}: {said}", err


# AC4: a classifier of fewer than two rows ---------------------------------------------------

@pytest.mark.parametrize("rows", [0, 1])
def test_a_classifier_of_fewer_than_two_classes_names_the_checkpoint(
        tmp_path: Path, cli: Any, rows: int) -> None:
    """AC4: 0 rows were refused as a ``num_classes`` the user never gave (convert-weights
    takes none), and 1 row converted, for ``create_model(num_classes=1)``."""
    state = _authors_ststnet(**{"fc.weight": torch.rand(rows, 400), "fc.bias": torch.rand(rows)})
    code, err, source = _convert(cli, tmp_path, state)
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {source}: its classifier fc.weight ({rows}, 400) has "
        + ("1 row, so 1 class" if rows else "0 rows, so 0 classes")
        + ", and a classifier needs at least 2; is it a checkpoint of a trained ststnet?"), err
    assert "num_classes" not in err


# AC9: a size option beyond any number of elements ----------------------------------------

def test_convert_weights_says_a_model_too_large_to_build_as_run_does(tmp_path: Path,
                                                                    cli: Any) -> None:
    """AC9: built on the meta device, HTNet of dim=1000000000 failed with torch's "Storage
    size calculation overflowed with sizes=[...]", relayed, where ``run`` said the fault."""
    source = tmp_path / "authors.pth"
    torch.save(_authors_ststnet(), source)
    code, _, err = cli("convert-weights", "htnet", source, "--out", tmp_path / "ours.pth",
                       "--model-opt", "dim=1000000000")
    assert code == 2 and one_line(err) == (
        "merbench: error: model 'htnet' cannot be built with dim=1000000000: it would need "
        "more memory than this machine has; give a smaller dim"), err
    assert not (tmp_path / "ours.pth").exists()


# AC12: an authors' key the file lacks --------------------------------------------------------

@pytest.mark.parametrize("options", [(), ("--model-opt", "padding=2")], ids=["plain", "padding"])
def test_a_missing_authors_key_is_named_as_the_file_names_it(tmp_path: Path, cli: Any,
                                                             options: tuple[str, ...]) -> None:
    """AC12: a file without conv2.bias was refused as missing ``conv.bias`` (merbench's
    joined name) with advice to give a --model-opt, which no option fixes."""
    state = _authors_ststnet()
    del state["conv2.bias"]
    source = tmp_path / "authors.pth"
    torch.save(state, source)
    code, _, err = cli("convert-weights", "ststnet", source, "--out", tmp_path / "ours.pth",
                       *options)
    assert code == 2 and one_line(err) == (
        f"merbench: error: checkpoint {source}: 1 key(s) of the STSTNet authors' layout "
        "(conv1-3, bn1-3, fc) are missing: conv2.bias; is this a complete checkpoint of their "
        "STSTNet? Copy it again"), err


# AC14: a checkpoint the system cannot read -----------------------------------------------------

@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux's /proc")
def test_a_checkpoint_that_cannot_be_read_is_named_with_the_systems_reason(
        tmp_path: Path, cli: Any) -> None:
    """AC14: /proc/self/mem (a regular file whose first bytes give EIO) was said as
    "'merbench convert-weights' failed on a file (an input/output error)": no file named."""
    code, _, err = cli("convert-weights", "ststnet", "/proc/self/mem", "--out",
                       tmp_path / "ours.pth")
    assert code == 2 and one_line(err) == (
        "merbench: error: checkpoint /proc/self/mem could not be read (an input/output "
        "error); copy it again, or give the .pth file torch.save wrote"), err
