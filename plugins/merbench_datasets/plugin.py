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

COMPOSITE = DatasetMeta(
    name="composite",
    version=1,
    description="MEGC2019 3-class composite (SMIC, CASME II, SAMM; 442 samples, 68 subjects), "
                "preprocessed release",
    citation="MEGC2019, https://facial-micro-expressiongc.github.io/MEGC2019/",
    license="CASME II, SAMM and SMIC research licences (data not shipped; bring your own)",
    provides=("flow_uvos", "apex_face"),
)


@hookimpl
def merbench_register_datasets(registry: DatasetRegistry) -> None:
    registry.add(SYNTHETIC, "merbench_datasets.synthetic:make_synthetic")
    registry.add(COMPOSITE, "merbench_datasets.composite:make_composite")
