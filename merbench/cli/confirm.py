"""Asking before a command starts more runs than anyone starts by accident.

A sweep plan of 80,000 runs (a grid one axis too long) or a seed list pasted a thousand
times would start training at once and fill the disk with run folders. Above
:data:`RUNS_WITHOUT_ASKING` runs a command asks on a terminal, and without one (CI, a
script, a batch job) refuses unless ``--yes`` says the size is meant.
"""

from __future__ import annotations

import sys

from merbench.base.errors import MerbenchError

RUNS_WITHOUT_ASKING = 100


def confirm_runs(n_runs: int, what: str, yes: bool, fewer: str = "shorten the plan") -> None:
    """Go on with ``n_runs`` runs of ``what`` (e.g. "sweep plan.toml") if that is few, if
    ``yes``, or if the user says so on a terminal; else raise a one-line refusal saying how
    to ask for ``fewer``."""
    if n_runs <= RUNS_WITHOUT_ASKING or yes:
        return
    question = (f"{what} starts {n_runs:,} runs (more than {RUNS_WITHOUT_ASKING}); each trains "
                "every fold of its protocol")
    if not sys.stdin.isatty():
        raise MerbenchError(f"{question}; pass --yes to start them all, or {fewer}")
    try:
        answer = input(f"{question}. Start them all? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise MerbenchError(f"{what}: not started ({n_runs:,} runs); pass --yes to start "
                            "them without asking")
