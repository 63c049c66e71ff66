"""Refusals whose words did not fit what the user had given (issue 84, pass 84aj).

AJ13: a timm model's ``pretrained_path`` naming an empty, text or non-state-dict file was
refused in Python's, torch's or safetensors' words ("list index out of range", torch's
advice on unsafe pickle fallbacks cut mid-word, "header too small"); it is read by the
checker ``run --weights`` uses, so each is one line in merbench's words.

AJ12: ``predict -d video --dataset-opt path=FOLDER`` without a frame rate was told to "give
--fps", which that form refuses; the option it takes is named beside predict PATH's flag.

AJ15: ``run --resume DIR --data-root OTHER_COPY`` blamed run.json ("disagrees with itself")
and advised restoring it or starting again, when only the data copy differed; said as
``predict --from-run`` says it.
"""

from __future__ import annotations

import pickle
import re
import struct
from pathlib import Path

import pytest
import torch
from conftest import run_cli

from merbench.base.errors import MerbenchError
from merbench.cli.run_command import _refuse_edited_run_file
from merbench.plugin_system.manager import default_plugins
from merbench.results.rundir import DifferentRun

#: words of the readers' own that once reached the user
LIBRARY_WORDS = ("list index", "RuntimeError", "SafetensorError", "weights_only",
                 "header too small", "pickle globals", "Error while")


def _pretrained_refusal(path: Path) -> str:
    entry = default_plugins().registries.models.get("timm-resnet18")
    with pytest.raises(MerbenchError) as caught:
        entry.create("model", num_classes=3, pretrained_path=str(path))
    said = str(caught.value)
    assert "\n" not in said and not any(words in said for words in LIBRARY_WORDS), said
    return said


def _written(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("name", "content", "said"), [
    ("empty.pth", b"", r"empty\.pth is empty \(0 bytes\); copy or save it again"),
    ("README.md", b"# The data\nhello\n", r"README\.md is a text file, not a torch checkpoint "
                                          r"\(it begins '# The data'\)"),
    ("text.safetensors", b"hello", r"text\.safetensors is a text file, not a safetensors file "
                                   r"\(it begins 'hello'\); give the file safetensors"),
    ("empty.safetensors", b"", r"empty\.safetensors is empty \(0 bytes\)"),
    ("long.safetensors", struct.pack("<Q", 10**6) + b"\x00\xff" * 8,
     r"long\.safetensors is not a safetensors file: its first 8 bytes give a header of "
     r"1,000,000 bytes, and 16 follow them"),
    ("table.safetensors", struct.pack("<Q", 4) + b"\xff\xfe\x00\x01",
     r"table\.safetensors is not a safetensors file: its header is not a JSON table"),
    ("pick.pth", pickle.dumps({"a": [1, 2]}), r"pick\.pth is a pickle that torch cannot read"),
])
def test_a_pretrained_path_no_weights_are_in_is_said_in_merbench_words(
        tmp_path: Path, name: str, content: bytes, said: str) -> None:
    path = _written(tmp_path, name, content)
    found = _pretrained_refusal(path)
    assert found.startswith("timm-resnet18: pretrained_path "), found
    assert re.search(said, found), found


def test_a_pretrained_path_that_holds_no_state_dict_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "lists.pth"
    torch.save({"a": [1, 2]}, path)
    said = _pretrained_refusal(path)
    assert "lists.pth holds no state dict (a dict of parameter names to tensors) but a dict " \
           "of 1 entry with no tensor (its keys: 'a'); save one with " \
           "torch.save(model.state_dict(), path)" in said, said


def test_a_folder_given_by_dataset_opt_path_is_told_the_option_for_its_frame_rate(
        tmp_path: Path) -> None:
    """AJ12: ``predict -d video --dataset-opt path=FOLDER`` was told to "give --fps", which
    that form refuses; the option it takes is named, and taking it gets past the refusal."""
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "img001.jpg").write_bytes(b"")
    given = ("predict", "-d", "video", "--dataset-opt", f"path={folder}")
    code, _, err = run_cli(*given, "--out", tmp_path / "p")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "a folder of frames has no frame rate; give --fps N with PATH, or --dataset-opt " \
           "fps=N with --dataset video (e.g. 200 for CASME II" in err, err
    code, _, err = run_cli(*given, "--dataset-opt", "fps=30", "--out", tmp_path / "p")
    assert code == 2 and "frame rate" not in err and "--fps" not in err, err


def _identity(fingerprint: str, subjects: str = "1,2,3") -> dict[str, object]:
    return {"model": {"name": "ststnet", "version": 1, "options": {}},
            "dataset": {"name": "casme2", "version": 1, "options": {"subjects": subjects},
                        "fingerprint": fingerprint}}


def test_resume_from_another_copy_of_the_data_names_the_copy_not_run_json(
        tmp_path: Path) -> None:
    """Only the fingerprint of the data read differs: no recorded option does, so run.json
    is not what is wrong, and neither restoring it nor starting again would help."""
    other = DifferentRun(tmp_path, _identity("94321d06892eae8f"), _identity("0c5502c3c9b30222"))
    with pytest.raises(MerbenchError) as caught:
        _refuse_edited_run_file(other, "c2int2", "casme2")
    assert str(caught.value) == (
        "this copy of dataset 'casme2' is not the one c2int2 trained on (fingerprint "
        "94321d06892eae8f, the run's 0c5502c3c9b30222); give --data-root of the copy it used")
    # an option edited in run.json (its fingerprint differing with it) is still said so
    edited = DifferentRun(tmp_path, _identity("94321d06892eae8f", "1,2"),
                          _identity("0c5502c3c9b30222"))
    with pytest.raises(MerbenchError, match=r"^--resume c2int2: its run.json disagrees with "
                                            r"itself \(dataset.fingerprint"):
        _refuse_edited_run_file(edited, "c2int2", "casme2")
