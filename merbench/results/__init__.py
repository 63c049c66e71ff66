"""Results: the typed model of every file a run writes, its versions and migrations, the one
scoring function, and the checks (validate) and progress (status) read from them."""

from merbench.results.model import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION"]
