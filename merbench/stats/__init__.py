"""Uncertainty of pooled scores: intervals over subjects, and paired comparisons."""
