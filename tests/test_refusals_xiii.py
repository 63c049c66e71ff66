"""Refusals of the adversarial pass of issue 84d that belong to no other module: validate
handed ``merbench predict``'s output said "has a layout merbench cannot check (KeyError:
'dataset'); is it a complete merbench result?", Python's words for a folder that is no
result at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.parametrize("given", ["predictions.json", "recogniser.json"])
def test_validate_says_predicts_output_is_no_result(tmp_path: Path, cli, given: str) -> None:
    folder = tmp_path / "predicted"
    folder.mkdir()
    # what merbench predict writes there, in outline: its predictions and its recogniser's
    (folder / "predictions.json").write_text(json.dumps({"kind": "predictions",
                                                          "videos": []}))
    (folder / "recogniser.json").write_text(json.dumps({"model": "ststnet"}))
    code, out, err = cli("validate", folder / given)
    assert code != 0 and "KeyError" not in out + err, out + err
    assert f"{folder / given}: is the output of 'merbench predict' (predictions of new " \
           "videos, with no truth to score them by), not a result merbench checks, shows or " \
           "resumes; give the run its recogniser came from (predict's --from-run)" in err, err


@pytest.mark.parametrize("damage", ["truncated", "null", "nested"])
def test_a_damaged_str_json_is_made_again(examples: dict[str, Path], tmp_path: Path, cli,
                                          damage: str) -> None:
    """Running the same spot --recognise command again over a str.json cut short, null or
    nested refused with "holds the recognition of another recogniser; move it away", where
    docs/spotting.md says that a str.json that does not validate is made again."""
    import shutil

    from conftest import TINY_SPOT

    folder = Path(shutil.copytree(examples["spot-then-recognise summary over seeds"] / "seed-0",
                                  tmp_path / "spotted", symlinks=False))
    path = folder / "str.json"
    path.write_bytes({"truncated": path.read_bytes()[:100], "null": b"null",
                      "nested": b"[" * 200_000 + b"]" * 200_000}[damage])
    code, out, err = cli("spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1",
                         "--seed", "0", "--out", folder)
    assert code == 0 and "another recogniser" not in err, out + err
    assert cli("validate", folder)[0] == 0
