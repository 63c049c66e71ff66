"""How an emotion run's predictions become its scores: the confusion-count ratios every
classification score is made of (AU and spotting scores too), the selection policies that
choose each fold's epoch, UF1 and UAR pooled over folds, a run scored, and stored runs
compared.

A concept package: each module stands in its own layer (``tests/test_import_graph.py``'s
``CONCEPT_PACKAGES``), so this file imports nothing."""
