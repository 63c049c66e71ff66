"""What a fold trained again must match, and how well it does: bit-identical where the
run's conditions are met again, otherwise the same start and :data:`MIN_AGREEMENT` of the
stored predictions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.audit_model import AuditComparison, FoldAudit
from merbench.results.run_record import RunRecord
from merbench.results.schema import installed_version

MIN_AGREEMENT = 0.9  # of stored per-epoch predictions, where bit-identity is not expected


def expected_comparison(results: RunRecord, folds: list[FoldOutcome],
                        device_name: str, commit: str | None) -> tuple[AuditComparison, str]:
    """Bit-identical unless the audited fold files say their conditions are not met again
    (``commit``: this merbench's git commit), with the reason either way.

    What loosens the comparison is read from the fold files (the code that trained each, its
    device, the folds it trained with), which the run's manifest and the audit's signature
    cover, and from the precision the run's identity fixes; never from ``results.json``'s
    ``environment``, which nothing binds to the training. A fact that is not recorded, or
    one only ``results.json`` states, can make the comparison stricter, never looser."""
    import torch  # deferred: torch, which reading and comparing result files never needs

    torch_run = results.model.kind == "torch"
    if results.precision != "fp32":
        return "tolerance", f"the run trained in {results.precision}"
    codes = [f.trained_with for f in folds]
    if any(code is None for code in codes):
        return "bit-identical", ("the fold files do not record the code that trained them "
                                 "(written before merbench recorded it), so nothing verified "
                                 "allows a looser comparison")
    here = {"merbench": installed_version("merbench"), "git_commit": commit,
            "torch": torch.__version__, "scikit_learn": installed_version("scikit-learn")}
    for code in codes:
        assert code is not None
        if torch_run and code.get("torch") != here["torch"]:
            return "tolerance", (f"a fold file says torch {code.get('torch')} trained it, "
                                 f"this is {here['torch']}")
        if not torch_run and code.get("scikit_learn") != here["scikit_learn"]:
            return "tolerance", (f"a fold file says scikit-learn {code.get('scikit_learn')} "
                                 f"trained it, this is {here['scikit_learn']}")
    other = sorted({f.device for f in folds} - {device_name})
    if other:
        return "tolerance", f"the folds trained on {', '.join(other)}, this on {device_name}"
    engine = results.engine
    together = [f for f in folds if f.folds_at_once is not None and f.folds_at_once > 1]
    # results.json's engine may only say the stacked folds give the same numbers (stricter)
    if torch_run and together and (engine is None
                                   or engine.same_numbers_as_sequential is not True):
        return "tolerance", ("the fold files say they trained together with other folds "
                             "(the engine draws other random numbers then)")
    for code in codes:
        assert code is not None
        same_code = code.get("git_commit") == commit if commit is not None else (
            code.get("git_commit") is None and code.get("merbench") == here["merbench"])
        if not same_code:
            trained = code.get("git_commit") or f"version {code.get('merbench')}"
            this = commit or f"version {here['merbench']}"
            return "tolerance", (f"a fold file says merbench {str(trained)[:13]} trained it, "
                                 f"this is {str(this)[:13]}: its code may round otherwise")
    captured = ("; its epochs were replayed as captured CUDA graphs, which run the eager "
                "engine's kernels (the same bits in fp32)"
                if engine is not None and engine.captured else "")
    return "bit-identical", (f"the same merbench, device ({device_name}), versions and "
                             f"precision (fp32), one fold at a time{captured}")


def compare_fold(stored: FoldOutcome, again: FoldOutcome, comparison: AuditComparison,
                 fold_sha256: str, reported: Sequence[int] = ()) -> FoldAudit:
    """How well ``again`` (trained now) reproduces ``stored`` (the fold file). Under the
    tolerance, each epoch in ``reported`` (1-based: the epochs the run's policies report for
    this fold) must also agree on its own: a tolerance over every epoch would otherwise let
    nearly the whole reported epoch be rewritten."""
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
    short = _reported_short(stored.epoch_predictions == again.epoch_predictions, reported)
    if comparison == "tolerance" and agreement >= MIN_AGREEMENT and same[0].all() \
            and short is None:
        return verdict("within-tolerance", agreement, detail)
    if comparison == "tolerance" and short is not None:
        detail += f" ({short})"
    if comparison == "tolerance" and not same[0].all():
        detail += " (the first epoch already differs: not the same start)"
    return verdict("differs", agreement, detail)


def _reported_short(same: np.ndarray, reported: Sequence[int]) -> str | None:
    """The first reported epoch whose own test predictions agree less than the tolerance
    asks, said as a phrase; None when every one agrees enough."""
    for epoch in sorted(set(reported)):
        if 1 <= epoch <= len(same) and same[epoch - 1].size:
            alike = float(same[epoch - 1].mean())
            if alike < MIN_AGREEMENT:
                return (f"reported epoch {epoch}: {alike:.0%} of its predictions came again, "
                        f"under the {MIN_AGREEMENT:.0%} each reported epoch needs")
    return None
