"""Every progress bar merbench shows is made here, so that none is drawn off a terminal.

Rich draws a live bar only where its console is a terminal, but when the bar stops it prints
its last frame once more to any other file (so that "files or dumb-terminals see the final
result"), and an empty line after it: ``merbench run ... 2> log`` found ``htnet on synthetic
fol… ━━━━ 300/300 fold-epochs 0:00:12 ETA 0:00:00`` in its log, and a run stopped before its
first epoch left ``0/300 fold-epochs ... ETA estimating...`` there. A log gets the plain lines
each command writes for it (:mod:`merbench.cli.progress`, :mod:`merbench.cli.result_progress`),
so a bar whose console is not a terminal is made ``disable``-d: it counts its tasks as ever
(the plain lines read them) and prints nothing, neither as it goes nor when it stops. Lines
printed through its console still go there. In a notebook (not a terminal either) rich's own
widget is kept as it was.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import Progress, ProgressColumn


def bar(*columns: str | ProgressColumn, console: Console, **options: Any) -> Progress:
    """A rich ``Progress`` on ``console`` that is drawn there only where it is a terminal
    (or a notebook): elsewhere it keeps count and prints nothing, when it stops either."""
    drawn = console.is_terminal or console.is_jupyter
    return Progress(*columns, console=console, disable=options.pop("disable", False) or not drawn,
                    **options)
