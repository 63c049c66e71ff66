"""merbench's handcrafted baselines: Bi-WOOF and LBP descriptors with linear SVMs whose C is
chosen on each fold's training subjects only."""
