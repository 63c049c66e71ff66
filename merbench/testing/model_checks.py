"""Does a registered model build and train? One step on a random batch of its input.

A torch model takes one optimiser step the way the core trainer takes it (the recipe's
optimiser over the model's own ``param_groups``, its ``augment`` on the batch), then a
forward pass in eval mode; an estimator is fitted and predicts through the core's own
estimator path, with the subject ``groups`` a run passes. The numbers are not looked at:
passing says a run can train the model, not that it learns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from merbench.meta import TrainRecipe
from merbench.plugin_system.manager import Plugins
from merbench.testing.lookup import describe, failing_step, find_entry
from merbench.training.estimator import fit_predict

#: The class count a model is built for: not 3 or 5 (the usual defaults), so a model that
#: ignores ``num_classes`` gives the wrong output width and fails.
NUM_CLASSES = 4
#: Samples in the batch a model trains one step on.
BATCH = 2


def check_model(name: str, plugins: Plugins | None = None, *,
                input_shape: Sequence[int] | None = None, num_classes: int = NUM_CLASSES,
                batch: int = BATCH) -> None:
    """The model's feature is registered; the model builds with its defaults (given
    ``num_classes`` when its factory takes it, as a run does) and trains one step on a
    random batch of its input: one optimiser step with its recipe for a torch model, one
    fit / predict (with the subject ``groups`` a run passes) for an estimator.

    The input shape is the feature's declared ``FeatureMeta.shape``; ``input_shape`` gives
    it for a feature that declares none (its shape depends on its options) or overrides it.
    """
    plugins, entry = find_entry(plugins, "model", name)
    where, meta = describe("model", entry), entry.meta
    if meta.feature not in plugins.registries.features:
        raise AssertionError(f"{where}: its feature '{meta.feature}' is not registered; "
                             f"registered: {', '.join(plugins.registries.features.names())}")
    shape = tuple(input_shape or plugins.registries.features.get(meta.feature).meta.shape)
    if not shape:
        raise AssertionError(f"{where}: its feature '{meta.feature}' declares no shape; "
                             "declare FeatureMeta(shape=...) or pass input_shape= (the "
                             "per-sample shape at the feature's default options)")

    def build() -> Any:
        options = entry.sized({}, num_classes)
        with failing_step(where, "building it with its defaults"):
            return entry.create("model", **options)

    if meta.kind == "torch":
        _train_one_step(where, build, meta.recipe, shape, num_classes, batch)
    else:
        _fit_estimator(where, build, shape, num_classes, batch)


def _train_one_step(where: str, build: Callable[[], Any], recipe: TrainRecipe,
                    shape: tuple[int, ...], num_classes: int, batch: int) -> None:
    """Build, then one optimiser step with the recipe's optimiser over the model's own
    parameter groups, its ``augment`` on the batch, and a forward pass in eval mode, as the
    core trainer does them; the global random state is left as it was."""
    # deferred: torch, which checking an estimator plugin must not need
    import torch
    from torch import nn

    from merbench.training.torch_trainer import build_optimizer, model_param_groups

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = build()
        if not isinstance(model, nn.Module):
            raise AssertionError(f"{where}: a torch model's factory must return a "
                                 f"torch.nn.Module, not {type(model).__name__}")
        with failing_step(where, "collecting its parameter groups (param_groups)"):
            optimizer = build_optimizer(model_param_groups(model, recipe), recipe)
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        if not trainable:
            raise AssertionError(f"{where}: has no trainable parameter")
        before = [p.detach().flatten()[:8].clone() for _, p in trainable]
        x = torch.from_numpy(np.random.default_rng(0).random((batch, *shape), dtype=np.float32))
        y = torch.arange(batch) % num_classes
        model.train()
        inputs = x
        augment = getattr(model, "augment", None)
        if augment is not None:
            with failing_step(where, f"augment on a batch of shape {tuple(x.shape)}"):
                inputs = augment(x, torch.Generator().manual_seed(0))
            if not isinstance(inputs, torch.Tensor) or len(inputs) != batch:
                raise AssertionError(f"{where}: augment must return the batch as a tensor "
                                     f"with {batch} rows")
        with failing_step(where, f"a training step on a batch of shape {tuple(inputs.shape)}"):
            optimizer.zero_grad(set_to_none=True)
            logits = model(inputs).float()
            _check_logits(where, "in train mode", logits, batch, num_classes)
            loss = nn.functional.cross_entropy(logits, y)
            loss.backward()
        if not torch.isfinite(loss.detach()):
            raise AssertionError(f"{where}: the loss of a random batch is {loss.item()}")
        unreached = [n for n, p in trainable if p.grad is None]
        if unreached:
            raise AssertionError(f"{where}: the loss does not reach {len(unreached)} trainable "
                                 f"parameter(s), e.g. {unreached[0]}; a parameter that never "
                                 "learns is dead weight: leave it out or freeze it "
                                 "(requires_grad=False)")
        bad = [n for n, p in trainable if p.grad is not None and not torch.isfinite(p.grad).all()]
        if bad:
            raise AssertionError(f"{where}: non-finite gradient in {', '.join(bad[:3])}")
        with failing_step(where, "the optimiser step"):
            optimizer.step()
        pairs = zip(before, trainable, strict=True)
        if all(torch.equal(b, p.detach().flatten()[:8]) for b, (_, p) in pairs):
            raise AssertionError(f"{where}: one optimiser step changed no parameter (is the "
                                 "learning rate of every parameter group 0?)")
        model.eval()
        with failing_step(where, f"a forward pass in eval mode on shape {tuple(x.shape)}"), \
                torch.inference_mode():
            _check_logits(where, "in eval mode", model(x).float(), batch, num_classes)


def _check_logits(where: str, mode: str, logits: Any, batch: int, num_classes: int) -> None:
    if tuple(logits.shape) != (batch, num_classes):
        raise AssertionError(f"{where}: {mode} it gave logits of shape {tuple(logits.shape)} "
                             f"for a batch of {batch}; give (batch, num_classes) = "
                             f"({batch}, {num_classes})")


def _fit_estimator(where: str, build: Callable[[], Any], shape: tuple[int, ...],
                   num_classes: int, batch: int) -> None:
    """One fit / predict through the core's own estimator path, on six subjects that each
    have every class twice (enough for an inner split over subjects)."""
    rng = np.random.default_rng(0)
    per_subject = 2 * num_classes
    x_train = rng.random((6 * per_subject, *shape), dtype=np.float32)
    y_train = np.tile(np.arange(num_classes), 12)
    groups = np.repeat([f"db/s{i}" for i in range(6)], per_subject)
    x_test = rng.random((batch, *shape), dtype=np.float32)
    model = build()
    for method in ("fit", "predict"):
        if not callable(getattr(model, method, None)):
            raise AssertionError(f"{where}: a scikit-learn model needs a {method} method; "
                                 f"{type(model).__name__} has none")
    with failing_step(where, "fit / predict on a random training set"):
        fitted = fit_predict(lambda: model, x_train, y_train, x_test, seed=0, groups=groups)
    predicted = fitted.predictions
    if predicted.shape != (1, batch) or not np.isin(predicted, range(num_classes)).all():
        raise AssertionError(f"{where}: predict gave {predicted.ravel().tolist()} for {batch} "
                             f"samples; give one class index 0..{num_classes - 1} per sample")
