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
from pathlib import Path

import pytest

# A command that is stopped by a real Ctrl-C; then, in what is left of the process, another
# signal (SECOND) while it is still busy (a slow exit handler: a stopped command's process
# ends after its exit handlers, without the interpreter's finalisation).
STOPPED_THEN = textwrap.dedent("""
    import atexit, os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)  # however the suite was started
    from merbench import cli

    def stopped(args):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # KeyboardInterrupt comes first
        return 0

    def slow_exit():
        os.kill(os.getpid(), signal.SECOND)
        time.sleep(1)
        print("the second signal did nothing", flush=True)

    atexit.register(slow_exit)
    cli._commands = lambda: {"list": stopped}
    sys.argv = ["merbench", "list"]
    cli.console()
""")


def _stopped_then(second: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", STOPPED_THEN.replace("SECOND", second)],
                          capture_output=True, text=True, timeout=60)


def test_a_second_ctrl_c_after_the_stop_ends_the_process_with_130() -> None:
    done = _stopped_then("SIGINT")
    assert done.returncode == 130, done.stderr
    assert "merbench: interrupted — 'merbench list' did not finish" in done.stderr
    assert "Traceback" not in done.stderr


# A command that finished (status 0), then a stop signal while the interpreter shuts down:
# Python's own clean-up puts back the default action of the signals it handles, so without
# care a SIGTERM there killed a finished run's process (143) and a Ctrl-C exited 130.
FINISHED_THEN = textwrap.dedent("""
    import os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from merbench import cli

    def slow_exit():
        os.kill(os.getpid(), signal.SECOND)
        time.sleep(0.5)
        print("the signal did nothing", flush=True)

    import atexit
    atexit.register(slow_exit)
    cli._commands = lambda: {"list": lambda args: 0}
    sys.argv = ["merbench", "list"]
    cli.console()
""")


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_stop_signal_while_a_finished_command_exits_keeps_its_status(signal_name: str) -> None:
    done = subprocess.run([sys.executable, "-c", FINISHED_THEN.replace("SECOND", signal_name)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "did nothing" in done.stdout


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


TINY_RUN = ("run", "--model", "ststnet", "--dataset", "synthetic", "--device", "cpu", "--quiet",
            "--epochs", "1", "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
            "--dataset-opt", "samples_per_subject=3")


def test_a_stop_after_the_results_are_written_is_a_finished_run(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stop that comes after ``results.json`` is written (while the run's folder is let go,
    or while the results are printed) ends the command with success and says where the
    results are: the run is finished, and a script or scheduler must see it so."""
    from merbench.cli import run_command

    finished_run = run_command.run

    def stopped_after_writing(*args: object, **kwargs: object) -> object:
        finished_run(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "run", stopped_after_writing)
    status, _, err = cli(*TINY_RUN, "--out", tmp_path / "r")
    assert status == 0, err
    assert f"interrupted after the run finished — its results are in {tmp_path / 'r'}" in err
    monkeypatch.setattr(run_command, "run", finished_run)

    def stopped_printing(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "finished_text", stopped_printing)
    status, _, err = cli(*TINY_RUN, "--out", tmp_path / "r")
    assert status == 0, err
    assert ("interrupted while printing — the run had finished; its result is complete in "
            f"{tmp_path / 'r'} (`merbench show {tmp_path / 'r'}` prints it)") in err


# A second Ctrl-C while a stopped command still unwinds, inside a scratch folder (a tuning
# audit's unpacked runs): the process ends at once, and the folder does not stay behind.
STOPPED_IN_SCRATCH = textwrap.dedent("""
    import os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from merbench import cli
    from merbench.base.scratch import scratch_folder

    def stopped(args):
        with scratch_folder("merbench-test-") as scratch:
            (scratch / "unpacked").write_text("runs")
            print(scratch, flush=True)
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)
            except KeyboardInterrupt:
                os.kill(os.getpid(), signal.SIGINT)  # the second, before the folder is removed
                time.sleep(5)
        return 0

    cli._commands = lambda: {"list": stopped}
    sys.argv = ["merbench", "list"]
    cli.console()
""")


def test_a_second_ctrl_c_leaves_no_scratch_folder() -> None:
    done = subprocess.run([sys.executable, "-c", STOPPED_IN_SCRATCH], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    scratch = Path(done.stdout.split()[0])
    assert scratch.name.startswith("merbench-test-") and not scratch.exists()


# A single Ctrl-C that lands inside a scratch folder's removal: the folder stays listed,
# and the interpreter's exit removes what is left of it.
STOPPED_WHILE_REMOVING = textwrap.dedent("""
    import os, shutil, signal, sys
    from merbench.base import scratch

    real = shutil.rmtree
    def cut_short(path, *args, **kwargs):
        shutil.rmtree = real  # the exit's clean-up removes it for real
        raise KeyboardInterrupt

    try:
        with scratch.scratch_folder("merbench-test-") as folder:
            (folder / "run").write_text("x")
            print(folder, flush=True)
            shutil.rmtree = cut_short
    except KeyboardInterrupt:
        pass
""")


def test_a_stop_inside_a_scratch_folders_removal_leaves_nothing() -> None:
    done = subprocess.run([sys.executable, "-c", STOPPED_WHILE_REMOVING], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.split()[0])
    assert folder.name.startswith("merbench-test-") and not folder.exists()


# A Ctrl-C while merbench is still loading: the import of its command line is cut by it.
CUT_WHILE_LOADING = textwrap.dedent("""
    import builtins, signal, sys
    signal.signal(signal.SIGINT, signal.default_int_handler)
    real = builtins.__import__

    def importing(name, *args, **kwargs):
        if name == "merbench.cli.parser":
            raise KeyboardInterrupt
        return real(name, *args, **kwargs)

    builtins.__import__ = importing
    sys.argv = ["merbench", "list"]
    import merbench_console
    merbench_console.console()
""")


def test_a_ctrl_c_while_merbench_loads_is_one_line_and_status_130() -> None:
    done = subprocess.run([sys.executable, "-c", CUT_WHILE_LOADING], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "merbench: interrupted while starting — nothing was done\n"


def test_a_ctrl_c_while_the_line_is_read_is_one_line_and_status_130(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from merbench import cli

    def cut(argv: object) -> None:  # Ctrl-C while the command line is parsed
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "parse_command_line", cut)
    assert cli.main(["list"]) == 130
    assert capsys.readouterr().err == "merbench: interrupted while starting — nothing was done\n"


def test_the_console_script_starts_where_a_ctrl_c_while_loading_is_caught() -> None:
    scripts = Path(__file__).resolve().parents[1] / "pyproject.toml"
    assert 'merbench = "merbench_console:console"' in scripts.read_text()


# A command whose import of a library (SLOW, standing for torch: ten seconds and more on a busy
# machine) is under way when SIGTERM comes; the stop waits for it (raised through torch's C++
# extensions it aborts the process), and it said nothing until the import had ended.
STOPPED_WHILE_IMPORTING = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from merbench import cli

    folder = Path(sys.argv[1])
    (folder / "mb_slow_library.py").write_text(
        "import os, signal, time\\n"
        "os.kill(os.getpid(), signal.SIGTERM)\\n"
        "end = time.monotonic() + 3\\n"
        "while time.monotonic() < end:\\n"
        "    time.sleep(0.01)\\n"
        "print('loaded', file=__import__('sys').stderr, flush=True)\\n")
    sys.path.insert(0, str(folder))

    def predict(args):
        import mb_slow_library  # noqa: F401  (as predict imports torch)
        for _ in range(500):  # the stop that waited is raised first
            time.sleep(0.01)
        return 0

    cli._commands = lambda: {"list": predict}
    sys.argv = ["merbench", "list"]
    cli.console()
""")


def test_a_stop_waiting_for_an_import_says_so_at_once(tmp_path: Path) -> None:
    """Pass 84o, O4: SIGTERM during ``predict --from-run`` took 12-17 s to say anything,
    waiting for ``import torch``; the wait is said as soon as it is seen to take time."""
    done = subprocess.run([sys.executable, "-c", STOPPED_WHILE_IMPORTING, str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 143, done.stderr
    assert done.stderr.splitlines() == [
        "merbench: stopping once mb_slow_library has finished loading (an import cannot be "
        "cut short safely); this can take several seconds",
        "loaded",
        "merbench: interrupted — 'merbench list' did not finish; run it again"], done.stderr
