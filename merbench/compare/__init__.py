"""Stored runs compared: each run's pooled score with its interval, and paired tests of
whether one really differs from another on the same subjects, from files ``merbench
validate`` accepted (emotion runs in :mod:`merbench.compare.emotion`, action-unit runs in
:mod:`merbench.au_kind.comparison`), and the comparisons ``merbench compare`` runs for the
kinds that name them (:mod:`merbench.compare.contract`). Above the checks it reads through,
below the commands and pages that show it."""
