"""Registers tiny-mlp with merbench; imports nothing heavy, so `merbench list` stays fast."""

from __future__ import annotations

from merbench.api import ModelMeta, ModelRegistry, TrainRecipe, hookimpl

TINY_MLP = ModelMeta(
    name="tiny-mlp",
    version=1,
    description="Example plugin: a one-hidden-layer MLP on the flow-uvos image",
    citation="https://example.org/merbench-tinymlp",
    license="MIT",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=40, batch_size=64, lr=1e-3, optimizer="adam"),
)


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    # A "module:function" string: torch is imported only when a run builds the model.
    registry.add(TINY_MLP, "merbench_tinymlp.model:build_tiny_mlp")
