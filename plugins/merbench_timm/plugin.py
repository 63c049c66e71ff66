"""Registers the ``timm-<arch>`` and ``timm-face-<arch>`` model families. Registering imports
neither torch nor timm: a member is made when a run names it (``merbench_timm.members``)."""

from __future__ import annotations

from merbench.api import ModelMeta, ModelRegistry, TrainRecipe, hookimpl

# One recipe for every architecture, trained from scratch (docs/models.md#timm-architectures):
# AdamW lr 1e-3, weight decay 0.05, cosine to 0 after 1 warm-up epoch, 15 epochs, batch 32:
# short enough that resnet18 trains the 68 composite folds in about an hour on one CPU core.
RECIPE = TrainRecipe(epochs=15, batch_size=32, lr=1e-3, optimizer="adamw", weight_decay=0.05,
                     schedule="cosine", warmup_epochs=1)

CITATION = "R. Wightman, PyTorch Image Models (timm), " \
           "https://github.com/huggingface/pytorch-image-models"

FLOW = ModelMeta(
    name="timm",
    version=1,
    description="any timm architecture, named timm-<arch> (timm-resnet18), on the 28x28 "
                "flow image",
    citation=CITATION,
    license="Apache-2.0",
    feature="flow-uvos",
    recipe=RECIPE,
    gpu_share=0.25,  # the share of a GPU a fold asks Ray for (docs/user-guide.md)
)

FACE = ModelMeta(
    name="timm-face",
    version=1,
    description="any timm architecture, named timm-face-<arch> (timm-face-resnet18), on the "
                "apex face",
    citation=CITATION,
    license="Apache-2.0",
    feature="apex-face",
    recipe=RECIPE,
    gpu_share=0.25,  # the share of a GPU a fold asks Ray for (docs/user-guide.md)
)


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    registry.add_family(FLOW, "merbench_timm.members:flow_member", placeholder="arch")
    registry.add_family(FACE, "merbench_timm.members:face_member", placeholder="arch")
