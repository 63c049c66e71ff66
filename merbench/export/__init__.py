"""``merbench export``: merbench's preprocessing written in the layouts the authors' code reads.

:mod:`merbench.export.layouts` writes the MEGC2019 composite release's folders, HTNet's
per-subject ``u_train`` / ``u_test`` tree and the folder CausalNet's script runs in;
:mod:`merbench.export.folder` keeps ``--out`` holding exactly the last export's files;
:mod:`merbench.export.release_compare` scores merbench's images against a release's.
"""
