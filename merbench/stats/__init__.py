"""Uncertainty of pooled scores, and the arithmetic they are made of: UF1, UAR, per-class
F1 and recall from confusion counts, intervals over subjects, and paired tests (comparing two
stored runs, which reads validated files, is :mod:`merbench.compare.emotion`)."""
