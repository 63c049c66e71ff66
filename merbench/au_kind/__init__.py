"""The action-unit kind's home: an action-unit run (``merbench run --task au``, its
``au-results.json``) and one configuration's runs over seeds (``au-seeds.json``): their
validation, comparison, page, section, tables and kind objects, registered with the layers
every kind shares (:mod:`.registration`).

Why its record is not here (yet): an action-unit run is a run folder, written by the
runner's task strategy (``runner/au_run.py``), below the layers a home stands on, and read
by the run-folder checks every run shares (its status, identity, provenance and the audit
that trains its folds again), so ``au-results.json`` and ``au-seeds.json`` are still read by
:mod:`merbench.au.record`. This package holds everything else that reads a written
action-unit result; no shared layer imports it (``tests/test_kinds_told_apart.py``)."""
