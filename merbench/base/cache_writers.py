"""Which cache stores a merbench process is writing now, so that ``cache clear`` leaves them.

``merbench cache clear`` while an ``extract`` wrote to the same cache deleted 71 entries
without a word about the extract, which then reported 60 samples computed into a cache that
held 26 (pass 84k, R19). A store being written is now marked by a shared lock on its folder,
taken by each :class:`~merbench.base.cache.FeatureCache` at its first write and held while it
lives (as a run's folder is held, :mod:`merbench.results.rundir`); ``clear`` asks for the
folder alone and, where a writer holds it, deletes nothing and says so. Where the system has
no such locks (Windows), nothing is marked and ``clear`` goes on as before.
"""

from __future__ import annotations

import os
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.folder_locks import held_against

try:
    import fcntl
except ImportError:  # not POSIX: no marks
    fcntl = None  # type: ignore[assignment]


class WriterMark:
    """One writer's mark on a store's folder, held until :meth:`release` or until it is
    dropped (the cache object that wrote has gone)."""

    def __init__(self) -> None:
        self._fd: int | None = None

    def hold(self, folder: Path) -> None:
        """Mark ``folder`` as being written, once; a folder that cannot be opened or locked
        goes unmarked (the write itself says what is wrong with it)."""
        if self._fd is not None or fcntl is None:
            return
        try:
            fd = os.open(folder, os.O_RDONLY)  # bounded: a folder, for its lock, never read
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __del__(self) -> None:
        self.release()


def being_written(folder: Path) -> bool:
    """Whether a merbench process (this one included) is writing the store ``folder`` now."""
    return held_against(folder, exclusive=True) is True


def refuse_written(stores: dict[str, Path], root: Path) -> None:
    """Refuse to clear ``stores`` (name: folder) where a command is writing one of them: it
    would report entries as cached that are gone. Asked before anything is deleted."""
    busy = next((name for name, folder in stores.items() if being_written(folder)), None)
    if busy is not None:
        raise MerbenchError(f"a merbench command is writing the store '{busy}' of the cache "
                            f"in {root} now; nothing was cleared: run 'merbench cache clear' "
                            "again once that command has ended")
