"""First-party shallow CNN models for the 28x28 flow input (STSTNet)."""
