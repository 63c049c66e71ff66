"""HSTA: the paper configuration's shapes and size, clip sampling, layer-wise decay, and short
trainings of small configurations (the paper configuration is never trained on a CPU here)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import cv2
import merbench_hsta.plugin as hsta_plugin
import numpy as np
import pandas as pd
import pytest
import torch
from merbench_features.clips import build_hsta_clip, candidate_frames, clip_span
from merbench_hsta.hsta import HSTA, ClipSampler, build_hsta, build_hsta_release

import merbench
from merbench.base.errors import MerbenchError
from merbench.data.dataset import InMemoryDataset
from merbench.meta import DatasetMeta
from merbench.plugin_system.manager import load_plugins
from merbench.training.schedule import lr_factor

SMALL = {"image_size": 32, "s_dim": 16, "v_dim": 24, "s_patch": 8, "v_patch": 8,
         "heads": 2, "depth": 2, "drop_path": 0.0, "head_dropout": 0.0}
PAPER_PARAMETERS = 81_890_691  # 3 classes
RELEASE_PARAMETERS = 7_432_323  # 3 classes, S branch only


def test_paper_configuration_shapes_and_parameters() -> None:
    model = build_hsta(num_classes=3)
    assert sum(p.numel() for p in model.parameters()) == PAPER_PARAMETERS
    assert model.s_pos.shape == (1, 324, 384) and model.v_pos.shape == (1, 588, 768)
    assert len(model.blocks) == 4
    assert [len(b) for b in model.blocks[0].blocks] == [1, 2]  # timm's MultiScaleBlock
    assert model.head.in_features == 1152
    x = torch.rand(1, 8, 3, 224, 224) * 255
    with torch.no_grad():
        assert model.eval()(x).shape == (1, 3)
        assert model.s_embed(x[:, :2]).shape == (1, 324, 384)
        assert model.v_embed(x[:, 2:]).shape == (1, 588, 768)
    release = build_hsta_release(num_classes=3)
    assert sum(p.numel() for p in release.parameters()) == RELEASE_PARAMETERS
    with torch.no_grad():
        assert release.eval()(x[:, :2]).shape == (1, 3)


def test_clip_span_stays_inside_onset_offset_and_in_order() -> None:
    frames = list(range(100, 200))
    assert clip_span(110, 130, frames) == list(range(110, 131))
    assert clip_span(110, 190, frames) == list(range(110, 161))  # at most onset + 50
    assert clip_span(110, None, frames[:30]) == list(range(110, 130))  # no offset: last frame
    span = clip_span(120, 127, [*frames[::3]])
    chosen = candidate_frames(span, 12)
    assert chosen == sorted(chosen) and all(120 <= n <= 127 for n in chosen)
    assert chosen[0] == span[0] and chosen[-1] == span[-1]
    many = candidate_frames(list(range(10, 61)), 12)
    assert len(set(many)) == 12 and many == sorted(many)


def test_training_draws_are_ordered_and_random_test_is_fixed() -> None:
    sampler = ClipSampler(6)
    generator = torch.Generator().manual_seed(0)
    draws = sampler.random(200, 12, generator)
    assert draws.shape == (200, 6)
    assert bool((draws[:, 1:] > draws[:, :-1]).all())  # strictly in order, no repeats
    assert int(draws.min()) >= 0 and int(draws.max()) <= 11
    assert len({tuple(row.tolist()) for row in draws}) > 100
    assert sampler.fixed(12).tolist() == [0, 2, 4, 7, 9, 11]
    short = sampler.random(50, 4, generator)  # fewer candidates than frames: repeats, ordered
    assert bool((short[:, 1:] >= short[:, :-1]).all())


def test_augment_keeps_the_special_frames_and_picks_candidates_in_order() -> None:
    model = HSTA(num_classes=3, **SMALL)
    batch = torch.arange(4 * 14, dtype=torch.float32).reshape(4, 14, 1, 1, 1).expand(
        4, 14, 3, 32, 32).clone()
    out = model.augment(batch, torch.Generator().manual_seed(3))
    assert out.shape == (4, 8, 3, 32, 32)
    assert torch.equal(out[:, :2], batch[:, :2])
    frame = out[:, 2:, 0, 0, 0]
    assert bool((frame[:, 1:] > frame[:, :-1]).all())
    assert bool(((frame >= batch[:, 2:3, 0, 0, 0]) & (frame <= batch[:, 13:14, 0, 0, 0])).all())
    model.eval()
    with torch.no_grad():  # at test the 14 frames are reduced to the fixed 8
        assert torch.allclose(model(batch), model(batch[:, [0, 1, 2, 4, 6, 9, 11, 13]]))


def test_layer_wise_decay_groups() -> None:
    model = HSTA(num_classes=3, **SMALL)
    groups = model.param_groups(1e-3, 0.05)
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    by_id = {id(p): g for g in groups for p in g["params"]}
    assert by_id[id(model.head.weight)]["lr"] == pytest.approx(1e-3)
    assert by_id[id(model.blocks[1].blocks[0][0].attn.qkv.weight)]["lr"] == \
        pytest.approx(1e-3 * 0.9)
    assert by_id[id(model.blocks[0].blocks[0][0].attn.qkv.weight)]["lr"] == \
        pytest.approx(1e-3 * 0.81)
    assert by_id[id(model.s_embed.proj.weight)]["lr"] == pytest.approx(1e-3 * 0.9 ** 3)
    assert by_id[id(model.s_cls)]["weight_decay"] == 0.0
    assert by_id[id(model.head.bias)]["weight_decay"] == 0.0
    assert by_id[id(model.head.weight)]["weight_decay"] == 0.05


def test_a_timm_vit_block_state_dict_loads_into_the_unimodal_blocks() -> None:
    from timm.models.vision_transformer import VisionTransformer

    vit = VisionTransformer(img_size=32, patch_size=8, embed_dim=16, depth=1, num_heads=2,
                            num_classes=0).eval()
    ours = HSTA(num_classes=3, branches="s", **SMALL).eval().blocks[0].blocks[0][0]
    result = ours.load_state_dict(vit.blocks[0].state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    tokens = torch.randn(2, 17, 16)
    with torch.no_grad():
        assert torch.equal(ours(tokens), vit.blocks[0](tokens))


def test_crossmodal_attention_is_crossvits() -> None:
    from timm.models.crossvit import CrossAttentionBlock, MultiScaleBlock

    model = HSTA(num_classes=3, **SMALL)
    block = model.blocks[0]
    assert isinstance(block, MultiScaleBlock)
    # each cls token attends in the other branch's width, with its head count, no MLP
    assert [type(f) for f in block.fusion] == [CrossAttentionBlock] * 2
    assert block.fusion[0].attn.wq.in_features == SMALL["v_dim"]
    assert block.fusion[1].attn.wq.in_features == SMALL["s_dim"]
    assert [f.attn.num_heads for f in block.fusion] == [SMALL["heads"]] * 2
    assert block.fusion[0].attn.wq.bias is not None
    # the release variant's blocks are named as timm's, with no fusion at all
    release = HSTA(num_classes=3, branches="s", **SMALL)
    assert not any("fusion" in name or "projs" in name for name, _ in release.named_parameters())
    assert len(release.blocks[0].blocks[0]) == 1


def test_recipe_is_the_papers() -> None:
    recipe = hsta_plugin.HSTA.recipe
    assert (recipe.epochs, recipe.batch_size, recipe.lr, recipe.weight_decay,
            recipe.schedule, recipe.warmup_epochs) == (150, 32, 6.25e-5, 0.05, "cosine", 5)
    assert lr_factor(recipe, 0) == pytest.approx(0.2)
    assert lr_factor(recipe, 5) == pytest.approx(1.0)
    assert lr_factor(recipe, 149) == pytest.approx(0.0)
    defaults = {k: v.default for k, v in inspect.signature(HSTA).parameters.items()}
    assert (defaults["layer_decay"], defaults["drop_path"], defaults["head_dropout"]) == \
        (0.9, 0.2, 0.4)
    deep = HSTA(num_classes=3, **{**SMALL, "drop_path": 0.2, "depth": 4})
    # timm's block holds an Identity where the rate is 0
    rates = [getattr(b.blocks[0][0].drop_path1, "drop_prob", 0.0) for b in deep.blocks]
    assert rates == pytest.approx([0.0, 0.2 / 3, 0.4 / 3, 0.2])


def test_bad_options_are_one_line_errors() -> None:
    with pytest.raises(MerbenchError, match="not divisible by 5 heads"):
        HSTA(heads=5)
    with pytest.raises(MerbenchError, match="at least 8 frames"):
        HSTA(num_classes=3, **SMALL)(torch.zeros(1, 2, 3, 32, 32))


def _clip_dataset(tmp_path: Path, n: int = 12) -> InMemoryDataset:
    """Clip folders whose frames' brightness follows the class, in the raw layout."""
    rng = np.random.default_rng(0)
    rows, onsets, apexes = [], [], []
    for i in range(n):
        label = i % 3
        folder = tmp_path / f"clip{i}"
        folder.mkdir()
        frames = {}
        for number in range(5, 20):
            image = rng.integers(0, 40, (20, 20, 3), dtype=np.uint8)
            if 8 <= number <= 15:
                image[:, :, label] = 200
            cv2.imwrite(str(folder / f"img{number}.png"), image)
            frames[number] = image
        rows.append({"sample_id": f"c{i}", "database": "tiny", "subject": str(i % 4),
                     "label": label, "folder": str(folder), "onset": 7, "apex": 11,
                     "offset": 16})
        onsets.append(frames[7])
        apexes.append(frames[11])
    return InMemoryDataset("tinyclips", pd.DataFrame(rows), ("a", "b", "c"),
                           {"onset_frame": np.stack(onsets), "apex_frame": np.stack(apexes)})


def test_hsta_clip_reads_frames_in_order_from_the_span(tmp_path: Path) -> None:
    dataset = _clip_dataset(tmp_path, n=3)
    extracted = run_feature(build_hsta_clip(size=20, candidates=4, crop="none"), dataset)
    clips = extracted.values
    assert clips.shape == (3, 6, 3, 20, 20) and clips.dtype == np.uint8
    expected = [cv2.imread(str(tmp_path / "clip0" / f"img{n}.png")) for n in (7, 11, 7, 10,
                                                                               13, 16)]
    for position, image in enumerate(expected):
        assert np.array_equal(clips[0, position], image[:, :, ::-1].transpose(2, 0, 1))
    assert extracted.report["span_frames"] == {"min": 10, "max": 10}
    no_columns = InMemoryDataset("plain", dataset.samples[["sample_id", "database", "subject",
                                                          "label"]], ("a", "b", "c"),
                                 dataset.arrays)
    with pytest.raises(MerbenchError, match="lacks folder, onset, offset"):
        run_feature(build_hsta_clip(crop="none"), no_columns)


def test_a_few_steps_reduce_the_loss(tmp_path: Path) -> None:
    torch.manual_seed(0)
    dataset = _clip_dataset(tmp_path)
    feature = build_hsta_clip(size=32, candidates=8, crop="none")
    x = torch.as_tensor(run_feature(feature, dataset).values)
    y = torch.tensor(dataset.samples["label"].to_numpy())
    model = HSTA(num_classes=3, **SMALL)
    optimizer = torch.optim.AdamW(model.param_groups(2e-3, 0.05))
    generator = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(model.augment(x.float(), generator)), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


class _TinyClips:
    def __init__(self, root: Path) -> None:
        self.root = root

    @merbench.hookimpl
    def merbench_register_datasets(self, registry) -> None:
        registry.add(DatasetMeta(name="tinyclips", version=1, description="d", citation="c",
                                 provides=("onset_frame", "apex_frame")),
                     lambda: _clip_dataset(self.root))


def test_hsta_runs_through_the_trainer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "clips").mkdir()
    plugins = load_plugins(extra=[("hsta-dev", hsta_plugin),
                                  ("tinyclips", _TinyClips(tmp_path / "clips"))],
                           block=["hsta"])
    merbench.run(model="hsta", dataset="tinyclips", epochs=2, batch_size=4,
                 model_options=SMALL, feature_options={"size": 32, "candidates": 8,
                                                       "crop": "none"},
                 precision="bf16", device="cpu", out=tmp_path / "r", workers=1,
                 plugins=plugins)
    stored = json.loads((tmp_path / "r" / "results.json").read_text())
    assert stored["feature"]["report"]["extraction"]["n_computed"] == 12  # through the cache
    assert (tmp_path / "cache" / "features" / "hsta-clip").is_dir()
    assert stored["engine"]["mode"] == "sequential"
    assert stored["hyperparameters"]["schedule"] == "cosine"
    assert stored["hyperparameters"]["precision"] == "bf16"
    assert stored["protocol"]["n_samples"] == 12


@pytest.mark.realdata
def test_real_casme2_frames_give_one_face_box_for_every_frame(real_data: Path,
                                                              tmp_path: Path) -> None:
    """Ten real CASME II frames: dlib finds the face on the apex, and the onset-apex and clip
    features cut every frame (special, candidates, jitter) with that one box."""
    from merbench_features.frames import apex_face_box, build_onset_apex

    folder = real_data / "samples" / "casme2_sequence"
    onset, apex = (cv2.imread(str(folder / f"{n:03d}.jpg")) for n in (1, 5))
    samples = pd.DataFrame({"sample_id": ["clip"], "database": "casme2", "subject": ["s"],
                            "label": [0], "folder": [str(folder)], "onset": [1], "apex": [5],
                            "offset": [10]})
    dataset = InMemoryDataset("real", samples, ("a",), {"onset_frame": onset[None],
                                                       "apex_frame": apex[None]})
    box = apex_face_box(apex, tmp_path)
    assert box is not None
    left, top, side = box
    height, width = apex.shape[:2]
    # these frames are already tight face crops, so the box (1.3 x the landmarks' extent)
    # is larger than the frame and centred on it
    assert width < side < 1.6 * height
    assert abs(left + side / 2 - width / 2) < 0.1 * width
    assert abs(top + side / 2 - height / 2) < 0.2 * height
    cache = tmp_path / "features"
    clip = run_feature(build_hsta_clip(size=32, candidates=4, cache_dir=str(tmp_path)), dataset,
                       cache)
    again = run_feature(build_hsta_clip(size=32, candidates=4, cache_dir=str(tmp_path)), dataset,
                        cache)
    assert again.report["extraction"]["n_from_cache"] == 1
    assert np.array_equal(again.values, clip.values) and again.values.dtype == np.uint8
    pairs = run_feature(build_onset_apex(size=32, cache_dir=str(tmp_path)), dataset)
    assert clip.report["n_no_face"] == 0 and pairs.report["n_no_face"] == 0
    assert clip.values.shape == (1, 6, 3, 32, 32) and pairs.values.shape == (1, 6, 3, 32, 32)
    assert np.array_equal(clip.values[0, :2], pairs.values[0, :2])  # same box, same frames
    assert np.array_equal(clip.values[0, 2], clip.values[0, 0])  # the span starts at onset
    assert not np.array_equal(pairs.values[0, 0], pairs.values[0, 1])  # onset != apex


def run_feature(extractor, dataset, cache_root=None):
    """A per-sample feature through the core's extraction (one process; cached when asked)."""
    from merbench.features.extraction import extract_samples
    from merbench.meta import FeatureMeta

    meta = FeatureMeta(name="under-test", version=1, description="d", citation="c",
                       needs=("onset_frame", "apex_frame"))
    return extract_samples(meta, extractor, dataset, workers=1,
                           use_cache=cache_root is not None, cache_root=cache_root)
