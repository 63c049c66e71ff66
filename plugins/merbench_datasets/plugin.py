"""Registers merbench's first-party datasets."""

from __future__ import annotations

from merbench import hookimpl
from merbench.meta import DatasetMeta
from merbench.registry import DatasetRegistry

SYNTHETIC = DatasetMeta(
    name="synthetic",
    version=1,
    description="Generated faces with class-specific action-unit motion, in the composite's format",
    citation="merbench (generated; see merbench_datasets.synthetic)",
    license="MIT",
    provides=("flow_uvos", "landmarks68"),
)


@hookimpl
def merbench_register_datasets(registry: DatasetRegistry) -> None:
    registry.add(SYNTHETIC, "merbench_datasets.synthetic:make_synthetic")
