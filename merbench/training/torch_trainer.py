"""The core trainer for torch models: fresh weights per fold, test predictions every epoch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from merbench.errors import MerbenchError
from merbench.meta import TrainRecipe


def build_optimizer(params: object, recipe: TrainRecipe) -> torch.optim.Optimizer:
    """The optimiser a recipe names, with its learning rate and weight decay."""
    if recipe.optimizer == "adam":
        return torch.optim.Adam(params, lr=recipe.lr, weight_decay=recipe.weight_decay)
    if recipe.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=recipe.lr, weight_decay=recipe.weight_decay)
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(params, lr=recipe.lr, momentum=0.9,
                               weight_decay=recipe.weight_decay)
    raise MerbenchError(f"unknown optimizer '{recipe.optimizer}'")


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    model.eval()
    logits = [model(x[start:start + batch_size]) for start in range(0, len(x), batch_size)]
    return torch.cat(logits).argmax(dim=1)


def train_fold(
    build_model: Callable[[], nn.Module],
    recipe: TrainRecipe,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    *,
    device: str,
    seed: int,
    on_epoch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Train a fresh model and return the test predictions after every epoch, (epochs, n_test).

    The seed fixes the initial weights, dropout and the batch order, so the same seed on the
    same CPU gives the same predictions.
    """
    torch.manual_seed(seed)
    model = build_model().to(device)
    optimizer = build_optimizer(model.parameters(), recipe)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(seed)

    xtr = torch.as_tensor(x_train, dtype=torch.float32, device=device)
    ytr = torch.as_tensor(y_train, dtype=torch.long, device=device)
    xte = torch.as_tensor(x_test, dtype=torch.float32, device=device)
    n_train = len(xtr)
    predictions = torch.empty((recipe.epochs, len(xte)), dtype=torch.long, device=device)

    for epoch in range(recipe.epochs):
        model.train()
        order = torch.randperm(n_train, generator=shuffle).to(device)
        loss = None
        for start in range(0, n_train, recipe.batch_size):
            batch = order[start:start + recipe.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xtr[batch]), ytr[batch])
            loss.backward()
            optimizer.step()
        predictions[epoch] = predict(model, xte, recipe.batch_size)
        if loss is not None and not torch.isfinite(loss.detach()):
            raise MerbenchError(
                f"training diverged at epoch {epoch + 1} (loss {loss.item()}); "
                "try a smaller --lr"
            )
        if on_epoch is not None:
            on_epoch(epoch + 1)
    return predictions.cpu().numpy()


def evaluate_weights(build_model: Callable[[], nn.Module], weights: Path, x_test: np.ndarray,
                     *, device: str, batch_size: int, model_name: str) -> np.ndarray:
    """Predictions of a fresh model carrying the saved ``weights``, as (1, n_test): one
    "epoch", so evaluation and training share the result path."""
    from merbench.training.checkpoints import load_weights

    model = load_weights(build_model(), weights, f"model '{model_name}'").to(device)
    xte = torch.as_tensor(x_test, dtype=torch.float32, device=device)
    return predict(model, xte, batch_size).cpu().numpy()[None, :]
