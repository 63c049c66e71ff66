"""The cache folder named by ``$MERBENCH_CACHE_DIR`` (and any folder an environment variable
names: :func:`folder_from_env`), checked as the variable it is.

A value no folder can have was found only when the first cache entry was written, and said
as that entry's fault: a name of 300 bytes as a cache file's, "give its real path"; a
regular file as "Not a directory; set MERBENCH_CACHE_DIR" (set already); a blank value was
taken as a folder named ' ' in the current folder. Each is said here, once, naming the
variable, before anything is read or made.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.file_kinds import mode_kind
from merbench.base.home_paths import home_expanded_at

CACHE_ENV = "MERBENCH_CACHE_DIR"
#: the longest name of one folder, and of a whole path, the system takes (bytes)
_NAME_BYTES, _PATH_BYTES = 255, 4095


def _shown(value: str) -> str:
    """The value as a message shows it: quoted when blank, else whole up to 80 characters."""
    if not value.strip():
        return f"'{value}'"
    return value if len(value) <= 80 else f"{value[:60]}...{value[-16:]}"


def _not_a_folder(path: Path) -> str | None:
    """What stands at ``path`` or above it where a folder should be, or None."""
    for place in (path, *path.parents):
        try:
            mode = os.stat(place).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            return None
        kind = mode_kind(mode)
        return f"is {kind}, not a folder" if place == path else \
            f"cannot be made: {place} is {kind}, not a folder"
    return None


def cache_dir_from_env() -> Path | None:
    """The folder ``$MERBENCH_CACHE_DIR`` names, None where it is unset (the default,
    ``~/.cache/merbench``, applies); a value no cache folder can be is refused in one line
    that names the variable. Set but empty is refused too, not taken as unset: the user
    meant some folder, and ``cache clear`` emptied the default cache in the home folder
    with no word of where it came from (pass 84y, Y13)."""
    if os.environ.get(CACHE_ENV) == "":
        raise MerbenchError(f"{CACHE_ENV} is set but empty; set it to a folder, or unset it "
                            "to use the default (~/.cache/merbench)")
    path = folder_from_env(CACHE_ENV, "for ~/.cache/merbench")
    if path is None:
        return None
    problem = _not_a_folder(path)
    if problem is not None:
        raise MerbenchError(f"{CACHE_ENV}={_shown(os.environ[CACHE_ENV])} {problem}; set it "
                            "to a folder")
    return path


def default_cache_dir() -> Path:
    """``$MERBENCH_CACHE_DIR`` (refused where no cache folder can be there), else
    ``~/.cache/merbench``."""
    return cache_dir_from_env() or Path.home() / ".cache" / "merbench"


def folder_from_env(variable: str, unset: str) -> Path | None:
    """The path the environment variable ``variable`` names (``~`` expanded), None where it
    is unset or empty; a value no folder can have (blank, ``~`` of an unknown user, a name
    or a path longer than the system takes) refused in one line naming the variable, with
    ``unset`` saying what leaving it unset does ("for ~/.cache/merbench"). The cache's and
    the data's variables (``MERBENCH_DATA_DIR``, read by the dataset plugins) are checked
    alike here: the data's said a blank value was "not set", and a 6,000-byte one named only
    a folder inside it (the eighth adversarial pass of issue 84)."""
    value = os.environ.get(variable, "")
    if not value:
        return None
    said = f"{variable}={_shown(value)}"
    if not value.strip():
        raise MerbenchError(f"{said} is blank; set it to a folder, or unset it {unset}")
    path = Path(home_expanded_at(value, f"{variable}="))  # as every path given is refused
    longest = max((len(os.fsencode(part)) for part in path.absolute().parts), default=0)
    if longest > _NAME_BYTES:
        raise MerbenchError(f"{said} has a folder name of {longest:,} bytes, more than the "
                            f"{_NAME_BYTES} a name may have; set it to a folder that can exist")
    if len(os.fsencode(str(path.absolute()))) > _PATH_BYTES:
        raise MerbenchError(f"{said} is longer than the {_PATH_BYTES:,} bytes a path may be; "
                            "set it to a folder that can exist")
    return path
