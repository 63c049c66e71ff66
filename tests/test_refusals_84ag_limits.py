"""Findings AG1, AG3 and AG4 of pass 84ag (the process's limits): a file cut by the file size
limit (``ulimit -f``) is said with its cause and fix (AG1); OpenBLAS is given its thread
count before numpy or scipy load, as its load-time thread setup spun forever under a low
address-space limit (AG3); running out of memory is one merbench line from any command,
never blamed on a plugin (AG4).
"""

from __future__ import annotations

import errno
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
