"""Results: the typed model of every file a run writes, its versions and migrations, and the
run folders they are read from and written to. Whether to believe a file is
:mod:`merbench.verification`'s job, a layer above the runner."""

from merbench.results.model import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION"]
