"""merbench's reference model, HTNet (Wang et al., Neurocomputing 2024), as a plugin."""
