"""The protocols that ship with the core, registered through the same hook as any plugin.

``loso``, ``lodo`` and ``subject-split`` (the fold ``merbench tune`` builds its runs from),
which know no database by name (they split on the sample table's ``database`` and
``subject`` columns): protocols about particular databases (``loso-smic``
...) come from the plugin that knows them (merbench_datasets).
"""

from __future__ import annotations

from merbench.meta import ProtocolMeta
from merbench.plugin_system.hookimpl import hookimpl
from merbench.plugin_system.registry import ProtocolRegistry

LOSO = ProtocolMeta(
    name="loso",
    version=1,
    description="Leave-one-subject-out over every (database, subject); pooled UF1/UAR",
    citation="MEGC2019 guideline, https://facial-micro-expressiongc.github.io/MEGC2019/",
)

LODO = ProtocolMeta(
    name="lodo",
    version=1,
    description="Leave-one-database-out: train on every database but one, test on that one; "
                "UF1/UAR pooled and per held-out database",
    citation="merbench; related to MEGC2018's holdout-database evaluation, "
             "https://doi.org/10.1109/FG.2018.00106",
)

SUBJECT_SPLIT = ProtocolMeta(
    name="subject-split",  # merbench.results.protocol_names.SUBJECT_SPLIT: its checks
    version=1,
    description="One fold: train on the subjects listed in option train, test on those in "
                "option test, read no other; what merbench tune's inner folds and "
                "retrainings run",
    citation="merbench; nested cross-validation as in Varma and Simon 2006, "
             "https://doi.org/10.1186/1471-2105-7-91",
    required_options=("train", "test"),
)


@hookimpl
def merbench_register_protocols(registry: ProtocolRegistry) -> None:
    registry.add(LOSO, "merbench.protocols.loso:LeaveOneSubjectOut")
    registry.add(LODO, "merbench.protocols.lodo:LeaveOneDatabaseOut")
    registry.add(SUBJECT_SPLIT, "merbench.protocols.subject_split:SubjectSplit")
