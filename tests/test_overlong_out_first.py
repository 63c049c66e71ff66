"""An overlong ``--out`` is refused in merbench's words, naming --out and the kind of folder
to give instead, before anything looks inside it: looking for a result file under another
kind's name there first raised the system's "File name too long" with neither."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY_RUN, TINY_SPOT

from merbench.results.out_folders import shortened
from tests.test_own_places import _one_line

TUNE_TINY = str(Path(__file__).parents[1] / "examples" / "tune-tiny.toml")


@pytest.mark.parametrize(("command", "example"), [
    (["spot", *TINY_SPOT], "spots/NAME"),
    (["spot", *TINY_SPOT, "--recognise", "ststnet", "--seeds", "0,1"], "spots/NAME"),
    (["tune", TUNE_TINY, "--score", "test"], "runs/NAME"),
    (["run", *TINY_RUN], "runs/NAME"),
], ids=["spot", "spot-seeds", "tune", "run"])
def test_an_overlong_out_is_refused_naming_it(tmp_path: Path, cli,
                                              monkeypatch: pytest.MonkeyPatch,
                                              command: list[str], example: str) -> None:
    monkeypatch.chdir(tmp_path)
    out = "x" * 300
    line = _one_line(*cli(*command, "--out", out)[::2])
    assert line == f"merbench: error: --out {shortened(out)} has a name of 300 bytes, more " \
                   f"than the 255 a folder's name may have; give a shorter folder, such as " \
                   f"{example}", line
    assert list(tmp_path.iterdir()) == []
