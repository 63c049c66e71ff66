"""merbench sweep: a plan of many runs, locally or on Ray (plan_file.py, run_plan.py).

``plan_file.py`` reads a plan into its configurations (``configuration.py``), each found in
its ``out`` under another folder name where its runs are there (``same_identity.py``);
``run_plan.py`` runs them."""
