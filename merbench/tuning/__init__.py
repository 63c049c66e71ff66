"""Hyper-parameter search with the test subject kept out: ``merbench tune``."""
