"""A torch model built with the user's options and run forward once, before long work starts.

``merbench spot --recognise ststnet --model-opt padding=-5`` spotted every video (minutes to
hours) and only then refused the recogniser: its options are of the declared types, so
:meth:`~merbench.plugin_system.entry.Entry.check_options` passes them, and the model fails
only when data goes through it. Building the model and passing a small batch of zeros of
its feature's declared shape through it, in eval mode and without gradients, takes
milliseconds and finds such an option before the spotting. An estimator is fitted, not run
forward, so it is left to the run; so is a model whose feature declares no shape.
``merbench tune`` runs each searched corner's model so (:func:`input_fault`), before its
folder is made: a value the model refuses only against its input is the file's mistake.
"""

from __future__ import annotations

from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import options_written
from merbench.plugin_system import plugin_fault
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.plugin_import import PluginExit, plugin_code
from merbench.runner.plan import Plan
from merbench.training.model_output import ModelFault, logits

#: samples in the batch of zeros (two: a model whose batch norm needs more than one)
BATCH = 2
#: classes the model is built for when the data's are not known yet (the check is of the
#: options, which do not depend on the count)
ANY_CLASSES = 3


def check_forward(model: Entry[Any], options: dict[str, Any], shape: tuple[int, ...],
                  what: str, n_classes: int = ANY_CLASSES) -> None:
    """Refuse ``model`` with ``options`` (``what`` it is, for the message: "--recognise
    ststnet") when it cannot be built or cannot take a batch of its input's ``shape``."""
    given = options_written(dict(sorted(options.items()))) or "its defaults"
    fix = (f"its options ({given}) are the likely cause: check them against 'merbench "
           "list models' and the model's docs") if options else \
        f"with no options given, {model.origin} is at fault: {plugin_fault.advice(model.origin)}"
    built = model.sized(options, n_classes)
    try:
        with plugin_code():  # its sys.exit, a KeyboardInterrupt of its own: its fault too
            zeros_forward(model.create("model", **built), shape)
    except MerbenchError:
        raise  # said in one line already (an option the factory refuses itself)
    except Exception as exc:
        # with no option given, what the plugin's code raised is all its authors can act on
        # (it was dropped, as a run's first step once dropped it); a library's words for an
        # option that does not fit are not quoted: the options are what the user can change
        raised = exc.raised if isinstance(exc, PluginExit) else exc
        said = None if options else model.raised_here(raised)
        said = str(exc) if said and raised is not exc else said
        raise MerbenchError(f"{what} cannot run: built with its options it fails on a batch of "
                            f"its input's shape {tuple(shape)}, before anything is spotted"
                            f"{': ' + said if said else ''}; {fix}") from None


def output_fault(model: Entry[Any], options: dict[str, Any], shape: tuple[int, ...],
                 n_outputs: int) -> str | None:
    """Why a torch ``model``'s output does not fit a run of ``n_outputs`` outputs, found on
    a batch of zeros of its input's ``shape``, or None (it fits, or it fails before giving
    any output). A run whose first step failed blamed the options, with none given, and
    never said that the model gave 1 column for 3 classes."""
    built = model.sized(options, n_outputs)
    try:
        with plugin_code():  # its sys.exit: left to the run, which says it (fold_work.compute)
            output = zeros_forward(model.create("model", **built), shape)
    except Exception:
        return None
    try:  # the words the trainer says it in (its output has 1 row for a batch of 2)
        logits(output, BATCH, n_outputs)
    except ModelFault as exc:
        return str(exc)
    return None


def zeros_forward(network: Any, shape: tuple[int, ...]) -> Any:
    """``network``'s output for a batch of zeros of its input's per-sample ``shape``, in eval
    mode, without gradients and without a draw from torch's generator (a run seeds its own
    after the check, and the check must not move what it draws); raises as the network
    does. Call it within :func:`~merbench.plugin_system.plugin_import.plugin_code`."""
    import torch  # deferred: only a torch model is run forward

    network.eval()
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        return network(torch.zeros((BATCH, *shape), dtype=torch.float32))


def input_fault(plan: Plan, network: Any, n_outputs: int) -> MerbenchError | None:
    """Why ``network``, the planned torch model built with the run's options, cannot take a
    batch of its feature's declared shape, or None (it can, or it is no torch model, or its
    feature declares no shape). The model's own words are kept (``ststnet: image_size 30 is
    not the size of its input``); a library's are not: the options are what can change. A
    model that fails the same way with no options at all is left to the run, whose first
    step says what its code raised: the batch of zeros, not the options, may be at fault."""
    shape = tuple(plan.inputs.feature.meta.shape or ())
    if not plan.is_torch or not shape:
        return None
    try:
        with plugin_code():
            zeros_forward(network, shape)
        return None
    except MerbenchError as exc:
        fault = exc
    except Exception:
        fault = MerbenchError(f"model '{plan.spec.model}' built with it fails on a batch of "
                              f"its input's shape {shape} (feature "
                              f"'{plan.inputs.feature.meta.name}'); narrow the space")
    try:
        with plugin_code():
            zeros_forward(plan.model.create("model", **plan.model.sized({}, n_outputs)), shape)
    except Exception:
        return None
    return fault
