"""``python -m merbench`` is the ``merbench`` command (through its console script's start,
which says a Ctrl-C while the command line loads in one line)."""

from merbench_console import console

console()
