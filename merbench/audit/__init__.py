"""``merbench audit``: train some of a run's folds again and compare with what it stored.

``merbench validate`` proves that a run's numbers follow from its fold files, and that its
files agree with one another; it cannot prove that the fold files came from training. A
forger who edits every file consistently (labels swapped, a 3-epoch run padded to 800, the
seed or model renamed) passes it. An audit closes that gap the only way there is: from the
run's recorded identity and the user's own copy of the data it trains the chosen folds
again, and compares every epoch's test predictions with the stored ones.

Where merbench's code, the device, torch (or scikit-learn) version and precision are the
run's own (CPU fp32, one fold at a time or an engine that gives the same numbers), training
is deterministic, so the predictions must be bit-identical. Elsewhere (another merbench
commit whose code rounds otherwise, another GPU or torch, bf16, dropout masks drawn for
folds trained together) they may drift apart as training goes on, but from the same start:
the first epoch's predictions must be the stored ones and at least :data:`MIN_AGREEMENT` of
all stored per-epoch predictions must come out again. Another seed passes that in about 5%
of the folds of the committed STSTNet runs (10 of 204 fold pairs), so an audit of three
folds tells seeds apart; a run trained by older code that rounded otherwise (the committed
reduced HTNet runs) passes with 95.6-100% alike. Each audit
is appended to ``audit.json`` beside the run, with the digests of the files it compared, so
an edit made afterwards voids it; with ``--sign KEY`` it is signed over the digests of every
file of the run (:mod:`merbench.results.signature`), since only a record a trusted key signed
counts on a leaderboard: anyone can write an unsigned one.

One concept per module:

- :mod:`~merbench.audit.retrain`: :func:`audit_run`, the chosen folds trained again with
  the run's own trainer set-up (:mod:`merbench.runner.trainer_setup`);
- :mod:`~merbench.audit.verdict`: what a fold trained again must match, and how well it does;
- :mod:`~merbench.audit.log`: ``audit.json``, read and appended to.
"""

from __future__ import annotations

from merbench.audit.log import AUDIT_FILE, file_sha256, read_audits, record_audit
from merbench.audit.retrain import DEFAULT_FOLDS, audit_run, audit_spec, choose_folds
from merbench.audit.verdict import MIN_AGREEMENT, compare_fold, expected_comparison

__all__ = ["AUDIT_FILE", "DEFAULT_FOLDS", "MIN_AGREEMENT", "audit_run", "audit_spec",
           "choose_folds", "compare_fold", "expected_comparison", "file_sha256",
           "read_audits", "record_audit"]
