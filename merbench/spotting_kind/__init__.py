"""The spotting kind's home: a spotting run (``merbench spot``), with its spot-then-recognise
record (``str.json``) where ``--recognise`` made one, and a spotting run recognised over
seeds (``str-seeds.json``): their status, validation, audit, page, section, tables and
kind objects, registered with the layers every kind shares (:mod:`.registration`).

Why a folder of its own, not :mod:`merbench.spotting` or a package inside it: a home stands
above the shared layers it registers with (``kinds``, ``leaderboard``, ``verification``),
and ``merbench spot``'s writer (``runner/spot*.py``), which stands below them, computes with
:mod:`merbench.spotting` and writes the kind's records. So the kind is in two folders, one
for each side of the runner: :mod:`merbench.spotting` holds what the writer needs (the
metric, the choice of setting, and the records of ``spotting.json``, ``str.json`` and
``str-seeds.json``: ``record.py``, ``str_record.py``, ``str_seeds_record.py``), this package
everything that reads a written result. Folders are layered whole
(``tests/test_import_graph.py``), so a package inside :mod:`merbench.spotting` would lift
the whole folder above the runner that imports it. No shared layer names either folder's
files or imports either (``tests/test_kinds_told_apart.py``)."""
