"""MMNet (Li et al., IJCAI 2022) as a merbench model plugin, with its composite-release variant."""
