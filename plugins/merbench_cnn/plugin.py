"""Registers merbench's shallow CNN models (their modules import torch only when built)."""

from __future__ import annotations

from merbench import hookimpl
from merbench.meta import ModelMeta, TrainRecipe
from merbench.registry import ModelRegistry

STSTNET = ModelMeta(
    name="ststnet",
    version=1,
    description="STSTNet: three shallow CNN streams on the 28x28 u/v/strain flow image",
    citation="https://arxiv.org/abs/1902.03634",
    license="MIT",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=800, batch_size=256, lr=5e-5, optimizer="adam"),
)


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    registry.add(STSTNET, "merbench_cnn.ststnet:build_ststnet")
