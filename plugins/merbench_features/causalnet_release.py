"""``causalnet-release``: CausalNet's four images per sample as its authors released them.

The CausalNet repository (``tony19980810/CausalNet``) ships, in
``datasets/STSNet_whole_norm_u_v_os``, four 28x28 PNGs for each of the MEGC2019 composite's
442 samples, named like the composite release's flow images: ``<sub>_<clip> .png`` (the
onset->apex flow image), ``<sub>_<clip>_1 .png`` (apex->offset flow), ``_2`` and ``_3`` (the
two direction maps), used in training and at test. This feature reads them for the
``composite`` dataset, so ``causalnet`` can be trained on exactly its authors' inputs:

    merbench run --model causalnet --dataset composite --data-root PATH \\
        --feature causalnet-release --feature-opt images=CausalNet/datasets/STSNet_whole_norm_u_v_os

``causalnet-flows`` computes the same four kinds of image from raw frames instead (how the
authors made theirs is not published). The folder holds flows of research participants'
faces: it is read where the user keeps it and never copied.

Output: (N, 4, 3, 28, 28) float32, raw 0..255 values in OpenCV's B, G, R order (as their
loader reads them), in that file order. The report records the folder and a SHA-256 of the
decoded pixels, so two runs on different copies cannot pass for one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from merbench.api import Dataset, Extracted, MerbenchError

FEATURE = "causalnet-release"
SUFFIXES = ("", "_1", "_2", "_3")  # flow o->a, flow a->o, direction o->a, direction a->o
SIDE = 28
SHOWN = 3


def image_names(flow_path: str) -> list[str]:
    """The four file names of a sample, from its composite flow image's path."""
    stem = Path(flow_path).name.removesuffix(" .png").removesuffix(".png")
    return [f"{stem}{suffix} .png" for suffix in SUFFIXES]


def _image_folder(images: str | None) -> Path:
    """The folder ``images`` names, or one line saying what to give (checked at extraction,
    so that the feature builds with its defaults, as every registered feature does)."""
    if not images:
        raise MerbenchError(f"feature {FEATURE}: give the folder of CausalNet's released images "
                            "with --feature-opt images=PATH (its repository's "
                            "datasets/STSNet_whole_norm_u_v_os)")
    folder = Path(images)
    if not folder.is_dir():
        raise MerbenchError(f"feature {FEATURE}: '{folder}' is not a folder; give "
                            "--feature-opt images=PATH of CausalNet's "
                            "datasets/STSNet_whole_norm_u_v_os")
    return folder


def build_causalnet_release(images: str | None = None) -> Callable[[Dataset], Extracted]:
    """The ``causalnet-release`` feature: ``images`` is the authors' image folder."""

    def extract(dataset: Dataset) -> Extracted:
        import cv2

        folder = _image_folder(images)
        if "flow_path" not in dataset.samples.columns:
            raise MerbenchError(f"feature {FEATURE} names its images after the composite "
                                f"release's flow files; dataset '{dataset.name}' has none; use "
                                "--dataset composite (or causalnet-flows on a raw database)")
        paths = dataset.samples["flow_path"].astype(str)
        values = np.empty((len(paths), len(SUFFIXES), 3, SIDE, SIDE), dtype=np.float32)
        digest = hashlib.sha256()
        missing: list[str] = []
        for index, flow_path in enumerate(paths):
            for slot, name in enumerate(image_names(flow_path)):
                path = folder / name
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None:
                    missing.append(name)
                    continue
                if image.shape != (SIDE, SIDE, 3):
                    raise MerbenchError(f"feature {FEATURE}: '{path}' is {image.shape[1]}x"
                                        f"{image.shape[0]}, not {SIDE}x{SIDE}; the folder is "
                                        "not CausalNet's released images")
                digest.update(image.tobytes())
                values[index, slot] = image.transpose(2, 0, 1)
        if missing:
            raise MerbenchError(f"feature {FEATURE}: {len(missing)} of {values.shape[0] * 4} "
                                f"images are not in '{folder}' (first: "
                                f"{', '.join(missing[:SHOWN])}); point images= at CausalNet's "
                                "datasets/STSNet_whole_norm_u_v_os")
        report = {"images": str(folder), "sha256": digest.hexdigest(),
                  "order": ["flow onset->apex", "flow apex->offset", "direction onset->apex",
                            "direction apex->offset"]}
        return Extracted(values, report, f"{len(values)} samples x 4 CausalNet images from "
                                         f"{folder}")

    return extract
