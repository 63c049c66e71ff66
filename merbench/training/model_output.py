"""What a model's own code hands back to the trainer, checked where the trainer takes it.

A plugin's model is code merbench does not control. The eleventh adversarial pass of issue
84 (pass 84k) found what it hands back taken on trust: a forward returning a tuple and an
``augment`` returning None ended the run with Python's AttributeError; a forward giving 4
logits for 3 classes, and an estimator predicting 7, -1, 1.5, one value too many or an
(n, 3) array, were written as a finished run that ``merbench validate`` then refused (1.5
recorded as 1, the (n, 3) array flattened). Each is checked here, before a prediction is
kept, and refused as a :class:`ModelFault` saying what the code returned; the runner, which
knows the plugin, says it in :meth:`merbench.plugin_system.entry.Entry.fault`'s one line
(:func:`merbench.runner.execute.execute`). Checks read shapes and kinds of value, not the
values of a tensor, so they cost a training step nothing, except a fold's first logits, read
once (:func:`finite_untrained`); an estimator's few predictions are read one by one. A model
is checked once as it is built (:func:`trainable`).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted
from merbench.base.whole_numbers import whole_value
from merbench.plugin_system.plugin_fault import described


class ModelFault(MerbenchError):
    """A model's code returned what no run can use; the message says what ("its forward
    returned a tuple, not a tensor of logits") without the plugin, which the runner adds."""


class PluginCodeFailed(ModelFault):
    """A plugin's model raised in its own code while it trained or predicted (its forward, its
    ``fit``): the message is what it raised, in its words
    (:meth:`~merbench.plugin_system.entry.Entry.raised_here`). A fault of the plugin at any
    fold, said in one line as a :class:`ModelFault` is; it travels from a Ray worker as one
    (its message is its only argument)."""


def outputs_of(build_model: Any) -> int | None:
    """The outputs a model is built for, where its source says (a run's model source
    carries its class count); None: unknown, and only the batch's rows are checked."""
    count = getattr(build_model, "n_classes", None)
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def shape_fault(shape: tuple[int, ...], batch: int, n_outputs: int | None) -> str | None:
    """Why an output of ``shape`` for a batch of ``batch`` samples does not give each one
    ``n_outputs`` values (None: it does, or ``n_outputs`` is unknown and its rows fit)."""
    if not shape:
        return f"its output is a single number for a batch of {counted(batch, 'sample')}"
    if shape[0] != batch:
        return (f"its output has {counted(shape[0], 'row')} for a batch of "
                f"{counted(batch, 'sample')}")
    given = shape[1:]
    if n_outputs is None or given == (n_outputs,):
        return None
    said = (counted(given[0], "value") if len(given) == 1
            else f"values of shape {'x'.join(map(str, given)) or '()'}")
    return (f"its output gives each sample {said} where the run needs {n_outputs}, one for "
            "each class it scores")


def logits(output: Any, batch: int, n_outputs: int | None) -> Any:
    """``output`` (what a torch model's forward returned for ``batch`` samples), checked to
    be a tensor of one row of ``n_outputs`` values a sample; a :class:`ModelFault` if not."""
    torch = sys.modules["torch"]  # a forward ran: torch is imported
    if not isinstance(output, torch.Tensor):
        raise ModelFault(f"its forward returned {described(output)}, not a tensor of logits")
    if output.layout != torch.strided:  # torch's dispatcher paragraph (pass 84ab, AB10)
        raise ModelFault("its forward returned a sparse tensor, not dense logits")
    if not output.is_floating_point():  # no gradient flows through whole numbers
        raise ModelFault(f"its forward returned {dtype_name(output)} values, not "
                         "floating-point logits")
    fault = shape_fault(tuple(output.shape), batch, n_outputs)
    if fault is not None:
        raise ModelFault(fault)
    return output


def dtype_name(tensor: Any) -> str:
    """A tensor's kind of value as torch names it, without the module: ``int64``."""
    return str(tensor.dtype).removeprefix("torch.")


def trainable(model: Any, device: str) -> Any:
    """``model`` (a torch module a factory built), checked to be one a run can train on
    ``device`` before it is moved there: a model on the meta device (shapes, no values)
    failed in torch's words "Cannot copy out of meta tensor; no data!", and one with no
    parameter to train in the optimiser's "optimizer got an empty parameter list" or
    autograd's "element 0 of tensors does not require grad" (pass 84aa, AA2)."""
    tensors = [*model.parameters(), *model.buffers()]
    if any(tensor.is_meta for tensor in tensors):
        raise ModelFault(f"its parameters are on the meta device (shapes with no values), "
                         f"so it cannot be moved to {device} to train")
    if not any(parameter.requires_grad for parameter in model.parameters()):
        raise ModelFault("it has no trainable parameters (none that requires a gradient), "
                         "so no training step can change it")
    return model


#: logits no training step can learn from: no gradient flows from them to any parameter
CUT_OFF = ("its forward returned logits cut off from its parameters (no gradient flows to "
           "them: detached, computed under torch.no_grad(), or made as a new tensor)")


class UntrainedNotFinite(ModelFault):
    """A model's logits were NaN or infinite before any training step: its forward's fault
    (or its options'), which no learning rate can change."""


def finite_untrained(output: Any, optimizer: Any) -> Any:
    """``output`` (a batch's logits), checked to be finite numbers where ``optimizer`` has
    taken no step yet (its state is empty until the first; a restored state is not): such
    logits came from the model as built, and were said to have diverged, "try a smaller
    --lr", which no --lr could help (pass 84aa, AA1). Read once a fold, on its first batch:
    one wait for the device, not one a step."""
    if optimizer.state:
        return output
    if not output.requires_grad:  # torch: "element 0 of tensors does not require grad"
        raise ModelFault(CUT_OFF)
    torch = sys.modules["torch"]
    if not bool(torch.isfinite(output).all()):
        what = "NaN" if bool(torch.isnan(output).any()) else "infinite"
        raise UntrainedNotFinite(f"its forward gave {what} logits on the first batch of a "
                                 "fold, before any training step, so no --lr can help")
    return output


def gradient_reached(optimizer: Any) -> None:
    """Raise a :class:`ModelFault` where the first backward pass of a fold (``optimizer``
    has taken no step yet) left every parameter ``optimizer`` steps without a gradient: its
    logits came from no parameter, as from a new tensor that itself requires a gradient
    (which :func:`finite_untrained` cannot tell from real logits), so no step would ever
    change the model and the run would score its constant guesses. Reads no tensor's
    values (no wait for the device), once a fold. A gradient of zeros is taken: a real
    model may get one on a batch (every ReLU off), and a later batch may move it."""
    if optimizer.state:
        return
    if all(parameter.grad is None for group in optimizer.param_groups
           for parameter in group["params"]):
        raise ModelFault(CUT_OFF)


class NotFiniteAtTest(ModelFault):
    """A model's logits for test samples were NaN or infinite (``what``) in eval mode, for
    ``count`` samples of the fold at ``fold`` (its position among the folds trained together,
    until :func:`merbench.runner.fold_work.compute` makes it the fold's index). Such rows
    were argmax'ed to the first class and scored, the run called "collapsed" and validated
    (pass 84ae, AE4): a NaN is no prediction. The fields are its arguments, so it travels
    from a Ray worker whole."""

    def __init__(self, what: str, count: int, fold: int) -> None:
        super().__init__(what, count, fold)
        self.what, self.count, self.fold = what, count, fold

    def __str__(self) -> str:
        return (f"its forward gave {self.what} logits for {counted(self.count, 'test sample')} "
                f"of fold {self.fold}")


def finite_at_test(output: Any) -> Any:
    """``output`` (the logits of a fold's test samples, their rows along the next-to-last
    dimension, folds trained together along the first), checked to be finite: one wait for
    the device an evaluation, which reads the predictions back anyway."""
    torch = sys.modules["torch"]
    bad = ~torch.isfinite(output)
    if not bool(bad.any()):
        return output
    rows = bad.any(dim=-1).reshape(-1, bad.shape[-2]) if bad.ndim > 1 else bad[None]
    position = int(rows.any(dim=-1).nonzero()[0, 0])
    what = "NaN" if bool(torch.isnan(output).any()) else "infinite"
    raise NotFiniteAtTest(what, int(rows[position].sum()), position)


def augmented(result: Any, inputs: Any) -> Any:
    """``result`` (what a model's ``augment`` returned for the batch ``inputs``), checked
    to be a batch of as many samples; a :class:`ModelFault` if not."""
    torch = sys.modules["torch"]
    if not isinstance(result, torch.Tensor):
        raise ModelFault(f"its augment() returned {described(result)}, not a batch of inputs")
    if result.ndim == 0 or len(result) != len(inputs):
        rows = "a single number" if result.ndim == 0 else counted(len(result), "sample")
        raise ModelFault(f"its augment() returned {rows} for a batch of "
                         f"{counted(len(inputs), 'sample')}")
    return result


#: what an array's values are, by numpy's kind of value, where they are no numbers
_VALUE_WORDS = {"U": "text", "S": "bytes", "c": "complex numbers", "M": "dates",
                "m": "time spans", "V": "raw records"}


def _holding(predicted: Any, values: np.ndarray | None) -> str:
    """What a ``predict`` returned, with what its values are where they are no numbers: an
    array of text was "a ndarray", not saying the values were text (pass 84l, N12)."""
    said = _VALUE_WORDS.get(values.dtype.kind) if values is not None and values.ndim else None
    return described(predicted) + (f" of {said}" if said else "")


def class_indices(predicted: Any, n_samples: int, n_classes: int | None) -> np.ndarray:
    """``predicted`` (what an estimator's ``predict`` returned for ``n_samples`` samples) as
    one class index a sample, each in ``0 .. n_classes - 1`` where that is known; a whole
    float (1.0) is its int. A :class:`ModelFault` saying what it returned otherwise."""
    if predicted is None or isinstance(predicted, str | bytes | dict):
        raise ModelFault(f"its predict() returned {described(predicted)}, not one class "
                         "index per sample")
    try:
        values = np.asarray(predicted)
    except (TypeError, ValueError):
        values = None
    if values is None or values.dtype == object or values.dtype.kind not in "biuf":
        raise ModelFault(f"its predict() returned {_holding(predicted, values)}, not one "
                         "class index per sample")
    if values.ndim != 1:
        shape = f"({', '.join(map(str, values.shape))})"
        raise ModelFault(f"its predict() returned an array of shape {shape}, not one class "
                         "index per sample")
    if len(values) != n_samples:
        raise ModelFault(f"its predict() returned {counted(len(values), 'value')} for "
                         f"{counted(n_samples, 'test sample')}")
    for position, value in enumerate(values.tolist()):
        index = whole_value(value)  # 1.0 is 1; 1.5, NaN and True are no class index
        if index is None:
            raise ModelFault(f"its predict() returned {value!r} for sample {position}, not a "
                             "class index")
        if n_classes is not None and not 0 <= index < n_classes:
            raise ModelFault(f"its predict() returned {index} for sample {position}; the "
                             f"classes are 0..{n_classes - 1}")
    return values.astype(np.int64)

