"""MMNet: the paper configuration's shape and size, its augmentation, its recipe, and short
trainings of small configurations (the paper configuration is never trained on a CPU here)."""

from __future__ import annotations

import json
from pathlib import Path

import merbench_mmnet.plugin as mmnet_plugin
import numpy as np
import pandas as pd
import pytest
import torch
from merbench_features.frames import (
    build_flow_and_apex,
    build_onset_apex,
    cut,
    face_box,
    jitter_offsets,
)
from merbench_mmnet.mmnet import MMNet, build_mmnet, build_mmnet_release
from merbench_transformers.augment import flip_rotate_crop

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.meta import DatasetMeta
from merbench.plugin_system.manager import default_plugins, load_plugins
from merbench.training.schedule import lr_factor

SMALL = {"image_size": 32, "widths": (8, 8, 16, 16), "stem": 8, "pc_heads": 2}
PAPER_PARAMETERS = 9_438_841  # 5 classes: main 2,528,884 + PC 6,408,192 + head 501,765


def test_paper_configuration_shape_and_parameters() -> None:
    model = build_mmnet(num_classes=5)
    assert sum(p.numel() for p in model.parameters()) == PAPER_PARAMETERS
    assert sum(p.numel() for p in model.main_branch.parameters()) == 2_528_884
    assert sum(p.numel() for p in model.position.parameters()) == 6_408_192
    assert model.head.in_features == 512 * 14 * 14
    model.eval()
    with torch.no_grad():
        x = torch.rand(2, 2, 3, 224, 224) * 255
        assert model(x).shape == (2, 5)
        features = model.main_branch(x[:, 1] - x[:, 0])
        assert features.shape == (2, 512, 14, 14)
        assert model.position(x[:, 0]).shape == (2, 512, 14, 14)
    release = build_mmnet_release(num_classes=3)
    assert sum(p.numel() for p in release.parameters()) == PAPER_PARAMETERS - 2 * 100_353


def test_a_timm_vit_block_state_dict_loads_into_the_position_branch() -> None:
    """The PC branch's blocks are timm's ViT blocks as a timm ViT of that width builds them
    (qkv bias, LayerNorm eps 1e-6, no layer scale): a timm ViT's block weights load with
    every name and shape matching, and the block then computes what timm's does."""
    from timm.models.vision_transformer import VisionTransformer

    vit = VisionTransformer(img_size=14, patch_size=1, embed_dim=512, depth=1, num_heads=4,
                            num_classes=0).eval()
    position = build_mmnet(num_classes=5).position.eval()
    ours = position.blocks[0]
    result = ours.load_state_dict(vit.blocks[0].state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    tokens = torch.randn(2, 196, 512)
    with torch.no_grad():
        assert torch.equal(ours(tokens), vit.blocks[0](tokens))
    assert position.norm.eps == vit.norm.eps == 1e-6


def test_the_variants_feed_their_branches_differently() -> None:
    torch.manual_seed(0)
    pair = MMNet(num_classes=3, **SMALL).eval()
    release = MMNet(num_classes=3, main_input="first", **SMALL).eval()
    release.load_state_dict(pair.state_dict())
    x = torch.rand(3, 2, 3, 32, 32) * 255
    same = x.clone()
    same[:, 1] = same[:, 0]  # apex == onset: no motion for mmnet
    with torch.no_grad():
        assert not torch.allclose(pair(x), release(x))
        assert torch.allclose(pair(same), pair(same[:, [0, 0]]))
        # the release variant reads frame 0 as the main branch's input
        manual = release.head((release.main_branch(_norm(x[:, 0]))
                               + release.position(_norm(x[:, 1]))).flatten(1))
        assert torch.allclose(release(x), manual, atol=1e-5)


def _norm(x: torch.Tensor) -> torch.Tensor:
    from merbench_transformers.augment import imagenet_normalise

    return imagenet_normalise(x)


def test_bad_inputs_and_options_are_one_line_errors() -> None:
    with pytest.raises(MerbenchError, match=r"takes \(batch, 2, 3, 32, 32\) frame pairs"):
        MMNet(**SMALL)(torch.zeros(1, 3, 32, 32))
    with pytest.raises(MerbenchError, match="multiple of 16"):
        MMNet(image_size=40)
    with pytest.raises(MerbenchError, match="widths needs 4"):
        MMNet(widths=(8, 8))


def test_augmentation_moves_onset_and_apex_together() -> None:
    generator = torch.Generator().manual_seed(0)
    onset = torch.rand(6, 3, 32, 32) * 255
    apex = onset.clone()
    batch = torch.stack([onset, apex], dim=1)
    out = flip_rotate_crop(batch, generator)
    assert out.shape == batch.shape
    assert torch.equal(out[:, 0], out[:, 1])  # the same transform on both frames
    assert not torch.allclose(out[:, 0], onset)  # and it did transform
    # a shift alone copies pixels exactly; distinct samples draw distinct transforms
    moved = flip_rotate_crop(batch, torch.Generator().manual_seed(1), degrees=0.0)
    assert all(torch.equal(moved[i, 0], moved[i, 1]) for i in range(6))
    diffs = {float((moved[i, 0] - onset[i]).abs().sum()) for i in range(6)}
    assert len(diffs) > 1
    again = flip_rotate_crop(batch, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)  # deterministic for a seed


def test_augmentation_fills_and_samples_as_the_authors_normalised_tensors() -> None:
    """The authors rotate and pad after ImageNet normalisation: nearest pixels, 0 outside,
    which on 0..255 images is the ImageNet mean colour."""
    from merbench_mmnet.mmnet import MMNet as Net
    from merbench_transformers.augment import IMAGENET_FILL, imagenet_normalise

    torch.manual_seed(0)
    values = torch.randint(0, 256, (4, 2, 3, 32, 32)).float()  # whole numbers
    model = Net(num_classes=3, **SMALL)
    out = model.augment(values, torch.Generator().manual_seed(3))
    padded = out[:, :, :, :2, :].reshape(-1, 3, 2 * 32)  # rows a 15 px shift brings in
    outside = (padded == torch.tensor(IMAGENET_FILL).view(1, 3, 1)).all(dim=1)
    inside = (padded == padded.round()).all(dim=1)  # nearest: only the images' own values
    assert outside.any() and bool((outside | inside).all())
    assert imagenet_normalise(torch.tensor(IMAGENET_FILL).view(3, 1, 1)).abs().max() < 1e-6


def test_initialisation_is_the_authors() -> None:
    """Their ResNet's convolutions Kaiming-normal fan-out; their conv_act PyTorch's default."""
    torch.manual_seed(0)
    model = MMNet(num_classes=5)
    block = model.main_branch.blocks[0].body[0][0].weight  # 128 x 128 x 3 x 3
    assert abs(float(block.std()) - (2 / (128 * 9)) ** 0.5) < 0.002  # 0.0417
    second = model.main_branch.stem[2][0].weight  # their main_branch.conv1, 180 -> 128
    assert abs(float(second.std()) - (2 / (128 * 9)) ** 0.5) < 0.002
    first = model.main_branch.stem[0][0].weight  # their conv_act: U(+-1/sqrt(fan_in))
    assert abs(float(first.std()) - (1 / 27) ** 0.5 / 3 ** 0.5) < 0.01


def test_the_three_class_variant_has_the_authors_3_class_settings() -> None:
    from merbench_mmnet.mmnet import build_mmnet_3class

    model = build_mmnet_3class()
    assert len(model.position.blocks) == 3
    assert model.position.blocks[0].mlp.fc1.out_features == 2 * 512
    assert model.position.blocks[-1].drop_path1.drop_prob == pytest.approx(0.3)
    assert (model.augment_degrees, model.augment_pad) == (4.0, 4)
    meta = default_plugins().registries.models.get("mmnet-3class").meta
    assert meta.recipe is not None
    assert (meta.recipe.epochs, meta.recipe.batch_size, meta.recipe.weight_decay) == \
        (99, 24, 0.7)
    assert (meta.recipe.lr, meta.recipe.gamma, meta.recipe.decay_epochs) == (8e-4, 0.987, 50)


def test_recipe_is_the_papers() -> None:
    recipe = mmnet_plugin.MMNET.recipe
    assert (recipe.epochs, recipe.batch_size, recipe.lr, recipe.optimizer,
            recipe.weight_decay) == (74, 32, 8e-4, "adamw", 0.6)
    assert lr_factor(recipe, 10) == pytest.approx(0.987 ** 10)
    assert lr_factor(recipe, 73) == pytest.approx(0.987 ** 50)
    assert mmnet_plugin.MMNET_RELEASE.feature == "flow-and-apex"


def _faces_dataset(n_per_subject: int = 6, subjects: int = 3, size: int = 32
                   ) -> InMemoryDataset:
    """A tiny composite-like dataset: a flow image whose class shows as a bright patch, and
    random apex faces."""
    rng = np.random.default_rng(0)
    n = n_per_subject * subjects
    labels = np.arange(n) % 3
    flows = rng.integers(0, 60, (n, 28, 28, 3), dtype=np.uint8)
    for i, label in enumerate(labels):
        flows[i, 9 * label:9 * label + 9, :, :] = 250
    faces = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    samples = pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)], "database": "tiny",
                            "subject": [str(i % subjects) for i in range(n)], "label": labels})
    return InMemoryDataset("tinyfaces", samples, ("a", "b", "c"),
                           {"flow_uvos": flows, "apex_face": faces})


def test_a_few_steps_reduce_the_loss() -> None:
    torch.manual_seed(0)
    dataset = _faces_dataset()
    x = torch.as_tensor(build_flow_and_apex(size=32)(dataset).values).float()
    y = torch.tensor(dataset.samples["label"].to_numpy())
    model = build_mmnet_release(num_classes=3, **SMALL)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.6)
    losses = []
    for _ in range(40):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


class _TinyFaces:
    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        registry.add(DatasetMeta(name="tinyfaces", version=1, description="d", citation="c",
                                 provides=("flow_uvos", "apex_face")), _faces_dataset)


def test_mmnet_release_runs_through_the_trainer(tmp_path: Path) -> None:
    plugins = load_plugins(extra=[("mmnet-dev", mmnet_plugin), ("tinyfaces", _TinyFaces())],
                           block=["mmnet"])
    result = merbench.run(model="mmnet-release", dataset="tinyfaces", epochs=2, batch_size=8,
                          model_options={**SMALL, "widths": [8, 8, 16, 16]},
                          feature_options={"size": 32}, device="cpu", out=tmp_path / "r",
                          parallel_folds=2, plugins=plugins)  # asks, so the model is checked
    stored = json.loads((tmp_path / "r" / "results.json").read_text())
    # issue 81: BatchNorm masked per fold and augment called per fold, it trains the two
    # folds together where asked
    assert stored["engine"]["mode"] == "fold-parallel", stored["engine"]
    assert stored["hyperparameters"]["schedule"] == "exponential"
    assert stored["model"]["recipe"]["decay_epochs"] == 50
    assert len(result.predictions) == 18


def test_onset_apex_pairs_share_one_face_box(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    onset = rng.integers(0, 256, (2, 60, 80, 3), dtype=np.uint8)
    apex = onset.copy()
    apex[:, 20:30, 30:40] = 255
    samples = pd.DataFrame({"sample_id": ["a", "b"], "database": "d", "subject": ["1", "2"],
                            "label": [0, 1]})
    dataset = InMemoryDataset("raw", samples, ("x", "y"),
                              {"onset_frame": onset, "apex_frame": apex})
    points = np.zeros((1, 68, 2), dtype=np.float32)
    points[0, :34] = (0.25, 0.2)
    points[0, 34:] = (0.75, 0.8)

    def fake_detect(images, cache_dir=None):
        failed = np.array([images[0][0, 0, 0] == onset[1, 0, 0, 0]])  # no face in sample b
        return points, failed

    import merbench_features.landmarks as landmarks

    monkeypatch.setattr(landmarks, "detect_landmarks68", fake_detect)
    with pytest.raises(MerbenchError, match="lacks folder, onset, apex; use --feature-opt "
                                            "jitter=0"):
        run_feature(build_onset_apex(size=16), dataset)
    extracted = run_feature(build_onset_apex(size=16, jitter=0), dataset)
    pairs = extracted.values
    assert pairs.shape == (2, 2, 3, 16, 16) and pairs.dtype == np.uint8
    assert extracted.report["no_face"] == ["b"]
    box = face_box(points[0], 60, 80)
    import cv2

    expected = cv2.resize(cut(onset[0], *box), (16, 16), interpolation=cv2.INTER_AREA)
    assert np.array_equal(pairs[0, 0], expected[:, :, ::-1].transpose(2, 0, 1))
    whole = cv2.resize(apex[1], (16, 16), interpolation=cv2.INTER_AREA)
    assert np.array_equal(pairs[1, 1], whole[:, :, ::-1].transpose(2, 0, 1))
    with pytest.raises(MerbenchError, match="crop must be one of"):
        build_onset_apex(crop="eyes")


def test_model_options_are_checked_by_name(tmp_path: Path) -> None:
    plugins = load_plugins(extra=[("mmnet-dev", mmnet_plugin), ("tinyfaces", _TinyFaces())],
                           block=["mmnet"])
    for option in ("main_input", "depth"):  # fixed by the model name / not an option
        with pytest.raises(MerbenchError, match=f"{option}"):
            merbench.run(model="mmnet-release", dataset="tinyfaces",
                         model_options={option: 1}, out=tmp_path / option, plugins=plugins)
    with pytest.raises(MerbenchError, match="needs onset_frame, apex_frame from the dataset"):
        merbench.run(model="mmnet", dataset="tinyfaces", out=tmp_path / "x", plugins=plugins)


def test_jitter_candidates_come_from_the_clip_and_are_drawn_in_training(tmp_path: Path) -> None:
    import cv2

    folder = tmp_path / "clip"
    folder.mkdir()
    for number in range(10, 31):  # frame n is filled with the value n
        cv2.imwrite(str(folder / f"img{number}.png"), np.full((8, 8, 3), number, np.uint8))
    frame = {n: np.full((8, 8, 3), n, np.uint8) for n in (12, 22)}
    samples = pd.DataFrame({"sample_id": ["a"], "database": "d", "subject": ["1"],
                            "label": [0], "folder": [str(folder)], "onset": [12],
                            "apex": [22]})
    dataset = InMemoryDataset("raw", samples, ("x",), {"onset_frame": frame[12][None],
                                                      "apex_frame": frame[22][None]})
    feature = build_onset_apex(size=16, crop="none", jitter=0.3, jitter_frames=2)
    rows = run_feature(feature, dataset).values
    # d = floor(0.3 * 10) = 3, inward as the authors draw: onset 12 -> 14, 15; apex 22 -> 20, 19
    assert rows.shape == (1, 6, 3, 16, 16)
    assert rows[0, :, 0, 0, 0].tolist() == [12, 22, 14, 15, 20, 19]
    batch = torch.as_tensor(np.repeat(rows, 300, axis=0)).float()
    picked = torch.stack([mmnet_jitter(batch[i:i + 1], i)[0, :, 0, 0, 0] for i in range(300)])
    assert set(picked[:, 0].tolist()) == {12.0, 14.0, 15.0}  # onsets from the onset's set
    assert set(picked[:, 1].tolist()) == {22.0, 20.0, 19.0}
    # the default reach is the authors' int(0.15 * (apex - onset) / 4), on every span
    for onset, apex in ((0, s) for s in range(0, 400)):
        assert jitter_offsets(onset, apex, 0.0375, 2)[-1] == int(0.15 * (apex - onset) / 4)
    assert jitter_offsets(0, 54, 0.0375, 2) == [1, 2]  # d = 2: exactly the authors' 0, 1, 2
    model = MMNet(num_classes=2, **{**SMALL, "image_size": 16}).eval()
    big = torch.rand(2, 6, 3, 16, 16) * 255
    with torch.no_grad():  # at test only the annotated pair counts
        assert torch.equal(model(big), model(big[:, :2]))


def mmnet_jitter(batch: torch.Tensor, seed: int) -> torch.Tensor:
    from merbench_mmnet.mmnet import jitter_pairs

    return jitter_pairs(batch, torch.Generator().manual_seed(seed))


def run_feature(extractor, dataset, cache_root=None):
    """A per-sample feature through the core's extraction (one process; cached when asked)."""
    from merbench.features.extraction import extract_samples
    from merbench.meta import FeatureMeta

    meta = FeatureMeta(name="under-test", version=1, description="d", citation="c",
                       needs=("onset_frame", "apex_frame"))
    return extract_samples(meta, extractor, dataset, workers=1,
                           use_cache=cache_root is not None, cache_root=cache_root)
