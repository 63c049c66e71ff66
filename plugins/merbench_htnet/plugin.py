"""Registers HTNet, merbench's reference model (its module imports torch only when built)."""

from __future__ import annotations

from merbench.api import ModelMeta, ModelRegistry, TrainRecipe, hookimpl

HTNET = ModelMeta(
    name="htnet",
    version=1,
    description="HTNet: hierarchical transformer on four facial-region crops of the flow image",
    citation="https://arxiv.org/abs/2307.14637",
    license="unspecified",
    feature="htnet-regions",
    recipe=TrainRecipe(epochs=800, batch_size=256, lr=5e-5, optimizer="adam"),
)


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    registry.add(HTNET, "merbench_htnet.htnet:HTNet")
