"""First-party feature extractors for merbench."""
