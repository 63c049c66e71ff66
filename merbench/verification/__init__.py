"""Checking what result files claim, above the code that writes them.

``merbench.results`` reads and writes the files (their layout, migrations, run folders);
this package decides whether to believe them: every number recomputed from the stored
predictions (:mod:`~merbench.verification.validate`), the files' agreement with each other and
with the run's identity (:mod:`~merbench.verification.provenance`), the environment and the
model's declared facts against the installed plugins
(:mod:`~merbench.verification.environment_check`, :mod:`~merbench.verification.declared`).
It sits above ``merbench.runner`` because checking a file means asking how a run would have
produced it (how its executor trains folds, the digest of its inputs).
"""
