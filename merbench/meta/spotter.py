"""What a registered spotter says about itself: :class:`SpotterMeta`.

A spotter finds micro- and macro-expression intervals in long videos
(:mod:`merbench.spotting.spotter`). Its metadata adds one thing to a name and a citation: the
options a spotting run must choose on **training subjects** and the values it tries by
default. A training-free spotter still has thresholds (the MEGC baselines' relative
threshold ``p``), and the field's habit is to report the best of a sweep of them scored on
the very videos being spotted; ``merbench spot`` instead chooses them, for each left-out
subject, on the other subjects' videos (docs/spotting.md). Declaring the options here lets
the command know what to sweep without the user having to know the spotter.

It lives beside :mod:`merbench.meta.long_video` for the same reason: the registry
(vocabulary) holds it, and the spotting package computes (a higher layer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from merbench.meta import Meta


@dataclass(frozen=True, kw_only=True)
class SpotterMeta(Meta):
    """A spotter: ``tuned``, each option chosen on training subjects with the values a run
    tries by default, in the order ties are settled (the first of equal scores wins);
    ``merbench spot --tune NAME=V1,V2`` replaces a list."""

    tuned: tuple[tuple[str, tuple[float, ...]], ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [name for name, _ in self.tuned]
        if len(set(names)) != len(names):
            raise ValueError(f"spotter {self.name!r}: an option is tuned twice in {names}")
        for name, values in self.tuned:
            if not values or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                 or not math.isfinite(v) for v in values):
                raise ValueError(f"spotter {self.name!r}: tuned option {name!r} needs one or "
                                 f"more finite numbers, not {values!r}")
