"""The protocol that ships with the core, registered through the same hook as any plugin.

Only ``loso``, which knows no database: protocols about particular databases (``loso-smic``
...) come from the plugin that knows them (merbench_datasets).
"""

from __future__ import annotations

from merbench.hookimpl import hookimpl
from merbench.meta import ProtocolMeta
from merbench.registry import ProtocolRegistry

LOSO = ProtocolMeta(
    name="loso",
    version=1,
    description="Leave-one-subject-out over every (database, subject); pooled UF1/UAR",
    citation="MEGC2019 guideline, https://facial-micro-expressiongc.github.io/MEGC2019/",
)


@hookimpl
def merbench_register_protocols(registry: ProtocolRegistry) -> None:
    registry.add(LOSO, "merbench.protocols.loso:LeaveOneSubjectOut")
