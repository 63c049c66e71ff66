"""A plugin option's value that names a file or a folder (``--protocol-opt folds=PATH``,
``--dataset-opt sheet=PATH``), read in one way for every such option.

An option's value reaches a factory as the command line's reading of it: ``folds=5`` is the
number 5, ``folds=true`` a yes/no value, ``folds=`` the empty text. Each factory made its
path with ``Path(value)``, which refused the number in Python's words ("expected str, bytes
or os.PathLike object, not int") and took the empty text as ``.``, the current folder, so
that the fault was said as a list missing from it (pass 84y, Y8). Here each is one line
naming the option and what it takes.
"""

from __future__ import annotations

import os
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.home_paths import home_expanded_at
from merbench.base.literal import written

_KINDS = ((bool, "a yes/no value"), (int, "a number"), (float, "a number"),
          (list, "a list"), (tuple, "a list"), (dict, "an object"))


def option_path(value: object, owner: str, option: str, what: str) -> Path:
    """``value`` of the option ``option`` (as typed: ``--protocol-opt folds``) as the path it
    names, ``~`` expanded; a value that is no text, or empty text, is one MerbenchError
    ``{owner}: ...`` whose fix is to give the path of ``what`` ("the folder of ...")."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        kind = next((said for kind, said in _KINDS if isinstance(value, kind)), "no text")
        raise MerbenchError(f"{owner}: {option}={written(value)} is {kind}, not a path; give "
                            f"the path of {what}")
    if not value.strip():
        raise MerbenchError(f"{owner}: {option}= is empty; give the path of {what}")
    return Path(home_expanded_at(value, f"{owner}: {option}="))
