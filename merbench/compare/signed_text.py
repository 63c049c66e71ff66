"""A difference written with its sign, where a difference of nothing is ``+0.0000``.

Python writes negative zero, and a value that rounds to zero from below, as ``-0.0000``:
``merbench compare`` of two runs with the same predictions said a subject carried
``-0.0000`` of a difference that is none (pass 84k, R16).
"""

from __future__ import annotations


def signed(value: float, places: int = 4) -> str:
    """``value`` with its sign and ``places`` decimals; zero as written is ``+0``."""
    text = f"{value:+.{places}f}"
    return "+" + text[1:] if text.startswith("-") and float(text) == 0 else text
