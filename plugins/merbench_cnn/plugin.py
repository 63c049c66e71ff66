"""Registers merbench's CNN models on the flow image (modules import torch only when built)."""

from __future__ import annotations

from merbench.api import ModelMeta, ModelRegistry, TrainRecipe, hookimpl

STSTNET = ModelMeta(
    name="ststnet",
    version=1,
    description="STSTNet: three shallow CNN streams on the 28x28 u/v/strain flow image",
    citation="https://arxiv.org/abs/1902.03634",
    license="MIT",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=800, batch_size=256, lr=5e-5, optimizer="adam"),
    # their main.py trains 800 epochs and reports the last one's predictions (and saves its
    # weights): the paper's own number's selection is not known (docs/models.md#ststnet)
    authors_selection="fixed",
    authors_weights="merbench_cnn.authors_weights:ststnet_from_authors",
    gpu_share=0.1,  # the share of a GPU a fold asks Ray for (docs/user-guide.md)
)

# Recipe: Adam lr 1e-4 (unconfirmed; docs/models.md#off-apexnet); 3000 epochs and batch 64 from
# the OFF-ApexNet settings in the Off-TANet authors' public training script, not confirmed by the
# paper (see offapexnet.py).
OFFAPEXNET = ModelMeta(
    name="offapexnet",
    version=1,
    description="OFF-ApexNet: two shallow CNN streams on the u and v flow of the 28x28 flow image",
    citation="https://arxiv.org/abs/1805.08699",
    license="unspecified",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=3000, batch_size=64, lr=1e-4, optimizer="adam"),
    authors_weights="merbench_cnn.authors_weights:offapexnet_from_authors",
    gpu_share=0.1,  # the share of a GPU a fold asks Ray for (docs/user-guide.md)
)

# Recipe: the HTNet repository's Alex_for_three_datasets.py (Adam 5e-5, batch 256, 800
# epochs, last epoch reported); the input size is merbench's choice (alexnet_flow.py).
ALEXNET_FLOW = ModelMeta(
    name="alexnet-flow",
    version=1,
    description="AlexNet (torchvision's, from scratch) on the flow image resized to 224x224: "
                "the AlexNet baseline of the composite table",
    citation="https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-"
             "convolutional-neural-networks",
    license="BSD-3-Clause (torchvision)",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=800, batch_size=256, lr=5e-5, optimizer="adam"),
    authors_selection="fixed",
    gpu_share=0.5,  # 57M parameters at 224x224: half a GPU (docs/user-guide.md)
)

# Recipe: merbench's choice (the paper gives none, and the public port's defaults leave the
# network at the majority class on the composite; docs/models.md#dual-inception).
DUAL_INCEPTION = ModelMeta(
    name="dual-inception",
    version=1,
    description="Dual-Inception: two Inception streams on the u and v flow of the 28x28 flow "
                "image",
    citation="Zhou, Mao & Xue, Dual-Inception network for cross-database micro-expression "
             "recognition, IEEE FG 2019, https://doi.org/10.1109/FG.2019.8756579",
    license="unspecified",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=40, batch_size=64, lr=1e-4, optimizer="adam"),
    gpu_share=0.1,  # the share of a GPU a fold asks Ray for (docs/user-guide.md)
)

# Recipe: the authors' composite training script (ModelTrain_Final.py defaults: SGD momentum
# 0.9, lr 5e-4, batch 64, 100 epochs, last epoch; its StepLR is never stepped; rcn.py).
RCN = ModelMeta(
    name="rcn",
    version=1,
    description="RCN-A: a shallow recurrent convolutional network with a parameter-free "
                "attention unit on the 28x28 flow image",
    citation="Xia, Peng, Khor, Feng & Zhao, Revealing the invisible with model and data "
             "shrinking for composite-database micro-expression recognition, IEEE TIP 29, "
             "2020, https://arxiv.org/abs/2006.09674",
    license="unspecified",
    feature="flow-uvos",
    recipe=TrainRecipe(epochs=100, batch_size=64, lr=5e-4, optimizer="sgd"),
    authors_selection="fixed",
    authors_weights="merbench_cnn.authors_weights:rcn_from_authors",
    gpu_share=0.1,  # the share of a GPU a fold asks Ray for (docs/user-guide.md)
)


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    registry.add(STSTNET, "merbench_cnn.ststnet:build_ststnet")
    registry.add(OFFAPEXNET, "merbench_cnn.offapexnet:build_offapexnet")
    registry.add(ALEXNET_FLOW, "merbench_cnn.alexnet_flow:build_alexnet_flow")
    registry.add(DUAL_INCEPTION, "merbench_cnn.dual_inception:build_dual_inception")
    registry.add(RCN, "merbench_cnn.rcn:build_rcn")
