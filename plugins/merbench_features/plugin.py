"""Registers merbench's first-party features."""

from __future__ import annotations

from merbench import hookimpl
from merbench.registry import FeatureRegistry
from merbench_features.flow_uvos import FLOW_UVOS, build_flow_uvos


@hookimpl
def merbench_register_features(registry: FeatureRegistry) -> None:
    registry.add(FLOW_UVOS, build_flow_uvos)
