"""Where a command runs (pass 84ag): a good result read under an address-space limit (AG2:
every read of a file a user hands over asked for its 16 GiB bound at once, which a buffered
read allocates, so under ``ulimit -v`` below that every fold file of a finished run was
"damaged", to be deleted), and a working folder deleted under the shell (AG5)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from merbench.results import user_files

LIMIT = 8 << 30  # address space: plenty for these commands (torch too), half the 16 GiB bound


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
    import signal  # the suite passes however it is launched

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("kind", ["emotion run", "spotting run", "tuning"])
def test_a_finished_result_is_read_whole_under_an_address_space_limit(
        examples: dict[str, Path], kind: str) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    for verb in ("status", "validate"):
        done = subprocess.run([sys.executable, "-m", "merbench", verb, str(examples[kind])],
                              capture_output=True, text=True, timeout=120, env=env,
                              preexec_fn=_limited)
        said = done.stdout + done.stderr
        assert done.returncode == 0, (verb, said)
        assert "damaged" not in said and "Traceback" not in said, (verb, said)


def test_a_read_asks_for_the_files_size_not_the_bound(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read asks for what the file holds (and one byte to see it end), then chunks
    while it grows; all of it still comes back, and the bound still refuses."""
    asked: list[int] = []
    real = user_files.os.fdopen

    def watched(fd: int, mode: str) -> object:
        reader = real(fd, mode)
        read = reader.read

        class Reader:
            def __enter__(self) -> Reader:
                reader.__enter__()
                return self

            def __exit__(self, *info: object) -> None:
                reader.__exit__(*info)

            def fileno(self) -> int:
                return reader.fileno()

            def read(self, n: int = -1) -> bytes:
                asked.append(n)
                return read(n)
        return Reader()

    monkeypatch.setattr(user_files.os, "fdopen", watched)
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 1500)
    assert user_files.read_user_bytes(path, "fold file") == b"x" * 1500
    assert max(asked) == 1501, asked
    with pytest.raises(Exception, match="more than the 1,000"):
        user_files.read_user_bytes(path, "fold file", limit=1000)


@pytest.mark.parametrize("command", [["status", "."], ["validate", "."],
                                     ["extract", "-d", "synthetic", "-f", "flow-uvos",
                                      "--save", "x.npz", "-q"]])
def test_a_working_folder_deleted_under_the_shell_is_said_so(tmp_path: Path,
                                                             command: list[str]) -> None:
    """Started in a folder deleted under the shell, each command said "failed on a file
    (no such file or folder)", naming no path, a fix that failed again (pass 84ag, AG5)."""
    gone = tmp_path / "dd"
    gone.mkdir()

    def deleted_here() -> None:
        os.chdir(gone)
        os.rmdir(gone)
        import signal

        signal.signal(signal.SIGINT, signal.SIG_DFL)

    done = subprocess.run([sys.executable, "-m", "merbench", *command], capture_output=True,
                          text=True, timeout=120, preexec_fn=deleted_here,
                          env={**os.environ, "PWD": str(gone)})
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"merbench: error: the working folder ({gone}) was deleted, so "
                           "relative paths lead nowhere; cd to a folder that exists, then "
                           "run the command again\n"), done.stderr
