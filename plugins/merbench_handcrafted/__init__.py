"""merbench's handcrafted baselines: Bi-WOOF, LBP, LBP-TOP and MDMO descriptors with linear
SVMs whose C is chosen on each fold's training subjects only."""
