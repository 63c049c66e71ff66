"""``causalnet-flows``: CausalNet's four images per sample, computed from raw frames.

CausalNet (ICCV 2025) reads four 28x28 images a sample, released by its authors as PNGs
(``tony19980810/CausalNet``, ``datasets/STSNet_whole_norm_u_v_os``: ``<name> .png``,
``_1``, ``_2``, ``_3``) and used in training and at test: the onset->apex flow image, the
apex->offset flow image, the onset->apex direction map and the apex->offset direction map.
The MEGC2019 composite release has only the first kind (and not the same pixels: none of
CausalNet's 442 onset->apex images equals the release's), and neither release says how
they were computed: no flow algorithm, face crop, frame choice or direction encoding is in
the authors' repository, whose sample sheet has no onset / apex / offset numbers. So
merbench computes all four from a raw database's frames, with ``tvl1-uvos``'s definition:

1. the onset, apex and offset frames (the sample table's ``folder``, ``onset``, ``apex``,
   ``offset``; where the offset is not annotated, or is not among the folder's frames, the
   folder's last frame stands in);
2. one face transform, computed on the onset frame (``face``, ``size``, ``margin`` as in
   ``tvl1-uvos``), applied to all three grey frames;
3. the flows onset->apex and apex->offset (``method``: TV-L1 with its pinned settings, or
   Farneback);
4. each flow as ``tvl1-uvos``'s (strain, v, u) image, 28x28 uint8 (so image 0 equals
   ``tvl1-uvos`` of the same sample);
5. each flow's direction map as the usual colour coding, which is what the authors' maps look
   like (a blue channel near 0, full saturation; merbench's choice, as their code does not
   say): hue = the flow's angle / 2 (OpenCV's 0..180 degrees), saturation 255, value = the
   magnitude min-max scaled to 0..255, converted HSV -> B, G, R, then resized to 28x28 with
   ``INTER_AREA``.

Output: (N, 4, 3, 28, 28) float32, raw 0..255 B, G, R values, in the authors' file order.
Per sample, through merbench's feature cache (``$MERBENCH_CACHE_DIR/features/
causalnet-flows/``), in ``--workers`` processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.api import Dataset, MerbenchError, Sample
from merbench_features.flow_uvos import flow_uvos_to_input
from merbench_features.frames import needs_columns, read_frame
from merbench_features.tvl1_uvos import (
    GRID,
    FlowUVOS,
    check_frames,
    compute_flow,
    minmax_uint8,
    uvos_image,
)

FEATURE = "causalnet-flows"
COLUMNS = ("folder", "onset", "apex", "offset")


def direction_map(flow: np.ndarray, grid: int = GRID) -> np.ndarray:
    """(grid, grid, 3) uint8 B, G, R: hue the flow's direction, value its magnitude."""
    import cv2

    magnitude, angle = cv2.cartToPolar(np.ascontiguousarray(flow[..., 0], dtype=np.float32),
                                       np.ascontiguousarray(flow[..., 1], dtype=np.float32),
                                       angleInDegrees=True)
    hsv = np.empty((*flow.shape[:2], 3), dtype=np.uint8)
    hsv[..., 0] = np.rint(angle / 2.0).astype(np.int64) % 180
    hsv[..., 1] = 255
    hsv[..., 2] = minmax_uint8(magnitude)
    colour = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    return cv2.resize(colour, (grid, grid), interpolation=cv2.INTER_AREA)


def offset_frame_number(offset: int | None, apex: int, frames: list[int]) -> int:
    """The offset frame, or the folder's last frame where the offset is not annotated or not
    among the folder's frames (never before the apex)."""
    if offset is not None and offset in frames and offset >= apex:
        return offset
    return max(max(frames), apex)


@dataclass
class CausalFlows(FlowUVOS):
    """The ``causalnet-flows`` extractor; its options are ``tvl1-uvos``'s."""

    @property
    def params(self) -> dict[str, Any]:
        return {**super().params, "images": "flow o->a, flow a->o, direction o->a, a->o",
                "direction": "HSV: hue angle/2, saturation 255, value min-max magnitude; "
                             "to BGR, INTER_AREA to 28",
                "offset": "annotated, else the folder's last frame"}

    def inputs(self, dataset: Dataset, index: int) -> dict[str, np.ndarray]:
        needs_columns(dataset, FEATURE, COLUMNS,
                      "use a raw database (casme2, samm, smic, casme3, megc2019): the "
                      "composite release has no apex->offset flow")
        frames = super().inputs(dataset, index)
        clip = dataset.clip(index)
        if clip.apex is None or not clip.frames:
            raise MerbenchError(f"feature {FEATURE}: sample {clip.sample_id} has no frames or "
                                f"no apex in {clip.folder}; check the folder")
        number = offset_frame_number(clip.offset, clip.apex, sorted(clip.frames))
        frames["offset_frame"] = read_frame(clip.frames[number], clip.sample_id, FEATURE)
        return frames

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        onset, apex = check_frames(inputs.get("onset_frame"), inputs.get("apex_frame"),
                                   sample_id)
        _, offset = check_frames(inputs.get("apex_frame"), inputs.get("offset_frame"),
                                 sample_id, names=("apex", "offset"))
        face = self.transform(onset)
        onset, apex, offset = (face.apply(frame) for frame in (onset, apex, offset))
        flows = [compute_flow(onset, apex, self.method), compute_flow(apex, offset, self.method)]
        if not all(np.isfinite(flow).all() for flow in flows):
            raise MerbenchError(f"the {self.method} flows of sample {sample_id} are not "
                                "finite; check its onset, apex and offset frames")
        images = [uvos_image(flow) for flow in flows] + [direction_map(flow) for flow in flows]
        values = flow_uvos_to_input(np.stack(images))
        notes: dict[str, Any] = {"face": "frame" if self.face == "frame" else
                                 ("fallback" if face.fallback else "found")}
        return Sample(values, notes)


def build_causalnet_flows(method: str = "tvl1", size: int = 112, margin: float = 0.1,
                          face: str = "align") -> CausalFlows:
    """The ``causalnet-flows`` feature; see the module docstring for the options."""
    return CausalFlows(method=method, size=size, margin=margin, face=face)
