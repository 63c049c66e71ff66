"""Action units (AUs), the ``--task au`` task's own: a sample's AU labels, their detection
scores, an AU run scored, and AU runs compared.

A concept package: each module stands in its own layer (the labels are vocabulary, the
scores computation, the comparison checking: ``tests/test_import_graph.py``'s
``CONCEPT_PACKAGES``), so this file imports nothing."""
