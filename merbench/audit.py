"""``merbench audit``: train some of a run's folds again and compare with what it stored.

``merbench validate`` proves that a run's numbers follow from its fold files, and that its
files agree with one another; it cannot prove that the fold files came from training. A
forger who edits every file consistently (labels swapped, a 3-epoch run padded to 800, the
seed or model renamed) passes it. An audit closes that gap the only way there is: from the
run's recorded identity and the user's own copy of the data it trains the chosen folds
again, and compares every epoch's test predictions with the stored ones.

Where merbench's code, the device, torch (or scikit-learn) version and precision are the
run's own (CPU fp32, one fold at a time or an engine that gives the same numbers), training
is deterministic, so the predictions must be bit-identical. Elsewhere (another merbench
commit whose code rounds otherwise, another GPU or torch, bf16, dropout masks drawn for
folds trained together) they may drift apart as training goes on, but from the same start:
the first epoch's predictions must be the stored ones and at least :data:`MIN_AGREEMENT` of
all stored per-epoch predictions must come out again. Another seed passes that in about 5%
of the folds of the committed STSTNet runs (10 of 204 fold pairs), so an audit of three
folds tells seeds apart; a run trained by older code that rounded otherwise (the committed
reduced HTNet runs) passes with 95.6-100% alike. Each audit
is appended to ``audit.json`` beside the run, with the digests of the files it compared, so
an edit made afterwards voids it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np

from merbench.atomic import atomic_write_json
from merbench.errors import MerbenchError
from merbench.plugins import Plugins, default_plugins, plugin_versions
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.migrations import migrate
from merbench.results.model import (
    SCHEMA_VERSION,
    AuditComparison,
    AuditLog,
    AuditRecord,
    FoldAudit,
    Results,
)
from merbench.results.rundir import RunDirectory, differences
from merbench.results.schema import environment, now_iso, read_json
from merbench.run.spec import RunSpec
from merbench.runinfo import FoldOutcome

AUDIT_FILE = "audit.json"
MIN_AGREEMENT = 0.9  # of stored per-epoch predictions, where bit-identity is not expected
DEFAULT_FOLDS = 3
OnFold = Callable[[FoldAudit], None]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def choose_folds(n_folds: int, count: int | None, seed: int | None) -> tuple[list[int],
                                                                            int | None]:
    """``count`` fold indices drawn from ``seed`` (a fresh seed when None), or every fold
    when ``count`` is None; the seed is returned so the same folds can be drawn again."""
    if count is None or count >= n_folds:
        return list(range(n_folds)), None
    if count < 1:
        raise MerbenchError("--folds takes a number of folds of 1 or more, or 'all'")
    seed = secrets.randbelow(2**31) if seed is None else seed
    rng = np.random.default_rng(seed)
    return sorted(int(i) for i in rng.choice(n_folds, size=count, replace=False)), seed


def audit_spec(run_dir: Path, *, data_root: str | None, device: str,
               workers: int | None) -> RunSpec:
    """The run's recorded spec, to train in a scratch folder: one fold at a time, no saved
    states, features extracted from the user's data (not a file named on another machine)."""
    config = RunDirectory(run_dir).read_run_file().config
    spec = RunSpec.from_dict(config)
    return dataclasses.replace(spec, out=None, device=device, parallel_folds=1,
                               checkpoint_every=0.0, features=None, workers=workers,
                               data_root=data_root if data_root is not None else spec.data_root)


def expected_comparison(results: Results, folds: list[FoldOutcome],
                        device_name: str, commit: str | None) -> tuple[AuditComparison, str]:
    """Bit-identical where the run's conditions are met again (``commit``: this merbench's
    git commit), with the reason either way."""
    import torch

    env = results.environment
    torch_run = results.model.kind == "torch"
    if results.precision != "fp32":
        return "tolerance", f"the run trained in {results.precision}"
    if torch_run and env.torch != torch.__version__:
        return "tolerance", f"the run used torch {env.torch}, this is {torch.__version__}"
    if not torch_run:
        from merbench.results.schema import installed_version

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
    return "bit-identical", (f"the same merbench, device ({device_name}), versions and "
                             "precision (fp32), one fold at a time")


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


def audit_run(run_dir: Path, *, count: int | None = DEFAULT_FOLDS, seed: int | None = None,
              data_root: str | None = None, device: str = "cpu", workers: int | None = None,
              plugins: Plugins | None = None, on_fold: OnFold | None = None,
              chosen: Callable[[list[int], int | None], None] | None = None) -> AuditRecord:
    """Audit ``run_dir`` (which must validate): train ``count`` folds drawn from ``seed``
    (None: every fold) again and compare them. ``chosen`` is told the folds before any
    trains, ``on_fold`` each fold's outcome. The record is returned, not written."""
    from merbench.results.validate import validate_run
    from merbench.run.data import load_data
    from merbench.run.identity import run_identity
    from merbench.run.plan import plan_run

    run_dir = Path(run_dir)
    results = validate_run(run_dir).results  # a rejected run is not worth training
    plugins = plugins or default_plugins()
    store = RunDirectory(run_dir)
    indices, choice_seed = choose_folds(results.protocol.n_folds, count, seed)
    if chosen is not None:
        chosen(indices, choice_seed)
    spec = audit_spec(run_dir, data_root=data_root, device=device, workers=workers)
    data = load_data(plan_run(spec, plugins))
    identity = run_identity(data)
    device_name = _device_name(data)
    base: dict[str, Any] = {
        "created": now_iso(), "results_sha256": file_sha256(run_dir / "results.json"),
        "n_folds": results.protocol.n_folds, "choice_seed": choice_seed,
        "environment": environment(device_name, plugin_versions(plugins))}
    found = differences(identity.to_dict(),
                        _defaults_left_out(store.read_run_file().identity, data.plan))
    if found:
        return AuditRecord(**base, comparison="tolerance", reason="", min_agreement=1.0,
                           folds=[], passed=False, failure=(
                               "this data and merbench give another run than the one recorded "
                               f"({'; '.join(found[:2])}, 'here' being this copy): nothing "
                               "trained can match it"))
    stored = {i: store.load_fold(i) for i in indices}
    comparison, reason = expected_comparison(results, [f for f in stored.values() if f],
                                             device_name, base["environment"].git_commit)
    audits = []
    for index, again in zip(indices, _train_again(data, identity, indices, device_name,
                                                   plugins), strict=True):
        kept = stored[index]
        assert kept is not None  # validate_run found every fold file
        audit = compare_fold(kept, again, comparison, file_sha256(store.fold_path(index)))
        audits.append(audit)
        if on_fold is not None:
            on_fold(audit)
    return AuditRecord(**base, comparison=comparison, reason=reason,
                       min_agreement=1.0 if comparison == "bit-identical" else MIN_AGREEMENT,
                       folds=audits, failure=None,
                       passed=all(a.outcome != "differs" for a in audits))


def _defaults_left_out(stored: dict[str, Any], plan: Any) -> dict[str, Any]:
    """``stored`` with options set to their defaults left out, as identities are made now:
    a run that recorded ``crop: reference`` (the default) ran what one recording nothing
    runs."""
    entries = {"model": plan.model, "feature": plan.inputs.feature,
               "dataset": plan.inputs.dataset, "protocol": plan.protocol}
    out = dict(stored)
    for section, entry in entries.items():
        if isinstance(out.get(section), dict) and isinstance(out[section].get("options"), dict):
            out[section] = {**out[section],
                            "options": entry.without_defaults(out[section]["options"])}
    return out


def _device_name(data: Any) -> str:
    from merbench.training.device import describe_device

    return describe_device(data.plan.device) if data.plan.is_torch else "cpu"


def _train_again(data: Any, identity: Any, indices: list[int], device_name: str,
                 plugins: Plugins) -> Any:
    """Each chosen fold trained as the run trained it, one at a time, in a scratch folder."""
    from merbench.run.engine import run_threads
    from merbench.run.model_input import model_input
    from merbench.run.notify import Notifier
    from merbench.run.saved_states import SavedStates
    from merbench.run.train import Trainer
    from merbench.runinfo import RunInfo
    from merbench.threads import apply_threads

    plan = data.plan
    features, _ = model_input(data, identity)
    labels = data.dataset.samples["label"].to_numpy()
    folds = [data.folds[i] for i in indices]
    threads = run_threads(data, folds)
    previous = apply_threads(threads.count) if threads is not None else None
    try:
        with TemporaryDirectory(prefix="merbench-audit-") as scratch:
            info = RunInfo(run_dir=Path(scratch), model=plan.spec.model,
                           dataset=plan.spec.dataset, protocol=plan.spec.protocol,
                           n_folds=len(data.folds), folds_to_train=len(folds),
                           epochs=plan.epochs, device=device_name)
            trainer = Trainer(data, features, labels, info, device_name, Notifier(plugins),
                              SavedStates(data, identity, RunDirectory(Path(scratch))))
            for fold in folds:
                yield trainer.train([fold])[0]
    finally:
        if previous is not None:
            apply_threads(previous)


def read_audits(run_dir: Path) -> list[AuditRecord]:
    """Every audit recorded beside ``run_dir`` (none when it has no ``audit.json``)."""
    path = Path(run_dir) / AUDIT_FILE
    if not path.exists():
        return []
    try:
        data = read_json(path, "audit record")
        log = from_json(AuditLog, migrate(data, "audit", path))
    except (MerbenchError, LayoutError) as exc:
        raise MerbenchError(f"{path} is not a merbench audit record ({exc}); move it away "
                            "and audit again") from None
    return list(log.audits)


def record_audit(run_dir: Path, record: AuditRecord) -> Path:
    """Append ``record`` to ``audit.json`` beside the run; returns the file."""
    audits = [*read_audits(run_dir), record]
    path = Path(run_dir) / AUDIT_FILE
    atomic_write_json(path, to_json(AuditLog(schema_version=SCHEMA_VERSION, kind="audits",
                                             audits=audits)))
    return path
