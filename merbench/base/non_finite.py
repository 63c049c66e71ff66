"""A number that is not finite, spelt as a word: one reading for every place that meets one.

``nan``, ``NaN``, ``inf`` and ``-Infinity`` are no number a run can use, and merbench refuses
them where a number is meant. Typed as an option's ``KEY=VALUE`` they may instead be text an
option takes (a mode named ``nan``), since none of them is JSON: the command line once
refused ``--feature-opt mode=nan`` as "not a number (NaN)" although ``mode`` takes text
(walk 85k). So the word is kept as typed until the option is known, and refused then only
where the option takes no text. ``1e999`` is JSON, a number beyond a float: refused as one
where it is typed.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: the words Python's float() reads as NaN or an infinity, in any case, with a sign
NON_FINITE = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)


def non_finite_text(value: Any) -> float | None:
    """The NaN or infinity the text ``value`` spells as a word (``nan``, ``-Infinity``), or
    None where it is no text or no such word."""
    if not isinstance(value, str) or not NON_FINITE.fullmatch(value.strip()):
        return None
    return float(value)


def non_finite_words(number: float) -> str:
    """What a NaN or an infinity is, in the words of every refusal of one."""
    return "not a number (NaN)" if math.isnan(number) else "infinite"
