"""Terminals and standard streams merbench did not expect (pass 84ac, AC6, AC7 and AC8).

AC6: a standard output in ASCII (``PYTHONIOENCODING=ascii``, the C locale with Python's
coercion off) ended ``list``, ``show`` and ``compare`` in a ``UnicodeEncodeError`` traceback
at the first ``·`` or ``—``. AC7: ``COLUMNS=0`` printed ``merbench list`` as nothing at all
with status 0, ``COLUMNS=1`` one box character a line. AC8: standard output closed (``>&-``)
ended every command in ``AttributeError: 'NoneType' object has no attribute 'flush'``;
standard error closed sent refusals to standard output, standard input closed ended a large
sweep's question in a traceback.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.base.console import LiteralConsole
from merbench.base.terminal import DEFAULT_COLUMNS, MIN_COLUMNS, hold_any_text
from merbench.cli import main
from merbench.cli.closed_streams import STDOUT_CLOSED

Cli = Callable[..., tuple[int, str, str]]
ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "leaderboards" / "results" / "dual-inception-composite-loso"
RUN, OTHER = RUNS / "seed-0", RUNS / "seed-1"


def _merbench(shell: str, *args: object, **env: str) -> subprocess.CompletedProcess[str]:
    """``merbench ARGS`` in a shell that applies ``shell`` (``>&-``) to it."""
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {shell}', "sh", sys.executable, "-m", "merbench",
         *map(str, args)], capture_output=True, text=True, timeout=300,
        env={**os.environ, **env})


def _in_ascii(monkeypatch: pytest.MonkeyPatch, *args: object) -> tuple[int, str, str]:
    """``merbench ARGS`` in this process, both standard streams in strict ASCII."""
    out, err = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="ascii"))
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(err, encoding="ascii",
                                                        line_buffering=True))
    try:
        code = main([str(arg) for arg in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code, out.getvalue().decode("ascii"), err.getvalue().decode("ascii")


# ---- AC6: an encoding that cannot hold merbench's characters


@pytest.mark.parametrize("args", [("list", "models"), ("show", RUN), ("compare", RUN, OTHER)])
def test_an_ascii_stdout_gets_ascii_stand_ins(monkeypatch: pytest.MonkeyPatch,
                                              args: tuple[object, ...]) -> None:
    """AC6: each command prints, in ASCII boxes, ``·`` as ``.`` and ``—`` as ``-``."""
    code, out, err = _in_ascii(monkeypatch, *args)
    assert code == 0 and err == "", err
    assert "?" not in out.replace("?)", ""), out  # merbench's own characters all have one
    if args[0] == "list":
        assert "| alexnet-flow" in out and "version 1 . feature flow-uvos" in out, out
    if args[0] == "show":
        assert "composite - loso" in out and "+----" in out, out
    if args[0] == "compare":
        assert "dual-inception . fixed . seed 0" in out, out


def test_a_refusal_to_an_ascii_stderr_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """AC6: stderr too: a path of characters ASCII lacks, named with stand-ins."""
    code, out, err = _in_ascii(monkeypatch, "show", tmp_path / "a—b·c…d é")
    assert code == 2 and out == "", out
    assert err.count("\n") == 1 and "a-b.c...d ?: no such file or folder" in err, err


def test_stand_ins_only_where_the_encoding_lacks_a_character() -> None:
    """AC6: latin-1 keeps ``·`` and ``±``; box drawing becomes Rich's ASCII; UTF-8 is left
    as it is (its ``surrogateescape`` keeps a path's bytes)."""
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    hold_any_text(latin)
    latin.write("a·b—c…d±e━f┃g┏h😀")
    latin.flush()
    assert latin.buffer.getvalue().decode("latin-1") == "a·b-c...d±e-f|g+h?"  # type: ignore[attr-defined]
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape")
    hold_any_text(utf8)
    assert utf8.errors == "surrogateescape"


def test_ascii_output_in_a_real_process() -> None:
    """AC6: the console script's own streams, under ``PYTHONIOENCODING=ascii``."""
    done = _merbench("", "show", RUN, PYTHONIOENCODING="ascii")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "composite - loso" in done.stdout, done.stdout
    done = _merbench("", "list", "models", PYTHONIOENCODING="ascii", LC_ALL="C",
                     PYTHONCOERCECLOCALE="0", PYTHONUTF8="0")
    assert done.returncode == 0 and "version 1 . feature" in done.stdout, done.stderr


# ---- AC7: a width no table can be laid out in


@pytest.mark.parametrize("columns", ["0", "1", "5", str(MIN_COLUMNS - 1)])
def test_an_unusable_width_is_the_default_width(columns: str, cli: Cli,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """AC7: ``COLUMNS`` below the fewest columns a table needs is taken as 80."""
    monkeypatch.setenv("COLUMNS", columns)
    assert LiteralConsole().width == LiteralConsole(stderr=True).width == DEFAULT_COLUMNS
    code, out, _ = cli("list", "models")
    assert code == 0 and "alexnet-flow" in out and "ststnet" in out, out
    assert max(map(len, out.splitlines())) == DEFAULT_COLUMNS
    code, out, _ = cli("show", RUN)
    assert code == 0 and "│ overall │" in out, out


def test_the_help_is_laid_out_at_the_default_width(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """AC7: argparse reads ``COLUMNS`` itself: one word a line at ``COLUMNS=1``."""
    monkeypatch.setenv("COLUMNS", "1")
    for args in (["--help"], ["list", "--help"]):
        with pytest.raises(SystemExit):
            main(args)
        first = capsys.readouterr().out.splitlines()[0]
        assert first.startswith("usage: merbench ") and first.endswith(("...", "[KIND]")), \
            first


@pytest.mark.parametrize("columns", [str(MIN_COLUMNS), "120"])
def test_a_usable_width_is_kept(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert LiteralConsole().width == int(columns)


# ---- AC8: a standard stream closed


def test_a_closed_stdout_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """AC8: in this process: ``sys.stdout`` is None."""
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["status", RUN]) == 2
    assert err.getvalue() == f"merbench: error: {STDOUT_CLOSED}\n"


def test_closed_streams_in_a_real_process(tmp_path: Path) -> None:
    """AC8: ``>&-`` refused; ``2>&-`` says nothing on stdout (the status says it);
    ``<&-`` reads as empty: a sweep too large to start unasked is refused, not a traceback."""
    done = _merbench(">&-", "status", RUN)
    assert done.returncode == 2 and done.stderr == f"merbench: error: {STDOUT_CLOSED}\n", \
        done.stderr
    done = _merbench("2>&-", "status", tmp_path / "none")
    assert done.returncode == 2 and done.stdout == "", done.stdout
    plan = tmp_path / "plan.toml"
    plan.write_text('out = "out"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                    f"epochs = 1\nseeds = {list(range(101))}\n")
    done = _merbench("<&-", "sweep", plan)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "101 runs (more than 100)" in done.stderr and "pass --yes" in done.stderr
    assert not (tmp_path / "out").exists()


def test_no_file_takes_a_closed_descriptors_number(tmp_path: Path) -> None:
    """AC8: with standard error closed, a file opened next was descriptor 2, where torch
    and any library write their warnings."""
    code = ("import os\nfrom merbench.cli.closed_streams import stdout_is_open\n"
            "assert stdout_is_open()\n"
            f"print(os.open({str(tmp_path / 'f')!r}, os.O_WRONLY | os.O_CREAT))")
    done = subprocess.run(["sh", "-c", 'exec "$@" 2>&- <&-', "sh", sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and int(done.stdout) > 2, done
