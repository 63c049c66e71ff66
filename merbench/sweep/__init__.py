"""merbench sweep: a plan of many runs, locally or on Ray (plan.py, execute.py)."""
