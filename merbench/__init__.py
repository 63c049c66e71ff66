"""merbench: a plugin-based benchmark suite for facial micro-expression recognition.

The public API is small and importing it is cheap (torch, pandas and scikit-learn load on
first use)::

    import merbench

    model = merbench.create_model("ststnet", num_classes=3)
    result = merbench.run(model="ststnet", dataset="synthetic", epochs=50)
    print(result.metrics.overall.uf1)

Plugins decorate their hook implementations with :data:`merbench.hookimpl`.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING, Any

from merbench.base.errors import MerbenchError, PluginError
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.manager import default_plugins
from merbench.runner.api_values import api_model_options, api_plugins, api_seeds, api_spec
from merbench.runner.keywords import api_errors

if TYPE_CHECKING:
    from merbench.runner.au_run import AURunResult
    from merbench.runner.execute import RunResult
    from merbench.runner.seeds import SeedsResult

try:
    __version__ = metadata.version("merbench")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "MerbenchError",
    "PluginError",
    "__version__",
    "create_model",
    "hookimpl",
    "run",
    "run_seeds",
]


def __dir__() -> list[str]:
    """What ``dir(merbench)`` and completion show: the public API, not this module's own
    imports (``Any``, ``TYPE_CHECKING``, submodules)."""
    return sorted(__all__)


def create_model(name: str, **kwargs: Any) -> Any:
    """Build a registered model: a ``torch.nn.Module`` for torch models, else an estimator.

    ``kwargs`` go to the model's factory (``num_classes`` and the model's own options).
    """
    model = api_model_options(name, kwargs)
    try:
        return default_plugins().registries.models.get(model).create("model", **kwargs)
    except MerbenchError as exc:  # a factory's advice names the command line's option
        exc.args = (str(exc).replace("--model-opt ", ""), *exc.args[1:])
        raise
    except MemoryError as exc:  # said in merbench's words by the entry; one line, as any
        raise MerbenchError(str(exc) or f"building model '{model}' with these options needs "
                            "more memory than there is; give smaller sizes") from None


def run(model: str, dataset: str, **options: Any) -> RunResult | AURunResult:
    """Run ``model`` on ``dataset`` with the options of ``merbench run``, by keyword: the
    fields of :class:`~merbench.runner.spec.RunSpec` (what runs) and of
    :class:`~merbench.runner.spec.RunSettings` (where and how fast), each documented there and
    in ``docs/user-guide.md``; ``plugins=`` takes a plugin set from
    :func:`merbench.plugin_system.manager.load_plugins` instead of the default one. A finished
    run in the same folder is reported as it is; an unfinished one goes on from its finished folds.
    With ``task="au"`` the result is an :class:`~merbench.runner.au_run.AURunResult`."""
    # deferred: torch, pandas and scikit-learn (through runner.execute): the import stays cheap
    from merbench.runner.execute import run as run_spec

    plugins = api_plugins("merbench.run()", options.pop("plugins", None))
    with api_errors():  # its messages say data_root=PATH, not --data-root PATH
        return run_spec(*api_spec("merbench.run()", model, dataset, options), plugins=plugins)


def run_seeds(model: str, dataset: str, seeds: list[int], **options: Any) -> SeedsResult:
    """Run once per seed (each into ``<out>/seed-N``, resumable) and summarise mean ± std.

    Takes the same options as :func:`run` except ``seed``.
    """
    # deferred: as runner.execute in run
    from merbench.runner.seeds import run_seeds as run_many

    call = "merbench.run_seeds()"
    plugins = api_plugins(call, options.pop("plugins", None))
    if "seed" in options:
        raise MerbenchError("run_seeds() takes seeds=[...], not seed=")
    spec = api_spec(call, model, dataset, options)
    with api_errors():
        return run_many(*spec, api_seeds(call, seeds), plugins=plugins)
