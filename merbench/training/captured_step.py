"""K folds' training epoch replayed as one CUDA graph: one launch an epoch, not thousands.

The fold-parallel engine (:mod:`merbench.training.fold_parallel`) launches every kernel of
every step from Python: for HTNet's paper configuration that is thousands of launches an
epoch, and a host that waits on the device whenever the loop reads a loss. Here the whole
epoch, every batch's forward pass, loss, backward pass and fused Adam step and then every
fold's test prediction, is captured once as a CUDA graph (``torch.cuda.CUDAGraph``) and
replayed each later epoch with a single launch.

Its test logits are checked as the eager engine checks them
(:func:`~merbench.training.model_output.finite_at_test`): the graph keeps them, each epoch's
are copied to pinned host memory with its losses, and they are read once the device is
done with that epoch, so nothing waits: unchecked, NaN logits argmax to the first class
and would be scored.

What changes between epochs lives in device tensors the graph reads: each fold's batch order
(still drawn from its own CPU generator, exactly as the eager engine draws it, and copied in
from pinned memory without waiting) and the learning rate (the schedule fills it in place).
The first epoch runs eagerly on a side stream, which is also the warm-up a capture needs
(cuBLAS workspaces, the optimiser's state); the graph is captured after it and replays from
the second epoch on.

Nothing in the epoch loop waits for the device. Each epoch's losses are copied to pinned
host memory behind a CUDA event, and the loop reads them, for the divergence check and the
progress it reports, only once the device has got there (``epochs_finished``); the host
queues at most ``AHEAD`` epochs before it waits. A diverged loss is therefore reported a few
epochs late, and names the epoch it happened in.

Same numbers: the graph replays the kernels the eager epoch launches, so a captured fp32 run
gives the eager fold-parallel engine's predictions (``tests/test_gpu.py`` compares them).
Only Adam and AdamW, whose fused CUDA step is capturable, are captured; the run records
whether its epochs were (``EngineRecord.captured``).
"""

from __future__ import annotations

import contextlib
from collections import deque
from typing import Any

import torch

from merbench.base.errors import MerbenchError
from merbench.training.fold_parallel import FoldsStep
from merbench.training.model_output import finite_at_test
from merbench.training.torch_trainer import autocast

AHEAD = 64  # epochs the host may queue before it waits for the device


class CapturedFoldsStep(FoldsStep):
    """:class:`FoldsStep` whose epochs after the first replay one captured CUDA graph."""

    capturable = True
    graph: torch.cuda.CUDAGraph | None
    #: the last epoch's test logits on the device, and each epoch's on the host: allocated
    #: by the first epoch, the eager one, which tells their width
    static_logits: torch.Tensor | None = None
    host_logits: torch.Tensor | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.graph = None
        super().__init__(*args, **kwargs)
        k, n_max = len(self.tasks), self.x_train.shape[1]
        self.static_order = torch.zeros((k, n_max), dtype=torch.long, device=self.device)
        self.static_prediction = torch.zeros(self.predictions_shape, dtype=torch.long,
                                             device=self.device)
        self.static_loss = torch.zeros(k, dtype=torch.float32, device=self.device)
        self.host_loss = torch.zeros((self.recipe.epochs, k), dtype=torch.float32,
                                     pin_memory=True)
        self.pending: deque[tuple[int, torch.cuda.Event]] = deque()
        self.finished = 0
        if self.augments is not None:
            # an augmentation draws on the CPU every step: a replay would repeat one draw
            raise ValueError("a model that augments its training batches is not captured")

    def start_over(self) -> None:
        self.graph = None  # the graph holds the old weights' addresses
        super().start_over()

    def restore(self, state: dict[str, Any]) -> None:
        super().restore(state)
        # load_state_dict puts back the saved rate and flags (a state the eager engine saved
        # is not capturable); the graph reads the rate from a device tensor
        for group in self.optimizer.param_groups:
            group["capturable"] = True
            group["lr"] = torch.tensor(float(group["lr"]), dtype=torch.float32,
                                       device=self.device)

    def precision_context(self) -> contextlib.AbstractContextManager:
        if self.precision == "bf16":  # no cast cache: a capture must not keep its tensors
            return torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False)
        return autocast(self.device, self.precision)

    def train_epoch(self) -> torch.Tensor:
        order = self.epoch_order().pin_memory()
        if self.graph is not None:
            self.static_order.copy_(order, non_blocking=True)
            self.graph.replay()
            return self.static_loss
        self.static_order.copy_(order)
        side = torch.cuda.Stream(self.device)
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side):  # the eager epoch, and the capture's warm-up
            self._epoch()
        torch.cuda.current_stream(self.device).wait_stream(side)
        # the eager epoch's activations return to the caching allocator, which the graph's
        # own memory pool cannot reuse: hand them back, or the capture needs twice as much
        torch.cuda.synchronize(self.device)
        torch.cuda.empty_cache()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self._epoch()
        self.graph = graph
        return self.static_loss

    def _epoch(self) -> None:
        self.static_loss.copy_(self.train_batches(self.static_order))
        with torch.no_grad():
            for start in range(0, self.x_test.shape[1], self.recipe.batch_size):
                logits = self.test_logits(start, start + self.recipe.batch_size)
                if self.static_logits is None:
                    self.static_logits = logits.new_zeros(
                        (*self.predictions_shape, *logits.shape[2:]))
                self.static_logits[:, start:start + logits.shape[1]] = logits
                self.static_prediction[:, start:start + logits.shape[1]] = \
                    self.objective.decide(logits)

    def predict(self) -> torch.Tensor:
        return self.static_prediction

    def check_finite(self, loss: torch.Tensor | None, epoch: int) -> None:
        """Queue the epoch's losses and test logits for the host; check those the device
        has finished."""
        self.host_loss[epoch].copy_(self.static_loss, non_blocking=True)
        if self.static_logits is not None:
            if self.host_logits is None:
                self.host_logits = torch.zeros((self.recipe.epochs, *self.static_logits.shape),
                                               dtype=torch.float32, pin_memory=True)
            self.host_logits[epoch].copy_(self.static_logits, non_blocking=True)
        event = torch.cuda.Event()
        event.record(torch.cuda.current_stream(self.device))
        self.pending.append((epoch, event))
        if len(self.pending) > AHEAD:
            self.pending[0][1].synchronize()
        self.epochs_finished(epoch + 1)

    def epochs_finished(self, queued: int, wait: bool = False) -> int:
        """Epochs the device has finished (all of ``queued`` when ``wait``), each checked:
        its losses first (a diverged loss explains NaN logits), then its test logits."""
        while self.pending and (wait or self.pending[0][1].query()):
            epoch, event = self.pending.popleft()
            event.synchronize()
            losses = self.host_loss[epoch]
            if not torch.isfinite(losses).all():
                bad = int((~torch.isfinite(losses)).nonzero()[0, 0])
                raise MerbenchError(
                    f"training diverged at epoch {epoch + 1} (loss {losses[bad].item()} in one "
                    "of the folds trained together); try a smaller --lr")
            if self.host_logits is not None:
                finite_at_test(self.host_logits[epoch])
            self.finished = epoch + 1
        return self.finished

