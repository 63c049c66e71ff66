"""merbench's timm plugin: every architecture of PyTorch Image Models as a MER model."""
