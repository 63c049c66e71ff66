"""A signing key or a file of trusted keys given as a pipe or a device (``--sign
/dev/stdin``, ``--sign <(...)``, ``--trust /dev/null``) is refused in one line that says
what it is and how to write the key to a file: the user has the key, so the refusal must
not send them to make a new one, which no build trusts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.results.signing_keys import load_signing_key, read_trusted_keys


@pytest.fixture
def pipe_path() -> Iterator[Path]:
    """The path a shell gives for ``<(...)`` or ``/dev/stdin`` fed by a pipe: a link (under
    ``/proc``) to the pipe's reading end."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("no /proc/self/fd here")
    read, write = os.pipe()
    try:
        yield Path(f"/proc/self/fd/{read}")
    finally:
        os.close(read)
        os.close(write)


def _refusal(call: object, path: Path) -> str:
    with pytest.raises(MerbenchError) as caught:
        call(path)  # type: ignore[operator]
    said = str(caught.value)
    assert "\n" not in said and "make a key" not in said and "keygen" not in said, said
    return said


def test_a_signing_key_given_as_a_pipe_is_refused_with_how_to_write_it(
        pipe_path: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (pipe_path, fifo):
        said = _refusal(load_signing_key, path)
        assert said.startswith(f"--sign {path} is a pipe, not a regular file: "), said
        assert "a file of mode 0600" in said and "umask 077" in said, said


def test_trusted_keys_given_as_a_pipe_or_a_device_are_refused_with_how_to_write_them(
        pipe_path: Path) -> None:
    said = _refusal(lambda path: read_trusted_keys([path]), pipe_path)
    assert said.startswith(f"--trust {pipe_path} is a pipe, not a regular file: "), said
    assert "write the public keys to a file first" in said, said
    said = _refusal(lambda path: read_trusted_keys([path]), Path("/dev/null"))
    assert said.startswith("--trust /dev/null is a character device, not a regular file"), said


def test_a_missing_key_still_points_to_keygen(tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="no such file; make a key with 'merbench keygen"):
        load_signing_key(tmp_path / "nothing")
