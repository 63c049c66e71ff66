"""The words that tell a user how a stopped result is gone on with, said from one home.

A stopped run goes on by the command that started it, or by ``merbench run --resume``; a
spotting run by its spot command again. Status (its line's end, a damaged or copied fold
file's fix), the fold folder's and the videos folder's faults, and the fixes of a missing
table each wrote the advice out, and copies of words drift; each takes them from here. The
results layer is the lowest that the runs' readers (``results``, ``runner``) and the
spotting run's (``spotting``, ``spotting_kind``) all stand on.
"""

from __future__ import annotations

from collections.abc import Sequence

from merbench.base.literal import joined

#: how a stopped run is gone on with, before what doing so does ("to retrain that fold")
RESUME = "run the same command (or 'merbench run --resume DIR')"

#: a stopped run's fix, which ends status' line of it
GO_ON = f"{RESUME} to go on"

#: the command a sweep's configuration is gone on with, said where "the same command" would
#: be read as a ``run --seeds`` one the user never ran
SAME_SWEEP = "the same merbench sweep command"

#: :data:`RESUME` for a seed run of a sweep's configuration: the sweep writes the
#: configuration's summary over seeds once its runs finish, ``run --resume`` the run alone
SWEEP_RESUME = (f"run {SAME_SWEEP} again (or 'merbench run --resume DIR', then that sweep "
                "again, which writes the configuration's seeds.json)")

#: the command that goes on with a stopped spotting run ("... goes on")
SAME_SPOT = "the same merbench spot command"

#: how a stopped spotting run is gone on with, before what doing so does ("to go on")
SPOT_AGAIN = f"run {SAME_SPOT}"

#: why a finished result's file is not the one its summary records, or is gone
CHANGED = "the run's files were changed or removed after it finished"


def missing_line(names: Sequence[str], count: int | None = None, *, spotted: bool = False,
                 audited: bool = False) -> str:
    """:func:`missing_parts` said as one line."""
    return "; ".join(missing_parts(names, count, spotted=spotted, audited=audited))


def missing_parts(names: Sequence[str], count: int | None = None, *, spotted: bool = False,
                  audited: bool = False) -> tuple[str, str]:
    """What every reader says of a finished run's fold files (or a spotting run's video
    files, ``spotted``) that are gone: which (``names``, the first few of ``count``), why,
    and the one fix that holds (the cause and the fix apart, for status's line, whose
    advice a caller may replace), the same command, which trains (spots) only those again and
    summarises the run anew. ``audited``: an ``audit.json`` beside them, which going on
    would void, so it is moved out first (or the files restored, which keeps the audits).

    Status called such a run "stopped ... to go on", validate and show said "the
    predictions do not cover the protocol's N folds ... publish the complete run
    directory" (an AU run's "fold file 3 of 52 is missing", a spotting run's "publish the
    folder as merbench spot wrote it"): one damage, two causes and two fixes."""
    count = len(names) if count is None else count
    one = count == 1
    shown = joined(names[:count] if count <= 3 else [*names[:3], f"{count - 3} more"])
    unit = "video" if spotted else "fold"
    which = f"that {unit}" if one else f"those {unit}s"
    verb = "spot" if spotted else "train"
    again = f"{SPOT_AGAIN} to {verb} {which} again" if spotted else \
        f"{RESUME} to {verb} {which} again"
    if audited:
        again = (f"restore {'it' if one else 'them'} from a copy of the run, which keeps its "
                 "audits, or move audit.json out of the folder, then "
                 f"{again}, then audit the run again")
    return f"{shown} {'is' if one else 'are'} missing; {CHANGED}", again


__all__ = ["CHANGED", "GO_ON", "RESUME", "SAME_SPOT", "SAME_SWEEP", "SPOT_AGAIN", "SWEEP_RESUME",
           "missing_line", "missing_parts"]
