"""A plugin's own code at fault, said as such and never blamed on the user's options.

A factory that raises with no option given, returns something that is no model, or calls
``sys.exit`` is a fault of the plugin, not of anything the user typed: pass 84g found
``cannot be built with no options: ...; change the option`` and ``its options (none) are
the likely cause`` for such plugins, a raw AttributeError for a factory returning None,
and a factory's ``sys.exit(7)`` ending merbench with status 7 and no word. These helpers
word each case once, naming the plugin and what the user can do about it.

A plugin's model that raises while it trains is told apart from merbench's own failures by
where it raised (:func:`raised_by_plugin`): pass 84l found such a model's RuntimeError after
the first fold, and its AssertionError or ImportError at any point, ending the run with a
traceback, and its OSError said as "failed on a file (the system gave no reason)". A model
built of a library's parts alone (``torch.nn.Sequential`` of torch layers) has no frame of
the plugin: what its forward, ``fit`` or ``predict`` raises is marked where merbench calls
it (:func:`model_code`), and is the plugin's too (pass 84m, M3: a traceback after a fold).
"""

from __future__ import annotations

import contextlib
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, Protocol

from merbench.base.errors import MerbenchError, os_reason, plugin_words, ran_out_of_memory
from merbench.base.literal import indefinite, options_written

#: the package whose code is merbench's own: what it raises is never a plugin's fault
OWN_PACKAGE = "merbench"


class Origin(Protocol):
    """What these helpers read of :class:`merbench.plugin_system.entry.Origin` (entry.py
    words its faults with them, so it cannot be imported here)."""

    @property
    def plugin(self) -> str: ...

    @property
    def package(self) -> str: ...


def advice(origin: Origin) -> str:
    """What the user can do about a plugin whose code fails: tell its authors, or leave it
    out (a plugin registered in-process has no package and no ``--no-plugin``)."""
    if origin.package.startswith("<"):
        return f"fix plugin '{origin.plugin}'"
    return (f"report it to the authors of {origin.package}, or skip the plugin with "
            f"--no-plugin {origin.plugin}")


#: Python's words for a call that does not fit a signature ("f() missing 1 required
#: positional argument: 'path'", "got an unexpected keyword argument", ...): a factory's
#: own call inside it that fits no signature is the plugin's fault
CALL_FAULT = re.compile(r"\(\) (missing \d+ required|got an unexpected keyword|got multiple "
                        r"values|takes \d+ positional|takes no (keyword )?arguments)")


def not_built(kind: str, name: str, origin: Origin, reason: str) -> str:
    """The line for a factory that raised with no option given: the entry could not be
    built, and with no option to change the plugin's code is at fault."""
    return (f"{kind} '{name}' of {origin} could not be built: {reason}; its factory failed "
            f"with no options given: {advice(origin)}")


def factory_failed(kind: str, name: str, origin: Origin, shown: dict[str, Any],
                   exc: Exception) -> NoReturn:
    """Raised, within the handler of ``exc``, for a factory that raised ``exc``, a class the
    factory's call has no words of its own for: a model's could not be built, as for a
    ValueError, with no option given (``shown`` empty: :func:`not_built`) and with options
    (which may be its cause: change them); such a factory was said to have failed its
    "first training step" (pass 84n, N5; pass 84p, with options or a bare BaseException).
    ``exc`` goes on as it was for an OSError (the file system's), and for other kinds,
    whose factories :meth:`~merbench.plugin_system.entry.Entry.build` words, and for a
    library it imports that could not be mapped: the process's memory limit (84ag, AG4)."""
    if kind != "model" or isinstance(exc, OSError) or ran_out_of_memory(exc):
        raise exc
    if shown:
        raise MerbenchError(f"{kind} '{name}' cannot be built with {options_written(shown)}: "
                            f"{in_plugin_words(exc)}; change the option") from exc
    raise MerbenchError(not_built(kind, name, origin, in_plugin_words(exc))) from exc


def exited(kind: str, name: str, origin: Origin, shown: dict[str, Any],
           exc: Exception) -> NoReturn:
    """Raised for a factory whose code tried to end merbench, ``exc`` being the
    :class:`~merbench.plugin_system.plugin_import.PluginExit` that says so (``raised`` what
    it raised): its ``sys.exit`` ended merbench with the plugin's status and no word, and a
    bare BaseException was said to have failed the "first training step" where any
    Exception could not be built (pass 84p, N5 leftover): that one is worded as any class
    (:func:`factory_failed`)."""
    raised = getattr(exc, "raised", None)
    if not isinstance(raised, SystemExit):
        factory_failed(kind, name, origin, shown, exc)
    raise MerbenchError(f"{kind} '{name}' of {origin} could not be built: its factory called "
                        f"{exit_code(raised)}; {advice(origin)}") from None


def factory_name(factory: Callable[..., Any]) -> str:
    """``module:function`` of a factory, as a plugin registers it."""
    target = getattr(factory, "target", None)  # a LazyFactory keeps the text it was given
    if isinstance(target, str):
        return target
    module = getattr(factory, "__module__", None) or "?"
    return f"{module}:{getattr(factory, '__qualname__', None) or factory!s}"


def not_a_model(model_kind: str, built: Any) -> str | None:
    """Why ``built`` (what a model factory returned) is no model of ``model_kind``, or None.
    torch is read from ``sys.modules``: a torch module cannot exist without torch imported,
    and this layer never imports it. A class returned for its instance (``return
    LogisticRegression``) is said so: its ``fit`` is callable, and failed with Python's
    "get_params() missing 1 required positional argument: 'self'" (pass 84q, Q10)."""
    shown = described(built)
    if isinstance(built, type):
        wanted = "an estimator" if model_kind == "sklearn" else "a torch module"
        return f"returned the class {built.__name__}, not {wanted} built from it"
    if model_kind == "sklearn":
        missing = [m for m in ("fit", "predict") if not callable(getattr(built, m, None))]
        if not missing:
            return None
        return f"returned {shown}, not an estimator (it has no {' or '.join(missing)} method)"
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(built, torch.nn.Module):
        return None
    return f"returned {shown}, not a torch module"


#: a type's name as a sentence says it, where Python's is no word ("a ndarray": pass 84l)
_TYPE_WORDS = {"ndarray": "array", "bytes": "bytes value", "bytearray": "bytearray value"}


def described(built: Any) -> str:
    """What a factory returned, said by its kind: ``None``, ``a dict``, ``an int``, ``an
    array``."""
    if built is None:
        return "None"
    name = type(built).__name__
    return indefinite(_TYPE_WORDS.get(name, name))


def exit_code(exc: SystemExit) -> str:
    """``sys.exit``'s argument as the plugin wrote it: ``sys.exit(7)``, or ``sys.exit(...)``
    for a message (its text is the plugin's, not a reason merbench can vouch for)."""
    code = exc.code
    return f"sys.exit({code})" if code is None or isinstance(code, int) else "sys.exit(...)"


def code_package(factory: Callable[..., Any]) -> str | None:
    """The top-level package a factory's code is in (``mymodels`` of ``mymodels.nets:make``),
    through a wrapper that says what it wraps (``__wrapped__``: :func:`~merbench.plugin_system.
    entry.fixed_options`); None where that is merbench's own or cannot be told."""
    while callable(getattr(factory, "__wrapped__", None)):
        factory = factory.__wrapped__  # type: ignore[attr-defined]
    module = factory_name(factory).partition(":")[0]
    package = module.split(".")[0]
    return None if package in ("", "?", OWN_PACKAGE) else package


def raised_by_plugin(exc: BaseException, package: str) -> bool:
    """Whether ``package``'s code is among the frames ``exc`` passed through: its forward, its
    ``fit``, an import it made. Read from each frame's module, never from file names, so a
    plugin installed anywhere (or registered from a test module) is recognised."""
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        module = frame.f_globals.get("__name__")
        if isinstance(module, str) and (module == package or
                                        module.startswith(package + ".")):
            return True
    return False


#: the attribute :func:`model_code` sets on what a model's own call raised
_IN_MODEL = "_merbench_raised_in_model"


@contextlib.contextmanager
def model_code() -> Iterator[None]:
    """Within the block merbench calls a model's own code (a torch model's forward, an
    estimator's ``fit`` or ``predict``): what it raises is marked as raised there
    (:func:`raised_in_model`), whichever library's frames it passed through, so a plugin's
    model made of a library's parts alone is blamed as one with code of its own is."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(AttributeError, TypeError):  # an exception without a dict
            setattr(exc, _IN_MODEL, True)
        raise


def raised_in_model(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside a model's own call (:func:`model_code`)."""
    return getattr(exc, _IN_MODEL, False) is True


def in_plugin_words(exc: BaseException) -> str:
    """What a plugin's code raised, in its own words and without Python's class names: a
    module it imports that is missing, a file the system refused with the system's reason,
    else its whole message (:func:`~merbench.base.errors.plugin_words`)."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"it imports '{exc.name}', which is not installed"  # as a plugin's import is said
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{os_reason(exc)}{where}"
    return plugin_words(exc)


#: more classes than any dataset has: a count beyond it is named when building runs short
MOST_CLASSES = 100_000


def too_large(kind: str, name: str, origin: Origin, kwargs: dict[str, Any]) -> str:
    """Why the plugin's ``kind`` ``name`` could not be built for want of memory, with the
    fix: the one size option given made smaller, or, with none given, free memory or its
    authors told (a dataset built with no options was told to "give smaller sizes", pass
    84ab, AB3). A run's class count (from its dataset) is never the size at fault; one
    ``create_model`` was given may be."""
    shown = {k: v for k, v in kwargs.items()
             if k != "num_classes" or not isinstance(v, int) or v > MOST_CLASSES}
    if not shown:
        return (f"{kind} '{name}' of {origin} ran out of memory while being built, with no "
                f"options given; free memory, or {advice(origin)}")
    fix = f"a smaller {next(iter(shown))}" if len(shown) == 1 else "smaller sizes"
    return (f"{kind} '{name}' cannot be built with {options_written(shown)}: it would need "
            f"more memory than this machine has; give {fix}")
