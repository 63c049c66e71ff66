"""A Git LFS pointer in place of a file: what a checkout without ``git lfs pull``, or
``git archive`` without git-lfs, writes for every file a repository keeps with Git LFS (a
results folder's fold files are binary, so a repository may well keep them so). Such a file
is no damage to repair and no run to train again: its fix is to fetch the file, so every
reader says it in these words."""

from __future__ import annotations

#: how a pointer file begins (the Git LFS specification's first line, the same since 2015)
POINTER_START = b"version https://git-lfs.github.com/spec/v1\n"
#: no pointer is larger (the specification's own bound)
POINTER_BYTES = 1024

#: what such a file is, after its name
LFS_POINTER = "is a Git LFS pointer, not the file"
#: the fix, where the file came from a checkout
LFS_FIX = "run 'git lfs pull' in the repository it came from (with git-lfs installed)"
#: the reason every reader gives for a pointer, after the file's name
LFS_SAID = f"{LFS_POINTER}: {LFS_FIX}"


def is_lfs_pointer(head: bytes, size: int) -> bool:
    """Whether a file of ``size`` bytes whose first bytes are ``head`` (at least its first
    64) is a Git LFS pointer."""
    return size <= POINTER_BYTES and head.startswith(POINTER_START)
