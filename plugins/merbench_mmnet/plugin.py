"""Registers MMNet and its composite-release variant (the network module imports torch only
when a run builds it)."""

from __future__ import annotations

import dataclasses

from merbench_transformers.release import register_with_release, release_variant

from merbench.api import ModelMeta, ModelRegistry, TrainRecipe, hookimpl

# AdamW lr 8e-4, weight decay 0.6, x0.987 per epoch for the first 50 epochs, 74 epochs,
# batch 32 (from the authors' code; docs/models.md#mmnet-and-hsta); augmentation in MMNet.augment.
RECIPE = TrainRecipe(epochs=74, batch_size=32, lr=8e-4, optimizer="adamw", weight_decay=0.6,
                     schedule="exponential", gamma=0.987, decay_epochs=50)

CITATION = "Li et al., MMNet: Muscle motion-guided network for micro-expression " \
           "recognition, IJCAI 2022, https://arxiv.org/abs/2201.05297"

MMNET = ModelMeta(
    name="mmnet",
    version=3,
    description="MMNet: CNN with continuous attention on apex - onset plus a ViT "
                "position branch on the onset",
    citation=CITATION,
    license="unspecified",
    feature="onset-apex-224",
    recipe=RECIPE,
    # CASME2_5.py: each subject's best F1 (>=) for F1, its best correct count (>) for accuracy
    authors_selection="per-metric-best",
    authors_weights="merbench_mmnet.authors_weights:mmnet_from_authors",
    gpu_share=0.5,  # the share of a GPU a fold asks Ray for (docs/user-guide.md)
)

# CASME2_3.py, the authors' 3-class script: weight decay 0.7, batch 24, 99 epochs; the network
# and augmentation defaults are build_mmnet_3class's
MMNET_3CLASS = dataclasses.replace(
    MMNET, name="mmnet-3class",
    description="MMNet with the settings of its authors' 3-class script (CASME2_3.py): "
                "position branch depth 3, MLP ratio 2, drop-path 0.3, rotation 4, padding 4",
    recipe=dataclasses.replace(RECIPE, epochs=99, batch_size=24, weight_decay=0.7))

MMNET_RELEASE = release_variant(
    MMNET, "MMNet VARIANT for the composite release: flow image in the main branch, apex face "
           "in the position branch")


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    register_with_release(registry, MMNET, MMNET_RELEASE, "merbench_mmnet.mmnet")
    registry.add(MMNET_3CLASS, "merbench_mmnet.mmnet:build_mmnet_3class")
