"""Registers merbench's spotters (entry point ``spotters`` in the ``merbench`` group)."""

from __future__ import annotations

from merbench.api import SpotterMeta, SpotterRegistry, hookimpl

FLOW_PEAK = SpotterMeta(
    name="flow-peak",
    version=1,
    description="Training-free MEGC-baseline spotter: facial-region optical-flow motion "
                "against frames k before and after, peaks above mean + p (max - mean)",
    citation="MEGC 2020 baseline (MDMD), He et al., https://github.com/HeyingGithub/"
             "Baseline-project-for-MEGC2020_spotting; docs/spotting.md",
    license="MIT",
    # MDMD reports p from 0.01 to 0.99; the MEGC 2019 baseline uses 0.15. Seven values a
    # tenth apart cover where a database's best lies and cost one flow pass a video.
    tuned=(("p", (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)),),
)

FLOW_SCORE = SpotterMeta(
    name="flow-score",
    version=1,
    description="Learned spotter (SoftNet's plan): a per-frame score regressed from facial "
                "block motion k before and after, trained leave one subject out, its "
                "threshold chosen on the training subjects' held-out groups",
    citation="Liong et al., SoftNet, ICIP 2021, https://github.com/genbing99/SoftNet-SpotME; "
             "docs/spotting.md",
    license="MIT",
)


@hookimpl
def merbench_register_spotters(registry: SpotterRegistry) -> None:
    registry.add(FLOW_PEAK, "merbench_spotters.flow_peak:flow_peak_spotter")
    registry.add(FLOW_SCORE, "merbench_spotters.flow_score:flow_score_spotter")
