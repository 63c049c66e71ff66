"""Run directories and the versioned results file."""

from merbench.results.rundir import RunDirectory, atomic_write_bytes
from merbench.results.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "RunDirectory", "atomic_write_bytes"]
