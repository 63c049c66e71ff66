"""Findings AG1, AG3 and AG4 of pass 84ag (the process's limits): a file cut by the file size
limit (``ulimit -f``) is said with its cause and fix (AG1); OpenBLAS is given its thread
count before numpy or scipy load, as its load-time thread setup spun forever under a low
address-space limit (AG3); running out of memory is one merbench line from any command,
never blamed on a plugin (AG4).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from typing import Any

import pytest
from conftest import one_line

import merbench.cli as cli_module

SIZE_LIMIT = ("larger than this process may write (its file size limit, ulimit -f): raise "
              "the limit, then run the same command again")


def _command_raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """Every command replaced by one that raises ``exc``."""
    def command(args: Any) -> int:
        raise exc

    monkeypatch.setattr(cli_module, "_commands", lambda: {"status": command, "run": command})


@pytest.mark.parametrize("filename", [None, "results.json"])
def test_a_file_over_the_size_limit_is_said_with_its_fix(
        monkeypatch: pytest.MonkeyPatch, cli: Any, filename: str | None) -> None:
    exc = OSError(errno.EFBIG, "File too large") if filename is None else \
        OSError(errno.EFBIG, "File too large", filename)
    _command_raising(monkeypatch, exc)
    code, _, err = cli("status", ".")
    line = one_line(err)
    assert code == 2 and SIZE_LIMIT in line and "fix the cause" not in line, line
    assert line.startswith(f"merbench: error: 'merbench status' could not write "
                           f"{filename or 'a file'}: it would be "), line


#: a command line run in a child, which says the BLAS variable as numpy was first looked
#: for (None: numpy never loaded), and as its command began
_CHILD = """
import os, sys
seen = []
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and not seen:
            seen.append(os.environ.get("OPENBLAS_NUM_THREADS"))
sys.meta_path.insert(0, Watch())
import merbench.cli as c
def command(args):
    import numpy
    print(seen[0], os.environ.get("OPENBLAS_NUM_THREADS"))
    return 0
c._commands = lambda: {"status": command, "run": command}
sys.exit(c.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("given", "args", "said"), [
    ({}, ["status", "."], "1 1"),
    ({}, ["run", "--model", "ststnet", "--dataset", "synthetic", "--threads", "3"],
     "1 1"),
    ({"OMP_NUM_THREADS": "2"}, ["status", "."], "2 2"),
    ({"OPENBLAS_NUM_THREADS": "4"}, ["run", "--model", "ststnet", "--dataset", "synthetic",
                                     "--threads", "3"], "4 4"),
])
def test_openblas_is_given_its_threads_before_numpy_loads(
        given: dict[str, str], args: list[str], said: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", _CHILD, *args], env={**env, **given},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == said, done
