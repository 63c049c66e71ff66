"""The words that tell a user how a stopped result is gone on with, said from one home.

A stopped run goes on by the command that started it, or by ``merbench run --resume``; a
spotting run by its spot command again. Status (its line's end, a damaged or copied fold
file's fix), the fold folder's and the videos folder's faults, and the fixes of a missing
table each wrote the advice out, and copies of words drift; each takes them from here. The
results layer is the lowest that the runs' readers (``results``, ``runner``) and the
spotting run's (``spotting``, ``spotting_kind``) all stand on.
"""

from __future__ import annotations

#: how a stopped run is gone on with, before what doing so does ("to retrain that fold")
RESUME = "run the same command (or 'merbench run --resume DIR')"

#: a stopped run's fix, which ends status' line of it
GO_ON = f"{RESUME} to go on"

#: the command that goes on with a stopped spotting run ("... goes on")
SAME_SPOT = "the same merbench spot command"

#: how a stopped spotting run is gone on with, before what doing so does ("to go on")
SPOT_AGAIN = f"run {SAME_SPOT}"

__all__ = ["GO_ON", "RESUME", "SAME_SPOT", "SPOT_AGAIN"]
