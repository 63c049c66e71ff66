"""Registers HSTA and its composite-release variant (the network module imports torch only
when a run builds it)."""

from __future__ import annotations

from merbench_transformers.release import register_with_release, release_variant

from merbench.api import ModelMeta, ModelRegistry, TrainRecipe, hookimpl

# AdamW lr 6.25e-5 (5e-4 x 32/256), weight decay 0.05, cosine with 5 warm-up epochs,
# 150 epochs, batch 32 (docs/models.md#mmnet-and-hsta); layer-wise decay 0.9 and
# drop-path 0.2 are model options (HSTA.param_groups, HSTA(drop_path=...)).
RECIPE = TrainRecipe(epochs=150, batch_size=32, lr=6.25e-5, optimizer="adamw",
                     weight_decay=0.05, schedule="cosine", warmup_epochs=5)

CITATION = "Hao et al., Hierarchical space-time attention for micro-expression recognition, " \
           "https://arxiv.org/abs/2405.03202"

HSTA = ModelMeta(
    name="hsta",
    version=2,
    description="HSTA: two-branch space-time transformer on the special frames and a "
                "6-frame clip, crossmodal cls attention",
    citation=CITATION,
    license="unspecified",
    feature="hsta-clip",
    recipe=RECIPE,
    # K_folds_finetuning.py tests each fold once, after its last epoch
    authors_selection="fixed",
)

HSTA_RELEASE = release_variant(
    HSTA, "HSTA VARIANT for the composite release: the special-frame branch alone, on the "
          "flow image and the apex face")


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    register_with_release(registry, HSTA, HSTA_RELEASE, "merbench_hsta.hsta")
