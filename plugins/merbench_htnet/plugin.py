"""Registers HTNet, merbench's reference model, and CausalNet, built on HTNet's blocks (their
modules import torch only when built)."""

from __future__ import annotations

from merbench.api import ModelMeta, ModelRegistry, ReducedSetting, TrainRecipe, hookimpl

HTNET = ModelMeta(
    name="htnet",
    version=1,
    description="HTNet: hierarchical transformer on four facial-region crops of the flow image",
    citation="https://arxiv.org/abs/2307.14637",
    license="unspecified",
    feature="htnet-regions",
    recipe=TrainRecipe(epochs=800, batch_size=256, lr=5e-5, optimizer="adam"),
    authors_selection="oracle",  # each subject's best test accuracy, updated with <=
    authors_weights="merbench.export.authors_weights:same_names",
    # the setting of the committed leaderboards/results/htnet-reduced-cpu runs
    reduced=ReducedSetting(
        model_options={"dim": 24, "block_repeats": [1, 1, 2]}, epochs=200, lr=2e-4,
        why="the small configuration of the authors' parity vectors (314,694 parameters "
            "instead of 139.6M) for 200 epochs at 4x the paper's rate",
        measured="2800 s of training for the composite's 68 folds on a 2-core AMD EPYC, "
                 "leaderboards/results/htnet-reduced-cpu"),
)

# Recipe: the authors' main_train.py (Adam 5e-5, batch 1024 = one full batch an epoch, 200
# epochs, unshuffled); they report each subject's first best test epoch and stop a subject
# at 100 % (first-best; causalnet.py).
CAUSALNET = ModelMeta(
    name="causalnet",
    version=1,
    description="CausalNet: HTNet encoders on two flows and two direction maps, joined by "
                "masked cross-attention and a causal attention block",
    citation="CausalNet, ICCV 2025, https://arxiv.org/abs/2508.06640; code "
             "https://github.com/tony19980810/CausalNet",
    license="MIT",
    feature="causalnet-flows",
    recipe=TrainRecipe(epochs=200, batch_size=1024, lr=5e-5, optimizer="adam",
                       data_order="listed"),
    authors_selection="first-best",
    authors_weights="merbench.export.authors_weights:same_names",
)


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    registry.add(HTNET, "merbench_htnet.htnet:HTNet")
    registry.add(CAUSALNET, "merbench_htnet.causalnet:build_causalnet")
