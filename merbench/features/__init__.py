"""Features: what an extractor is and returns, how a dataset's values are extracted, and a
feature saved to a file.

- :mod:`~merbench.features.extractor`: the per-sample extractor protocol and the report an
  extractor may return beside its values (re-exported here: plugins reach them through
  :mod:`merbench.api`);
- :mod:`~merbench.features.extraction`: a whole dataset's values, per-sample ones cached,
  resumable and in parallel (``merbench run`` and ``merbench extract``);
- :mod:`~merbench.features.saved_file`: ``merbench extract --save`` and ``merbench run
  --features``, so a feature computed on one machine trains on another.
"""

from __future__ import annotations

from merbench.features.extractor import Extracted, Sample, SampleExtractor, unpack

__all__ = ["Extracted", "Sample", "SampleExtractor", "unpack"]
