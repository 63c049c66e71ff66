"""``merbench show PATH``: a finished result's text, as the command that made it printed it
as it finished, whatever its kind.

The text is the kind's (:meth:`merbench.kinds.ResultKind.finished_text`), the same answer
``run``, ``spot`` and ``tune`` print when they finish, so the two cannot drift apart; this
command only asks :func:`merbench.kinds.finished_text` for the kind of the path it is given.
It reads the result's files and recomputes nothing (``merbench validate`` does); a path that
holds no finished result, or one not finished yet, is one line and exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from merbench.kinds import finished_text


def main(args: argparse.Namespace) -> int:
    finished_text(Path(args.path)).show()
    return 0
