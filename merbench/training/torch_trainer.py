"""The core trainer for torch models: fresh weights per fold, test predictions every epoch.

What a model may declare besides its :class:`~merbench.meta.TrainRecipe` (plain methods on
the ``nn.Module``, found by name; the core never looks at which model it trains):

- ``param_groups(lr, weight_decay) -> list[dict]``: the optimiser's parameter groups, torch
  style (``{"params": [...], "lr": ..., "weight_decay": ...}``), for per-layer rates
  (layer-wise decay) or no weight decay on norms and biases. ``lr`` and ``weight_decay`` are
  the run's (the recipe's, or ``--lr``). Every trainable parameter must be in exactly one
  group. The schedule scales every group's rate by the same factor each epoch.
- ``augment(batch, generator) -> batch``: applied to every training batch (float32, on the
  device, in train mode) before the forward pass, never to test data. ``generator`` is a CPU
  ``torch.Generator`` seeded from the fold's seed and used only for augmentation, so the same
  seed gives the same augmentations and the batch order does not depend on them.

Inputs may be stored as uint8 or float16 (images); each batch is converted to float32 on
the device. ``precision="bf16"`` runs the forward pass and the loss under
``torch.autocast(dtype=torch.bfloat16)`` on CPU or CUDA; weights, gradients and the
optimiser stay float32.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from merbench.base.errors import MerbenchError
from merbench.data.task import EMOTION_TASK, Task
from merbench.meta import TrainRecipe
from merbench.plugin_system.plugin_fault import model_code
from merbench.training.checkpoints import load_weights
from merbench.training.epoch_loop import run_epochs, start_schedule
from merbench.training.fold_checkpoint import FoldCheckpoint
from merbench.training.model_output import (
    augmented,
    finite_at_test,
    finite_untrained,
    gradient_reached,
    logits,
    outputs_of,
    trainable,
)
from merbench.training.objective import EMOTION_OBJECTIVE, Objective, objective_for

AUGMENT_STREAM = 0x5A17  # mixed into the fold seed for the augmentation generator


def build_optimizer(params: Iterable[Any], recipe: TrainRecipe, device: str = "cpu",
                    fused_on_cpu: bool = False,
                    capturable: bool = False) -> torch.optim.Optimizer:
    """The optimiser a recipe names, with its learning rate and weight decay. On CUDA, Adam
    and AdamW take their fused single-kernel step (the same update; one launch instead of
    several per tensor); on a CPU the default implementation is kept unless
    ``fused_on_cpu`` (``--fused-optimizer``), so CPU results stay those of earlier merbench
    versions bit for bit."""
    fused = True if uses_fused_optimizer(recipe, device, fused_on_cpu) else None  # None: torch's
    if capturable and not (fused and device.startswith("cuda")):
        raise ValueError("only the fused Adam / AdamW step on CUDA is captured")
    # captured (a CUDA graph): the rate lives in a device tensor the schedule fills in place
    lr: float | torch.Tensor = (torch.tensor(recipe.lr, dtype=torch.float32, device=device)
                                if capturable else recipe.lr)
    if recipe.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=recipe.weight_decay,
                                fused=fused, capturable=capturable)
    if recipe.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=recipe.weight_decay,
                                 fused=fused, capturable=capturable)
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(params, lr=recipe.lr, momentum=0.9,
                               weight_decay=recipe.weight_decay)
    raise MerbenchError(f"unknown optimizer '{recipe.optimizer}'")


FUSABLE_OPTIMIZERS = ("adam", "adamw")


def fused_step_on_cpu() -> bool:
    """Whether this torch has Adam's fused step for CPU tensors (torch 2.4 and newer)."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return (major, minor) >= (2, 4)


def uses_fused_optimizer(recipe: TrainRecipe, device: str, on_cpu: bool = False) -> bool:
    """Whether training on ``device`` uses the fused optimiser step (recorded in results):
    always on CUDA, on a CPU when asked (it rounds differently from the default step)."""
    return (device.startswith("cuda") or on_cpu) and recipe.optimizer in FUSABLE_OPTIMIZERS


def model_param_groups(model: nn.Module, recipe: TrainRecipe) -> Iterable[Any]:
    """The model's own parameter groups when it declares ``param_groups``, else all its
    parameters; a grouping that misses or repeats a trainable parameter is refused."""
    declare = getattr(model, "param_groups", None)
    if declare is None:
        return model.parameters()
    groups = list(declare(recipe.lr, recipe.weight_decay))
    seen: set[int] = set()
    for group in groups:
        if not isinstance(group, dict) or "params" not in group:
            raise MerbenchError(f"{type(model).__name__}.param_groups must return dicts with "
                                "'params' (torch optimiser parameter groups)")
        group["params"] = list(group["params"])
        for param in group["params"]:
            if id(param) in seen:
                raise MerbenchError(f"{type(model).__name__}.param_groups puts a parameter in "
                                    "two groups; give each parameter one group")
            seen.add(id(param))
    missing = [name for name, p in model.named_parameters()
               if p.requires_grad and id(p) not in seen]
    if missing:
        raise MerbenchError(f"{type(model).__name__}.param_groups leaves out {len(missing)} "
                            f"trainable parameter(s), e.g. {missing[0]}; put each in a group")
    return groups


@contextlib.contextmanager
def cuda_tf32(enabled: bool) -> Iterator[None]:
    """TF32 on or off for CUDA matrix products and cuDNN convolutions, restored afterwards.

    PyTorch's defaults differ between the two (cuDNN convolutions use TF32 unless told not
    to), so a run states both: ``fp32`` turns TF32 off everywhere, ``tf32`` on everywhere.
    """
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def autocast(device: str, precision: str) -> contextlib.AbstractContextManager:
    """bfloat16 autocast for ``precision="bf16"``; on CUDA, TF32 matmuls and convolutions for
    ``"tf32"`` and true float32 ones for ``"fp32"``; on a CPU, nothing for ``"fp32"``."""
    on_cuda = device.startswith("cuda")
    if precision == "fp32":
        return cuda_tf32(False) if on_cuda else contextlib.nullcontext()
    if precision == "tf32":
        if not on_cuda:
            raise MerbenchError(f"--precision tf32 is a CUDA matrix-product mode, not one of "
                                f"{device}; use fp32 or bf16 there")
        return cuda_tf32(True)
    if precision != "bf16":
        raise MerbenchError(f"unknown precision '{precision}'; use fp32, bf16 or tf32")
    kind = device.split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise MerbenchError(f"--precision bf16 runs on cpu or cuda, not {device}; "
                            "use --precision fp32 there")
    return torch.autocast(kind, dtype=torch.bfloat16)


def as_stored(x: np.ndarray, device: str) -> torch.Tensor:
    """Inputs on the device in their stored dtype (uint8 / float16 images stay small)."""
    dtype = {np.dtype(np.uint8): torch.uint8, np.dtype(np.float16): torch.float16}.get(
        np.asarray(x).dtype, torch.float32)
    return torch.as_tensor(x, dtype=dtype, device=device)


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int, precision: str = "fp32",
            objective: Objective = EMOTION_OBJECTIVE, n_outputs: int | None = None) -> torch.Tensor:
    """Each row of ``x``'s decision; every batch's output checked to be ``n_outputs``
    logits a row (:func:`merbench.training.model_output.logits`), so no index beyond the
    classes is ever decided."""
    model.eval()
    outputs = []
    for start in range(0, len(x), batch_size):
        inputs = x[start:start + batch_size].float()
        with autocast(x.device.type, precision), model_code():
            output = model(inputs)
        outputs.append(logits(output, len(inputs), n_outputs).float())
    return objective.decide(finite_at_test(torch.cat(outputs)))


def batch_bounds(n_train: int, batch_size: int, merge_single: bool) -> list[tuple[int, int]]:
    """``[start, stop)`` of each training batch of an epoch. With ``merge_single`` (a model
    with BatchNorm) a last batch of one sample joins the batch before it: BatchNorm cannot
    train on one sample where a map is 1x1 (timm's resnet18 on the 28x28 flow image; a LOSO
    fold of SAMM alone leaves 129 = 4 x 32 + 1 training samples), and its statistics of one
    sample are degenerate anywhere else."""
    bounds = [(start, min(start + batch_size, n_train))
              for start in range(0, n_train, batch_size)]
    if merge_single and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], n_train)]
    return bounds


def has_batchnorm(model: nn.Module) -> str | None:
    """The name of the model's first BatchNorm layer ("" for the model itself), or None."""
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            return name or type(module).__name__
    return None


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
    precision: str = "fp32",
    fused_optimizer: bool = False,
    checkpoint: FoldCheckpoint | None = None,
    task: Task = EMOTION_TASK,
) -> np.ndarray:
    """Train a fresh model and return the test predictions after every epoch, (epochs, n_test).

    The seed fixes the initial weights, dropout, the batch order and the augmentations, so
    the same seed on the same CPU gives the same predictions. ``fused_optimizer`` takes the
    fused Adam / AdamW step on a CPU too (on CUDA it always does). With ``checkpoint`` the
    training state is saved every so often and a saved state is continued, to the same
    predictions an uninterrupted fold gives. ``task`` says what the loss and the predictions
    are (:mod:`merbench.training.objective`).
    """
    step = _FoldStep(build_model, recipe, x_train, y_train, x_test, device=device, seed=seed,
                     precision=precision, fused_optimizer=fused_optimizer, task=task)
    return run_epochs(step, recipe, on_epoch=on_epoch, checkpoint=checkpoint).cpu().numpy()


def train_model(build_model: Callable[[], nn.Module], recipe: TrainRecipe,
                x_train: np.ndarray, y_train: np.ndarray, *, device: str, seed: int,
                precision: str = "fp32",
                on_epoch: Callable[[int], None] | None = None) -> nn.Module:
    """A model trained on every sample given, with no test subject: ``merbench predict``'s
    recogniser. The epochs are a fold's (the same step, schedule and seeding); the loop's
    per-epoch prediction is made on one training sample and dropped, since nothing is held
    out to score."""
    step = _FoldStep(build_model, recipe, x_train, y_train, x_train[:1], device=device,
                     seed=seed, precision=precision, fused_optimizer=False)
    run_epochs(step, recipe, on_epoch=on_epoch)
    return step.model


@torch.inference_mode()
def class_probabilities(model: nn.Module, x: np.ndarray, batch_size: int,
                        device: str) -> np.ndarray:
    """Each sample's softmax over the classes, (n, classes) float64."""
    model.eval()
    inputs = as_stored(x, device)
    with model_code():
        chunks = [torch.softmax(model(inputs[start:start + batch_size].float()).float(), -1)
                  for start in range(0, len(inputs), batch_size)]
    return torch.cat(chunks).cpu().double().numpy()


class _FoldStep:
    """One fold's model, optimiser and random streams, stepped an epoch at a time."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    streams: _RandomStreams

    def __init__(self, build_model: Callable[[], nn.Module], recipe: TrainRecipe,
                 x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, *,
                 device: str, seed: int, precision: str, fused_optimizer: bool,
                 task: Task = EMOTION_TASK) -> None:
        self.build_model, self.recipe, self.device, self.seed = build_model, recipe, device, seed
        self.objective = objective_for(task)
        self.precision, self.fused_optimizer = precision, fused_optimizer
        self.x_train = as_stored(x_train, device)
        # a copy: a read-only array (predict's, from a memory-mapped cache) made torch warn
        # "The given NumPy array is not writable" on every first call
        self.y_train = torch.tensor(np.array(y_train, dtype=np.int64), device=device)
        self.x_test = as_stored(x_test, device)
        self.predictions_shape: tuple[int, ...] = (len(self.x_test),)
        self.n_outputs = outputs_of(build_model)
        self.start_over()

    def start_over(self) -> None:
        """The fold's start: its seed's weights, a new optimiser, new generators."""
        for old in ("model", "optimizer", "streams"):  # memory for one fold at a time
            self.__dict__.pop(old, None)
        torch.manual_seed(self.seed)
        model = trainable(self.build_model(), self.device).to(self.device)
        self.optimizer = build_optimizer(model_param_groups(model, self.recipe), self.recipe,
                                         self.device, fused_on_cpu=self.fused_optimizer)
        start_schedule(self.optimizer)
        self.streams = _RandomStreams(self.device, torch.Generator().manual_seed(self.seed),
                                      torch.Generator().manual_seed(self.seed ^ AUGMENT_STREAM))
        self.model = model

    def restore(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.streams.restore(state["random"])

    def train_epoch(self) -> torch.Tensor | None:
        model, recipe, optimizer = self.model, self.recipe, self.optimizer
        model.train()
        augment = getattr(model, "augment", None)
        n_train = len(self.x_train)
        order = epoch_order(n_train, recipe.data_order, self.streams.shuffle).to(self.device)
        loss = None
        merge_single = has_batchnorm(model) is not None
        for start, stop in batch_bounds(n_train, recipe.batch_size, merge_single):
            batch = order[start:stop]
            inputs = self.x_train[batch].float()
            if augment is not None:
                inputs = augmented(augment(inputs, self.streams.augment), inputs)
            optimizer.zero_grad(set_to_none=True)
            with autocast(self.device, self.precision):
                with model_code():
                    output = model(inputs)
                output = finite_untrained(logits(output, len(inputs), self.n_outputs),
                                          optimizer)
                loss = self.objective.mean_loss(output.float(), self.y_train[batch])
            loss.backward()
            gradient_reached(optimizer)
            optimizer.step()
        return loss

    def epochs_finished(self, queued: int, wait: bool = False) -> int:
        return queued  # each epoch's loss was checked as it ended

    def predict(self) -> torch.Tensor:
        return predict(self.model, self.x_test, self.recipe.batch_size, self.precision,
                       self.objective, self.n_outputs)

    def check_finite(self, loss: torch.Tensor | None, epoch: int) -> None:
        if loss is not None and not torch.isfinite(loss.detach()):
            raise MerbenchError(
                f"training diverged at epoch {epoch + 1} (loss {loss.item()}); "
                "try a smaller --lr"
            )

    def state(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "random": self.streams.state()}


def epoch_order(n_train: int, data_order: str, generator: torch.Generator) -> torch.Tensor:
    """The order one epoch feeds the training samples in: drawn from ``generator`` anew
    each epoch (``shuffle``), or the rows as given (``listed``, and ``authors``, whose rows
    the runner put in the authors' order: ``runner/fold_inputs.authors_order``;
    ``generator`` untouched)."""
    if data_order in ("listed", "authors"):
        return torch.arange(n_train)
    return torch.randperm(n_train, generator=generator)


class _RandomStreams:
    """The random generators a fold's training draws from: its batch order, its
    augmentations and torch's global ones (dropout; :func:`global_random_state`). Saving and
    restoring them all continues the same draws."""

    def __init__(self, device: str, shuffle: torch.Generator,
                 augment: torch.Generator) -> None:
        self.device = device
        self.shuffle, self.augment = shuffle, augment

    def state(self) -> dict[str, Any]:
        return {"shuffle": self.shuffle.get_state(), "augment": self.augment.get_state(),
                "global": global_random_state(self.device)}

    def restore(self, states: dict[str, Any]) -> None:
        self.shuffle.set_state(states["shuffle"])
        self.augment.set_state(states["augment"])
        restore_global_random_state(self.device, states["global"])


def global_random_state(device: str) -> dict[str, torch.Tensor]:
    """torch's global generators that training on ``device`` draws from: the CPU's (dropout
    on a CPU) and, on CUDA or MPS, the device's (dropout there)."""
    kind = torch.device(device)
    states = {"cpu": torch.get_rng_state()}
    if kind.type == "cuda":
        states["cuda"] = torch.cuda.get_rng_state(kind)
    elif kind.type == "mps":
        states["mps"] = torch.mps.get_rng_state()
    return states


def restore_global_random_state(device: str, states: dict[str, torch.Tensor]) -> None:
    """Set the generators :func:`global_random_state` saved."""
    kind = torch.device(device)
    torch.set_rng_state(states["cpu"])
    if kind.type == "cuda":
        torch.cuda.set_rng_state(states["cuda"], kind)
    elif kind.type == "mps":
        torch.mps.set_rng_state(states["mps"])


def evaluate_weights(build_model: Callable[[], nn.Module], weights: Path, x_test: np.ndarray,
                     *, device: str, batch_size: int, model_name: str,
                     precision: str = "fp32") -> np.ndarray:
    """Predictions of a fresh model carrying the saved ``weights``, as (1, n_test): one
    "epoch", so evaluation and training share the result path."""
    model = load_weights(build_model(), weights, f"model '{model_name}'").to(device)
    return predict(model, as_stored(x_test, device), batch_size, precision,
                   n_outputs=outputs_of(build_model)).cpu().numpy()[None, :]
