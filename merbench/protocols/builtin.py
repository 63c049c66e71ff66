"""The protocols that ship with the core, registered through the same hook as any plugin."""

from __future__ import annotations

from merbench.hookimpl import hookimpl
from merbench.meta import ProtocolMeta
from merbench.protocols.loso import within
from merbench.registry import ProtocolRegistry

LOSO = ProtocolMeta(
    name="loso",
    version=1,
    description="Leave-one-subject-out over every (database, subject); pooled UF1/UAR",
    citation="MEGC2019 guideline, https://facial-micro-expressiongc.github.io/MEGC2019/",
)


PER_DATABASE = {"casme2": "CASME II", "samm": "SAMM", "smic": "SMIC-HS"}


@hookimpl
def merbench_register_protocols(registry: ProtocolRegistry) -> None:
    registry.add(LOSO, "merbench.protocols.loso:LeaveOneSubjectOut")
    for database, title in PER_DATABASE.items():
        meta = ProtocolMeta(
            name=f"loso-{database}",
            version=1,
            description=f"Leave-one-subject-out inside {title} alone ({database} samples only)",
            citation="MEGC2019 guideline, https://facial-micro-expressiongc.github.io/MEGC2019/",
        )
        registry.add(meta, within(database))
