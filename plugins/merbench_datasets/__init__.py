"""First-party datasets for merbench."""
