"""tvl1-uvos extraction speed: raw onset/apex frames to the 28x28 input, samples per second.

Uses the real CASME II sequence (``samples/casme2_sequence/001.jpg ... 010.jpg``, cropped
faces of 280x340) of a data folder you pass in; every (onset, apex) pair of its frames is one
sample. Two measurements:

1. a per-stage breakdown in this process (one core): JPEG decoding, grey conversion, dlib
   face detection, dlib 68 landmarks, alignment (transform and the two warps), the flow, and
   strain + resize + scaling;
2. end to end through merbench's extraction engine with ``--workers`` processes (default 2)
   and the feature cache off; a tiny per-sample mark in one corner pixel keeps the landmark
   cache from serving repeated onset frames, so every sample is detected and computed.

    python benchmarks/extract_speed.py --data $MERBENCH_TEST_DATA [--samples 40]
        [--workers 2] [--method tvl1|farneback] [--size 112]

The numbers depend on what else runs on the machine: the script prints the load average
before and after so a reader can judge.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.data.dataset import Dataset


class SequencePairs(Dataset):
    """Onset/apex pairs of one frame folder, decoded from the files on every read."""

    def __init__(self, folder: Path, pairs: list[tuple[int, int]]) -> None:
        samples = pd.DataFrame({"sample_id": [f"p{i:03d}_{a}_{b}" for i, (a, b) in
                                              enumerate(pairs)],
                                "database": "casme2", "subject": "seq", "label": 0})
        super().__init__("casme2-sequence", samples, ("x",))
        self.files = sorted(folder.glob("*.jpg"))
        self.pairs = pairs
        self.provides = ("onset_frame", "apex_frame")

    def read(self, source: str, index: int) -> np.ndarray:
        import cv2

        onset, apex = self.pairs[index]
        frame = cv2.imread(str(self.files[onset if source == "onset_frame" else apex]),
                           cv2.IMREAD_COLOR)
        frame[0, 0] = index % 251  # unique pixels per sample: no landmark-cache hits
        return frame


def stage_times(dataset: SequencePairs, size: int, method: str) -> dict[str, float]:
    """Mean seconds per sample of each stage, in this process."""
    import cv2
    from merbench_features.faces import FaceTransform, transform_from_points
    from merbench_features.flow_uvos import flow_uvos_to_input
    from merbench_features.landmarks import PAD, UPSAMPLE, _dlib_models
    from merbench_features.tvl1_uvos import compute_flow, uvos_image

    dlib, detector, predictor = _dlib_models()
    totals: dict[str, float] = dict.fromkeys(
        ("decode", "grey", "detection", "landmarks", "alignment", "flow", "strain_resize"), 0.0)
    n = len(dataset.samples)
    for index in range(n):
        clock = time.perf_counter()
        onset, apex = dataset.read("onset_frame", index), dataset.read("apex_frame", index)
        totals["decode"] += time.perf_counter() - clock
        clock = time.perf_counter()
        onset, apex = (cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in (onset, apex))
        totals["grey"] += time.perf_counter() - clock
        clock = time.perf_counter()
        padded = np.ascontiguousarray(cv2.copyMakeBorder(onset, PAD, PAD, PAD, PAD,
                                                         cv2.BORDER_CONSTANT, value=0))
        boxes = list(detector(padded, UPSAMPLE))
        totals["detection"] += time.perf_counter() - clock
        clock = time.perf_counter()
        box = max(boxes, key=lambda b: b.width() * b.height()) if boxes else \
            dlib.rectangle(PAD, PAD, PAD + onset.shape[1] - 1, PAD + onset.shape[0] - 1)
        shape = predictor(padded, box)
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64) - PAD
        totals["landmarks"] += time.perf_counter() - clock
        clock = time.perf_counter()
        face: FaceTransform = transform_from_points(points, onset.shape, size, 0.1)
        a, b = face.apply(onset), face.apply(apex)
        totals["alignment"] += time.perf_counter() - clock
        clock = time.perf_counter()
        flow = compute_flow(a, b, method)
        totals["flow"] += time.perf_counter() - clock
        clock = time.perf_counter()
        flow_uvos_to_input(uvos_image(flow)[None])
        totals["strain_resize"] += time.perf_counter() - clock
    return {stage: seconds / n for stage, seconds in totals.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MERBENCH_TEST_DATA"),
                        help="data folder with samples/casme2_sequence/ "
                             "(default: $MERBENCH_TEST_DATA)")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--method", default="tvl1", choices=("tvl1", "farneback"))
    parser.add_argument("--size", type=int, default=112)
    args = parser.parse_args(argv)
    if not args.data:
        parser.error("give --data PATH (a folder with samples/casme2_sequence/) or set "
                     "MERBENCH_TEST_DATA")
    folder = Path(args.data) / "samples" / "casme2_sequence"
    if len(list(folder.glob("*.jpg"))) < 2:
        parser.error(f"{folder} has no CASME II frames; give the data folder that holds "
                     "samples/casme2_sequence/")
    import cv2
    from merbench_features.plugin import TVL1_UVOS
    from merbench_features.tvl1_uvos import build_tvl1_uvos

    from merbench.features.extraction import extract_samples

    n_frames = len(list(folder.glob("*.jpg")))
    pairs = list(itertools.islice(itertools.cycle(itertools.combinations(range(n_frames), 2)),
                                  args.samples))
    dataset = SequencePairs(folder, pairs)
    height, width = cv2.imread(str(dataset.files[0])).shape[:2]
    load_before = os.getloadavg()
    info: dict[str, Any] = {"python": sys.version.split()[0], "opencv": cv2.__version__,
                            "cpu": platform.processor() or platform.machine(),
                            "cpu_count": os.cpu_count(), "frames": f"{width}x{height}",
                            "method": args.method, "size": args.size,
                            "samples": args.samples, "workers": args.workers}
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MERBENCH_CACHE_DIR"] = cache  # fresh landmark cache, feature cache off
        cv2.setNumThreads(1)
        stages = stage_times(dataset, args.size, args.method)
        clock = time.perf_counter()
        extracted = extract_samples(TVL1_UVOS, build_tvl1_uvos(method=args.method,
                                                               size=args.size),
                                    dataset, workers=args.workers, use_cache=False)
        wall = time.perf_counter() - clock
    load_after = os.getloadavg()
    per_sample = sum(stages.values())
    print("machine:", info)
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"on {os.cpu_count()} cores (before > 0: other jobs were competing for the cores)")
    print(f"per-stage mean, one process, {args.samples} samples of {width}x{height}:")
    for stage, seconds in stages.items():
        print(f"  {stage:14s} {seconds * 1000:8.1f} ms  ({seconds / per_sample:5.1%})")
    print(f"  {'total':14s} {per_sample * 1000:8.1f} ms  -> {1 / per_sample:.1f} samples/s "
          "on one core")
    fallback = extracted.report.get("n_face_fallback")
    print(f"end to end, {args.workers} worker processes (pool start-up included): "
          f"{args.samples} samples in {wall:.2f} s -> {args.samples / wall:.1f} samples/s "
          f"(faces not found: {fallback})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
