"""A run's selection policies checked against the rules they name: each claimed policy is
one merbench knows, marked test-set selection exactly when its rule is, supported by the fold
data (inner-val needs held-out predictions; a model fitted once, or saved weights evaluated,
supports only ``fixed``). For :mod:`merbench.verification.validate`; here, above the rules
(:mod:`merbench.scores.selection`), since the run files' layer sits below them.
"""

from __future__ import annotations

from pathlib import Path

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.model import Results
from merbench.results.run_files import ResultRejected
from merbench.scores.selection import POLICIES


def check_policies(run_dir: Path, results: Results,
                    folds: list[FoldOutcome]) -> list[str]:
    """The claimed policies, each one the fold data can support and marked as it must be."""
    selection = results.selection
    claimed = list(results.metrics_by_policy)
    if sorted(claimed) != sorted(selection.available):
        raise ResultRejected(run_dir, f"selection.available {selection.available} differs "
                                      f"from the policies in metrics_by_policy {claimed}")
    if selection.policy not in claimed:
        raise ResultRejected(run_dir, f"reports policy '{selection.policy}' but has no "
                                      "metrics for it in metrics_by_policy")
    for name in claimed:
        policy = POLICIES.get(name)
        if policy is None:
            raise ResultRejected(run_dir, f"claims selection policy '{name}', which merbench "
                                          f"does not know ({', '.join(POLICIES)})")
        marked = results.metrics_by_policy[name].test_set_selection
        if marked is not policy.test_set_selection:
            raise ResultRejected(run_dir, (
                f"marks policy '{name}' test_set_selection={marked}, but it is "
                f"{policy.test_set_selection}: {policy.description}"))
        if policy.needs_inner_val and any(f.val_predictions is None or f.val_y_true is None
                                          or not len(f.val_y_true) for f in folds):
            raise ResultRejected(run_dir, (
                f"claims policy '{name}' but its fold files hold no inner-validation "
                "predictions, so no epoch could have been chosen that way"))
    if selection.test_set_selection is not POLICIES[selection.policy].test_set_selection:
        raise ResultRejected(run_dir, f"marks its policy '{selection.policy}' "
                                      f"test_set_selection={selection.test_set_selection}")
    if results.model.kind != "torch" and claimed != ["fixed"]:
        raise ResultRejected(run_dir, (
            f"model kind '{results.model.kind}' is fitted once, so it has one prediction "
            f"per sample and can support only 'fixed', not {claimed}"))
    if not results.trained and claimed != ["fixed"]:
        raise ResultRejected(run_dir, (
            "evaluates saved weights (trained: false), so it has one prediction per sample "
            f"and can support only 'fixed', not {claimed}"))
    return claimed
