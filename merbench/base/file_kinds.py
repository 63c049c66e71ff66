"""What an entry of the file system is, in the words every refusal uses ("a fifo", "a
character device"): each place that said it had its own short list, so a device such as
``/dev/null`` was "no folder, not a folder" in one and a fifo "a file" in another (pass 84l,
N12). The lowest layer holds it, so the cache's variable, the data's and the result files'
checks all say the same."""

from __future__ import annotations

import os
import stat

_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISREG, "a file"), (stat.S_ISFIFO, "a fifo"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def mode_kind(mode: int) -> str:
    """What an entry of ``mode`` (``os.stat``'s or ``os.lstat``'s ``st_mode``) is."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def path_kind(path: str | os.PathLike[str]) -> str:
    """What ``path`` is, links followed (a link to a fifo is a fifo), never opened."""
    return mode_kind(os.stat(path).st_mode)


def entry_words(path: str | os.PathLike[str]) -> str:
    """What the entry at ``path`` is, the link itself where it is one, said with where it
    leads ("a symbolic link (to /dev/zero)"); never followed or opened."""
    mode = os.lstat(path).st_mode
    what = mode_kind(mode)
    return f"{what} (to {os.readlink(path)})" if stat.S_ISLNK(mode) else what
