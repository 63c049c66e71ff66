"""The action-unit kind's home: an action-unit run (``merbench run --task au``, its
``au-results.json``) and one configuration's runs over seeds (``au-seeds.json``): their
validation, comparison, page, section, tables and kind objects, registered with the layers
every kind shares (:mod:`.registration`).

Why its record is not here: an action-unit run is a run folder, written by the runner's
task strategy (``runner/au_run.py``), below the layers a home stands on, so its records
(``au-results.json``, ``au-seeds.json``: :mod:`merbench.au.record`) and what ``status``
checks of them on their own (:mod:`merbench.au.record_checks`) are in ``merbench/au/``
beside the metric, as spotting's are in ``merbench/spotting/``. The run-folder checks every
run shares (status, provenance, the audit that trains its folds again) read the record as a
:class:`~merbench.results.run_record.RunRecord`, its format handed down by the task's
strategy, and never name its files. This package holds everything else that reads a written
action-unit result; no shared layer imports it (``tests/test_kinds_told_apart.py``)."""
