"""A plugin's code that tries to end merbench (pass 84k R8, R18), met the way a user meets it.

``sys.exit`` in a registration hook ended ``merbench run`` with status 0 and no word (or with
only the plugin's text, status 1); ``GeneratorExit`` there was a traceback through pluggy; and
a KeyboardInterrupt raised by a plugin (at import, while registering, in a lifecycle hook) was
said as the user's interrupt, status 130, "run it again", which fails the same way each time.
Each is now that plugin's fault, one warning, and the command goes on; a real Ctrl-C inside a
plugin's hook is still the user's stop.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.plugin_system.manager import default_plugins

PLUGIN = """
    import os, signal, sys
    from merbench.api import hookimpl

    if os.environ.get("STOP_AT") == "import":
        raise KeyboardInterrupt

    @hookimpl
    def merbench_register_models(registry):
        how = os.environ.get("STOP_AT")
        if how == "exit0":
            sys.exit(0)
        if how == "exit_text":
            sys.exit("bye from a hook")
        if how == "generator":
            raise GeneratorExit
        if how == "ki":
            raise KeyboardInterrupt

    @hookimpl
    def merbench_run_start(run):
        if os.environ.get("STOP_AT") == "run_start":
            raise KeyboardInterrupt("a plugin's hook, not the user")
        if os.environ.get("STOP_AT") == "ctrl_c":
            os.kill(os.getpid(), signal.SIGINT)  # the user's Ctrl-C, arriving in the hook
"""

RUN = ("run", "--dataset", "synthetic", "--epochs", "1", "--threads", "1", "--quiet",
       "--dataset-opt", "subjects=3", "--model", "ststnet")
FIX = " — fix or reinstall the package, or skip it with --no-plugin tp"


@pytest.fixture
def stopper(make_dist: Callable[..., None], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "tp_stop", raising=False)  # imported afresh each test
    make_dist("tp-stop", "tp", "tp_stop", PLUGIN)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


def _warning(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err and "interrupted" not in err, err
    return lines[0]


@pytest.mark.parametrize(("how", "said"), [
    ("exit0", "it called sys.exit(0)"),
    ("exit_text", "it called sys.exit(...)"),
    ("generator", "it raised GeneratorExit outside a generator"),
    ("ki", "it raised KeyboardInterrupt with no Ctrl-C or stop signal received"),
])
def test_a_registration_hook_that_ends_the_process_is_left_out(
        stopper, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, how: str,
        said: str) -> None:
    monkeypatch.setenv("STOP_AT", how)
    code, _, err = cli(*RUN, "--out", tmp_path / "r")
    assert code == 0 and (tmp_path / "r" / "results.json").is_file(), err
    assert _warning(err) == ("merbench: warning: plugin 'tp' (package tp-stop 1.0) failed to "
                             f"load: error while registering models: {said}" + FIX)


def test_a_keyboard_interrupt_at_import_is_the_plugins_fault(
        stopper, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOP_AT", "import")
    code, out, err = cli("list", "models")
    assert code == 0 and "ststnet" in out, err
    assert _warning(err) == ("merbench: warning: plugin 'tp' (package tp-stop 1.0) failed to "
                             "load: it raised KeyboardInterrupt while it was imported (no "
                             "Ctrl-C or stop signal was received); it is left out" + FIX)


def test_a_keyboard_interrupt_in_a_lifecycle_hook_warns_and_the_run_goes_on(
        stopper, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STOP_AT", "run_start")
    code, _, err = cli(*RUN, "--out", tmp_path / "r")
    assert code == 0 and (tmp_path / "r" / "results.json").is_file(), err
    assert _warning(err) == (
        "merbench: warning: plugin 'tp' (package tp-stop 1.0) failed in merbench_run_start "
        "(it raised KeyboardInterrupt with no Ctrl-C or stop signal received); the run goes "
        "on, and that plugin's later failures in this hook are not repeated")


def test_a_real_ctrl_c_in_a_hook_is_still_the_users_stop(
        stopper, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STOP_AT", "ctrl_c")
    # Ctrl-C as a terminal delivers it: a suite started in the background (`pytest &`)
    # inherits SIGINT ignored, and the hook's signal would then stop nothing
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code, _, err = cli(*RUN, "--out", tmp_path / "r")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130 and "interrupted" in err and "failed in" not in err, err
