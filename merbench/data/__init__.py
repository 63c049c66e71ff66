"""What a run learns from: the dataset (a sample table and the sources features read), a
sample's clip of frames, and the task (which of each sample's labels a run predicts)."""
