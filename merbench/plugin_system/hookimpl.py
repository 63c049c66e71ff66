"""The marker plugins decorate their hook implementations with (also ``merbench.hookimpl``)."""

import pluggy

hookimpl = pluggy.HookimplMarker("merbench")
