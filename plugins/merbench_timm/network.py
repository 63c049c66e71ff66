"""A timm architecture built for merbench's inputs: a (B, 3, H, W) image with values 0..255.

Inputs. ``timm-<arch>`` gets the 28x28 flow image (``flow-uvos``: strain, v, u, each scaled
to 0..255 by the release), ``timm-face-<arch>`` the apex face (``apex-face``, RGB, 224x224 at
its default size). The wrapper divides by 255 and standardises with the mean and standard
deviation of the architecture's timm configuration (ImageNet's for most), so that weights
given with ``pretrained_path`` see inputs scaled as they were trained on; from scratch it is
just a fixed affine map.

Small inputs. With ``input_size=0`` (the default) the network sees the input at its own size.
timm's convolutional networks take any size, down to the last stage: resnet18's strides of
2, 2, 2, 2, 2 take 28x28 to 14, 7, 4, 2 and a 1x1 map before global pooling, so its last
stage sees the whole face at once and the early stages do the spatial work. Architectures
whose size is fixed when they are built (ViT, Swin, ...) are built for the input's size
(timm's ``img_size``): a ViT with 16x16 patches sees a 28x28 image as one patch.
``input_size=N`` upsamples (or shrinks) every input bilinearly to N x N first: the way to
give a patch-16 ViT a grid of tokens (``input_size=224``: 14x14), or ImageNet-pretrained
weights the scale they saw, at (N / 28)^2 times the compute. Each member is tried once on a
blank input of that size when it is built, so an architecture that cannot take it fails
before training with the option to change: one a layer fails on, one that leaves a
downsampling layer less than its stride (said with the smallest size that does not), or one
whose sample would need more memory than the machine has
(:mod:`merbench_timm.input_sizes`).

Pretrained weights cannot be downloaded during a run: ``pretrained_path`` names a local file
(.pth / .bin, read with ``torch.load(weights_only=True)``, which refuses a file that holds
code; or .safetensors), a state dict of the architecture (timm's keys, or a merbench
model's, whose keys start with ``network.``), read and checked as ``run --weights`` checks
its files, so an empty file, a text file or one that holds no state dict is said so. A
classifier of another shape (ImageNet's 1000 classes) is left out, so the head is trained
for the run's classes;
every other weight must be in the file and every weight of the file must fit, or the build
fails naming the first that does not: weights that silently did not load would leave a run
that trained from scratch under the file's name. The file's SHA-256 is part of the run's
identity (``merbench_timm.members.built_from``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from merbench.api import MerbenchError, check_user_file, read_weights
from merbench_timm.input_sizes import (
    LARGEST_SIDE,
    PROBE_SIDE,
    check_memory,
    check_token_memory,
    smallest_size,
    takes,
    trace,
)
from merbench_timm.members import WEIGHTS_FILE


class TimmClassifier(nn.Module):
    """A timm network behind merbench's input convention (see the module docstring)."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, network: nn.Module, name: str, input_size: int, built_size: int,
                 mean: tuple[float, ...], std: tuple[float, ...]) -> None:
        super().__init__()
        self.network = network
        self.name = name
        self.input_size = input_size
        self.built_size = built_size
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1) * 255,
                             persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1) * 255, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise MerbenchError(f"{self.name} takes (batch, 3, height, width) images, got "
                                f"{tuple(x.shape)}; use its feature (flow-uvos for timm-<arch>, "
                                "apex-face for timm-face-<arch>)")
        x = x.float()
        if self.input_size and tuple(x.shape[-2:]) != (self.input_size, self.input_size):
            x = nn.functional.interpolate(x, size=(self.input_size, self.input_size),
                                          mode="bilinear", align_corners=False,
                                          antialias=self.input_size < x.shape[-1])
        try:
            return self.network((x - self.mean) / self.std)
        except (RuntimeError, AssertionError) as exc:
            if self.input_size or tuple(x.shape[-2:]) == (self.built_size,) * 2:
                raise
            raise MerbenchError(  # a ViT built for the feature's default size, say
                f"{self.name} was built for {self.built_size}x{self.built_size} inputs and "
                f"got {x.shape[-2]}x{x.shape[-1]} ({type(exc).__name__}); set --model-opt "
                f"input_size={self.built_size}, or give the feature that size") from None


def build_timm_model(*, arch: str, family: str, native_size: int, num_classes: int = 3,
                     input_size: int = 0, pretrained_path: str | None = None,
                     drop_rate: float = 0.0) -> TimmClassifier:
    """timm's ``arch`` with a ``num_classes`` head for ``native_size`` inputs (or
    ``input_size`` ones), from scratch or from ``pretrained_path``."""
    import timm

    name = f"{family}-{arch}"
    for option, value in (("input_size", input_size), ("num_classes", num_classes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or \
                (option == "num_classes" and value < 1):
            raise MerbenchError(f"{name}: {option} must be a whole number "
                                f"{'>= 1' if option == 'num_classes' else '>= 0 (0: as given)'} "
                                f"(got {value!r})")
    if not isinstance(drop_rate, int | float) or not 0.0 <= drop_rate < 1.0:
        raise MerbenchError(f"{name}: drop_rate must be in [0, 1) (got {drop_rate!r})")
    size = input_size or native_size
    options: dict[str, object] = {"num_classes": num_classes, "in_chans": 3,
                                  "drop_rate": float(drop_rate)}
    if size > PROBE_SIDE:  # a transformer's tokens, before it is built for them
        _estimate_tokens(timm, arch, options, size)
    network, any_size = _create(timm, name, arch, size, options)
    if any_size and not _on_meta(network):
        check_memory(network, network, size)  # before a sample of that size is allocated
    if pretrained_path:
        load_pretrained(network, name, str(pretrained_path))
    cfg = getattr(network, "pretrained_cfg", None) or {}
    model = TimmClassifier(network, name, input_size, size,
                           tuple(cfg.get("mean", IMAGENET_MEAN)),
                           tuple(cfg.get("std", IMAGENET_STD)))

    def accepts(side: int) -> bool:  # another size: the same network, or one built for it
        if any_size:
            return takes(network, network, side)
        try:
            built = _create(timm, name, arch, side, options)[0].eval()
        except MerbenchError:
            return False
        return takes(built, built, side)

    _try_once(model, size, accepts)
    return model


def load_pretrained(network: nn.Module, name: str, path: str) -> None:
    """The weights of ``path`` into ``network``, its classifier left out when its shape
    differs; any other weight that is missing, left over or of another shape is refused."""
    check_user_file(Path(path), WEIGHTS_FILE)  # a fifo or a device: said as what it is
    try:  # read and checked as run --weights checks its files, refused in merbench's words
        state = read_weights(Path(path), WEIGHTS_FILE, TIMM_WRAPPERS)
    except MerbenchError as exc:
        said = str(exc)
        raise MerbenchError(f"{name}: pretrained_path "
                            f"{said.removeprefix('checkpoint ')}") from None
    state = {key.removeprefix("network."): value for key, value in state.items()}
    own = network.state_dict()
    classifier = (getattr(network, "pretrained_cfg", None) or {}).get("classifier") or ()
    head = {f"{c}.{part}" for c in ([classifier] if isinstance(classifier, str) else classifier)
            for part in ("weight", "bias")}
    for key in head & set(state):
        if key in own and state[key].shape != own[key].shape:  # ImageNet's 1000 classes
            del state[key]
    extra = sorted(set(state) - set(own))
    missing = sorted(set(own) - set(state) - head)
    wrong = sorted(k for k in set(state) & set(own) if state[k].shape != own[k].shape)
    for problem, keys in (("holds weights the architecture does not have", extra),
                          ("lacks weights of the architecture", missing),
                          ("has weights of another shape", wrong)):
        if keys:
            raise MerbenchError(f"{name}: pretrained_path {path} {problem}: "
                                f"{', '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}; "
                                "give a state dict of this architecture")
    network.load_state_dict(state, strict=False)


#: where timm's checkpoints keep the weights, in the order timm's own loader takes them (an
#: exponential moving average first)
TIMM_WRAPPERS = ("state_dict_ema", "model_ema", "state_dict", "model")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _create(timm: object, name: str, arch: str, size: int, options: dict[str, object]
            ) -> tuple[nn.Module, bool]:
    """timm's model, built for ``size`` where the architecture takes ``img_size``, and
    whether it takes any size (a convolutional network, built without one). An allocation
    failure is raised as it is, for merbench to say in its words which option is too large."""
    create = timm.create_model  # type: ignore[attr-defined]
    try:
        try:
            return create(arch, img_size=size, **options), False
        except TypeError as exc:  # a convolutional network: any size, no img_size option
            if "img_size" not in str(exc):
                raise
            return create(arch, **options), True
    except Exception as exc:
        if _out_of_memory(exc):
            raise
        raise MerbenchError(f"{name} cannot be built: {type(exc).__name__}: {exc}; check "
                            "the --model-opt options") from None


def _estimate_tokens(timm: object, arch: str, options: dict[str, object], size: int) -> None:
    """:func:`check_token_memory` of ``arch`` for ``size`` inputs, from the architecture built
    at its default size on the meta device (no weights allocated); a build that fails there
    is left to the build at ``size`` to say."""
    default = timm.get_pretrained_cfg_value(arch, "input_size")  # type: ignore[attr-defined]
    probe_side = int(default[-1]) if default else 224
    if size <= probe_side:
        return
    try:
        with torch.device("meta"):
            probe = timm.create_model(arch, **options)  # type: ignore[attr-defined]
    except Exception:
        return
    check_token_memory(probe.eval(), probe_side, size)


def _out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an allocation failure (torch's CPU allocator says it so)."""
    return isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError) and "allocate memory" in str(exc))


def _on_meta(network: nn.Module) -> bool:
    return any(p.device.type == "meta" for p in network.parameters())


def _try_once(model: TimmClassifier, size: int, accepts: Callable[[int], bool]) -> None:
    """A blank (1, 3, size, size) batch through the network in eval mode, so that an input
    too small for the architecture fails now, naming the option, not in the first fold: one
    a layer fails on, or one that leaves a downsampling layer less than its stride (resnet18
    pads a 1x1 image through all its stages without failing, pass 84ad AD6)."""
    if _on_meta(model.network):
        return  # built for its shapes only
    was_training = model.training
    model.eval()
    try:
        starved = trace(model.network, model, size).starved
        least = None if starved is None else smallest_size(accepts, size)  # in eval mode too
    except Exception as exc:
        if _out_of_memory(exc):
            raise MemoryError(f"a {size}x{size} sample") from None  # merbench says it
        raise MerbenchError(f"{model.name} cannot take {size}x{size} inputs "
                            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); set "
                            "--model-opt input_size=N to resize them, e.g. 224") from None
    finally:
        model.train(was_training)
    if starved is not None:
        layer, stride, side = starved
        fix = (f"set --model-opt input_size to at least {least}" if least is not None else
               f"this architecture takes no input up to {LARGEST_SIDE}x{LARGEST_SIDE}")
        raise MerbenchError(f"{model.name} cannot take {size}x{size} inputs: its layer "
                            f"{layer} (stride {stride}) would get a {side}x{side} map, nothing "
                            f"left to reduce: too small an image for this architecture; {fix}")
