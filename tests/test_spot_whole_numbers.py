"""``merbench spot`` takes a whole number in any spelling, as ``run`` does (walk 85l): its
long-video dataset's ``subjects=2.0`` was recorded as 2.0, another configuration than
``subjects=2``, and the spotter refused ``--spotter-opt grid=6.0`` ("not 6.0")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_spot_reads_whole_numbers_in_any_spelling(tmp_path: Path, cli: Any) -> None:
    spot = ["spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
            "--dataset-opt", "videos_per_subject=1", "--quiet", "--out", tmp_path / "s"]
    code, _, err = cli(*spot, "--dataset-opt", "subjects=2.0", "--spotter-opt", "grid=6.0")
    assert code == 0, err
    recorded = json.loads((tmp_path / "s" / "spot-run.json").read_text())
    assert recorded["dataset"]["options"]["subjects"] == 2
    assert isinstance(recorded["dataset"]["options"]["subjects"], int)
    # the same configuration spelt plainly goes on in the same folder
    code, _, err = cli(*spot, "--dataset-opt", "subjects=02", "--spotter-opt", "grid=6")
    assert code == 0, err
    code, _, err = cli(*spot, "--dataset-opt", "subjects=2", "--spotter-opt", "grid=6.5")
    assert code == 2 and "grid" in err, err


def test_spot_records_its_options_as_run_does(tmp_path: Path, cli: Any) -> None:
    """A whole number as the int and an option at its default left out, in spot-run.json
    and spotting.json alike: grid=6.0 was recorded 6.0 (flow-peak's options were hidden in
    ``**options``), another configuration than grid=6, and synthetic-long's subjects=3 (its
    default) "another configuration (dataset.options.subjects: 3 here, not set there)"."""
    spot = ["spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
            "--dataset-opt", "videos_per_subject=1", "--quiet", "--out", tmp_path / "s"]
    code, _, err = cli(*spot, "--spotter-opt", "grid=4.0")
    assert code == 0, err
    for name in ("spot-run.json", "spotting.json"):
        recorded = json.loads((tmp_path / "s" / name).read_text())
        assert recorded["spotter"]["options"] == {"grid": 4}, name
        assert type(recorded["spotter"]["options"]["grid"]) is int, name
        assert recorded["dataset"]["options"] == {"videos_per_subject": 1}, name
    code, _, err = cli(*spot, "--spotter-opt", "grid=04", "--dataset-opt", "subjects=3.0")
    assert code == 0 and "another configuration" not in err, err
    assert cli("validate", tmp_path / "s")[0] == 0
