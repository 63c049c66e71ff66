"""The one bounded reader for every file a user, or a result, hands merbench.

Every adversarial pass found the same faults again in a new reader: a fifo named like a
coding sheet blocked ``run`` in ``open`` for good (SIGTERM could not stop it), a tuning file
of 100,000 nested brackets raised ``RecursionError`` in the one module that decoded it with
``json.loads``, a byte-order mark came out as "not valid TOML ... line 1, column 1", a damaged
``.npz`` printed numpy's advice to "load it unsafely using allow_pickle", a decompression
bomb printed an OpenCV assertion. Each was a module opening a file its own way. So there is
one way, here, for JSON, TOML (:mod:`merbench.results.toml_input`), CSV, spreadsheets, NPZ,
images and videos (archives unpack from the bytes read here: :mod:`~merbench.tuning.archive`):

- only a regular file is read, and what it is is decided from ``stat`` *before* it is opened
  (then again from the open descriptor, opened without blocking), so a fifo, a socket or a
  device is refused at once and nothing waits on it;
- sizes, nesting depth and pixel counts have limits far above any real file;
- the text encodings are named: a UTF-8 byte-order mark is read past, a UTF-16 or UTF-32
  one is named as that encoding, other bytes that are not UTF-8 are named as such;
- every failure is one :class:`MerbenchError` line naming the file and what is wrong in
  words, never a library's own message.

``tests/test_user_files.py`` fails when a module of merbench or of its plugins opens a file
in another way.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.native_output import native_stderr_silenced
from merbench.results.codec import loads, long_integer, unreadable
from merbench.results.csv_faults import csv_fault, extra_cells
from merbench.results.lfs_pointer import LFS_SAID, is_lfs_pointer
from merbench.results.safe_files import MAX_FILE_BYTES, UnsafeFile, read_regular_bytes
from merbench.results.workbook_extent import too_far

if TYPE_CHECKING:
    import pandas as pd

#: no text file merbench reads comes near this (a results.json is a few hundred kilobytes,
#: a predictions table of every committed run a few megabytes)
MAX_TEXT_BYTES = 1 << 30
#: a saved features file or a fold file of a large model, far below what a machine holds
MAX_BINARY_BYTES = MAX_FILE_BYTES
#: a frame or a face image larger than an 8K frame (33 megapixels) is no frame of a database:
#: a "decompression bomb" (a small file that decodes to gigabytes) is refused from its header
MAX_IMAGE_PIXELS = 64_000_000

_BOMS = ((b"\x00\x00\xfe\xff", "UTF-32 BE"), (b"\xff\xfe\x00\x00", "UTF-32 LE"),
         (b"\xfe\xff", "UTF-16 BE"), (b"\xff\xfe", "UTF-16 LE"))
_UTF8_BOM = b"\xef\xbb\xbf"


class UnreadableFile(MerbenchError):
    """A file a user handed over that merbench cannot read: ``reason`` says why in words,
    without the file's name, for a caller that says it its own way."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # a predicate: "is not UTF-8 text (...)", "holds a list, ..."

    @property
    def because(self) -> str:
        """The reason as a clause of its own ("it is not UTF-8 text (...)"), for a message
        that names the file itself and gives the reason in parentheses."""
        return f"it {self.reason}"


class LfsPointer(UnreadableFile):
    """A Git LFS pointer where the file belongs (:mod:`~merbench.results.lfs_pointer`):
    told apart, so that no reader says "damaged" of it, nor advises training again."""


def fix_after(exc: UnreadableFile, fix: str) -> str:
    """``; FIX`` to follow ``exc.reason``, or nothing for a Git LFS pointer: its reason ends
    in its own fix (fetch the file), which a handler's "restore it" would contradict."""
    return "" if isinstance(exc, LfsPointer) else f"; {fix}"


def refused_file(path: Path, what: str, reason: str, fix: str) -> UnreadableFile:
    """The refusal of a file a user handed over: ``PATH (WHAT) REASON; FIX`` (the bounded
    readers' one wording, .npz archives' too), ``reason`` kept for a caller's own words."""
    return UnreadableFile(f"{path} ({what}) {reason}; {fix}", reason)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a fifo"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def check_user_file(path: Path, what: str, limit: int = MAX_BINARY_BYTES) -> int:
    """The size of ``path`` once ``stat`` shows it is a regular file of at most ``limit``
    bytes, before anything opens it (a library that opens a path itself, a video decoder,
    is handed only what passed this). A link to a regular file is followed."""
    path = Path(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise UnreadableFile(f"no {what} at {path}; give the path of an existing file",
                             "does not exist") from None
    except OSError as exc:
        raise refused_file(path, what, f"cannot be read ({exc.strerror or 'no access'})",
                      "give a file you can read") from None
    if not stat.S_ISREG(status.st_mode):
        found = _kind(status.st_mode)
        raise UnsafeFile(f"{path} is {found}, not a regular file; give a regular file as the "
                         f"{what}")
    if status.st_size > limit:
        raise refused_file(path, what, f"is {status.st_size:,} bytes, more than the "
                      f"{limit:,} any {what} needs", "give the right file")
    return status.st_size


@contextlib.contextmanager
def opened_user_file(path: Path, what: str,
                     limit: int = MAX_BINARY_BYTES) -> Iterator[io.BufferedReader]:
    """``path`` open for reading, shown to be a regular file before it is opened and again
    from the descriptor (opened without blocking), for a reader that streams a large file."""
    check_user_file(path, what, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise refused_file(Path(path), what, f"cannot be read ({exc.strerror or 'no access'})",
                      "give a file you can read") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # swapped for a fifo since the stat
        os.close(fd)
        raise UnsafeFile(f"{path} is {_kind(mode)}, not a regular file; give a regular file "
                         f"as the {what}")
    with os.fdopen(fd, "rb") as reader:
        yield reader


#: bytes asked of the file at a time past its size as stat told it (one that grew since)
READ_CHUNK = 1 << 24


def read_user_bytes(path: Path, what: str, limit: int = MAX_BINARY_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (``what`` it is, for the refusals). Read by
    its size, then in chunks while it grows, never ``limit`` bytes asked at once: a buffered
    read of n bytes first allocates n, so every fold file of 1.5 kB took 16 GiB of address
    space, and under a lower limit (``ulimit -v``, strict overcommit) good files were said
    to be damaged."""
    with opened_user_file(path, what, limit) as reader:
        try:
            size = min(os.fstat(reader.fileno()).st_size, limit)
            chunks = [reader.read(size + 1)]
            total = len(chunks[0])
            while total > size and chunks[-1] and total <= limit:  # it grew: read on
                chunks.append(reader.read(min(READ_CHUNK, limit + 1 - total)))
                total += len(chunks[-1])
        except OSError as exc:
            raise refused_file(Path(path), what, f"cannot be read ({exc.strerror or 'I/O error'})",
                          "copy it again") from None
    data = b"".join(chunks)
    if is_lfs_pointer(data, len(data)):  # every reader's, binary or text, in one place
        raise LfsPointer(f"{path} ({what}) {LFS_SAID}", LFS_SAID)
    if len(data) > limit:  # it grew since its size was read
        raise refused_file(Path(path), what, f"is more than the {limit:,} bytes any {what} needs",
                      "give the right file")
    return data


def decode_text(data: bytes, path: Path, what: str) -> str:
    """``data`` as UTF-8 text: a UTF-8 byte-order mark read past, any other named."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            raise refused_file(path, what, f"is {encoding} text, not UTF-8 (it starts with a "
                          "byte-order mark)", "save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refused_file(path, what, f"is not UTF-8 text (byte {exc.start:,} cannot be read: "
                      "Latin-1 or Windows-1252, perhaps)", "save it as UTF-8") from None


def read_user_text(path: Path, what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """The text of ``path``, UTF-8 (a byte-order mark aside), every failure one line."""
    return decode_text(read_user_bytes(path, what, limit), Path(path), what)


def read_written_json(path: Path, what: str, **options: Any) -> Any:
    """The JSON value of a file merbench wrote into a result (``run.json``, a spotted
    video's file, a summary over seeds), decoded as :func:`decode_text` decodes a user's
    file: a results file saved again by an editor that adds a UTF-8 byte-order mark is the
    same file, and ``validate`` reads it so; a reader that decoded the bytes itself called
    it damaged. Read as :func:`~merbench.results.safe_files.read_regular_bytes` reads it, so
    a missing file is still ``FileNotFoundError`` for the caller to word, a fifo an
    :class:`UnsafeFile`; other bytes than UTF-8 are an :class:`UnreadableFile` naming them,
    JSON that does not decode a ``json.JSONDecodeError``; ``options`` as ``json.loads``
    takes them."""
    return loads(decode_text(read_regular_bytes(Path(path)), Path(path), what), **options)


def read_user_json(path: Path, what: str, limit: int = MAX_TEXT_BYTES) -> Any:
    """The JSON value in ``path``, nesting no deeper than any merbench file (``limit``: the
    bytes any ``what`` needs, refused from ``stat`` before a byte is read)."""
    text = read_user_text(path, what, limit)
    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        raise refused_file(Path(path), what, f"is not JSON ({unreadable(exc)})",
                      "give the file merbench wrote") from None


def read_user_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; any other JSON value (a list, null) said as what it is."""
    value = read_user_json(path, what)
    if not isinstance(value, dict):
        raise refused_file(Path(path), what, f"holds {json_kind(value)}, not a JSON object",
                      "give the file merbench wrote")
    return value


def json_kind(value: Any) -> str:
    """What a JSON value is, in words ("a list", "null"), for a reader that wants an
    object and says what it found instead."""
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "true or false", int: "a number",
            float: "a number"}.get(type(value), "a value")


def read_user_csv(path: Path, what: str, **options: Any) -> pd.DataFrame:
    """A CSV table (``options`` as pandas's ``read_csv`` takes them); a table pandas cannot
    parse, or a row of more cells than the header, said in words."""
    return parse_user_csv(read_user_bytes(path, what, MAX_TEXT_BYTES), path, what, **options)


def parse_user_csv(data: bytes, path: Path, what: str, **options: Any) -> pd.DataFrame:
    """The CSV table in ``data``, read from ``path`` by :func:`read_user_bytes` (for a
    reader that also compares the bytes themselves)."""
    import pandas as pd  # deferred: pandas takes a noticeable time to import

    text = decode_text(data, Path(path), what)
    if not text.strip():
        raise refused_file(Path(path), what, "is empty", "give the file itself")
    found = long_integer(text)
    if found is not None:  # read as text by pandas, it stopped a reader's int() in Python's words
        where = _csv_place(text, found.start(), options.get("header", "infer") is not None)
        digits = len(found.group().lstrip("-"))
        raise refused_file(Path(path), what, f"holds a number of {digits:,} digits in {where}, "
                           f"which no {what} does", "give the file as it was written")
    try:
        table = pd.read_csv(io.StringIO(text), **options)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        said, fix = csv_fault(text, str(exc), options.get("header", "infer") is not None)
        raise refused_file(Path(path), what, said, fix) from None
    header = options.get("header", "infer") in ("infer", 0) and "names" not in options
    fault = extra_cells(text) if header else None  # a long first row: read as an index
    if fault is not None:
        raise refused_file(Path(path), what, *fault)
    return table


def column_problem(found: Any, wanted: list[str]) -> str | None:
    """What is wrong with a CSV table's ``found`` columns against its ``wanted`` header, in
    words (a Python list of its first row was said where the header row was deleted)."""
    found = [str(c) for c in found]
    if found == wanted:
        return None
    shown = ",".join(found)
    shown = shown if len(shown) <= 60 else f"{shown[:57]}..."
    if not set(found) & set(wanted):
        return f"has no header row (its first row is {shown}); the header is {','.join(wanted)}"
    return f"has columns {shown}, not {','.join(wanted)}"


def _csv_place(text: str, position: int, header: bool) -> str:
    """Where ``position`` lies in the CSV ``text``: "row 1, column y_true" (rows counted
    after the header row, where there is one), for a user looking for it in the file."""
    start = text.rfind("\n", 0, position) + 1
    line = text.count("\n", 0, start) + 1
    column = len(next(csv.reader([text[start:position]]), [""])) - 1 if position > start else 0
    names = next(csv.reader([text[:text.find("\n")]]), []) if header and line > 1 else []
    name = names[column].strip() if column < len(names) else str(column + 1)
    return f"row {line - 1 if header else line}, column {name}"


def read_user_workbook(path: Path, what: str, engine: str) -> dict[str, pd.DataFrame]:
    """Every sheet of the spreadsheet ``path`` (.xlsx through openpyxl, .xls through
    calamine) as text cells without a header row."""
    import pandas as pd  # deferred: pandas takes a noticeable time to import

    data = read_user_bytes(path, what, MAX_TEXT_BYTES)
    if engine == "openpyxl" and (reach := too_far(data)):  # built whole: a huge sheet, refused
        raise refused_file(Path(path), what, reach, "replace it with the official file")
    try:
        sheets: dict[str, pd.DataFrame] = pd.read_excel(io.BytesIO(data), sheet_name=None,
                                                         header=None, dtype=str, engine=engine)
    except ImportError:
        raise
    except Exception:
        kind = "an .xls workbook" if engine == "calamine" else "an .xlsx workbook"
        raise refused_file(Path(path), what, f"cannot be read as {kind} (damaged, or another "
                      "kind of file)", "replace it with the official file") from None
    return sheets


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's, a JPEG's, a BMP's or a GIF's header, without decoding
    the pixels; None for another format (OpenCV's own limit then applies)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a frame header
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width, height
        position += 2 + length
    return None


def read_user_image(path: Path, what: str, flags: int | None = None,
                    own: bool = False) -> np.ndarray:
    """The image ``path`` decoded by OpenCV (``flags``: ``cv2.IMREAD_COLOR`` unless given),
    its pixel count checked from its header first; a file that does not decode said so.
    ``own``: the user's own image (``predict``'s frames), which no database distributes, so
    the fix is to save it again, not to restore it."""
    return decode_user_image(read_user_bytes(path, what), path, what, flags, own)


def decode_user_image(data: bytes, path: Path, what: str,
                      flags: int | None = None, own: bool = False) -> np.ndarray:
    """The image in ``data`` (read from ``path``) decoded by OpenCV, as
    :func:`read_user_image` decodes a file, for a reader that checks the bytes first."""
    import cv2  # deferred: OpenCV takes a noticeable time to import

    size = image_size(data)
    if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise refused_file(Path(path), what, f"declares {size[0]:,}x{size[1]:,} pixels, more than "
                      f"the {MAX_IMAGE_PIXELS:,} any frame holds (a decompression bomb, or "
                      "no frame of a database)",
                      "save the frame again at its camera's size" if own else
                      "replace it with the database's own file")
    try:
        # OpenCV's own lines on a damaged image ("[ WARN:0@0.016] global grfmt_png.cpp:834
        # ...", libjpeg's "Corrupt JPEG data") stay off the terminal: merbench says it below
        with native_stderr_silenced():
            image = cv2.imdecode(np.frombuffer(data, np.uint8),
                                 cv2.IMREAD_COLOR if flags is None else flags)
    except cv2.error:
        image = None
    if image is None:
        raise refused_file(Path(path), what, "cannot be decoded as an image (damaged, too large "
                      "or not an image)",
                      "save the frames again as 8-bit PNG or JPEG images (OpenCV reads "
                      "neither floating-point samples nor every TIFF)" if own else
                      "restore the file from the database")
    return np.asarray(image)


def checked_user_video(path: Path, what: str) -> Path:
    """``path`` once it is shown to be a regular file, for OpenCV's decoder, which opens a
    path itself (a fifo named like a video blocked it for good)."""
    check_user_file(path, what)
    return Path(path)
