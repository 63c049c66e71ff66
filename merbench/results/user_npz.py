"""The bounded reader of an ``.npz`` archive a user or a result hands over (a run's fold
files, a saved features file): regular files only, the arrays' declared sizes checked before
anything is allocated, never unpickling, every failure said in words.

Its own module because parsing an archive is the one costly step of reading a run: a
run's status, validation, page and audit each read every fold file, some of them more
than once in one command (status: three times), and the test suite reads the same
committed runs thousands of times in one process. An archive's arrays are remembered by
its bytes (:data:`MEMO_ENTRIES` small archives), so the same bytes are parsed once; the
bytes themselves are read every time, through the same checks.
"""

from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from merbench.results.user_files import MAX_BINARY_BYTES, read_user_bytes, refused_file

#: how many archives' arrays are remembered, and the largest remembered (a fold file is
#: a few kB; a saved features file may be hundreds of MB, and is parsed each time)
MEMO_ENTRIES = 512
MEMO_BYTES = 1 << 20


def read_user_npz(path: Path, what: str) -> dict[str, Any]:
    """Every array of the ``.npz`` file ``path``, never unpickling: an archive holding Python
    objects, a damaged one or no archive at all said in words (numpy's own message advises
    loading it "unsafely using allow_pickle", which is never the fix for a merbench file).
    Each array's header is read before its data, so that a small archive declaring a huge
    array is refused before anything is allocated; the archive is opened and each header
    parsed once (a run's status, validation and page read every fold file)."""
    data = read_user_bytes(path, what)
    try:
        parsed = _remembered(data) if len(data) <= MEMO_BYTES else _arrays(data)
        return {name: value.copy() if isinstance(value, np.ndarray) else value
                for name, value in parsed.items()}
    except _TooLarge as large:
        raise refused_file(path, what, f"declares arrays of {large.declared:,} bytes, more than "
                      f"the {MAX_BINARY_BYTES:,} any {what} holds",
                      "give the file merbench wrote") from None
    except MemoryError:
        raise refused_file(path, what, "holds arrays larger than this machine's memory",
                      "give the file merbench wrote, on a machine that holds it") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError,
            OverflowError):
        raise refused_file(path, what, "is not an .npz archive of plain arrays (damaged, cut "
                      "short, holding Python objects or another kind of file)",
                      "give the file merbench wrote") from None


class _TooLarge(Exception):
    """An archive whose arrays declare ``declared`` bytes, more than any file may hold."""

    def __init__(self, declared: int) -> None:
        super().__init__(declared)
        self.declared = declared


def _arrays(data: bytes) -> dict[str, Any]:
    """The arrays of the archive whose bytes are ``data``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # bounded: bytes read_user_bytes read
        arrays: dict[str, Any] = {}
        budget = MAX_BINARY_BYTES
        for member in archive.infolist():
            if not member.filename.endswith(".npy"):  # as np.load: its bytes
                arrays[member.filename] = archive.read(member)
                continue
            with archive.open(member) as reader:
                shape, fortran, dtype = _npy_header(reader)
                budget -= _count(shape) * max(dtype.itemsize, 1)
                if budget < 0:  # never allocated
                    raise _TooLarge(_declared(archive))
                arrays[member.filename[:-4]] = _npy_data(reader, shape, fortran, dtype)
        return arrays


#: :func:`_arrays` remembered by the archive's bytes (never by path or time: what was read
#: is what is parsed); the callers copy the arrays, so none is changed in the memo
_remembered = functools.lru_cache(maxsize=MEMO_ENTRIES)(_arrays)


def _npy_header(reader: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """An ``.npy`` stream's (shape, Fortran order, dtype), the stream left at its data."""
    version = np.lib.format.read_magic(reader)
    header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
        np.lib.format.read_array_header_2_0
    shape, fortran, dtype = header(reader)
    return tuple(int(extent) for extent in shape), bool(fortran), dtype


def _count(shape: tuple[int, ...]) -> int:
    count = 1
    for extent in shape:
        count *= extent
    return count


def _npy_data(reader: IO[bytes], shape: tuple[int, ...], fortran: bool,
              dtype: np.dtype[Any]) -> np.ndarray:
    """The array whose header :func:`_npy_header` read, from the rest of the stream: plain
    data only (an array of Python objects is pickled, and is refused as np.load refuses it
    without ``allow_pickle``); writable, as np.load's are."""
    if dtype.hasobject:
        raise ValueError("an array of Python objects")
    count = _count(shape)
    data = reader.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise EOFError("cut short")
    array = np.frombuffer(bytearray(data), dtype=dtype, count=count)
    return array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)


def _declared(archive: zipfile.ZipFile) -> int:
    """The bytes every ``.npy`` member of ``archive`` declares (shape times item size), read
    from the headers alone: a 1 kB archive may declare a terabyte."""
    total = 0
    for member in archive.infolist():
        if member.filename.endswith(".npy"):
            with archive.open(member) as reader:
                shape, _, dtype = _npy_header(reader)
            total += _count(shape) * max(dtype.itemsize, 1)
    return total


