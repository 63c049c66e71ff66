"""Findings of the adversarial pass 84ac fixed by the lead: ``keygen --out`` into a kernel
file system (AC14's neighbour), where the system's own error gave advice that does not
apply."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("place", ["/proc", "/sys"])
def test_keygen_into_a_system_folder_is_refused_as_every_output_is(cli, place: str) -> None:
    """``keygen --out /proc/x.key`` said "no such file or folder; check that the path
    exists" (/proc exists), ``/sys/x.key`` "permission denied; fix the permissions"."""
    out = Path(place) / "x.key"
    code, _, err = cli("keygen", "--out", out)
    assert code == 2 and err.strip() == (
        f"merbench: error: --out {out} is inside the system folder {place}; give a file of "
        "your own, such as keys/audit-key"), err


@pytest.mark.parametrize(("name", "shape", "said"), [
    ("conv1.weight", (4, 3, 3, 3), "conv1.weight has 4 along its first dimension, but the "
     "STSTNet authors' have conv1.weight 3, conv2.weight 5, conv3.weight 8"),
    ("bn2.running_var", (6,), "bn2.running_var has 6 along its first dimension, but the "
     "STSTNet authors' have bn1.running_var 3, bn2.running_var 5, bn3.running_var 8")],
    ids=["conv1-filters", "bn2-values"])
def test_an_authors_stream_of_another_width_is_named_by_its_own_name(
        tmp_path: Path, cli, name: str, shape: tuple[int, ...], said: str) -> None:
    """AC17: a conv1 of 4 filters (or a bn2 of 6 values) joined into merbench's one
    16-channel layer of 17, refused as ``conv.weight (17, 3, 3, 3) (model: (16, 3, 3, 3))``
    with --model-opt advice no option of STSTNet can follow."""
    import torch
    from test_refusals_84ac_weights import _authors_ststnet, _convert

    changed = {name: torch.rand(shape) + 0.1}
    code, err, source = _convert(cli, tmp_path, _authors_ststnet(**changed))
    assert code == 2 and err.strip() == (
        f"merbench: error: checkpoint {source}: {said}; is this a checkpoint of their "
        "STSTNet?"), err
