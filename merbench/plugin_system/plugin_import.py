"""Loading one plugin: its entry point imported, and pluggy's refusal of its hooks read.

Each way a third-party plugin can fail to load is said in merbench's words, as one line of
the plugin-failure warning, and never ends merbench: importlib's "'NoneType' object has no
attribute 'group'" for a malformed entry point, pluggy's first line (the hook, without the
reason) for a hook that takes an argument no hook gives, and nothing at all for a plugin
that calls ``sys.exit`` as it is imported (every command ended with its status).
:func:`plugin_code` words the other ways out of a plugin's code that are no ``Exception``:
``sys.exit``, ``GeneratorExit`` and a KeyboardInterrupt no stop signal raised (pass 84k: a
registration hook's ``sys.exit(0)`` ended ``merbench run`` with status 0 and no word, its
KeyboardInterrupt was said as the user's interrupt, its GeneratorExit was a traceback).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from importlib import metadata

import pluggy

from merbench.base.errors import message_of, ran_out_of_memory
from merbench.base.stops_received import ctrl_c_counted, stops_received
from merbench.plugin_system.plugin_fault import exit_code


def load_failure(exc: Exception) -> str:
    """Why a plugin is left out, from what its import or its registration raised
    (:func:`describe`'s words). Running out of memory is raised again: the cause is the
    process's limit or the machine's, not the plugin's, and a plugin left out for it with a
    warning made the command fail later as if the plugin's names did not exist."""
    if ran_out_of_memory(exc):
        raise exc
    return describe(exc)


def describe(exc: BaseException) -> str:
    """An exception raised in a plugin's own code, as one line: its own message, without
    Python's name for its kind (``ValueError: ...`` read as merbench's words), for a failure
    merbench has no words of its own for."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"it imports '{exc.name}', which is not installed"
    if isinstance(exc, KeyError) and len(exc.args) == 1:  # str() is the key's repr alone
        return f"it looked up '{exc.args[0]}', which is not there"
    text = message_of(exc).strip().splitlines()
    if not text and isinstance(exc, MemoryError):  # numpy's and Python's say nothing more
        return "it ran out of memory (free memory, or report it to the plugin's authors)"
    return text[0] if text else "it failed without saying why"


class NotLoaded(Exception):
    """A plugin's entry point that could not be loaded, said in merbench's words."""


class PluginExit(Exception):
    """A plugin's code tried to end merbench (``sys.exit``, ``GeneratorExit``, a
    KeyboardInterrupt of its own): an ``Exception`` like any other fault of it, so that the
    handlers that already word a plugin's exceptions word this one too."""

    def __init__(self, message: str, raised: BaseException) -> None:
        super().__init__(message)
        self.raised = raised  # what the plugin raised


@contextlib.contextmanager
def plugin_code() -> Iterator[None]:
    """Within the block a plugin's code runs: what it raises to end the process comes out as
    :class:`PluginExit`, whose message says what it did (``it called sys.exit(0)``). A
    KeyboardInterrupt is let through when a stop signal arrived meanwhile: that one is the
    user's Ctrl-C or a scheduler's SIGTERM."""
    before = stops_received()
    with ctrl_c_counted():
        try:
            yield
        except KeyboardInterrupt as exc:
            if stops_received() != before:
                raise
            raise PluginExit("it raised KeyboardInterrupt with no Ctrl-C or stop signal "
                             "received", exc) from None
        except SystemExit as exc:
            raise PluginExit(f"it called {exit_code(exc)}", exc) from None
        except GeneratorExit as exc:
            raise PluginExit("it raised GeneratorExit outside a generator", exc) from None
        except Exception:
            raise
        except BaseException as exc:  # a bare BaseException of its own (pass 84n, N1)
            raise PluginExit(f"it raised {type(exc).__name__}, which is no Exception: "
                             f"{describe(exc)}", exc) from None


def load_entry_point(ep: metadata.EntryPoint) -> object:
    """The object ``ep`` names. Its value is checked first (importlib's own failure on a
    malformed one was "'NoneType' object has no attribute 'group'"), and a plugin that ends
    the process as it is imported (``sys.exit`` in its module) is stopped there: it ended
    every merbench command, with its status and without a word."""
    if metadata.EntryPoint.pattern.match(ep.value) is None:
        raise NotLoaded(f"its entry point '{ep.value}' is not module:attribute")
    try:
        with plugin_code():
            return ep.load()
    except PluginExit as exc:
        if isinstance(exc.raised, SystemExit):
            code = exc.raised.code
            shown = code if code is None or isinstance(code, int) else "a message"
            raise NotLoaded(f"it exited the process while it was imported (sys.exit({shown})); "
                            "it is left out") from None
        what = type(exc.raised).__name__
        raise NotLoaded(f"it raised {what} while it was imported (no Ctrl-C or stop signal "
                        "was received); it is left out") from None


def rejection(pm: pluggy.PluginManager, plugin: object, exc: Exception) -> str:
    """Why pluggy refused ``plugin``, in merbench's words: pluggy's first line named the
    hook but not the reason, which is on its last line (an argument no hook gives)."""
    if not isinstance(exc, pluggy.PluginValidationError):
        return describe(exc)
    for name in sorted(n for n in dir(plugin) if n.startswith("merbench_")):
        spec = getattr(getattr(pm.hook, name, None), "spec", None)
        function = getattr(plugin, name, None)
        if spec is None or not callable(function):
            continue
        with contextlib.suppress(TypeError, ValueError):
            asked = [p.name for p in inspect.signature(function).parameters.values()
                     if p.default is p.empty and p.name != "self"
                     and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            extra = [arg for arg in asked if arg not in spec.argnames]
            if extra:
                return (f"its hook {name} takes arguments the hook does not give "
                        f"({', '.join(extra)}); it gives {', '.join(spec.argnames) or 'none'}")
    reason = message_of(exc).strip().splitlines()
    return f"pluggy refused a hook of it: {reason[-1] if reason else 'no reason given'}"
