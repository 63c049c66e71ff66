"""LazyFactory: a factory named ``"package.module:function"``, imported on first use.

Plugins name their factories this way so that registering them imports nothing heavy
(``merbench list`` and ``import merbench`` stay fast, and a broken heavy dependency only
affects runs that use it). Planning a run must still know each factory's options and
defaults; :meth:`LazyFactory.options` gives them without importing the module in this
process, through :mod:`merbench.plugin_system.options_cache`, unless the module is imported
already (then reading them here costs nothing). When the factory is finally imported to build
something, options read in another process are compared with its real signature.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from types import ModuleType
from typing import Any

from merbench.base.errors import PluginError, ran_out_of_memory
from merbench.plugin_system import options_cache
from merbench.plugin_system.factory_options import FactoryOptions
from merbench.plugin_system.plugin_fault import Origin, advice
from merbench.plugin_system.plugin_import import describe

__all__ = ["LazyFactory", "building_what_is_planned"]

#: once one of these is loaded in a process (it trains, or a Ray worker builds models), a
#: factory's module is imported there to read its options: a child would load the same
#: library again to spare a process that already paid for it
READ_HERE_ONCE_LOADED: tuple[str, ...] = ("torch",)

#: set while a process plans what it goes on to build (:func:`building_what_is_planned`)
_BUILDS_WHAT_IT_PLANS: ContextVar[bool] = ContextVar("builds_what_it_plans", default=False)


@contextlib.contextmanager
def building_what_is_planned() -> Iterator[None]:
    """Within the block, options the cache does not hold are read by importing their
    module here, not in a child: a process that goes on to build what it plans (a run
    trains its model) loads those modules anyway, and a child would load the same ones
    (1.7 s of torch) only to be thrown away, on every first run and in every fresh cache.
    The cache still serves what it holds, so a planning error is said before any import
    wherever it is warm."""
    token = _BUILDS_WHAT_IT_PLANS.set(True)
    try:
        yield
    finally:
        _BUILDS_WHAT_IT_PLANS.reset(token)


def _not_a_function(target: object) -> str | None:
    """Why ``target``, what a lazy factory's name found, can be no factory (it cannot be
    called, or its options cannot be read), or None."""
    if not callable(target):
        what = "a module" if isinstance(target, ModuleType) else \
            f"a value of type {type(target).__name__}"
        return f"it names {what}, not a function"
    try:
        inspect.signature(target)
    except (TypeError, ValueError):
        return "its options cannot be read (it has no Python signature); register a function"
    return None


class LazyFactory:
    """A factory named ``"package.module:function"``, imported on first use.

    Registering a model must not import torch: ``merbench list`` and ``import merbench``
    stay fast, and a broken heavy dependency only affects runs that use it. Nor must
    planning a run, which asks the factory's options: :meth:`options` answers without
    importing the module here (:mod:`merbench.plugin_system.options_cache`) unless it is
    imported already.
    """

    def __init__(self, target: str, what: str = "factory", owner: str = "") -> None:
        module, _, attribute = target.partition(":")
        if not module or not attribute:
            raise ValueError(f"LazyFactory target {target!r} must look like 'module:function'")
        self.target = target
        #: what it loads and whose, as its refusal names them: the factory, or the
        #: option_check of dataset 'noise' (it was called the factory: pass 84q, Q12)
        self.what, self.owner = what, owner
        self._function: Callable[..., Any] | None = None
        self._options: FactoryOptions | None = None
        self._read_apart = False  # _options came from another process, not this import
        #: the plugin that registered it, named in the refusal of a factory that cannot be
        #: imported ("skip its plugin with --no-plugin mymodel"); set by its registry entry
        self.plugin: str | None = None
        #: the plugin and package that registered it, for a fault in what it names that
        #: no reinstall mends (a module or a value named for a function); set with ``plugin``
        self.origin: Origin | None = None

    @property
    def imported(self) -> bool:
        """Whether its module is loaded in this process (reading it here costs nothing)."""
        return self._function is not None or self.target.partition(":")[0] in sys.modules

    def resolve(self) -> Callable[..., Any]:
        if self._function is None:
            module, _, attribute = self.target.partition(":")
            try:
                loaded = importlib.import_module(module)
                function = getattr(loaded, attribute)
            except Exception as exc:
                if ran_out_of_memory(exc):  # torch's library unmapped: no reinstall helps
                    raise
                raise self._not_loaded(
                    f"module {module} has no '{attribute}'"
                    if isinstance(exc, AttributeError) and module in sys.modules
                    else f"importing {module} failed: {describe(exc)}") from None
            not_callable = _not_a_function(function)
            if not_callable is not None:  # its options were read by inspect, in its words
                raise self._not_loaded(not_callable, fault=True)
            self._check_read_apart(function)
            self._function = function
        return self._function

    def _not_loaded(self, reason: str, *, fault: bool = False) -> PluginError:
        """Its refusal; ``fault``: the target names no function as registered, which the
        plugin's authors mend, not a reinstall (an import that failed may be mended by one)."""
        said = f"cannot load the {self.what} '{self.target}'" + \
            (f" of {self.owner}" if self.owner else "") + f": {reason}; "
        if fault and self.origin is not None:
            return PluginError(said + advice(self.origin))
        if fault:
            return PluginError(said + "fix the plugin that registers it")
        return PluginError(said + "reinstall the package that registers it, or skip its "
                           "plugin with --no-plugin" + (f" {self.plugin}" if self.plugin else ""))

    def _check_read_apart(self, function: Callable[..., Any]) -> None:
        """Options read in another process must be the real ones: planning left options at
        their defaults out by them, so a difference would build another model than the run
        records. Never expected (the record is checked against every file that made it), so
        it stops the command, and the record is read again next time."""
        if not self._read_apart or self._options is None:
            return
        real = FactoryOptions.of(function)
        if real != self._options:
            options_cache.forget(self.target)
            raise PluginError(
                f"the options of '{self.target}' read before it was imported differ from "
                "its signature now (its module changed while this command ran, or its "
                "signature depends on more than its code); run the command again")

    def options(self) -> FactoryOptions:
        """Its options and their defaults, read once: here when the module is imported,
        else without importing it (see :meth:`read_all`)."""
        if self._options is None:
            LazyFactory.read_all([self])
        assert self._options is not None  # read_all sets it or raises
        return self._options

    @staticmethod
    def read_all(factories: Iterable[LazyFactory]) -> None:
        """Read the options of every factory not read yet: those whose module is imported
        here (or all, once torch is), here; the others in one child process (or from the
        cache it fills); any the child could not read, by importing it here, which raises
        the error to show; within :func:`building_what_is_planned`, those the cache does not
        hold are read here too, never in a child."""
        pending = [f for f in factories if f._options is None]
        here = any(library in sys.modules for library in READ_HERE_ONCE_LOADED)
        apart = [f.target for f in pending if not (here or f.imported)]
        found = options_cache.read_options(apart, child=not _BUILDS_WHAT_IT_PLANS.get()) \
            if apart else {}
        for factory in pending:
            read = found.get(factory.target)
            if read is None:
                factory._options = FactoryOptions.of(factory.resolve())
            else:
                factory._options, factory._read_apart = read, True

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self.resolve())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"LazyFactory({self.target!r})"
