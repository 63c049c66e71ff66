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

from dataclasses import dataclass
from typing import Any

from merbench.meta import Meta
from merbench.meta.field_values import called_by_name, real, shown


@called_by_name
@dataclass(frozen=True, kw_only=True)
class SpotterMeta(Meta):
    """A spotter: ``tuned``, each option chosen on training subjects with the values a run
    tries by default, in the order ties are settled (the first of equal scores wins);
    ``merbench spot --tune NAME=V1,V2`` replaces a list."""

    tuned: tuple[tuple[str, tuple[float, ...]], ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        pairs = self.tuned if isinstance(self.tuned, tuple | list) else None
        if pairs is None or not all(isinstance(pair, tuple | list) and len(pair) == 2
                                    and isinstance(pair[0], str) for pair in pairs):
            raise ValueError(f"spotter {self.name!r}: tuned must be pairs of an option's name "
                             f"and its values, ((\"p\", (0.1, 0.2)),), not {shown(self.tuned)}")
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            raise ValueError(f"spotter {self.name!r}: an option is tuned twice in {names}")

        # np.float32(0.1) and Decimal("0.1") are numbers (merbench.meta.field_values)
        object.__setattr__(self, "tuned", tuple((name, self._numbers(name, values))
                                                for name, values in pairs))

    def _numbers(self, name: str, values: Any) -> tuple[float, ...]:
        """The values tuned option ``name`` tries, each the number it is, or one line
        showing them as written."""
        def refuse(_field: str, _wanted: str, _value: Any) -> ValueError:
            written = f"({', '.join(shown(v) for v in values)})" \
                if isinstance(values, tuple | list) else shown(values)
            return ValueError(f"spotter {self.name!r}: tuned option {name!r} needs one or "
                              f"more finite numbers, not {written}")

        if not isinstance(values, tuple | list) or not values:
            raise refuse(name, "", values)
        return tuple(real(refuse, name, v, "", lambda _: True) for v in values)
