"""The inputs of the two-stream flow models (OFF-ApexNet, Dual-Inception): the horizontal
flow u and the vertical flow v of the flow image, each fed to a stream of its own.

The ``flow-uvos`` image stacks its channels in the release's (OpenCV B, G, R) order:
strain, v, u. Both models take the same options for it (``u_channel``, ``v_channel``,
``input_scale``, ``image_size``), checked here once with the model's name in every message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from merbench.api import MerbenchError

if TYPE_CHECKING:
    import torch

__all__ = ["STRAIN_CHANNEL", "U_CHANNEL", "V_CHANNEL", "check_uv_options", "split_uv"]

STRAIN_CHANNEL = 0  # flow-uvos channel 0 (OpenCV B): optical strain, read by neither model
V_CHANNEL = 1  # flow-uvos channel 1 (OpenCV G): vertical flow v
U_CHANNEL = 2  # flow-uvos channel 2 (OpenCV R): horizontal flow u


def check_uv_options(model: str, u_channel: object, v_channel: object, input_scale: object,
                     image_size: object) -> None:
    """One line naming ``model`` and the option for a bad channel index, two streams on one
    channel, a scale that is not positive, or an image side the two 2x2 pools cannot halve
    twice."""
    for name, value in (("u_channel", u_channel), ("v_channel", v_channel)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise MerbenchError(f"{model}: {name} must be a channel index >= 0 "
                                f"(got {value!r})")
    if u_channel == v_channel:
        raise MerbenchError(f"{model}: u_channel and v_channel are both {u_channel}; they "
                            "must name different channels")
    if isinstance(input_scale, bool) or not isinstance(input_scale, (int, float)) \
            or not input_scale > 0:
        raise MerbenchError(f"{model}: input_scale must be a positive number "
                            f"(got {input_scale!r})")
    if isinstance(image_size, bool) or not isinstance(image_size, int) \
            or image_size < 4 or image_size % 4:
        raise MerbenchError(f"{model}: image_size must be a whole multiple of 4 of at least "
                            f"4, the side its two 2x2 poolings halve twice (got {image_size!r})")


def split_uv(model: str, x: torch.Tensor, u_channel: int, v_channel: int,
             input_scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    """u and v of a batch, each 1 channel, times ``input_scale``; one line when the input
    lacks a channel the options name (a slice past the end would be empty, and the first
    convolution's error would not say which option to change)."""
    if max(u_channel, v_channel) >= x.shape[1]:
        raise MerbenchError(f"{model}: u_channel {u_channel} / v_channel {v_channel} name "
                            f"channels the input does not have (it has {x.shape[1]}); give "
                            f"indices below {x.shape[1]}")
    return (x[:, u_channel:u_channel + 1] * input_scale,
            x[:, v_channel:v_channel + 1] * input_scale)
