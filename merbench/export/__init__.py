"""``merbench export``: merbench's preprocessing written in the layouts the authors' code reads.

:mod:`merbench.export.layouts` writes the MEGC2019 composite release's folders, HTNet's
per-subject ``u_train`` / ``u_test`` tree and CausalNet's four images a sample;
:mod:`merbench.export.release_compare` scores merbench's images against a release's.
"""
