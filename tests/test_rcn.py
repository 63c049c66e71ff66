"""RCN-A: its size at the authors' defaults, the recurrent layer's shared convolution, the
attention unit built from the classifier's weights, and one-line option errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from merbench_cnn.rcn import RCN, RecurrentConvLayer, classifier_attention
from named_weights import fill_by_name
from torch import nn

import merbench
from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import default_plugins


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_created_through_the_public_api_at_the_authors_defaults() -> None:
    model = merbench.create_model("rcn", num_classes=5)
    assert model(torch.rand(2, 3, 28, 28) * 255).shape == (2, 5)
    stem = 3 * 25 * 64 + 64 + 2 * 64
    recurrent = (64 * 64 + 64 + 2 * 64) + (64 * 9 * 64 + 64 + 2 * 64)
    assert n_parameters(model) == stem + recurrent + (64 * 7 * 7 + 1) * 5
    assert n_parameters(RCN()) == 55_747
    assert n_parameters(RCN(feature_maps=32, pool_size=5)) == 15_331


# The authors' MeNets.RCN_A (xiazhaoqiang/ParameterFreeRCNs-MicroExpressionRec at 0c516cb;
# RCN_A(3, 64, 3, 1, 7, 3), eval mode) holding the weights fill_by_name gives merbench's RCN
# (their conv1 / rcls.0.ffconv / rcls.0.rrconv / classifier are merbench's stem /
# recurrent.feedforward / recurrent.recurrent / classifier), on reference_input / 255 (their
# ToTensor): its logits, computed once with their code; merbench's differ by 2.7e-8.
AUTHORS_LOGITS = [[0.100466, 0.046955, -0.003379], [0.094959, 0.044713, 0.000309]]


def test_the_network_computes_the_authors_logits() -> None:
    model = RCN().eval()
    fill_by_name(model)
    x = torch.rand(2, 3, 28, 28, generator=torch.Generator().manual_seed(0)) * 255
    with torch.no_grad():
        assert torch.allclose(model(x), torch.tensor(AUTHORS_LOGITS), atol=1e-6)


def test_the_declared_recipe_is_the_authors_script() -> None:
    recipe = default_plugins().registries.models.get("rcn").meta.recipe
    assert recipe is not None
    assert (recipe.optimizer, recipe.lr, recipe.batch_size, recipe.epochs, recipe.schedule) \
        == ("sgd", 5e-4, 64, 100, "constant")


def test_the_recurrent_layer_applies_one_convolution_twice() -> None:
    torch.manual_seed(0)
    layer = RecurrentConvLayer(8, dropout=0.5).eval()
    x = torch.rand(2, 8, 12, 12)
    with torch.no_grad():
        h = layer.recurrent(x + layer.feedforward(x))
        h = layer.recurrent(x + h)
        assert torch.equal(layer(x), F.max_pool2d(h, 2))
    convs = [m for m in layer.modules() if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(1, 1), (3, 3)]  # one 3x3: its weights shared


def _attention_by_class(features: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The attention unit written one class and one sample at a time, as the paper states it."""
    n, c, p, _ = features.shape
    maps = []
    for k in range(weight.shape[0]):
        per_sample = []
        for i in range(n):
            cam = (weight[k].view(c, p, p) * features[i]).mean(dim=0)
            cam = cam - cam.min()
            per_sample.append(cam / cam.max())
        maps.append(torch.stack(per_sample))
    return torch.stack(maps).mean(dim=0).unsqueeze(1)


def test_the_attention_is_a_class_activation_map_of_the_classifier() -> None:
    torch.manual_seed(1)
    features, weight = torch.rand(3, 8, 5, 5), torch.randn(4, 8 * 5 * 5)
    attention = classifier_attention(features, weight)
    assert attention.shape == (3, 1, 5, 5)
    assert torch.allclose(attention, _attention_by_class(features, weight), atol=1e-6)
    assert attention.min() >= 0 and attention.max() <= 1
    # a constant map (every ReLU output zero) gives zeros, not the 0/0 NaN of a plain division
    assert torch.equal(classifier_attention(torch.zeros(2, 8, 5, 5), weight),
                       torch.zeros(2, 1, 5, 5))


def test_the_attention_unit_adds_no_weights_and_moves_the_output() -> None:
    torch.manual_seed(2)
    model = RCN().eval()
    names = {name.split(".")[0] for name, _ in model.named_parameters()}
    assert names == {"stem", "recurrent", "classifier"}
    x = torch.rand(2, 3, 28, 28) * 255
    with torch.no_grad():
        with_attention = model(x)
        stem = model.stem(x / 255)
        pooled = F.adaptive_avg_pool2d(model.recurrent(stem), 7)
        without = model.classifier(torch.flatten(pooled, 1))
    assert not torch.allclose(with_attention, without)


@pytest.mark.parametrize(("options", "said"), [
    ({"feature_maps": 0}, "feature_maps must be a whole number >= 1"),
    ({"pool_size": 2.5}, "pool_size must be a whole number >= 1"),
    ({"input_scale": -1}, "input_scale must be a positive number"),
    ({"input_scale": float("inf")}, "input_scale must be a positive number"),
    ({"in_channels": 0}, "in_channels must be a whole number >= 1"),
    ({"dropout": 1}, r"dropout must be in \[0, 1\)"),
])
def test_bad_options_are_one_line(options: dict, said: str) -> None:
    with pytest.raises(MerbenchError, match=rf"^rcn: {said}"):
        RCN(**options)


def test_an_input_with_other_channels_is_one_line() -> None:
    with pytest.raises(MerbenchError, match=r"^rcn: the input is \(3, 28, 28\) a sample and "
                                            r"the network was built for 1 channels; set "
                                            r"--model-opt in_channels=3"):
        RCN(in_channels=1)(torch.rand(2, 3, 28, 28))


def test_an_input_too_small_for_the_network_is_one_line() -> None:
    with pytest.raises(MerbenchError, match=r"^rcn: the input is 6x6; the network needs at "
                                            r"least 8x8 pixels"):
        RCN()(torch.rand(1, 3, 6, 6))
