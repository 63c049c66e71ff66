"""A weights file a user names (a ``torch.save``'d state dict, or a ``.safetensors`` file),
read and checked as ``run --weights`` checks its checkpoints.

Every reader of a user's weights says what is wrong with a file in merbench's words: an
empty file, a text file, a file that holds no state dict, a ``.safetensors`` file whose
header cannot be read. The readers' own messages ("list index out of range", torch's
advice on unsafe pickle fallbacks cut mid-word, safetensors' "header too small") name
nothing the user can act on. A ``.safetensors`` file holds named tensors and never code, so
what is wrong with one is found from its 8-byte header length and the JSON table after it.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import torch
from safetensors.torch import load_file

from merbench.base.errors import MerbenchError
from merbench.results.user_files import check_user_file, opened_user_file
from merbench.training.checkpoints import (
    as_text,
    checked_state_dict,
    first_bytes,
    read_state_dict,
)
from merbench.training.state_dict_found import WRAPPERS

SAFETENSORS_SUFFIX = ".safetensors"
#: how a safetensors file is written, for the refusals of one that is not
_WRITE_IT = ("give the file safetensors.torch.save_file(model.state_dict(), path) wrote, or a "
             ".pth file torch.save(model.state_dict(), path) wrote")
#: a header longer than this is no table of tensors (safetensors refuses it too)
_LONGEST_HEADER = 100_000_000


def read_weights_file(path: Path, what: str, wrappers: tuple[str, ...] = WRAPPERS
                      ) -> dict[str, torch.Tensor]:
    """The state dict in ``path``, refused in one line naming the file where it is none.
    ``what``: the file as a refusal of a path that is no regular file calls it.
    ``wrappers``: the keys of a dict that holds the weights, the first found taken."""
    path = Path(path)
    check_user_file(path, what)  # a fifo or a device is never handed to a reader
    if path.suffix.lower() != SAFETENSORS_SUFFIX:
        return read_state_dict(path, wrappers=wrappers)
    try:
        loaded = load_file(str(path), device="cpu")
    except Exception:  # its error names its parser's state, not the file's fault
        raise MerbenchError(f"checkpoint {path} {_what_is_wrong(path)}") from None
    return checked_state_dict(loaded, path, ())


def _what_is_wrong(path: Path) -> str:
    """Why the ``.safetensors`` file at ``path`` could not be read, found from the file."""
    size, head, said = first_bytes(path)
    if said is not None:
        return said
    text = as_text(head)
    if text is not None:
        start = (text.splitlines() or [""])[0][:30]
        return f"is a text file, not a safetensors file (it begins '{start}'); {_WRITE_IT}"
    if size < 8:
        return (f"holds {size} bytes, fewer than the 8 of a safetensors file's header length; "
                f"{_WRITE_IT}")
    length = struct.unpack("<Q", head[:8])[0]
    if length > min(size - 8, _LONGEST_HEADER):
        return (f"is not a safetensors file: its first 8 bytes give a header of {length:,} "
                f"bytes, and {size - 8:,} follow them; {_WRITE_IT}")
    with opened_user_file(path, "checkpoint") as handle:
        handle.seek(8)
        header = handle.read(length)
    try:
        table = json.loads(header)
    except (UnicodeDecodeError, ValueError):
        return f"is not a safetensors file: its header is not a JSON table; {_WRITE_IT}"
    if not isinstance(table, dict):
        return f"is not a safetensors file: its header is not a JSON table; {_WRITE_IT}"
    return ("is a damaged safetensors file: its table of tensors does not match the bytes "
            f"after it; copy or save it again ({_WRITE_IT})")
