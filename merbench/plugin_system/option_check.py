"""A dataset's or protocol's ``option_check`` hook run as its plugin's code.

The hook says, as a line of text, why options the plugin's factory would refuse are wrong
(``classes=2.5``), before a run starts and where a benchmark definition is read. It is a
third party's code like a factory: one that raised, tried to end merbench (``sys.exit``, a
KeyboardInterrupt no Ctrl-C sent) or returned what is no line (a list, bytes) ended
``run`` and ``leaderboard list`` with a traceback or printed a Python repr as the refusal
(pass 84q, Q5). Each is now its plugin's fault, in the one line every plugin fault has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.plugin_system.plugin_fault import described, in_plugin_words
from merbench.plugin_system.plugin_import import PluginExit, plugin_code


def option_check_says(check: Callable[[str, dict[str, Any]], Any], name: str,
                      options: dict[str, Any],
                      fault: Callable[[str], MerbenchError]) -> str | None:
    """What ``check`` says of ``options`` of the entry ``name``: a refusal line, or None
    where it takes them; ``fault`` words what the hook itself did wrong, blaming its plugin.
    A :class:`MerbenchError` it raises is merbench's own line (a lazy hook that cannot be
    imported) and goes on as it is."""
    try:
        with plugin_code():
            said = check(name, options)
    except MerbenchError:
        raise
    except PluginExit as exc:
        raise fault("its option_check " + str(exc).removeprefix("it ")) from None
    except Exception as exc:
        raise fault(f"its option_check failed: {in_plugin_words(exc)}") from None
    if said is None or said == "":
        return None
    if not isinstance(said, str):
        raise fault(f"its option_check returned {described(said)}, not a line of text or "
                    "None")
    return said
