"""``merbench predict`` goes on in its own ``--out`` when the spotter is set alike: its options
are compared as the spotter takes them (an option at its default is the option left out, a
whole number in any spelling the int), so only a setting that differs keeps off the folder of
another's predictions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

#: flow-peak's ``max_side`` default, spelt as a user may type it
DEFAULT_SPELLINGS = ("max_side=128", "max_side=128.0", "max_side=0128")


@pytest.fixture
def frames(tmp_path: Path) -> Path:
    """A folder of 40 noise frames, too few and too plain for flow-peak to find anything,
    which spotting reads in no time."""
    import cv2

    folder = tmp_path / "fr"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(40):
        cv2.imwrite(str(folder / f"{i:03d}.png"), (rng.random((96, 96)) * 255).astype("uint8"))
    return folder


def _predict(frames: Path, out: Path, *options: str) -> tuple[int, str, str]:
    spotter = [part for option in options for part in ("--spotter-opt", option)]
    return run_cli("predict", frames, "--fps", "30", "--no-face-crop", "--quiet", *spotter,
                   "--out", out)


def _recorded(out: Path) -> dict[str, object]:
    options: dict[str, object] = json.loads((out / "predictions.json").read_text())[
        "spotter"]["options"]
    return options


def test_the_default_spelt_out_goes_on_in_the_same_folder(frames: Path, tmp_path: Path
                                                          ) -> None:
    out = tmp_path / "p"
    code, _, err = _predict(frames, out)
    assert code == 0, err
    for spelling in DEFAULT_SPELLINGS:
        code, _, err = _predict(frames, out, spelling)
        assert code == 0, (spelling, err)
        assert _recorded(out) == {}, spelling  # the default is recorded as left out
    code, _, err = _predict(frames, out, "max_side=64")  # another setting: refused
    assert code == 2, err
    assert err.strip() == f"merbench: error: --out {out} holds the predictions of spotter " \
        "flow-peak with its default options; give each spotter and its options a folder of " \
        "their own", err


def test_options_in_another_spelling_or_order_go_on(frames: Path, tmp_path: Path) -> None:
    out = tmp_path / "p"
    code, _, err = _predict(frames, out, "max_side=64", "micro_k_seconds=0.3")
    assert code == 0, err
    assert _recorded(out) == {"max_side": 64, "micro_k_seconds": 0.3}
    code, _, err = _predict(frames, out, "micro_k_seconds=0.30", "max_side=64")  # reordered
    assert code == 0, err
    code, _, err = _predict(frames, out, "max_side=64.0", "micro_k_seconds=0.3")
    assert code == 0, err
    code, _, err = _predict(frames, out, "max_side=64", "micro_k_seconds=0.35")
    assert code == 2, err
    assert "holds the predictions of spotter flow-peak with max_side=64, " \
        "micro_k_seconds=0.3;" in err, err


def test_options_recorded_as_typed_are_read_as_the_spotter_takes_them(
        frames: Path, tmp_path: Path) -> None:
    """A predictions file that recorded its options as they were typed (the default spelt
    out, a whole number as 128.0) is the same setting as the options left out."""
    out = tmp_path / "p"
    code, _, err = _predict(frames, out)
    assert code == 0, err
    path = out / "predictions.json"
    found = json.loads(path.read_text())
    found["spotter"]["options"] = {"max_side": 128.0}
    path.write_text(json.dumps(found))
    code, _, err = _predict(frames, out)
    assert code == 0, err


def test_a_folder_of_the_first_layout_is_gone_on_with_in_the_second(
        frames: Path, tmp_path: Path) -> None:
    """Layout 1 recorded the spotter's options as typed and no recogniser's protocol; no
    command reads it as a record, so predict into its folder writes layout 2 over it."""
    out = tmp_path / "p"
    code, _, err = _predict(frames, out)
    assert code == 0, err
    path = out / "predictions.json"
    found = json.loads(path.read_text())
    found["schema_version"] = 1
    found["spotter"]["options"] = {"max_side": 128}
    path.write_text(json.dumps(found))
    code, _, err = _predict(frames, out)
    assert code == 0, err
    found = json.loads(path.read_text())
    assert found["schema_version"] == 2 and found["spotter"]["options"] == {}
