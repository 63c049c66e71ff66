"""The authors' released weights, in merbench's names: ``merbench convert-weights``.

A model's authors save state dicts under their own module names (RCN-A's ``conv1`` and
``rcls.0.ffconv``, STSTNet's three convolutions, MMNet's ``main_branch`` and ``vit_pos``).
merbench's networks compute the same functions under names of their own, so each model
names, in ``ModelMeta.authors_weights``, a function (``"module:function"``, imported when
used) that maps the authors' state dict to merbench's: tensors renamed, split or joined,
never changed in value, and keys it does not know refused. The converted dict is then
checked key by key and shape by shape against the model as merbench builds it (on the
``meta`` device: no memory for the weights) before it is written, so a file that converts
also loads with ``strict=True``.

A source directory of one ``<subject>.pth`` per LOSO test subject (the layout the HTNet and
STSTNet authors' scripts save; STSTNet's authors release theirs, HTNet's have released none
that anyone could find: docs/models.md says what is known) is converted file by file into
the same layout, which ``--weights`` reads. A
single file is one network, which ``--weights`` cannot score (under LOSO it would be tested
on subjects it trained on); :class:`Conversion` tells the command which of the two it wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from merbench.base.atomic import atomic_write
from merbench.base.errors import MerbenchError
from merbench.base.link_loop import loop_said
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.plugin_fault import options_written, too_large
from merbench.plugin_system.registry import LazyFactory
from merbench.results.user_files import check_user_file

#: file endings taken from a source directory, in any case (``S01.PTH``: a release unpacked
#: on a system that ignores case, or named so by its authors, is no other file)
SUFFIXES = (".pth", ".pt", ".pkl", ".bin")

StateDict = dict[str, Any]  # parameter name -> torch.Tensor


def same_names(state: StateDict) -> StateDict:
    """The conversion of a model whose authors' names are merbench's (HTNet, CausalNet)."""
    return dict(state)


class RenamedState(dict[str, Any]):
    """:func:`renamed`'s state dict, which keeps how it renamed (``prefixes``, the authors'
    to merbench's) and whose layout it was (``model``, the authors' name for it): a key of
    merbench's that the file lacks is then named as the authors' file would name it. It
    was said in merbench's name alone (``v_stream.3.bias`` for OFF-ApexNet's
    ``cnn2.conv2.bias``), which the user's file does not hold."""

    def __init__(self, state: StateDict, prefixes: dict[str, str], model: str) -> None:
        super().__init__(state)
        self.prefixes, self.model = prefixes, model

    def theirs(self, key: str) -> str | None:
        """The authors' name of merbench's ``key`` (None: no prefix of theirs becomes it)."""
        for old, new in sorted(self.prefixes.items(), key=lambda pair: -len(pair[1])):
            if key.startswith(new):
                return old + key[len(new):]
        return None


def renamed(state: StateDict, prefixes: dict[str, str], *, dropped: tuple[str, ...] = (),
            model: str) -> RenamedState:
    """``state`` with each key's prefix replaced by the first of ``prefixes`` it starts with
    (in order); keys under ``dropped`` (the authors' modules their forward never uses) are
    left out, and any other key is refused in one line naming it."""
    out: StateDict = {}
    unknown = []
    for key, tensor in state.items():
        if any(key == d or key.startswith(d + ".") for d in dropped):
            continue
        new = next((to + key[len(old):] for old, to in prefixes.items()
                    if key.startswith(old)), None)
        if new is None:
            unknown.append(key)
        else:
            out[new] = tensor
    if unknown:
        shown = ", ".join(unknown[:4]) + (f" and {len(unknown) - 4} more"
                                          if len(unknown) > 4 else "")
        raise MerbenchError(f"{len(unknown)} key(s) are not in the {model} authors' layout: "
                            f"{shown}; is this a checkpoint of their {model}?")
    return RenamedState(out, prefixes, model)


def _refuse_lacking(state: RenamedState, keys: StateDict, source: str, name: str,
                    options: dict[str, Any]) -> None:
    """Refuse a renamed checkpoint that lacks a key of the model (``keys``, as ``options``
    build it), named as the authors' file names it and as merbench does. It was refused
    after converting, in merbench's names alone, with advice to give --model-opt where a
    copy of the file had lost a tensor."""
    lacking = [key for key in keys if key not in state]
    if not lacking:
        return
    shown = [f"{state.theirs(key)} (merbench's {key})" if state.theirs(key) not in (None, key)
             else key for key in lacking]
    built = f" with {options_written(options)}" if options else ""
    raise MerbenchError(f"{source}: {len(lacking)} key(s) of the {state.model} authors' layout "
                        f"that model '{name}'{built} builds are missing: {_shown(shown)}; is "
                        f"this a complete checkpoint of their {state.model}, saved from that "
                        "configuration? Copy it again, or convert it as the model (and "
                        "--model-opt) it was saved from")


def check_layout(state: StateDict, expected: set[str], model: str, parts: str) -> None:
    """Refuse a state dict whose keys are not ``expected``, the authors' layout of
    ``model`` (``parts``: its modules, said): a key it does not have (another model's
    checkpoint), or one of it the file lacks (a partial copy). A missing key was said by
    the load check under merbench's name for the tensor it would have joined (``conv.bias``
    for conv2.bias), with advice to give a --model-opt that no option fixes (pass 84ac,
    AC12); the authors' own key is named here."""
    unknown, missing = sorted(set(state) - expected), sorted(expected - set(state))
    if unknown:
        raise MerbenchError(f"{len(unknown)} key(s) are not in the {model} authors' layout "
                            f"({parts}): {_shown(unknown)}; is this a checkpoint of their "
                            f"{model}?")
    if missing:
        raise MerbenchError(f"{len(missing)} key(s) of the {model} authors' layout ({parts}) "
                            f"are missing: {_shown(missing)}; is this a complete checkpoint "
                            f"of their {model}? Copy it again")


def _shown(keys: list[str]) -> str:
    return ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")


def joined(state: StateDict, names: list[str], model: str,
           sizes: Sequence[int] | None = None) -> Any:
    """The tensors ``names`` of ``state`` joined along their first dimension into one
    (STSTNet's three convolutions are merbench's one), once they are known to fit: each of
    at least one dimension, of ``sizes`` along the first where given (the authors' own: a
    conv1 of 4 filters joined into 17 where merbench's has 16 was refused in merbench's
    names, with advice no option could follow, pass 84ac, AC17), of floating-point values
    and of one shape beyond the first. A tensor of another shape ended convert-weights in
    torch's RuntimeError from ``torch.cat`` (pass 84ac, AC1), so the one that differs from
    the others is named, with its shape and the shape of one it should match. A converter
    joins with this, never ``torch.cat`` itself, so no model's converter checks shapes of
    its own."""
    import torch  # deferred: merbench's CLI starts without torch

    tensors = [state[name] for name in names]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    scalar = next((name for name, t in zip(names, tensors, strict=True) if t.dim() == 0), None)
    if scalar is not None:
        raise MerbenchError(f"{scalar} is a single value (shape ()), but {model}'s {listed} "
                            "are joined along their first dimension; is this a checkpoint "
                            f"of their {model}?")
    for name, tensor, size in zip(names, tensors, sizes or (), strict=False):
        if tensor.shape[0] != size:
            authors = ", ".join(f"{n} {z}" for n, z in zip(names, sizes or (), strict=True))
            raise MerbenchError(f"{name} has {tensor.shape[0]} along its first dimension, but "
                                f"the {model} authors' have {authors}; is this a checkpoint "
                                f"of their {model}?")
    rests = [tuple(t.shape[1:]) for t in tensors]
    usual = max(rests, key=rests.count)  # the others' shape: the odd one is named
    odd = next((i for i, rest in enumerate(rests) if rest != usual), None)
    if odd is not None:
        other = rests.index(usual)
        raise MerbenchError(
            f"{names[odd]} has shape {tuple(tensors[odd].shape)}, but {model}'s {listed} are "
            "joined into one tensor and must agree beyond their first dimension "
            f"({names[other]}: {tuple(tensors[other].shape)}); is this a checkpoint of their "
            f"{model}?")
    from merbench.training.checkpoints import no_weights  # deferred: it imports torch

    for name, tensor in zip(names, tensors, strict=True):  # joined, torch would make them
        if not tensor.is_floating_point():                   # floats, unsaid (pass 84y, Y1)
            raise MerbenchError(f"{name} {no_weights(tensor)}")
    return torch.cat(tensors, dim=0)


def whole_count(state: StateDict, name: str, model: str) -> int:
    """The whole number the one-value tensor ``name`` holds (a BatchNorm's count of training
    steps), refused in one line naming its shape when it holds more values or none (torch's
    RuntimeError "a Tensor with 3 elements cannot be converted to Scalar": pass 84ac, AC1),
    or naming its value when that is no whole number (5.5 was taken as 5)."""
    tensor = state[name]
    said = f"but {model}'s count of training steps is one whole number; is this a " \
           f"checkpoint of their {model}?"
    if tensor.numel() != 1 or tensor.is_complex():
        raise MerbenchError(f"{name} has shape {tuple(tensor.shape)} "
                            f"({str(tensor.dtype).removeprefix('torch.')}), {said}")
    value = tensor.item()
    if value != int(value):
        raise MerbenchError(f"{name} holds {value}, {said}")
    return int(value)


def converter(entry: Entry[Any]) -> Callable[[StateDict], StateDict]:
    """The model's conversion, or one line saying it has none."""
    target = getattr(entry.meta, "authors_weights", None)
    if target is None:
        raise MerbenchError(f"model '{entry.meta.name}' has no mapping from its authors' "
                            "weights (they release none merbench knows); its own saved weights "
                            "load as they are with --weights")
    function: Callable[[StateDict], StateDict] = LazyFactory(target).resolve()
    return function


def sources(source: Path) -> Iterator[Path]:
    """The checkpoint files under ``source`` (itself, when it is a file), sorted."""
    if source.is_file():
        yield source
        return
    if not source.is_dir():
        if os.path.exists(source):  # a fifo, a device: said as what it is, never opened
            check_user_file(source, "checkpoint")
        raise MerbenchError(f"{source} {loop_said(source) or 'does not exist'}; give a "
                            f"checkpoint file or a folder of them ({', '.join(SUFFIXES)})")
    found = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not found:
        raise MerbenchError(f"{source} holds no checkpoint ({', '.join(SUFFIXES)} files, in "
                            "any case)")
    yield from found


def model_shapes(entry: Entry[Any], options: dict[str, Any]) -> StateDict:
    """The model's tensors as ``options`` build it (shapes only, for 2 classes), made before
    any checkpoint is read: an option out of its range or of another kind is refused in the
    words ``merbench run`` says for it, as is one that makes a model larger than this
    machine's memory (``image_size=1e9`` was said as a checkpoint of another shape)."""
    from merbench.training.checkpoints import shapes_only  # deferred: it imports torch

    model = shapes_only(lambda: entry.create("model", num_classes=2, **options),
                        lambda: too_large("model", entry.meta.name, entry.origin,
                                          entry.without_defaults(options)))
    return dict(model.state_dict())


def convert_file(entry: Entry[Any], source: Path, options: dict[str, Any]) -> StateDict:
    """``source`` read (tensors only), converted, and checked against the model built with
    ``options`` and as many classes as the converted classifier has."""
    return _converted(entry, source, options, model_shapes(entry, options))[0]


def _converted(entry: Entry[Any], source: Path, options: dict[str, Any],
               shapes: StateDict, folder: Path | None = None) -> tuple[StateDict, int]:
    """:func:`convert_file`'s state dict and the number of classes it was checked with
    (what ``create_model`` needs to load it); ``shapes``: :func:`model_shapes`;
    ``folder``: the source folder ``source`` was found in, if any."""
    import torch  # deferred: merbench's CLI starts without torch

    from merbench.training.checkpoints import (
        check_state_dict,
        check_weight_kinds,
        read_state_dict,
    )

    state = read_state_dict(source)
    try:
        converted = converter(entry)(state)
    except MerbenchError as exc:
        if state and set(state) <= set(shapes):
            raise MerbenchError(_already_converted(source, folder)) from None
        raise MerbenchError(f"checkpoint {source}: {exc}") from None

    def named(key: str) -> str:  # the authors' key of a tensor the conversion kept
        return next((k for k, t in state.items() if t is converted[key]), key)

    def both(key: str) -> str:  # a key as the authors' file names it, and as merbench does
        theirs = next((k for k, t in state.items() if t is converted.get(key)), None)
        if theirs is None and isinstance(converted, RenamedState):
            theirs = converted.theirs(key)
        return key if theirs in (None, key) else f"{theirs} (merbench's {key})"

    if isinstance(converted, RenamedState):
        _refuse_lacking(converted, shapes, f"checkpoint {source}", entry.meta.name, options)
    with torch.device("meta"):
        classes = _classes(entry, converted, options, f"checkpoint {source}", named)
        model = entry.create("model", num_classes=classes, **options)
    check_weight_kinds(model.state_dict(), converted, f"checkpoint {source}", named)
    check_state_dict(model, converted, f"checkpoint {source} (converted)",
                     f"model '{entry.meta.name}'", named=both)
    return dict(converted), classes  # a plain dict: torch.load(weights_only=True) reads it


def _already_converted(source: Path, folder: Path | None) -> str:
    """What is said of a checkpoint the conversion refuses whose every key is one of
    merbench's own model: it is merbench's (a converted file, or a run's), not the authors'.
    Called another model's checkpoint, the user was sent to doubt the authors' release,
    where the fault was one file of merbench's among theirs."""
    said = f"checkpoint {source} is already converted (it holds merbench's names)"
    if folder is not None:
        return f"{said}: move it out of {folder}, which converts the authors' checkpoints"
    return f"{said}: it loads as it is, with nothing to convert"


def _classes(entry: Entry[Any], state: StateDict, options: dict[str, Any], source: str,
             named: Callable[[str], str]) -> int:
    """How many classes the converted weights classify into: the first dimension of the
    parameter whose shape follows ``num_classes`` (the classifier's), found by building the
    model with two class counts and comparing shapes. A converted state without that key
    is, most likely, another model's checkpoint, and the message says so rather than
    blaming the model. A classifier of fewer than 2 rows was refused as a ``num_classes``
    of 0 the user never gave, and one of 1 row was converted, for a ``create_model`` that
    refuses it (pass 84ac, AC4): a task to recognise needs at least 2 classes (merbench's
    datasets have 3 or more), so the checkpoint is named with its rows; one of another
    number of dimensions cannot say its classes at all (AC1)."""
    name = entry.meta.name
    two = entry.create("model", num_classes=2, **options).state_dict()
    three = entry.create("model", num_classes=3, **options).state_dict()
    following = [key for key, tensor in two.items()
                 if key in three and three[key].shape != tensor.shape]
    if not following:
        raise MerbenchError(f"model '{name}' has no parameter that follows the number of "
                            "classes, so the classes of the weights cannot be read")
    present = [key for key in following if key in state]
    if not present:
        raise MerbenchError(f"{source} lacks the classifier '{following[0]}' of "
                            f"model '{name}': is it a checkpoint of {name}? Convert it as the "
                            "model its authors saved it from")
    key = present[0]
    found, model = tuple(state[key].shape), tuple(two[key].shape)
    if len(found) != len(model):
        expected = ", ".join(["CLASSES", *map(str, model[1:])])
        raise MerbenchError(f"{source}: its classifier {named(key)} has shape {found}, but "
                            f"model '{name}' has it as ({expected}); is it a checkpoint of "
                            f"{name}?")
    if found[0] < 2:
        one = found[0] == 1
        raise MerbenchError(f"{source}: its classifier {named(key)} {found} has {found[0]} "
                            f"row{'' if one else 's'}, so {found[0]} class{'' if one else 'es'}"
                            f", and a classifier needs at least 2; is it a checkpoint of a "
                            f"trained {name}?")
    return found[0]


@dataclass(frozen=True)
class Conversion:
    """What ``convert`` wrote: (source, target) per checkpoint, each one's number of
    classes, and whether the source was a folder (one checkpoint per LOSO test subject,
    which ``--weights`` reads) or a single file (which it cannot: see the user guide)."""

    pairs: list[tuple[Path, Path]]
    classes: list[int]
    folder: bool


def targets(source: Path, out: Path) -> list[tuple[Path, Path]]:
    """(checkpoint, the file its conversion is written to) for each checkpoint of ``source``:
    a file into ``out`` (never into a folder there: the command refuses one), a folder's
    files into the same relative paths under ``out``. The command checks these before
    anything is read, and :func:`convert` writes them."""
    return [(path, out if source.is_file() else out / path.relative_to(source))
            for path in sources(source)]


def convert(entry: Entry[Any], source: Path, out: Path, options: dict[str, Any]) -> Conversion:
    """Convert ``source`` (a file, or a folder converted file by file into the same relative
    paths) into ``out``; every file is converted and checked before the first is written."""
    import torch  # deferred: merbench's CLI starts without torch

    shapes = model_shapes(entry, options)
    pairs = targets(source, out)
    inside = source if source.is_dir() else None
    converted = [_converted(entry, path, options, shapes, inside) for path, _ in pairs]
    for (_, target), (state, _) in zip(pairs, converted, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, partial(torch.save, state))
    return Conversion(pairs, [classes for _, classes in converted], folder=source.is_dir())
