"""``--benchmarks DIR`` refused where it names a merbench result, or a folder of them, before
any file in it is read as a benchmark definition.

A run's folder given there had its ``seeds.json`` or ``results.json`` read as a definition
and refused as one "with unknown key 'schema_version' (did you mean 'dataset_version'?)"
(pass 84w, W20): the mistake is the folder, not a key. Every other command names a result
given in the wrong place as what it is ("is the folder of an emotion run, a merbench result,
not a video"); so do the leaderboard's, in those words: the kind that owns the folder
(:func:`merbench.kinds.kind_of`, which the leaderboard's own layer stands below), or the
command that wrote it (:mod:`merbench.results.command_outputs`). What else is wrong with
the folder (a fifo, nothing there, a definition's field) is
:func:`~merbench.leaderboard.benchmarks.load_benchmarks`' to say.
"""

from __future__ import annotations

import os
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite
from merbench.kinds import kind_of, started_kind
from merbench.results.command_outputs import command_output_named

#: where each belongs, said to a --benchmarks that is a result or holds results
_GIVE = ("give results with --results and a folder of *.json definitions with --benchmarks "
         "DIR (or leave it out to use the ones merbench ships)")


def refuse_result_definitions(benchmarks: Path | None) -> None:
    """One line refusing ``benchmarks`` (``--benchmarks``; None: not given) where it is a
    merbench result, a result's file, another command's output, or a folder holding
    results and no ``*.json`` (a folder of runs, such as ``leaderboards/results``)."""
    if benchmarks is None or not os.path.lexists(benchmarks):
        return
    what = merbench_output(Path(benchmarks))
    if what is not None:
        raise MerbenchError(f"--benchmarks {benchmarks} is {what}, not benchmark "
                            f"definitions; {_GIVE}")
    if Path(benchmarks).is_dir() and not any(Path(benchmarks).glob("*.json")):
        held = _result_inside(Path(benchmarks))
        if held is not None:
            raise MerbenchError(f"--benchmarks {benchmarks} holds merbench results ({held} "
                                f"among them), no benchmark definition (*.json); {_GIVE}")


def merbench_output(path: Path) -> str | None:
    """What ``path`` is where merbench wrote it ("the folder of an emotion run, a merbench
    result (it holds results.json)", "the result file of a spotting run"), None where it is
    none of merbench's outputs."""
    named = command_output_named(path)
    if named is not None:
        return named
    if path.is_dir():
        kind = kind_of(path) or started_kind(path)
        if kind is None:
            return None
        held = next((name for name in (*kind.markers, kind.started_file)
                     if name is not None and os.path.lexists(path / name)), None)
        return f"the folder of {indefinite(kind.name)}, a merbench result" + (
            f" (it holds {held})" if held else "")
    kind = kind_of(path)  # a result's own file, given for the folder
    return None if kind is None else f"the result file of {indefinite(kind.name)}"


def _result_inside(folder: Path) -> Path | None:
    """A result's folder directly in ``folder``, or None."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:  # load_benchmarks says why it cannot be read
        return None
    return next((entry for entry in entries if entry.is_dir() and not entry.is_symlink()
                 and (kind_of(entry) or started_kind(entry)) is not None), None)


__all__ = ["merbench_output", "refuse_result_definitions"]
