"""Training one fold: torch models with the core trainer, estimators with fit / predict."""
