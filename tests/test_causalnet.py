"""CausalNet: the authors' network (logits of their Models.py pinned on name-seeded weights),
its size, its fixed crops, the grid mask, its four-image input computed from raw frames, and
one-line errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
import torch
from flow_frames import textured_pair
from merbench_features.causal_flows import (
    build_causalnet_flows,
    direction_map,
    offset_frame_number,
)
from merbench_features.causalnet_release import build_causalnet_release
from merbench_features.tvl1_uvos import build_tvl1_uvos
from merbench_htnet.causalnet import CausalNet, crop_regions, grid_mask_and_bias
from named_weights import fill_by_name

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.plugin_system.manager import default_plugins

# The authors' Models.py (tony19980810/CausalNet at 7bdf163), built with main_train.py's
# configuration, every parameter filled by named_weights.fill_by_name, on the input of
# reference_input:
# its logits (computed once with their code and einops 0.8.2; merbench's differ by 2.4e-6).
AUTHORS_LOGITS = [[-0.017086, -1.490636, -1.587363], [0.052611, -1.413919, -1.149826]]


def reference_input() -> torch.Tensor:
    return torch.rand(2, 4, 3, 28, 28, generator=torch.Generator().manual_seed(0)) * 255


def small(**options: object) -> CausalNet:
    return CausalNet(dim=32, heads=1, block_repeats=(1, 1, 2), **options)  # type: ignore[arg-type]


def test_the_network_computes_the_authors_logits_and_size() -> None:
    model = CausalNet(crop="none").eval()
    assert sum(p.numel() for p in model.parameters()) == 276_590_089
    assert len(model.CrossAttention.layers) == 9  # the encoders' last depth, as the authors'
    fill_by_name(model)
    with torch.no_grad():
        logits = model(reference_input())
    assert torch.allclose(logits, torch.tensor(AUTHORS_LOGITS), atol=2e-5)


def test_the_crop_is_the_authors_fixed_patches() -> None:
    image = torch.arange(3 * 28 * 28, dtype=torch.float).reshape(3, 28, 28)
    left_eye, left_mouth = image[:, 2:16, 4:18], image[:, 14:28, 3:17]
    right_eye, right_mouth = image[:, 3:17, 14:28], image[:, 13:27, 14:28]
    tiled = torch.cat([torch.cat([left_eye, left_mouth], 2),
                       torch.cat([right_eye, right_mouth], 2)], 1)
    assert torch.equal(crop_regions(image), tiled)
    model = small().eval()
    x = torch.rand(2, 4, 3, 28, 28) * 255
    outside = x.clone()
    outside[..., 0, 0] = 0  # pixel (0, 0) is in no patch
    with torch.no_grad():
        assert torch.equal(model(x), model(outside))


def test_the_grid_mask_keeps_neighbours_and_biases_the_diagonals() -> None:
    mask, bias = grid_mask_and_bias(0.5)
    assert mask.tolist() == [[1, 1, 1, 0], [1, 1, 0, 1], [1, 0, 1, 1], [0, 1, 1, 1]]
    assert bias[0, 3] == -2.0 and bias[1, 2] == -1.5 and bias[2, 1] == -1.0
    assert bias[3, 0] == -0.5 and (bias * mask).abs().sum() == 0


def test_each_image_of_a_sample_moves_the_output() -> None:
    torch.manual_seed(0)
    model = small().eval()
    x = torch.rand(2, 4, 3, 28, 28) * 255
    with torch.no_grad():
        base = model(x)
        for image in range(4):
            moved = x.clone()
            moved[:, image] = torch.rand(2, 3, 28, 28) * 255
            assert not torch.allclose(model(moved), base)


def test_the_declared_recipe_is_the_authors_script() -> None:
    meta = default_plugins().registries.models.get("causalnet").meta
    assert meta.feature == "causalnet-flows" and meta.recipe is not None
    assert (meta.recipe.optimizer, meta.recipe.lr, meta.recipe.batch_size, meta.recipe.epochs,
            meta.recipe.data_order) == ("adam", 5e-5, 1024, 200, "listed")


@pytest.mark.parametrize(("options", "said"), [
    ({"crop": "faces"}, "crop must be one of causalnet, none"),
    ({"image_size": 56}, "crop=causalnet cuts 14x14 patches"),
    ({"crop": "none", "image_size": 56}, "image_size must be patch_size"),
    ({"block_repeats": (1, 1)}, "block_repeats needs 3 positive whole numbers"),
    ({"dim": 20}, "must divide by 32"),
    ({"gamma": -1}, "gamma must be a finite number >= 0"),
    ({"gamma": float("nan")}, "gamma must be a finite number >= 0"),
    ({"mlp_mult": 0}, "mlp_mult must be a positive whole number"),
    ({"mlp_mult": 2.5}, "mlp_mult must be a positive whole number"),
    ({"dropout": "0.1"}, r"dropout must be in \[0, 1\)"),
    ({"block_repeats": 2}, "block_repeats must be 3 whole numbers"),
])
def test_bad_options_are_one_line(options: dict, said: str) -> None:
    with pytest.raises(MerbenchError, match=rf"^causalnet: .*{said}"):
        CausalNet(**{"dim": 32, "heads": 1, "block_repeats": (1, 1, 2), **options})


def test_an_input_of_another_shape_is_one_line() -> None:
    with pytest.raises(MerbenchError, match=r"^causalnet: the input is \(3, 28, 28\) a sample; "
                                            r"the network takes \(4, 3, 28, 28\)"):
        small()(torch.rand(2, 3, 28, 28))


# --- the feature -------------------------------------------------------------------------

def clip_dataset(tmp_path: Path, offset: object = 5) -> InMemoryDataset:
    """One sample: five frames of a texture moving right, then back (onset 1, apex 3)."""
    onset, apex, _ = textured_pair(seed=3, shift=3.0)
    folder = tmp_path / "clip"
    folder.mkdir(parents=True)
    for number, frame in enumerate([onset, onset, apex, apex, onset], start=1):
        cv2.imwrite(str(folder / f"img{number}.png"), frame)
    samples = pd.DataFrame({"sample_id": ["lab/s0/clip"], "database": "lab", "subject": "s0",
                            "label": 0, "folder": str(folder), "onset": 1, "apex": 3,
                            "offset": pd.array([offset], dtype="Int64")})
    arrays = {"onset_frame": np.array([None], dtype=object),
              "apex_frame": np.array([None], dtype=object)}
    arrays["onset_frame"][0], arrays["apex_frame"][0] = onset, apex
    return InMemoryDataset("lab", samples, ("negative", "positive", "surprise"), arrays)


def test_the_feature_gives_two_flows_and_their_direction_maps(tmp_path: Path) -> None:
    dataset = clip_dataset(tmp_path)
    feature = build_causalnet_flows(face="frame", size=64)
    inputs = feature.inputs(dataset, 0)
    values = np.asarray(feature.compute(inputs, "lab/s0/clip").values)
    assert values.shape == (4, 3, 28, 28) and values.dtype == np.float32
    uvos = build_tvl1_uvos(face="frame", size=64)
    alone = uvos.compute(uvos.inputs(dataset, 0), "lab/s0/clip").values
    assert np.array_equal(values[0], alone)  # image 0 is tvl1-uvos of the sample
    for image in (2, 3):  # as the authors' maps: blue 0, one of red and green full
        assert not values[image, 0].any()
        assert (values[image, 1:].max(axis=0) == 255).all()
    # rightwards (onset->apex): about 0 or 360 degrees, red or green, never both
    assert (values[2, 1:].min(axis=0) < 60).mean() > 0.9
    # leftwards (apex->offset, back to the onset frame): 180 degrees, hue 30, yellow
    assert (values[3, 1:].min(axis=0) > 200).mean() > 0.9


def test_the_offset_falls_back_to_the_folder_s_last_frame(tmp_path: Path) -> None:
    frames = [1, 2, 3, 4, 5, 6]
    assert offset_frame_number(5, 3, frames) == 5
    assert offset_frame_number(None, 3, frames) == 6
    assert offset_frame_number(9, 3, frames) == 6  # not in the folder
    assert offset_frame_number(2, 3, frames) == 6  # before the apex
    assert offset_frame_number(None, 7, frames) is None
    feature = build_causalnet_flows(face="frame", size=64)
    annotated = feature.inputs(clip_dataset(tmp_path / "a"), 0)
    standing_in = feature.inputs(clip_dataset(tmp_path / "b", offset=None), 0)
    assert np.array_equal(annotated["offset_frame"], annotated["onset_frame"])  # frame 5
    notes = [feature.compute(inputs, "lab/s0/clip").notes for inputs in (annotated, standing_in)]
    assert [n["offset"] for n in notes] == ["annotated", "last frame"]
    report, line = feature.summarise(["a", "b"], notes)
    assert report["offset_last_frame"] == ["b"] and "offset of 1 of 2 samples" in line


def test_a_missing_or_mismatched_offset_frame_is_one_line(tmp_path: Path) -> None:
    feature = build_causalnet_flows(face="frame")
    inputs = feature.inputs(clip_dataset(tmp_path), 0)
    inputs["offset_frame"] = inputs["offset_frame"][:50]
    with pytest.raises(MerbenchError, match=r"^the apex \(100x120\) and offset \(100x50\) "
                                            r"frames of sample lab/s0/clip differ in size"):
        feature.compute(inputs, "lab/s0/clip")
    dataset = clip_dataset(tmp_path / "late")
    dataset.samples["apex"] = 9
    with pytest.raises(MerbenchError, match=r"^feature causalnet-flows: sample lab/s0/clip "
                                            r"has no frame from its apex \(9\) on"):
        feature.inputs(dataset, 0)


def test_a_direction_map_of_no_motion_is_red() -> None:
    still = direction_map(np.zeros((40, 40, 2), dtype=np.float32))
    assert (still[..., 2] == 255).all() and not still[..., :2].any()


def test_a_dataset_without_clips_is_one_line(tmp_path: Path) -> None:
    dataset = clip_dataset(tmp_path)
    dataset.samples = dataset.samples.drop(columns=["offset"])
    with pytest.raises(MerbenchError, match=r"^feature causalnet-flows reads the clip folder "
                                            r".*lacks offset; use a raw database"):
        build_causalnet_flows(face="frame").inputs(dataset, 0)


def test_created_through_the_public_api() -> None:
    model = merbench.create_model("causalnet", num_classes=5, dim=32, heads=1,
                                  block_repeats=[1, 1, 2])
    assert model(torch.rand(2, 4, 3, 28, 28) * 255).shape == (2, 5)


# --- the authors' released images ----------------------------------------------------------

def release_folder(tmp_path: Path, names: list[str], side: int = 28) -> Path:
    """Files named as CausalNet's release names them, each a constant image: its slot (0..3)
    in blue, its sample index in green."""
    folder = tmp_path / "STSNet_whole_norm_u_v_os"
    folder.mkdir(parents=True)
    for index, name in enumerate(names):
        for slot, suffix in enumerate(("", "_1", "_2", "_3")):
            image = np.zeros((side, side, 3), dtype=np.uint8)
            image[..., 0], image[..., 1] = slot, index
            cv2.imwrite(str(folder / f"{name}{suffix} .png"), image)
    return folder


def composite_like(names: list[str]) -> InMemoryDataset:
    samples = pd.DataFrame({"sample_id": [f"samm/{i}" for i in range(len(names))],
                            "database": "samm", "subject": "006", "label": 0,
                            "flow_path": [f"/release/STSNet_whole_norm_u_v_os/{n} .png"
                                          for n in names]})
    return InMemoryDataset("composite", samples, ("negative", "positive", "surprise"), {})


def test_the_released_images_are_read_in_the_authors_order(tmp_path: Path) -> None:
    names = ["006_006_1_2", "s03_s03_po_11"]
    folder = release_folder(tmp_path, names)
    extracted = build_causalnet_release(str(folder))(composite_like(names))
    values = np.asarray(extracted.values)
    assert values.shape == (2, 4, 3, 28, 28) and values.dtype == np.float32
    assert (values[:, :, 0, 0, 0] == [[0, 1, 2, 3], [0, 1, 2, 3]]).all()  # slot order
    assert (values[:, :, 1, 0, 0] == [[0] * 4, [1] * 4]).all()  # sample order
    assert len(extracted.report["sha256"]) == 64 and extracted.report["authors_release"] is False
    assert "NOT the authors' release" in extracted.summary


def test_released_images_missing_or_of_another_size_are_one_line(tmp_path: Path) -> None:
    names = ["006_006_1_2", "s03_s03_po_11"]
    folder = release_folder(tmp_path / "a", names[:1])
    with pytest.raises(MerbenchError, match=r"^feature causalnet-release: 4 of 8 images are not "
                                            r"in .*\(first: s03_s03_po_11 \.png, "):
        build_causalnet_release(str(folder))(composite_like(names))
    folder = release_folder(tmp_path / "b", names[:1], side=32)
    with pytest.raises(MerbenchError, match=r"^feature causalnet-release: .*006_006_1_2 \.png' "
                                            r"is 32x32, not 28x28"):
        build_causalnet_release(str(folder))(composite_like(names[:1]))
    with pytest.raises(MerbenchError, match=r"^feature causalnet-release: give the folder"):
        build_causalnet_release()(composite_like(names))
    with pytest.raises(MerbenchError, match=r"^feature causalnet-release: .* is not a folder"):
        build_causalnet_release(str(folder / "006_006_1_2 .png"))(composite_like(names))
    with pytest.raises(MerbenchError, match=r"^feature causalnet-release: images must be a "
                                            r"folder path \(got 2024\)"):
        build_causalnet_release(2024)(composite_like(names))  # type: ignore[arg-type]
    folder = release_folder(tmp_path / "d", names[:1])
    (folder / "006_006_1_2_2 .png").write_bytes(b"not a png")
    with pytest.raises(MerbenchError, match=r"^feature causalnet-release: .*006_006_1_2_2 \.png' "
                                            r"cannot be decoded as an image"):
        build_causalnet_release(str(folder))(composite_like(names[:1]))
    with pytest.raises(MerbenchError, match=r"^feature causalnet-release names its images after "
                                            r"the composite release's flow files; dataset 'lab'"):
        build_causalnet_release(str(folder))(clip_dataset(tmp_path / "c"))
