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
loader reads them), in that file order. ``images`` says only where the copy is (a storage
option, not part of a run's identity: the same images elsewhere resume the same run, and
other pixels are caught by the per-sample value digests); the report records a SHA-256 of
the decoded pixels and whether it is that of the authors' release at 7bdf163.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from merbench.api import (
    Dataset,
    Extracted,
    MerbenchError,
    UnreadableFile,
    fix_after,
    read_user_image,
)

FEATURE = "causalnet-release"
SUFFIXES = ("", "_1", "_2", "_3")  # flow o->a, flow a->o, direction o->a, direction a->o
SIDE = 28
SHOWN = 3
# SHA-256 of the decoded pixels of the authors' release (tony19980810/CausalNet at 7bdf163)
# in the composite's sample order: the report says whether a copy is that release.
AUTHORS_SHA256 = "0fe3d27e82cb763029c5b6c43bad0449aef0c08af404dc68065f749fc24a15dd"


def image_names(flow_path: str) -> list[str]:
    """The four file names of a sample, from its composite flow image's path."""
    stem = Path(flow_path).name.removesuffix(" .png").removesuffix(".png")
    return [f"{stem}{suffix} .png" for suffix in SUFFIXES]


def _image_folder(images: str | None) -> Path:
    """The folder ``images`` names, or one line saying what to give (checked at extraction,
    so that the feature builds with its defaults, as every registered feature does)."""
    if images is not None and not isinstance(images, str):
        raise MerbenchError(f"feature {FEATURE}: images must be a folder path (got {images!r})")
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
                if not path.is_file():
                    missing.append(name)
                    continue
                try:
                    image = read_user_image(path, "CausalNet image", cv2.IMREAD_COLOR)
                except UnreadableFile as exc:
                    fix = fix_after(exc, "restore it from CausalNet's repository")
                    raise MerbenchError(f"feature {FEATURE}: '{path}' {exc.reason}{fix}") \
                        from None
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
        sha256 = digest.hexdigest()
        release = sha256 == AUTHORS_SHA256
        report = {"sha256": sha256, "authors_release": release,
                  "order": ["flow onset->apex", "flow apex->offset", "direction onset->apex",
                            "direction apex->offset"]}
        which = ("the authors' release (7bdf163)" if release else
                 "NOT the authors' release at 7bdf163 (other pixels or samples)")
        return Extracted(values, report, f"{len(values)} samples x 4 CausalNet images: {which}")

    return extract
