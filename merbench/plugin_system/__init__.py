"""How plugins plug in: the hooks they implement, the plugin manager that finds them, the
registries they fill, their factories named as strings and imported on first use, and what
the lifecycle hooks are told.

A concept package: each module stands in its own layer (``tests/test_import_graph.py``'s
``CONCEPT_PACKAGES``), so this file imports nothing. The names plugins use are in
:mod:`merbench.api`."""
