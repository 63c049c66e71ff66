"""A second Ctrl-C while ``merbench`` ends after a stop still exits 130, never by SIGINT.

The GPU session's budget sends Ctrl-C, then another after a grace period. A run stopped by
the first had said what it kept and was shutting down when the second came; Python raised
KeyboardInterrupt into the shutdown and the process died by SIGINT (status -2 to the
script, a traceback in the log). Once a command has stopped, the console script ends at once
with 130 on a further Ctrl-C; ``merbench.cli.main`` called from Python leaves the handlers it
found.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from merbench import cli

# A command that is stopped by a real Ctrl-C; then, in what is left of the process, a second
# Ctrl-C while the interpreter is still busy (a slow shutdown).
SECOND_CTRL_C_IN_SHUTDOWN = textwrap.dedent("""
    import os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)  # however the suite was started
    from merbench import cli

    def stopped(args):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # KeyboardInterrupt comes first
        return 0

    cli._commands = lambda: {"list": stopped}
    sys.argv = ["merbench", "list"]
    try:
        cli.console()
    finally:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
        print("the second Ctrl-C did nothing")
""")


def test_a_second_ctrl_c_after_the_stop_ends_the_process_with_130() -> None:
    done = subprocess.run([sys.executable, "-c", SECOND_CTRL_C_IN_SHUTDOWN],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert "merbench: interrupted — 'merbench list' did not finish" in done.stderr
    assert "Traceback" not in done.stderr and "did nothing" not in done.stdout


def test_main_called_from_python_leaves_the_handlers_it_found(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def stopped(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_commands", lambda: {"list": stopped})
    before = {number: signal.getsignal(number)
              for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    assert cli.main(["list"]) == 130
    assert {number: signal.getsignal(number) for number in before} == before
