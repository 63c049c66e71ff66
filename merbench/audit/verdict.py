"""What a fold trained again must match, and how well it does: bit-identical where the
run's conditions are met again, otherwise the same start and :data:`MIN_AGREEMENT` of the
stored predictions."""

from __future__ import annotations

from typing import Any

import numpy as np

from merbench.results.model import AuditComparison, FoldAudit, Results
from merbench.results.schema import installed_version
from merbench.runinfo import FoldOutcome

MIN_AGREEMENT = 0.9  # of stored per-epoch predictions, where bit-identity is not expected


def expected_comparison(results: Results, folds: list[FoldOutcome],
                        device_name: str, commit: str | None) -> tuple[AuditComparison, str]:
    """Bit-identical where the run's conditions are met again (``commit``: this merbench's
    git commit), with the reason either way."""
    import torch  # deferred: torch, which reading and comparing result files never needs

    env = results.environment
    torch_run = results.model.kind == "torch"
    if results.precision != "fp32":
        return "tolerance", f"the run trained in {results.precision}"
    if torch_run and env.torch != torch.__version__:
        return "tolerance", f"the run used torch {env.torch}, this is {torch.__version__}"
    if not torch_run:
        here = installed_version("scikit-learn")
        if env.scikit_learn != here:
            return "tolerance", (f"the run used scikit-learn {env.scikit_learn}, this is "
                                 f"{here}")
    other = sorted({f.device for f in folds} - {device_name})
    if other:
        return "tolerance", f"the folds trained on {', '.join(other)}, this on {device_name}"
    engine = results.engine
    # how folds not saying so trained
    alone = engine is not None and engine.mode in ("sequential", "none")
    together = [f for f in folds if f.folds_at_once != 1
                and not (f.folds_at_once is None and alone)]
    if torch_run and together and (engine is None
                                   or engine.same_numbers_as_sequential is not True):
        return "tolerance", ("some folds trained together with others, or the run did not "
                             "record how (the engine draws other random numbers then)")
    if env.git_commit is None or env.git_commit != commit:
        return "tolerance", (f"the run was trained by merbench {str(env.git_commit)[:7]}"
                             f", this is {str(commit)[:7]}: its code may round otherwise")
    captured = ("; its epochs were replayed as captured CUDA graphs, which run the eager "
                "engine's kernels (the same bits in fp32)"
                if engine is not None and engine.captured else "")
    return "bit-identical", (f"the same merbench, device ({device_name}), versions and "
                             f"precision (fp32), one fold at a time{captured}")


def compare_fold(stored: FoldOutcome, again: FoldOutcome, comparison: AuditComparison,
                 fold_sha256: str) -> FoldAudit:
    """How well ``again`` (trained now) reproduces ``stored`` (the fold file)."""
    def verdict(outcome: Any, agreement: float, detail: str) -> FoldAudit:
        return FoldAudit(index=stored.index, key=list(stored.key), outcome=outcome,
                         agreement=agreement, fold_sha256=fold_sha256, detail=detail)

    if not (np.array_equal(stored.test_index, again.test_index)
            and np.array_equal(stored.sample_ids.astype(str), again.sample_ids.astype(str))):
        return verdict("differs", 0.0, "the fold file tests other samples than the data gives")
    if not np.array_equal(stored.y_true, again.y_true):
        wrong = int((stored.y_true != again.y_true).sum())
        return verdict("differs", 0.0, f"{wrong} stored label(s) are not the data's")
    if stored.epoch_predictions.shape != again.epoch_predictions.shape:
        return verdict("differs", 0.0, (
            f"the fold file holds {stored.epoch_predictions.shape[0]} epoch(s) of "
            f"predictions, training again gives {again.epoch_predictions.shape[0]}"))
    same = stored.epoch_predictions == again.epoch_predictions
    agreement = float(same.mean()) if same.size else 1.0
    kept_val, new_val = stored.val_predictions, again.val_predictions
    if (kept_val is None) != (new_val is None) or (
            kept_val is not None and new_val is not None and kept_val.shape != new_val.shape):
        return verdict("differs", agreement, "the inner-validation predictions differ in shape")
    if kept_val is not None and new_val is not None:
        same = np.concatenate([same, kept_val == new_val], axis=1)
        agreement = float(same.mean())
    if same.all():
        return verdict("identical", 1.0, "")
    epoch, column = (int(i) for i in np.argwhere(~same)[0])
    if column < stored.epoch_predictions.shape[1]:
        detail = (f"epoch {epoch + 1}, sample {stored.sample_ids[column]}: stored "
                  f"{int(stored.epoch_predictions[epoch, column])}, trained again "
                  f"{int(again.epoch_predictions[epoch, column])}")
    else:
        detail = f"epoch {epoch + 1}: an inner-validation prediction differs"
    if comparison == "tolerance" and agreement >= MIN_AGREEMENT and same[0].all():
        return verdict("within-tolerance", agreement, detail)
    if comparison == "tolerance" and not same[0].all():
        detail += " (the first epoch already differs: not the same start)"
    return verdict("differs", agreement, detail)
