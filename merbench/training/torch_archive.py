"""Why a zip archive given as a checkpoint could not be read, found from the archive itself.

``torch.save`` writes a zip archive: ``PREFIX/data.pkl`` (the pickled index of the tensors),
``PREFIX/version``, ``PREFIX/byteorder`` and one ``PREFIX/data/KEY`` record per storage.
When torch cannot read one, its reasons are its C++ reader's (``Expected
hasRecord("version") to be true, but got false.  (Could this error message be improved?``),
a miniz error or its advice on ``weights_only``: none of them a user's words, and merbench
relayed them cut to 120 characters, mid-word (pass 84ac, AC3). So the archive is looked
into with Python's own zip reader and said in merbench's words, and torch's text is never
shown: each check names what a torch checkpoint has and this file lacks, in the order
torch reads them.
"""

from __future__ import annotations

import io
import pickletools
import zipfile
from pathlib import Path

import torch

from merbench.results.user_files import opened_user_file

AGAIN = "copy it again, or save it again with torch.save(model.state_dict(), path)"
#: the most of a pickled index read to see whether it is whole (a network's, with its
#: names and shapes, is kilobytes): a damaged archive that inflates a record is not held
INDEX_BYTES = 64 << 20


def what_is_wrong_in_zip(path: Path, size: int, refused: str | None,
                         index_refused: bool) -> str:
    """What is wrong with ``path``, a zip archive that torch could not read as a checkpoint:
    cut short (no central directory at its end), an archive of other files (a downloaded
    folder, a zip with no version record), or a torch archive damaged inside.
    ``refused``: what is said of a code-bearing object torch's weights-only read refused,
    once the index is known to be whole (a cut one named half a function: pass 84ac);
    ``index_refused``: that read refused the pickled index for another reason."""
    try:
        with opened_user_file(path, "checkpoint") as handle, \
                zipfile.ZipFile(handle) as archive:  # bounded: opened_user_file
            return _inside(archive, refused, index_refused)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return (f"is truncated or damaged ({size:,} bytes, and the torch archive inside is "
                f"incomplete); {AGAIN}")


def _inside(archive: zipfile.ZipFile, refused: str | None, index_refused: bool) -> str:
    names = archive.namelist()
    index = next((name for name in names if name.endswith("/data.pkl")), None)
    if index is None:  # what torch.save writes first
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3
                                        else "")
        return (f"is a zip archive, not a torch checkpoint (it holds {shown or 'nothing'}); "
                "unpack it and give the .pth files torch.save wrote")
    prefix = index.removesuffix("data.pkl")
    version = next((_head(archive, name) for name in (f"{prefix}version",
                                                      f"{prefix}.data/version")
                    if name in names), None)
    if version is None:
        return ("is a zip archive but no torch checkpoint (it has no version record, which "
                "torch.save writes); give the .pth file torch.save wrote")
    damaged = archive.testzip()
    if damaged is not None:
        return f"is a damaged torch archive (its record {damaged} fails its checksum); {AGAIN}"
    if not _whole_pickle(_head(archive, index, INDEX_BYTES)):
        return (f"is a damaged torch archive (complete, but its index of tensors, {index}, "
                f"is cut short or garbled); {AGAIN}")
    if refused is not None:
        return refused
    if index_refused:
        return (f"is a torch archive whose index of tensors, {index}, holds more than a state "
                "dict of tensors (what merbench's weights-only read refuses); save the weights "
                "alone: torch.save(model.state_dict(), path)")
    ours = _written_version()
    theirs = version.strip().decode("ascii", "replace")
    if not theirs.isdigit():
        return f"is a damaged torch archive (its version record is garbled); {AGAIN}"
    if ours is not None and int(theirs) > ours:
        return (f"is a torch archive of version {theirs}, newer than the version {ours} torch "
                f"{torch.__version__} writes, and this torch cannot read it; upgrade torch to "
                "the one that saved it")
    order = _head(archive, f"{prefix}byteorder").strip() if f"{prefix}byteorder" in names \
        else b"little"
    if order not in (b"little", b"big"):
        return f"is a damaged torch archive (its byteorder record is garbled); {AGAIN}"
    return (f"is a damaged torch archive (complete, but a tensor's record under {prefix}data/ "
            f"is missing or of another size than its index says); {AGAIN}")


def _head(archive: zipfile.ZipFile, name: str, most: int = 64) -> bytes:
    """The first ``most`` bytes of the record ``name`` (a version record is a line)."""
    with archive.open(name) as record:
        return record.read(most)


def _whole_pickle(data: bytes) -> bool:
    """Whether ``data`` reads as one whole pickle, up to its STOP (never unpickled)."""
    try:
        return any(op.name == "STOP" for op, _, _ in pickletools.genops(data))
    except Exception:  # any garble: genops raises ValueError and others
        return False


def _written_version() -> int | None:
    """The archive version this torch's ``torch.save`` writes, read from what it writes."""
    buffer = io.BytesIO()
    torch.save({}, buffer)
    with zipfile.ZipFile(buffer) as archive:  # bounded: written here, in memory
        found = [name for name in archive.namelist() if name.endswith("/version")]
        text = archive.read(found[0]).strip() if found else b""
    return int(text) if text.isdigit() else None
