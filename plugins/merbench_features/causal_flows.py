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
5. each flow's direction map: u and v resized to 28x28 with ``INTER_AREA``, then the
   angle (0..360 degrees, ``cv2.cartToPolar``) as a hue from red (0) through yellow to green
   (OpenCV hue 0..60), with saturation and value 255, converted HSV -> B, G, R (so blue is 0
   and one of red and green is 255 on every pixel; resizing the colours instead would mix
   red and green where the angle wraps past 360). This reproduces what the authors'
   direction maps are (read from their PNGs: blue 0, saturation and value 255 on every
   pixel, hues within 0..60; the magnitude is not in them, the flow images carry it); how
   they mapped angles onto those hues is not published, and the linear map is merbench's
   choice.

Output: (N, 4, 3, 28, 28) float32, raw 0..255 B, G, R values, in the authors' file order.
Per sample, through merbench's feature cache (``$MERBENCH_CACHE_DIR/features/
causalnet-flows/``), in ``--workers`` processes.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    uvos_image,
)

FEATURE = "causalnet-flows"
HUES = 60  # OpenCV hue units (0..180 for 360 degrees) the directions span: red to green
COLUMNS = ("folder", "onset", "apex", "offset")


def direction_map(flow: np.ndarray, grid: int = GRID) -> np.ndarray:
    """(grid, grid, 3) uint8 B, G, R: the flow's direction as a hue from red (0 degrees) to
    green (360), full saturation and value (no motion is red)."""
    import cv2

    u, v = (cv2.resize(np.ascontiguousarray(flow[..., i], dtype=np.float32), (grid, grid),
                       interpolation=cv2.INTER_AREA) for i in (0, 1))
    _, angle = cv2.cartToPolar(u, v, angleInDegrees=True)
    hsv = np.full((grid, grid, 3), 255, dtype=np.uint8)
    hsv[..., 0] = np.clip(np.rint(angle / 360.0 * HUES), 0, HUES).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


def offset_frame_number(offset: int | None, apex: int, frames: list[int]) -> int | None:
    """The offset frame, or the folder's last frame where the offset is not annotated, not
    among the folder's frames or before the apex; None when no frame follows the apex."""
    if offset is not None and offset in frames and offset >= apex:
        return offset
    later = [number for number in frames if number >= apex]
    return max(later) if later else None


@dataclass
class CausalFlows(FlowUVOS):
    """The ``causalnet-flows`` extractor; its options are ``tvl1-uvos``'s."""

    @property
    def params(self) -> dict[str, Any]:
        return {**super().params, "images": "flow o->a, flow a->o, direction o->a, a->o",
                "direction": f"u, v INTER_AREA to 28; HSV: hue angle/360*{HUES}, saturation "
                             "and value 255; to BGR",
                "offset": "annotated, else the folder's last frame"}

    def inputs(self, dataset: Dataset, index: int) -> dict[str, np.ndarray]:
        needs_columns(dataset, FEATURE, COLUMNS,
                      "use a raw database (casme2, samm, smic, casme3, megc2019): the "
                      "composite release has no apex->offset flow")
        frames = super().inputs(dataset, index)
        clip = dataset.clip(index)
        number = None if clip.apex is None else \
            offset_frame_number(clip.offset, clip.apex, sorted(clip.frames))
        if number is None:
            raise MerbenchError(f"feature {FEATURE}: sample {clip.sample_id} has no frame from "
                                f"its apex ({clip.apex}) on in {clip.folder}; check the folder "
                                "and the sample's frame numbers")
        frames["offset_frame"] = read_frame(clip.frames[number], clip.sample_id, FEATURE)
        # part of the cache key, and back in the notes: was the annotated offset used?
        frames["offset_annotated"] = np.array([number == clip.offset], dtype=np.int64)
        return frames

    def compute(self, inputs: dict[str, np.ndarray], sample_id: str) -> Sample:
        apex, offset = check_frames(inputs.get("apex_frame"), inputs.get("offset_frame"),
                                    sample_id, names=("apex", "offset"))
        forward, face, notes = self.face_flow(inputs, sample_id)  # tvl1-uvos's, onset->apex
        backward = compute_flow(face.apply(apex), face.apply(offset), self.method)
        if not np.isfinite(backward).all():
            raise MerbenchError(f"the {self.method} flow of sample {sample_id} from apex to "
                                "offset is not finite; check its apex and offset frames")
        flows = (forward, backward)
        images = [uvos_image(flow) for flow in flows] + [direction_map(flow) for flow in flows]
        notes["offset"] = "annotated" if int(inputs["offset_annotated"][0]) else "last frame"
        return Sample(flow_uvos_to_input(np.stack(images)), notes)

    def summarise(self, sample_ids: Sequence[str], notes: Sequence[dict[str, Any]]
                  ) -> tuple[dict[str, Any], str]:
        report, line = super().summarise(sample_ids, notes)
        standing_in = [sid for sid, note in zip(sample_ids, notes, strict=True)
                       if note.get("offset") == "last frame"]
        report.update({"n_offset_last_frame": len(standing_in),
                       "offset_last_frame": standing_in})
        return report, (f"{line}; the clip's last frame stood in for the offset of "
                        f"{len(standing_in)} of {len(sample_ids)} samples")


def build_causalnet_flows(method: str = "tvl1", size: int = 112, margin: float = 0.1,
                          face: str = "align") -> CausalFlows:
    """The ``causalnet-flows`` feature; see the module docstring for the options."""
    return CausalFlows(method=method, size=size, margin=margin, face=face)
