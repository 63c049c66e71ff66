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
           "videos, with no truth to score them by), not a result 'merbench validate' " \
           "checks; validate the run its recogniser came from (predict's --from-run)" in err, err
