"""A stop that comes once a command's result is written ends the printing, not the work.

``merbench run`` and ``merbench run --seeds`` first said so: their results printed, a
scheduler's SIGTERM cut the printing short and the command still succeeded. ``spot`` (and
``tune`` and ``sweep``, printing their results the same way) had no such window: a stop while
the scores were printed said "'merbench spot' did not finish; run it again", exit status 143,
while spotting.json was complete and validated (pass 84r, R8). Every command that prints a
finished result now prints it inside :func:`finished_work`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from merbench.base.literal import pasted_command
from merbench.base.terminal import say


@contextlib.contextmanager
def finished_work(out: Path, what: str, shown: bool = True) -> Iterator[None]:
    """Printing the result of ``what`` ("the run"), finished and written in ``out``: a stop
    now ends the printing, says where the result is (and, ``shown``, that ``merbench show``
    prints it again), and the command succeeds: a scheduler's SIGTERM must not turn finished
    work into a failed job, nor advise doing it again."""
    try:
        yield
    except KeyboardInterrupt:
        again = f" (`{pasted_command('merbench show {}', out)}` prints it)" if shown else ""
        say(f"merbench: interrupted while printing — {what} had finished; its result is "
            f"complete in {out}{again}", file=sys.stderr)
