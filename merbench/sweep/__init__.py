"""merbench sweep: a plan of many runs, locally or on Ray (plan_file.py, run_plan.py)."""
