"""Whether installed plugins load by themselves: ``MERBENCH_DISABLE_PLUGIN_AUTOLOAD``, read in
one place, and why a plugin is missing when they do not."""

from __future__ import annotations

import os
import shlex

from merbench.base.errors import PluginError

AUTOLOAD_ENV = "MERBENCH_DISABLE_PLUGIN_AUTOLOAD"

#: the spellings of MERBENCH_DISABLE_PLUGIN_AUTOLOAD, in any letter case and padding: unlike
#: pytest's PYTEST_DISABLE_PLUGIN_AUTOLOAD (any non-empty value), ``off`` or ``0`` turn
#: nothing off, and a value that is neither is refused (``=off`` and ``=maybe`` silently
#: loaded no plugin)
_DISABLE = ("1", "true", "yes", "on")
_KEEP = ("", "0", "false", "no", "off")


def autoload_disabled() -> bool:
    """Whether MERBENCH_DISABLE_PLUGIN_AUTOLOAD turns autoloading off; a value that says
    neither yes nor no is refused in one line."""
    raw = os.environ.get(AUTOLOAD_ENV, "")
    value = raw.strip().lower()
    if value in _DISABLE or value in _KEEP:
        return value in _DISABLE
    raise PluginError(f"{AUTOLOAD_ENV}={shlex.quote(raw)} is neither on nor off; set it to 1 "
                      "(or true, yes, on) to load only the plugins named with -p NAME, or to "
                      "0 (or false, no, off), or unset it, to load every installed plugin")


def not_loaded(autoload_given: bool) -> str:
    """Why installed plugins are missing when autoloading is off, for an unknown name."""
    if autoload_given:
        return "plugins are not autoloaded (autoload=False): name them in enable="
    return (f"{AUTOLOAD_ENV}={shlex.quote(os.environ.get(AUTOLOAD_ENV, ''))} is set, so "
            "installed plugins load only when named with -p NAME: unset it, or add -p NAME")


__all__ = ["AUTOLOAD_ENV", "autoload_disabled", "not_loaded"]
