"""Where a command may write: never inside another result's folder, nor over a result of
another kind.

A result's folder holds its own files and nothing else (``validate`` rejects a folder with
a stranger in it, and a site or a table written into ``folds/`` or ``videos/`` made the
result fail); a run written into a tuning, a site into a run, a spotting run into a
seeds folder each broke the result they landed in, though every command checked its own
``--out``. One check for every command that writes, asked with the kinds of result the
command itself writes there (``run --out`` names an emotion or action-unit run to go on).
"""

from __future__ import annotations

import re
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.kinds import kind_of, started_kind
from merbench.kinds.contract import ResultKind

#: a seed run's folder in a summary over seeds: the one place a run lies in another result
_SEED_RUN = re.compile(r"^seed-\d+$")
SUMMARIES = ("summary over seeds", "action-unit summary over seeds")
RUNS = ("emotion run", "action-unit run")


def _kind_here(folder: Path) -> ResultKind | None:
    return started_kind(folder) or kind_of(folder) if folder.is_dir() else None


def refuse_result_place(out: Path, option: str, *, own: tuple[str, ...] = (),
                        what: str = "folder") -> None:
    """Refuse ``out`` (given as ``option``) where it lies inside a result's folder, or is a
    result of a kind not in ``own`` (the kinds the command writes or goes on with there);
    a seed run's folder (``seed-N``) of a summary over seeds is a run's place when ``own``
    names runs."""
    out = Path(out)
    here = _kind_here(out)
    if here is not None and here.name not in own:
        raise MerbenchError(f"{option} {out} is a merbench {here.name}, whose files are its "
                            f"own; give a new {what}")
    for parent in out.absolute().parents:
        holder = _kind_here(parent)
        if holder is None:
            continue
        if (holder.name in SUMMARIES and parent == out.absolute().parent
                and _SEED_RUN.match(out.name) and set(own) & set(RUNS)):
            continue  # one seed of a --seeds folder, run on its own
        shown = parent.relative_to(Path.cwd()) if not out.is_absolute() and \
            parent.is_relative_to(Path.cwd()) else parent  # in the form it was given
        raise MerbenchError(f"{option} {out} is inside {shown}, a merbench {holder.name}, "
                            f"whose files are its own; give a {what} outside result folders")
