"""merbench's spotters: find micro- and macro-expressions in long videos (issue 56).

- :func:`flow_peak_spotter` (``flow-peak``): the training-free baseline of the MEGC
  challenges, optical-flow motion of facial regions against frames ``k`` before and after,
  and peaks above a threshold relative to the video's own signal
  (:mod:`merbench_spotters.flow_peak`; docs/spotting.md).

Each factory returns a :class:`merbench.spotting.spotter.Spotter`; :mod:`.plugin` registers
them (hook ``merbench_register_spotters``) for ``merbench spot``.
"""

from merbench_spotters.flow_peak import FlowPeakOptions, FlowPeakSpotter, flow_peak_spotter

__all__ = ["FlowPeakOptions", "FlowPeakSpotter", "flow_peak_spotter"]
