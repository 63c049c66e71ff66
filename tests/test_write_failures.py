"""A write that fails, said as a user meets it: the path they gave (never merbench's hidden
temporary name), the reason in words (no ``[PermissionError]``), an audit refused before
it trains, and a standard output that cannot take what is printed (``> /dev/full``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TINY_RUN


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` made one nothing can be written in, for root too (``chattr +i``: a mode
    does not stop root); skipped where neither works."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root where chattr +i does not work: nothing is read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def _one_clean_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Error]" not in err and "merbench-tmp" not in err, err
    return lines[0]


def test_a_file_written_whole_names_the_users_path(tmp_path: Path, cli) -> None:
    """``keygen --out ro/k.key`` into a folder that refuses writes: the line named merbench's
    temporary file for files written whole, and said ``[PermissionError]``."""
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        code, out, err = cli("keygen", "--out", folder / "k.key", "--name", "T")
    line = _one_clean_line(err)
    assert code == 2 and not out
    assert line.startswith(f"merbench: error: 'merbench keygen' failed on {folder / 'k.key'} "
                           "(permission denied); fix the permissions"), line
    assert line.count(str(folder)) == 1


def test_the_target_of_a_temporary_file_is_named() -> None:
    """The rule under every command's line: ``ro/.site.<pid>.<random>.merbench-tmp`` is
    said as ``ro/site``; any other path as it is."""
    from merbench.base.atomic import target_of

    assert target_of("ro/.site.1234.ab_c9xyz.merbench-tmp") == os.path.join("ro", "site")
    assert target_of("/x/.f.npz.99.q1w2e3r4.merbench-tmp") == "/x/f.npz"
    assert target_of("ro/site.json") == "ro/site.json"


def test_leaderboard_build_into_a_read_only_folder(tmp_path: Path, cli) -> None:
    """``leaderboard build --out ro/site``: the site is built in a hidden folder beside its
    place, and that folder's name was the one the error gave."""
    results = tmp_path / "res"
    assert cli("run", *TINY_RUN, "--out", results / "r")[0] == 0
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        code, _, err = cli("leaderboard", "build", "--results", results,
                           "--out", folder / "site")
    line = _one_clean_line(err)
    assert code == 2
    assert f"failed on {folder / 'site'} (permission denied)" in line, line


def test_audit_refuses_a_folder_it_cannot_record_in_before_training(tmp_path: Path,
                                                                     cli) -> None:
    """An audit of a run whose folder takes no audit.json trained the folds again, then
    failed on the hidden temporary file of audit.json."""
    run = tmp_path / "r"
    assert cli("run", *TINY_RUN, "--out", run)[0] == 0
    with read_only(run):
        code, out, err = cli("audit", run, "--folds", "1")
    line = _one_clean_line(err)
    assert code == 2 and "training" not in out, out
    assert line == (f"merbench: error: {run / 'audit.json'} cannot be written (permission "
                    "denied), and the audit keeps its record there; nothing was trained: fix "
                    "the permissions, then run the same command again")
    assert not (run / "audit.json").exists()


def _to_dev_full(*args: str) -> subprocess.CompletedProcess[str]:
    with open("/dev/full", "w") as full:
        return subprocess.run([sys.executable, "-m", "merbench", *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)


FULL = ("merbench: error: standard output could not be written (no space left on the "
        "device); send it where it can be written, then run the same command again\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", [("--help",), ("list", "models")], ids=["help", "list"])
def test_a_full_standard_output_is_said_as_such(args: tuple[str, ...]) -> None:
    """``merbench ... > /dev/full``: a command said "failed on a file ... [OSError]; free
    some disk space", and ``--help`` printed nothing and ended with status 0."""
    done = _to_dev_full(*args)
    assert (done.returncode, done.stderr) == (2, FULL)


def test_unbuffered_python_keeps_merbench_output_unbuffered() -> None:
    """``PYTHONUNBUFFERED`` (or ``python -u``) asks for every line as it is printed: the
    stream merbench puts on stdout kept line buffering but dropped write-through, so under it
    stdout became block-buffered and ``merbench sweep``'s first line (the plan's size) came
    after every run's. The child prints a line, then waits: the line must arrive first."""
    import select
    import subprocess
    import sys

    code = ("from merbench.cli.stdout_stream import tag_stdout\n"
            "tag_stdout()\nprint('the plan: 2 runs')\nimport sys\nsys.stdin.read()\n")
    child = subprocess.Popen([sys.executable, "-u", "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "the line waited in a buffer while the process went on"
        assert child.stdout.readline() == b"the plan: 2 runs\n"
    finally:
        child.kill()
        child.wait()
