"""HSTA (Hao et al., 2024) as a merbench model plugin, with its composite-release variant."""
