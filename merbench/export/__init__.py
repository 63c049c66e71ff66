"""merbench and the authors' code, each given the other's files: ``merbench export`` writes
merbench's preprocessing in the layouts the authors' code reads, and ``merbench
convert-weights`` gives the authors' released weights merbench's names.

:mod:`merbench.export.layouts` writes the MEGC2019 composite release's folders, HTNet's
per-subject ``u_train`` / ``u_test`` tree and the folder CausalNet's script runs in;
:mod:`merbench.export.folder` keeps ``--out`` holding exactly the last export's files;
:mod:`merbench.export.release_compare` scores merbench's images against a release's;
:mod:`merbench.export.authors_weights` renames a released state dict.
"""
