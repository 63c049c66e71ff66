"""The composite-release variant of a transformer model, as MMNet and HSTA declare it.

The public MEGC2019 composite release has no onset frame and no clip, only each sample's
flow image and apex face, so a model's release variant is the same network and recipe on the
``flow-and-apex`` feature, named ``<model>-release``; a fold of it fits in half a GPU (the
share a fold asks Ray for, docs/user-guide.md). Declaring it here keeps the two plugins
alike; importing this module loads no torch, so ``merbench list`` stays light.
"""

from __future__ import annotations

import dataclasses

from merbench.api import ModelMeta, ModelRegistry

RELEASE_FEATURE = "flow-and-apex"
RELEASE_GPU_SHARE = 0.5


def release_variant(model: ModelMeta, description: str) -> ModelMeta:
    """``model`` on the composite release, named ``<model>-release``; what it changes in the
    network is said in ``description``."""
    return dataclasses.replace(model, name=f"{model.name}-release", description=description,
                               feature=RELEASE_FEATURE, gpu_share=RELEASE_GPU_SHARE)


def register_with_release(registry: ModelRegistry, model: ModelMeta, release: ModelMeta,
                          module: str) -> None:
    """Register ``model`` and its release variant, built by ``build_<model>`` and
    ``build_<model>_release`` of ``module`` (imported only when a run builds one)."""
    factory = f"{module}:build_{model.name}"
    registry.add(model, factory)
    registry.add(release, f"{factory}_release")
