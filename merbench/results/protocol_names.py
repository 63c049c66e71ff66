"""The name of the one protocol whose results are checked differently: ``subject-split``.

A ``subject-split`` run (every run of a tuning) tests exactly the subjects its options list,
not every subject of the databases it tests, so the results' checks
(:func:`merbench.results.run_files.check_against_dataset`) must know it by name. The
builtin plugin registers the protocol under this name (:mod:`merbench.protocols.builtin`;
``tests/test_import_graph.py`` holds the two together); it is written here so that reading a
result file imports no protocol, whose package registers plugins.
"""

from __future__ import annotations

SUBJECT_SPLIT = "subject-split"  # the protocol's registered name
