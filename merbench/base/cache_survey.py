"""What a cache root holds, as ``cache info`` and ``cache clear`` survey it, and what they
say of what lies there beside merbench's stores: things merbench did not write, with the
fix for each, and merbench results, which are moved out, never deleted: a run in
``features/`` looks like a store without its marker, whose fix is to delete the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from merbench.base.cache_env import CACHE_ENV
from merbench.base.literal import shell_word


@dataclass(frozen=True)
class StoreInfo:
    """One store of the cache: a feature's entries, or another per-item store."""

    name: str
    path: Path
    entries: int
    bytes: int


@dataclass(frozen=True)
class CacheSurvey:
    """What a cache root holds: merbench's stores, and everything merbench did not write
    (paths relative to the root); apart from them, stores merbench would refuse to use (a
    marker damaged or missing, a symbolic link), each in the words ``extract`` refuses it in."""

    root: Path
    exists: bool
    stores: list[StoreInfo]
    foreign: list[str]
    damaged: list[str]  # what is said of each store merbench would refuse
    #: each merbench result found there (relative path, what it is): no stranger to delete,
    #: but work to move out of the cache
    results: list[tuple[str, str]]


def describe_foreign(survey: CacheSurvey) -> str:
    """What merbench did not write in the root, three paths at most, for a one-line message."""
    count = len(survey.foreign)
    shown = ", ".join(repr(path) for path in survey.foreign[:3])
    more = f" and {count - 3} more" if count > 3 else ""
    return f"{count} {'thing' if count == 1 else 'things'} merbench did not write ({shown}{more})"


def refusal(survey: CacheSurvey) -> str:
    """Why ``cache clear`` deletes nothing, with the fix for what is there: what lies
    inside merbench's own stores is named for removal (a stray there is no one's data);
    beside them, merbench's stores are named by their paths (the fix said
    ``rm -r ROOT/features/NAME`` of a stray in another store)."""
    root = survey.root
    said = (f"refusing to clear the cache {root}: it holds {describe_foreign(survey)}, so "
            "nothing was deleted")
    stores = [info.path.relative_to(root).as_posix() for info in survey.stores]
    if all(any(path.startswith(f"{store}/") for store in stores) for path in survey.foreign):
        if len(survey.foreign) > 3:
            holding = sorted({store for store in stores for path in survey.foreign
                              if path.startswith(f"{store}/")})
            where = ", ".join(shell_word(root / store) for store in holding)
            return f"{said}; remove what merbench did not write from {where}, then clear"
        named = " ".join(shell_word(root / path) for path in survey.foreign)
        them = "it" if len(survey.foreign) == 1 else "them"
        return f"{said}; remove {them} (rm -r {named}), then clear"
    fix = (f"{said}; 'cache clear' clears only a folder that holds merbench's cache alone: "
           f"set {CACHE_ENV} to a folder only merbench writes to")
    if not stores:
        return fix
    named = " ".join(shell_word(root / store) for store in stores[:3])
    more = f" and {len(stores) - 3} more stores" if len(stores) > 3 else ""
    return f"{fix}, or delete merbench's stores by hand (rm -r {named}{more})"


def result_said(survey: CacheSurvey) -> str:
    """The merbench results in the cache, said as what they are, with the fix: moved out,
    never deleted (a folder of results is no stranger's to remove)."""
    (path, what), more = survey.results[0], len(survey.results) - 1
    also = f" ({more} more such {'folder' if more == 1 else 'folders'})" if more else ""
    # a folder merely holding a result may be the user's project folder: the cache is what
    # is in the wrong place there, not the results
    instead = (f", or set {CACHE_ENV} to a folder only merbench writes to"
               if what.startswith("a folder holding") else "")
    return (f"'{path}' is {what}, not merbench's cache{also}; move it out of the cache "
            f"folder{instead}")
