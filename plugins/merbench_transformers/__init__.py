"""Shared building blocks of merbench's transformer models (MMNet, HSTA): ViT blocks and
augmentations that move all frames of a sample together. A library, not a plugin: it
registers nothing."""
