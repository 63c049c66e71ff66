"""Where the weights are in what ``torch.load`` returned, or why none can be taken from it.

``torch.save`` takes any object, and training scripts save more than a state dict: one under
a key of their own (``{"net": model.state_dict()}``), or one with an epoch count or a note
beside its tensors. The common wrappers (``state_dict``, ``model``...) are unwrapped; any
other layout is refused in one line that says where the tensors are, or which entry is not
one (its key, value and type), and what to re-save. A line saying only that the file "holds
no state dict" left the user to find out which of the two it was, and where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from merbench.base.errors import MerbenchError

WRAPPERS = ("state_dict", "model_state_dict", "model")  # dicts that hold the weights
SAVE = "torch.save(model.state_dict(), path)"
SHOWN = 4  # entries (keys) named in a refusal; the rest are counted
DEPTH = 2  # how deep in nested dicts the tensors are looked for, to say where they are


def unwrap(loaded: Any, path: Path,
           wrappers: tuple[str, ...] = WRAPPERS) -> dict[str, torch.Tensor]:
    """The state dict in ``loaded`` (at its top, or under one of ``wrappers``, the first
    found taken; a family's own, such as timm's EMA keys, or :data:`WRAPPERS`), with the
    ``module.`` prefixes of ``nn.DataParallel`` removed; refused in one line otherwise."""
    state = loaded
    if isinstance(loaded, dict):
        state = next((loaded[key] for key in wrappers if isinstance(loaded.get(key), dict)),
                     loaded)
    if not _is_state_dict(state):
        raise MerbenchError(f"checkpoint {path}{_why_not(loaded)}")
    if all(k.startswith("module.") for k in state):  # saved from nn.DataParallel
        state = {k.removeprefix("module."): v for k, v in state.items()}
    return dict(state)


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def _tensors(value: dict[Any, Any]) -> int:
    return sum(isinstance(v, torch.Tensor) for v in value.values())


def _count(value: dict[Any, Any]) -> str:
    count = _tensors(value)
    return f"{count} tensor{'' if count == 1 else 's'}"


def _holders(value: Any, keys: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], dict]]:
    """(keys from the top, dict) for ``value`` and every dict in it down to :data:`DEPTH`."""
    if not isinstance(value, dict):
        return []
    found: list[tuple[tuple[Any, ...], dict]] = [(keys, value)]
    if len(keys) < DEPTH:
        for key, inner in value.items():
            found.extend(_holders(inner, (*keys, key)))
    return found


def _why_not(loaded: Any) -> str:
    """What ``loaded`` holds instead of a state dict at its top, and the fix, in words that
    follow ``checkpoint PATH`` (a space or a colon first): the dict that holds the most
    tensors (the shallowest of equals) is taken to be the weights, and what keeps it from
    being a state dict is said."""
    holders = [(keys, d) for keys, d in _holders(loaded) if _tensors(d)]
    if not holders:
        return (f" holds no state dict (a dict of parameter names to tensors) but "
                f"{_said(loaded)}{_no_tensors(loaded)}; save one with {SAVE}")
    keys, weights = max(holders, key=lambda pair: (_tensors(pair[1]), -len(pair[0])))
    reach = "torch.load(path)" + "".join(f"[{key!r}]" for key in keys)
    if _is_state_dict(weights):
        whole = [(k, d) for k, d in holders if k and _is_state_dict(d)]
        said = " and ".join(f"{_place(k)} ({_count(d)})" for k, d in whole[:SHOWN])
        if len(whole) > 1:  # a model's and its moving average's, say: equals, the user picks
            return (f" holds state dicts under {said}, not at its top: re-save the one to "
                    f"score alone: {_pick([k for k, _ in whole])}")
        return (f" holds a state dict under {said}, not at its top: re-save that dict "
                f"alone, torch.save({reach}, path)")
    under = _under(keys)
    odd = [k for k in weights if not isinstance(k, str)]
    if odd:
        return (f" has the key {_said(odd[0])}{under}, but a state dict's keys are parameter "
                f"names (text); save one with {SAVE}")
    bad = [k for k, v in weights.items() if not isinstance(v, torch.Tensor)]
    first = f"entry {bad[0]!r}{under} is {_said(weights[bad[0]])}, not a tensor"
    others = f" (nor are {listed([repr(k) for k in bad[1:]])})" if len(bad) > 1 else ""
    again = f"save {reach} again" if keys else "save the dict again"
    return (f": {first}{others}; a state dict holds tensors alone: drop "
            f"{'them' if others else 'it'} and {again}")


def _pick(places: list[tuple[Any, ...]]) -> str:
    """How to re-save one of several state dicts, none of which is named the model's: the
    file cannot tell a model's weights from its moving average's, so the user chooses."""
    if all(len(keys) == 1 for keys in places):
        return (f"torch.save(torch.load(path)[KEY], path), KEY one of "
                f"{listed([repr(keys[0]) for keys in places])}")
    reaches = [''.join(f'[{key!r}]' for key in keys) for keys in places]
    return f"torch.save(torch.load(path)WHERE, path), WHERE one of {listed(reaches)}"


def _under(keys: tuple[Any, ...]) -> str:
    """Where in the loaded object the dict at ``keys`` is, said after what it is."""
    return f" under {_place(keys)}" if keys else ""


def _place(keys: tuple[Any, ...]) -> str:
    return repr(keys[0]) if len(keys) == 1 else "".join(f"[{key!r}]" for key in keys)


def _no_tensors(loaded: Any) -> str:
    """A dict's keys, for a dict that holds no tensor (an optimiser's state, a config)."""
    if not isinstance(loaded, dict) or not loaded:
        return ""
    return f" with no tensor (its keys: {listed([repr(k) for k in loaded])})"


def listed(items: list[str]) -> str:
    """The first :data:`SHOWN` of ``items``, the rest counted: a refusal stays one line."""
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _said(value: Any) -> str:
    """``value`` in a few words: its text (cut short) and its type, or its size."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, dict):
        return "an empty dict" if not value else \
            f"a dict of {len(value)} entr{'y' if len(value) == 1 else 'ies'}"
    if isinstance(value, list | tuple | set):
        kind = type(value).__name__
        return f"a{'n' if kind[0] in 'aeiou' else ''} {kind} of {len(value)} " \
               f"item{'' if len(value) == 1 else 's'}"
    if value is None:
        return "None"
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    kind = type(value).__name__
    return f"{text} (a{'n' if kind[0].lower() in 'aeiou' else ''} {kind})"
