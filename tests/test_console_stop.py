"""A second Ctrl-C while ``merbench`` ends after a stop still exits 130, never by SIGINT.

The GPU session's budget sends Ctrl-C, then another after a grace period. A run stopped by
the first had said what it kept and was shutting down when the second came; Python raised
KeyboardInterrupt into the shutdown and the process died by SIGINT (status -2 to the
script, a traceback in the log). Once a command has stopped, the console script ends at once
with 130 on a further Ctrl-C; ``merbench.cli.main`` called from Python leaves the handlers it
found.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A command that is stopped by a real Ctrl-C; then, in what is left of the process, another
# signal (SECOND) while the interpreter is still busy (a slow shutdown).
STOPPED_THEN = textwrap.dedent("""
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
        os.kill(os.getpid(), signal.SECOND)
        time.sleep(1)
        print("the second signal did nothing")
""")


def _stopped_then(second: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", STOPPED_THEN.replace("SECOND", second)],
                          capture_output=True, text=True, timeout=60)


def test_a_second_ctrl_c_after_the_stop_ends_the_process_with_130() -> None:
    done = _stopped_then("SIGINT")
    assert done.returncode == 130, done.stderr
    assert "merbench: interrupted — 'merbench list' did not finish" in done.stderr
    assert "Traceback" not in done.stderr and "did nothing" not in done.stdout


# merbench.cli.main called from Python, stopped by a real Ctrl-C: the handlers it found are
# back when it returns (the caller goes on running; only the console script ends at once)
MAIN_FROM_PYTHON = textwrap.dedent("""
    import os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from merbench import cli

    def stopped(args):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
        return 0

    cli._commands = lambda: {"list": stopped}
    before = [signal.getsignal(n) for n in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]
    status = cli.main(["list"])
    after = [signal.getsignal(n) for n in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]
    print(status, after == before)
""")


def test_main_called_from_python_leaves_the_handlers_it_found() -> None:
    done = subprocess.run([sys.executable, "-c", MAIN_FROM_PYTHON], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["130", "True"]


def test_a_sigterm_after_a_ctrl_c_stop_is_ignored_as_a_second_stop_signal_is() -> None:
    """A scheduler's SIGTERM after a Ctrl-C stop raises nothing into the shutdown: it is
    ignored, as a second stop signal is while a stop is saved, and the status stays 130."""
    done = _stopped_then("SIGTERM")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 130 and "did nothing" in done.stdout
