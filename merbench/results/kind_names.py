"""What each kind of result is called, named once below the layers that write results.

A kind of result is one object in :mod:`merbench.kinds` (its ``name`` is one of these), but
the code that writes each kind's result file sits below ``kinds`` (the runner, the spotting
run, the tuning) and tells the plugins a result is finished in the kind's own name
(:class:`~merbench.plugin_system.runinfo.FinishedResult`). Both take the name from here, so
the hook and the commands' messages never call one kind two things.
"""

from __future__ import annotations

EMOTION_RUN = "emotion run"
SEEDS_SUMMARY = "summary over seeds"
AU_RUN = "action-unit run"
AU_SEEDS_SUMMARY = "action-unit summary over seeds"
#: a spotting run, whose folder also holds its spot-then-recognise record (``str.json``)
SPOTTING_RUN = "spotting run"
STR_SEEDS_SUMMARY = "spot-then-recognise summary over seeds"
TUNING = "tuning"
TUNING_SEEDS_SUMMARY = "tuning summary over seeds"

