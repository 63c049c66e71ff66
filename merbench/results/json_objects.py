"""A JSON object's keys, each given once.

Python's decoder keeps the last of two equal keys without a word, so a results file whose
first copy of a field (the one a reader of the file sees: UF1 0.99) differs from its last
read as the last and validated. No merbench file repeats a key, and every JSON file merbench
reads goes through :func:`merbench.results.codec.loads`, which decodes objects with
:func:`one_of_each`.
"""

from __future__ import annotations

import json
import re
from typing import Any


class RepeatedKey(ValueError):
    """A JSON object's ``key`` given twice, raised from the decoder's hook for the reader to
    word with the file's name."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def one_of_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's pairs as a dict (the decoder's ``object_pairs_hook``); a key given twice
    raises :class:`RepeatedKey`."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return found


def repeated_at(text: str, key: str) -> int | None:
    """Where in ``text`` the key ``key`` is given the second time, where it is given as a
    key twice in the whole text (its quotes and a colon, written escaped or not): the place
    a refusal can name for sure; None otherwise (the key given in other objects too)."""
    found = [match.start() for quoted in {json.dumps(key), json.dumps(key, ensure_ascii=False)}
             for match in re.finditer(re.escape(quoted) + r"\s*:", text)]
    return sorted(found)[1] if len(found) == 2 else None
