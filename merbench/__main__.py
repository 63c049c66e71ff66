"""``python -m merbench`` is the ``merbench`` command."""

import sys

from merbench.cli import main

sys.exit(main())
