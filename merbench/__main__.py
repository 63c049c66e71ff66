"""``python -m merbench`` is the ``merbench`` command."""

from merbench.cli import console

console()
