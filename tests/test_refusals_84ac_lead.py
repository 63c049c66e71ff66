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
