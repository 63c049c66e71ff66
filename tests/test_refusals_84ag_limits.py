"""Findings AG1, AG3 and AG4 of pass 84ag (the process's limits): a file cut by the file size
limit (``ulimit -f``) is said with its cause and fix (AG1); OpenBLAS is given its thread
count before numpy or scipy load, as its load-time thread setup spun forever under a low
address-space limit (AG3); running out of memory is one merbench line from any command,
never blamed on a plugin (AG4).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import one_line

import merbench.cli as cli_module
from merbench import hookimpl
from merbench.meta import ProtocolMeta

RESULTS = Path(__file__).resolve().parents[1] / "leaderboards" / "results"

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


OUT_OF_MEMORY = ("merbench: error: merbench ran out of memory (its address-space limit, "
                 "ulimit -v, or the machine's): raise the limit or free memory, then run the "
                 "same command again")


def test_a_reader_out_of_memory_is_one_line(monkeypatch: pytest.MonkeyPatch, cli: Any,
                                            tmp_path: Path) -> None:
    import merbench.results.user_files as user_files

    def no_memory(*args: Any, **kwargs: Any) -> bytes:
        raise MemoryError

    shutil.copytree(RESULTS / "biwoof-release-svm-composite-loso", tmp_path / "r")
    monkeypatch.chdir(tmp_path)
    # once unpatched first: the modules status loads bind the reader as they are imported
    assert cli("status", "r")[0] == 0
    monkeypatch.setattr(user_files, "read_user_bytes", no_memory)
    code, _, err = cli("status", "r")  # validate's fold reader calls it damage: AG2's
    assert code == 2 and one_line(err) == OUT_OF_MEMORY, err


def test_a_library_not_mapped_is_one_line(monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    _command_raising(monkeypatch, ImportError(
        "libtorch_cpu.so: failed to map segment from shared object"))
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic")
    assert code == 2 and one_line(err) == f"{OUT_OF_MEMORY}: work already finished is kept"


class _Folds:
    def __init__(self, exc: BaseException) -> None:
        self._exc = exc

    def folds(self, samples: Any) -> Any:
        raise self._exc


class _Protocols:
    @hookimpl
    def merbench_register_protocols(self, registry: Any) -> None:
        for name, exc in (("oom", MemoryError()), ("unmapped", OSError(
                "libgfortran.so.5: failed to map segment from shared object"))):
            registry.add(ProtocolMeta(name=name, version=1, description="test protocol",
                                      citation="none"), lambda exc=exc: _Folds(exc))


@pytest.mark.parametrize("name", ["oom", "unmapped"])
def test_a_protocol_out_of_memory_is_not_blamed_on_its_plugin(
        monkeypatch: pytest.MonkeyPatch, cli: Any, tmp_path: Path, name: str) -> None:
    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("limitp", _Protocols())]))
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                       "--threads", "1", "-q", "--protocol", name, "--out", "o")
    assert code == 2 and one_line(err) == f"{OUT_OF_MEMORY}: work already finished is kept"


def test_a_run_under_a_low_address_space_limit_ends_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        ["bash", "-c", f"ulimit -v 300000; exec {sys.executable} -m merbench run -m ststnet "
         "-d synthetic --epochs 1 --threads 1 -q --out o"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and one_line(done.stderr).startswith(OUT_OF_MEMORY), done


def test_a_write_cut_by_the_size_limit_names_the_file_it_was_writing(
        monkeypatch: pytest.MonkeyPatch, cli: Any, tmp_path: Path) -> None:
    """The write itself raises EFBIG naming no file: the line names the target, not
    "a file", and no temporary file is left beside it."""
    from merbench.base.atomic import atomic_write

    target = tmp_path / "results.json"

    def write(handle: Any) -> None:
        raise OSError(errno.EFBIG, "File too large")

    def command(args: Any) -> int:
        atomic_write(target, write)
        return 0

    monkeypatch.setattr(cli_module, "_commands", lambda: {"run": command})
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic")
    line = one_line(err)
    assert code == 2 and line.startswith(
        f"merbench: error: 'merbench run' could not write {target}: it would be "), line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["import", "registration"])
def test_a_plugin_out_of_memory_is_the_processes_limit_not_a_plugin_left_out(
        make_dist: Any, cli: Any, where: str) -> None:
    """A plugin whose import (or registration) ran out of memory was left out with a
    warning, and the command went on as if its names did not exist; the cause is the
    process's limit, said as every command says it."""
    body = ("raise MemoryError\n" if where == "import" else
            "from merbench.api import hookimpl\n\n@hookimpl\n"
            "def merbench_register_models(registry):\n    raise MemoryError\n")
    make_dist("hungry", "hungry", "mb_hungry", body)
    code, out, err = cli("list")
    assert code == 2 and out == "" and one_line(err) == OUT_OF_MEMORY, err
