"""Loading saved weights: tensors only, and every mismatch named before anything is loaded.

Checkpoints are read with ``torch.load(..., weights_only=True)``, which never runs code
from the file; a file that needs pickle's full power is refused. A checkpoint's keys and
shapes are compared with the model's before ``load_state_dict(strict=True)``, so a wrong
file gives one line that lists what is missing, unexpected or of another shape. Weights that
hold NaN or an infinity, or a BatchNorm statistic no training gives (a negative variance or
batch count), are refused as they are read, for every command that reads them.
"""

from __future__ import annotations

import codecs
import os
import pickle
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from merbench.base.errors import MerbenchError, TooLargeToBuild, os_reason
from merbench.base.memory import machine_memory
from merbench.results.lfs_pointer import LFS_SAID, is_lfs_pointer
from merbench.results.user_files import check_user_file, opened_user_file
from merbench.training.state_dict_found import WRAPPERS, listed, unwrap
from merbench.training.torch_archive import what_is_wrong_in_zip


def read_state_dict(path: Path, *, mmap: bool = False,
                    wrappers: tuple[str, ...] = WRAPPERS) -> dict[str, torch.Tensor]:
    """The tensors saved in ``path`` (a ``torch.save``'d state dict, possibly wrapped in a
    dict under one of ``wrappers``, the first found taken). ``mmap`` maps the tensors instead
    of loading them: a whole file is checked (archive, pickle, every key and shape, every
    value finite) without holding its tensors in memory."""
    path = Path(path)
    if not os.path.lexists(path):
        raise MerbenchError(f"checkpoint {path} does not exist")
    check_user_file(path, "checkpoint")  # a fifo or a device refused before torch opens it
    try:
        # torch's words while loading (its advice to file an issue, its scan of a sparse
        # tensor, its deprecations of quantized tensors and typed storages) are none of the
        # user's: what is wrong with the file is said after, in merbench's words
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = torch.load(path, map_location="cpu", weights_only=True,  # bounded: checked
                                mmap=mmap and zipfile.is_zipfile(path))
    except Exception as exc:  # a damaged file can fail anywhere inside the unpickler
        try:
            wrong = _what_is_wrong(path, exc)
        except OSError as failed:  # not even its first bytes: the system's reason, the file
            # named (/proc/self/mem's EIO was said with neither: pass 84ac, AC14)
            wrong = (f"could not be read ({os_reason(failed)}); copy it again, or give the "
                     ".pth file torch.save wrote")
        raise MerbenchError(f"checkpoint {path} {wrong}") from None
    return checked_state_dict(loaded, path, wrappers)


def checked_state_dict(loaded: Any, path: Path,
                       wrappers: tuple[str, ...] = WRAPPERS) -> dict[str, torch.Tensor]:
    """The state dict in what was read from ``path``, refused in one line where it is none
    or holds weights no training saves: the checks of every weights file, whichever reader
    read it (torch's, or safetensors')."""
    state = unwrap(loaded, path, wrappers)
    _refuse_unplain(state, path)
    _refuse_non_finite(state, path)
    _refuse_negative_statistics(state, path)
    return state


#: the floating-point kinds weights are saved in, whose values can be checked for NaN
_PLAIN_FLOATS = frozenset({torch.float16, torch.bfloat16, torch.float32, torch.float64})


def _refuse_unplain(state: dict[str, torch.Tensor], path: Path) -> None:
    """Refuse a tensor no network's weights are saved as, before its values are checked: a
    sparse one, or floating point of an 8-bit kind (``float8_*``), for which torch has no
    NaN test (both ended convert-weights and ``run --weights`` in a traceback, pass 84z,
    Z1), or a quantized one (said as "whole-number" values after torch's deprecation warning,
    Z3); said as the other kinds no weights are (:func:`check_weight_kinds`). A meta tensor
    (a shape with no values) or a nested one has no values a NaN test can read: each ended
    every command that reads weights in torch's traceback (pass 84ac, AC2)."""
    for key, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            continue
        if tensor.is_meta:
            what = "is a meta tensor (a shape with no values)"
        elif tensor.is_nested:
            what = "is a nested tensor (tensors of several shapes in one)"
        elif tensor.is_quantized:  # before the layout: torch's own
            what = f"holds quantized values ({str(tensor.dtype).removeprefix('torch.')})"
        elif tensor.layout != torch.strided:
            what = "is a sparse tensor"
        elif tensor.is_floating_point() and tensor.dtype not in _PLAIN_FLOATS:
            what = f"holds {str(tensor.dtype).removeprefix('torch.')} values"
        else:
            continue
        raise MerbenchError(f"checkpoint {path}: {key} {what}, not the floating-point weights "
                            "torch.save(model.state_dict(), path) writes; give the checkpoint "
                            "as it was saved")


def _refuse_non_finite(state: dict[str, torch.Tensor], path: Path) -> None:
    """Refuse weights that hold NaN or an infinity, in one line naming the first such
    tensor: a network computes nothing with them (NaN logits argmax to the first class, and
    such a run scored and validated as a collapsed one), so they are a diverged training or
    a damaged file, never weights to convert, score or go on from. Every tensor is read,
    mapped ones too (``--weights`` checks its files mapped): a few megabytes a checkpoint."""
    bad = [(key, tensor) for key, tensor in state.items() if non_finite(tensor) is not None]
    if not bad:
        return
    key, tensor = bad[0]
    nan = int(torch.isnan(tensor).sum())
    held, count = ("NaN", nan) if nan else ("an infinity", int(torch.isinf(tensor).sum()))
    more = f" (and {len(bad) - 1} more of its tensors)" if len(bad) > 1 else ""
    raise MerbenchError(f"checkpoint {path}: {key} holds {held} in {count:,} of its "
                        f"{tensor.numel():,} values{more}; weights like these come from a "
                        "training that diverged or a damaged file, and a network computes "
                        "nothing with them: give weights that trained")


#: BatchNorm's saved statistics (last part of a key) that no training makes negative
_NEVER_NEGATIVE = {"running_var": "a variance is never negative, and the network computes NaN "
                                  "from its square root",
                   "num_batches_tracked": "a count of training batches is never negative"}


def _refuse_negative_statistics(state: dict[str, torch.Tensor], path: Path) -> None:
    """Refuse a BatchNorm running variance (or batch count) below zero, in one line naming
    the first such tensor: such a variance makes every logit NaN in eval mode, which a run
    could only blame on the model's code, and convert-weights wrote such a file as loadable."""
    for key, tensor in state.items():
        why = _NEVER_NEGATIVE.get(key.rpartition(".")[2])
        if why is None or tensor.is_complex() or tensor.dtype == torch.bool:
            continue  # a complex or true/false statistic is refused by its kind
        negative = int((tensor < 0).sum())
        if negative:
            least = f"{float(tensor.min()):g}"
            held = f"is {least}" if tensor.numel() == 1 else (
                f"holds a negative value in {negative:,} of its {tensor.numel():,} values "
                f"(the least {least})")
            raise MerbenchError(f"checkpoint {path}: {key} {held}; {why}: give weights that "
                                "trained")


def non_finite(value: Any) -> str | None:
    """"NaN" or "an infinity" when a floating tensor in ``value`` (a tensor, or nested in
    dicts, lists and tuples, as a state dict and an optimiser's state are) holds one, else
    None: the one test of weights that no training saves, for a checkpoint and for a fold's
    saved training state alike."""
    if isinstance(value, torch.Tensor):
        if not (value.is_floating_point() or value.is_complex()):
            return None
        if bool(torch.isnan(value).any()):
            return "NaN"
        return None if bool(torch.isfinite(value).all()) else "an infinity"
    items = value.values() if isinstance(value, dict) else value \
        if isinstance(value, list | tuple) else ()
    for item in items:
        found = non_finite(item)
        if found is not None:
            return found
    return None


def first_bytes(path: Path) -> tuple[int, bytes, str | None]:
    """``path``'s size, its first bytes, and what is wrong with it where those say it
    whatever its format (empty, or a Git LFS pointer in place of the file): the first look
    of every reader of weights files, torch's or safetensors'."""
    size = path.stat().st_size
    with opened_user_file(path, "checkpoint") as handle:
        head = handle.read(64)
    if size == 0:
        return size, head, "is empty (0 bytes); copy or save it again"
    return size, head, LFS_SAID if is_lfs_pointer(head, size) else None


def _what_is_wrong(path: Path, exc: Exception) -> str:
    """Why ``path`` could not be read, in words (torch's messages name internals: an
    'unsupported GLOBAL', a miniz error, ``KeyError: 101``, ``Errno 22``): found from the
    file itself, so no text of torch's reaches the user (:mod:`~.torch_archive`)."""
    code = _refused_global(exc)
    refused = None if code is None else (
        f"holds code-bearing Python objects (it names {code}), and merbench never unpickles "
        "those, since unpickling can run any code; re-save the weights alone as a plain state "
        "dict: torch.save(model.state_dict(), path)")
    size, head, said = first_bytes(path)
    if said is not None:
        return said
    if head.startswith(b"PK\x03\x04"):  # torch's zip format, or any zip archive
        return what_is_wrong_in_zip(path, size, refused,
                                    isinstance(exc, pickle.UnpicklingError))
    if refused is not None:
        return refused
    text = as_text(head)
    if text is not None:
        start = (text.splitlines() or [""])[0][:30]
        return (f"is a text file, not a torch checkpoint (it begins '{start}'); give the "
                "file torch.save(model.state_dict(), path) wrote")
    if head[:1] == b"\x80":  # a pickle: torch's legacy format, or pickle.dump
        return ("is a pickle that torch cannot read as weights only (a damaged legacy torch "
                "file, or not written by torch.save); save it again with "
                "torch.save(model.state_dict(), path)")
    return ("is not a torch checkpoint (neither torch's zip archive nor a pickle); give the "
            "file torch.save(model.state_dict(), path) wrote")


def _refused_global(exc: Exception) -> str | None:
    """The class or function a weights-only load refused to import, when that is why the
    load failed. Torch raises ``pickle.UnpicklingError`` for it, and has spelt the message
    'Unsupported global: GLOBAL x' and 'unsupported GLOBAL x whose module ... is blocked'."""
    if not isinstance(exc, pickle.UnpicklingError):
        return None
    found = re.search(r"unsupported global:?\s+(?:GLOBAL\s+)?([\w.]+)", str(exc),
                      flags=re.IGNORECASE)
    return found.group(1) if found else None


def as_text(head: bytes) -> str | None:
    """``head`` as text when it reads as UTF-8 (a character the read cut in two counts)."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head)  # not final: no error
    except UnicodeDecodeError:
        return None
    return text if all(c.isprintable() or c in "\r\n\t" for c in text) else None


def _other_output_count(expected: dict[str, torch.Tensor], state: dict[str, torch.Tensor],
                        reshaped: list[str], outputs: int) -> tuple[str, int] | None:
    """The first key and the output count of weights that differ from the model only in its
    output layer's size (``outputs`` rows expected, another number saved), or None."""
    counts = {int(state[k].shape[0]) for k in reshaped if state[k].dim() > 0}
    if len(counts) != 1 or any(
            state[k].dim() != expected[k].dim() or expected[k].shape[0] != outputs or
            state[k].shape[1:] != expected[k].shape[1:] for k in reshaped):
        return None
    return reshaped[0], counts.pop()


def check_state_dict(model: nn.Module, state: dict[str, torch.Tensor], source: str,
                     model_name: str = "the model", outputs: tuple[int, str] | None = None,
                     named: Callable[[str], str] = str) -> None:
    """Raise one line naming every missing, unexpected and mis-shaped key, if there are any.
    ``outputs``: the run's output count and how it is said ("dataset 'x' has 3 classes"):
    weights that differ only there were trained for another task, which no ``--model-opt``
    changes (the number of classes is the dataset's, not a model option). ``named(key)``:
    the key as the file names it (an authors' checkpoint before merbench renamed it)."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shaped = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    other = _other_output_count(expected, state, shaped, outputs[0]) \
        if outputs is not None and shaped and not missing and not unexpected else None
    if other is not None and outputs is not None:
        key, count = other
        raise MerbenchError(f"{source} does not fit {model_name}: {key} has {count} outputs "
                            f"but {outputs[1]}: these weights were trained for a {count}-class "
                            f"task; give weights of a {outputs[0]}-class run")
    reshaped = [f"{named(k)} {tuple(state[k].shape)} (model: {tuple(expected[k].shape)})"
                for k in expected if k in state and state[k].shape != expected[k].shape]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing key(s): {listed(list(map(named, missing)))}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected key(s): "
                        f"{listed(list(map(named, unexpected)))}")
    if reshaped:
        problems.append(f"{len(reshaped)} of another shape: {listed(reshaped)}")
    if problems:
        hint = ("it was saved from another model or another configuration of it; give that "
                "configuration with --model-opt KEY=VALUE")
        raise MerbenchError(f"{source} does not fit {model_name}: {'; '.join(problems)}; {hint}")
    check_weight_kinds(expected, state, source)


def shapes_only(build: Callable[[], nn.Module], too_large: Callable[[], str]) -> nn.Module:
    """The model ``build`` makes, on the meta device (shapes, no memory), refused in
    ``too_large()``'s words when its tensors would not fit in this machine's memory. Built
    for real, such a model fails to allocate and ``run`` says so; built on the meta device
    to check a checkpoint's shapes, it was built, and ``--model-opt image_size=1e9`` reached
    the shape check as a classifier of 444444446222222224 inputs, with --model-opt advice.
    ``too_large``: the words a run says for the same options. A build refused on the way
    (:mod:`merbench.base.memory`: a billion blocks were built for ever, pass 84ad) is said
    in the same words."""
    try:
        with torch.device("meta"):
            model = build()
    except TooLargeToBuild:
        raise MerbenchError(too_large()) from None
    held = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    if held > machine_memory():
        raise MerbenchError(too_large())
    return model


def check_weight_kinds(expected: dict[str, torch.Tensor], state: dict[str, torch.Tensor],
                       source: str, named: Callable[[str], str] = str) -> None:
    """Refuse saved values of another kind than the model's floating-point weights (whole
    numbers, true/false, complex numbers): ``load_state_dict`` copies them in as they are,
    so int64 weights truncated to zeros were scored, and complex ones with torch's warning
    that "Casting complex values to real discards the imaginary part" (pass 84y, Y1). A
    model's whole-number buffers (BatchNorm's ``num_batches_tracked``) are not weights and
    keep their own kind. ``named(key)``: the key as the file names it (an authors'
    checkpoint before merbench's names were given to it)."""
    for key, tensor in state.items():
        model = expected.get(key)
        if model is not None and model.is_floating_point() and not tensor.is_floating_point():
            raise MerbenchError(f"{source}: {named(key)} {no_weights(tensor)}")


def no_weights(tensor: torch.Tensor) -> str:
    """What is said of a tensor that holds no floating-point values where weights do."""
    kind = "complex" if tensor.is_complex() else "true/false" \
        if tensor.dtype == torch.bool else "whole-number"
    return (f"holds {kind} values ({str(tensor.dtype).removeprefix('torch.')}), not the "
            "floating-point weights torch.save(model.state_dict(), path) writes; give the "
            "checkpoint as it was saved")


def check_weight_files(model: nn.Module, paths: list[Path], model_name: str,
                       outputs: tuple[int, str] | None = None) -> None:
    """Every file of ``--weights`` read (mapped, not loaded) and fitted to ``model`` before
    the first fold runs, so a bad file late in the list cannot stop a run after most folds
    are written. The first problem is the error, and the other bad files are counted and
    named in it, so one attempt shows everything to fix."""
    problems: list[tuple[Path, MerbenchError]] = []
    for path in paths:
        try:
            check_state_dict(model, read_state_dict(path, mmap=True), f"checkpoint {path}",
                             model_name, outputs)
        except MerbenchError as exc:
            problems.append((path, exc))
    if not problems:
        return
    first = str(problems[0][1])
    if len(problems) > 1:
        root = os.path.commonpath([str(path.parent) for path in paths])
        others = [os.path.relpath(path, root) for path, _ in problems[1:]]
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5
                                         else "")
        first += (f"; {len(others)} more of the {len(paths)} checkpoints cannot be used "
                  f"either: {shown}")
    raise MerbenchError(first)


def load_weights(model: nn.Module, path: Path, model_name: str = "the model") -> nn.Module:
    """Load ``path`` into ``model`` strictly (every key, every shape) and return the model."""
    state = read_state_dict(path)
    check_state_dict(model, state, f"checkpoint {path}", model_name)
    model.load_state_dict(state, strict=True)
    return model


def fold_checkpoint(directory: Path, key: tuple[str, ...], ambiguous: bool) -> Path | None:
    """Where a fold's saved weights are: ``<dir>/<subject>.pth`` as the HTNet and STSTNet
    authors' scripts name them, or ``<dir>/<database>/<subject>.pth`` (needed when two
    databases share a subject id, i.e. ``ambiguous``). ``None`` if neither exists."""
    nested = _named(Path(directory), key[:-1], key[-1])
    if nested is not None:
        return nested
    flat = _named(Path(directory), (), key[-1])
    return flat if flat is not None and not ambiguous else None


def _named(directory: Path, inner: tuple[str, ...], stem: str) -> Path | None:
    """The file ``<stem>.pth`` in ``directory/<inner...>``, its ending in any case
    (``S01.PTH``, as a release unpacked on a system that ignores case may name it, and as
    convert-weights keeps it); two that differ only in the ending's case are refused, since
    either could be the fold's. The refusal names ``directory`` as the user gave it."""
    folder = Path(directory, *inner)
    exact = folder / f"{stem}.pth"
    try:
        names = os.listdir(folder) if folder.is_dir() else []
    except OSError:  # a folder that cannot be listed: its file may still be opened by name
        return exact if exact.is_file() else None
    found = sorted(folder / name for name in names if name[:-4] == stem
                   and name[-4:].lower() == ".pth" and (folder / name).is_file())
    if len(found) > 1:
        where = f"--weights {directory}" + (f": its folder {Path(*inner)}/" if inner else "")
        raise MerbenchError(f"{where} holds {' and '.join(p.name for p in found)}, one fold's "
                            "checkpoint under two names; keep the one to score")
    return found[0] if found else None
