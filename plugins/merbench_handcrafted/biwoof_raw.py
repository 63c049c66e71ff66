"""``biwoof``: Bi-WOOF from the raw onset and apex frames (the original input, TV-L1 flow).

Built on ``tvl1-uvos`` (:mod:`merbench_features.tvl1_uvos`) instead of re-implementing it:
the same checks of the frames, the same face alignment from the onset frame's landmarks, the
same pinned TV-L1 (or Farneback) solver and the same optical strain. Where ``tvl1-uvos``
shrinks the flow to the release's 28x28 min-max scaled image, this feature keeps the flow at
the working size (``size`` x ``size``, 112 by default) in real pixel units and computes the
Bi-WOOF descriptor of :mod:`merbench_handcrafted.biwoof` on it: 5x5 blocks x 8 orientation
bins = 200 values, L2-normalised. Zero motion is zero here, so an onset compared with itself
gives an all-zero descriptor.

Each sample is cached by the core (a :class:`merbench.features.SampleExtractor`), like
``tvl1-uvos``; the options are those of ``tvl1-uvos`` (``method``, ``size``, ``margin``,
``face``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from merbench_features.tvl1_uvos import FlowUVOS, optical_strain

from merbench.api import Sample
from merbench_handcrafted.biwoof import BINS, GRID, biwoof


@dataclass
class BiWOOFFlow(FlowUVOS):
    """``tvl1-uvos``'s face and flow, then Bi-WOOF on the full-resolution flow."""

    @property
    def params(self) -> dict[str, Any]:
        settings = dict(super().params)
        for key in ("grid", "resize", "scale", "order"):  # the 28x28 image is not made
            settings.pop(key, None)
        settings["descriptor"] = {"name": "biwoof", "grid": GRID, "bins": BINS,
                                  "bin_range_deg": [-180, 180]}
        return settings

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        flow, _, notes = self.face_flow(inputs, sample_id)
        u, v = flow[..., 0], flow[..., 1]
        return Sample(biwoof(u, v, optical_strain(u, v))[0].astype(np.float32), notes)


def build_biwoof(method: str = "tvl1", size: int = 112, margin: float = 0.1,
                 face: str = "align") -> BiWOOFFlow:
    """The ``biwoof`` feature; options as ``tvl1-uvos``'s."""
    return BiWOOFFlow(method=method, size=size, margin=margin, face=face)
