"""A difference written with its sign, where a difference of nothing is ``+0.0000``.

Python writes negative zero as ``-0.0000``: ``merbench compare`` of two runs with the same
predictions said a subject carried ``-0.0000`` of a difference that is none (pass 84k, R16).
A value below zero that rounds to zero keeps its sign (``-0.00`` as an interval's lower
bound says that the interval reaches below zero).
"""

from __future__ import annotations


def signed(value: float, places: int = 4) -> str:
    """``value`` with its sign and ``places`` decimals; zero, negative zero too, is ``+0``."""
    return f"{0.0 if value == 0 else value:+.{places}f}"
