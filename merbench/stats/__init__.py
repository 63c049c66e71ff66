"""Uncertainty of pooled scores: intervals over subjects, and paired tests (comparing two
stored runs, which reads validated files, is :mod:`merbench.scores.comparison`)."""
