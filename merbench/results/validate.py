"""Checking a result directory before anyone trusts its numbers.

A result is accepted only if every stored number can be recomputed from the per-sample data
beside it: the fold files (every fold's test predictions after every epoch) and
``predictions.csv``. :func:`validate_run` checks the schema (migrating older versions),
that the folds and predictions cover the protocol's samples exactly once, that every
selection policy the file claims is one its data can support, and that the stored metrics,
selected epochs and per-fold accuracies equal the recomputed ones; and, for what the
predictions cannot recompute, that every other file agrees with ``results.json``
(:mod:`merbench.results.provenance`). ``merbench validate``
and ``merbench leaderboard build`` both go through it, so a page never shows a number that
its files do not back.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from merbench.errors import MerbenchError
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.migrations import migrate
from merbench.results.model import SeedsSummary
from merbench.results.provenance import OfficialFingerprint, ProvenanceError, check_provenance
from merbench.results.rundir import RunDirectory
from merbench.results.safe_files import UnsafeFile, check_entry, check_inside, check_run_folder
from merbench.results.schema import PREDICTION_COLUMNS, read_json, read_results
from merbench.results.scoring import PolicyScore, score
from merbench.runinfo import FoldOutcome

RESULTS_FILE = "results.json"
SEEDS_FILE = "seeds.json"
TOLERANCE = 1e-9  # stored floats went through JSON; anything larger is a different number


class ResultRejected(MerbenchError):
    """A result file that must not be shown: ``reason`` says what is wrong with it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ValidatedRun:
    """A run whose numbers were recomputed from its predictions and matched."""

    run_dir: Path
    results: dict[str, Any]
    metrics_by_policy: dict[str, dict[str, Any]]  # recomputed, same shape as stored
    n_epochs: int

    @property
    def policies(self) -> list[str]:
        return list(self.metrics_by_policy)


def _differ(stored: Any, recomputed: Any, where: str) -> str | None:
    """Where ``stored`` and ``recomputed`` first differ (floats within TOLERANCE are equal)."""
    if isinstance(recomputed, dict):
        if not isinstance(stored, dict):
            return f"{where} is not an object"
        for key in sorted(set(stored) | set(recomputed)):
            if key not in stored:
                return f"{where}.{key} is missing"
            if key not in recomputed:
                return f"{where}.{key} is stored but the predictions give no such entry"
            found = _differ(stored[key], recomputed[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(recomputed, list):
        if not isinstance(stored, list) or len(stored) != len(recomputed):
            return f"{where} is {stored!r} but the predictions give {recomputed!r}"
        for i, (a, b) in enumerate(zip(stored, recomputed, strict=True)):
            found = _differ(a, b, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(recomputed, float) and isinstance(stored, int | float) \
            and not isinstance(stored, bool):
        if math.isclose(stored, recomputed, rel_tol=0, abs_tol=TOLERANCE):
            return None
        return f"{where} is {stored!r} but the predictions give {recomputed:.6f}"
    if stored != recomputed:
        return f"{where} is {stored!r} but the predictions give {recomputed!r}"
    return None


def _results_path(path: Path) -> Path:
    return path / RESULTS_FILE if path.is_dir() else path


def _load_folds(run_dir: Path, n_folds: int) -> list[FoldOutcome]:
    store = RunDirectory(run_dir)
    folds = []
    missing = []
    for index in range(n_folds):
        try:
            fold = store.load_fold(index)
        except MerbenchError:
            raise ResultRejected(run_dir, f"fold file {store.fold_path(index).name} is "
                                          "damaged or unreadable") from None
        if fold is None:
            missing.append(store.fold_path(index).name)
        elif fold.index != index:
            raise ResultRejected(run_dir, f"fold file {store.fold_path(index).name} holds fold "
                                          f"{fold.index}")
        else:
            folds.append(fold)
    if missing:
        raise ResultRejected(run_dir, (
            f"the predictions do not cover the protocol's {n_folds} folds: "
            f"{len(missing)} fold file(s) missing ({', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}); publish the complete run directory"))
    extra = sorted(p.name for p in store.folds_dir.glob("fold-*.npz")
                   if int(p.stem.split("-")[1]) >= n_folds) if store.folds_dir.is_dir() else []
    if extra:
        raise ResultRejected(run_dir, f"holds fold files beyond the {n_folds} folds the "
                                      f"results claim ({', '.join(extra[:3])})")
    return folds


def _read_predictions(run_dir: Path) -> Any:
    import pandas as pd

    path = run_dir / "predictions.csv"
    try:
        frame = pd.read_csv(path, dtype={"sample_id": str, "database": str, "subject": str})
    except FileNotFoundError:
        raise ResultRejected(run_dir, "predictions.csv is missing; publish the complete run "
                                      "directory") from None
    except (OSError, ValueError) as exc:
        raise ResultRejected(run_dir, f"predictions.csv is unreadable ({exc})") from None
    lacking = [c for c in PREDICTION_COLUMNS if c not in frame.columns]
    if lacking:
        raise ResultRejected(run_dir, f"predictions.csv lacks column(s) {', '.join(lacking)}")
    return frame


def _check_coverage(run_dir: Path, results: dict[str, Any], folds: list[FoldOutcome],
                    n_classes: int) -> np.ndarray:
    """The tested sample ids, in fold order, once each and covering the protocol's samples."""
    reject = lambda reason: ResultRejected(run_dir, reason)  # noqa: E731
    stored_folds = results["folds"]
    if len(stored_folds) != len(folds):
        raise reject(f"lists {len(stored_folds)} folds but the protocol has "
                     f"{len(folds)} (protocol.n_folds)")
    for fold, stored in zip(folds, stored_folds, strict=True):
        if list(fold.key) != list(stored.get("key", [])):
            raise reject(f"fold {fold.index} is {'/'.join(fold.key)} in its fold file but "
                         f"{stored.get('key')} in results.json")
        if stored.get("n_test") != len(fold.y_true):
            raise reject(f"fold {'/'.join(fold.key)} tested {len(fold.y_true)} samples but "
                         f"results.json says {stored.get('n_test')}")
        shape = fold.epoch_predictions.shape
        if len(shape) != 2 or shape[1] != len(fold.y_true) or shape[0] < 1:
            raise reject(f"fold {'/'.join(fold.key)} has predictions of shape {shape} for "
                         f"{len(fold.y_true)} test samples")
        for name, values in (("labels", fold.y_true), ("predictions", fold.epoch_predictions)):
            if values.size and (values.min() < 0 or values.max() >= n_classes):
                raise reject(f"fold {'/'.join(fold.key)} has {name} outside the "
                             f"{n_classes} classes")
    sample_ids = np.concatenate([f.sample_ids for f in folds]).astype(str)
    if len(set(sample_ids.tolist())) != len(sample_ids):
        raise reject("a sample is tested in more than one fold; LOSO tests each sample once")
    expected = results["protocol"]["n_samples"]
    if len(sample_ids) != expected:
        raise reject(f"the folds test {len(sample_ids)} samples but the protocol has "
                     f"{expected} (protocol.n_samples)")
    return sample_ids


def _check_against_dataset(run_dir: Path, results: dict[str, Any], databases: np.ndarray,
                           y_true: np.ndarray) -> None:
    """Every database the protocol tests is tested completely, with the dataset's labels."""
    dataset = results["dataset"]
    tested, counts = np.unique(databases, return_counts=True)
    for db, count in zip(tested.tolist(), counts.tolist(), strict=True):
        info = dataset["databases"].get(db)
        if not isinstance(info, dict) or "n_samples" not in info:
            raise ResultRejected(run_dir, f"tests database '{db}', which dataset.databases "
                                          "does not list")
        if info["n_samples"] != count:
            raise ResultRejected(run_dir, (
                f"the predictions do not cover the protocol's samples: {count} of "
                f"{info['n_samples']} {db} samples are tested"))
    if set(tested.tolist()) == set(dataset["databases"]):
        counts_now = np.bincount(y_true, minlength=len(dataset["classes"])).tolist()
        if counts_now != dataset["class_counts"]:
            raise ResultRejected(run_dir, f"the tested labels count {counts_now} per class but "
                                          f"the dataset has {dataset['class_counts']}")


def _check_policies(run_dir: Path, results: dict[str, Any],
                    folds: list[FoldOutcome]) -> list[str]:
    """The claimed policies, each one the fold data can support and marked as it must be."""
    from merbench.selection import POLICIES

    selection = results["selection"]
    claimed = list(results["metrics_by_policy"])
    if sorted(claimed) != sorted(selection["available"]):
        raise ResultRejected(run_dir, f"selection.available {selection['available']} differs "
                                      f"from the policies in metrics_by_policy {claimed}")
    if selection["policy"] not in claimed:
        raise ResultRejected(run_dir, f"reports policy '{selection['policy']}' but has no "
                                      "metrics for it in metrics_by_policy")
    for name in claimed:
        policy = POLICIES.get(name)
        if policy is None:
            raise ResultRejected(run_dir, f"claims selection policy '{name}', which merbench "
                                          f"does not know ({', '.join(POLICIES)})")
        entry = results["metrics_by_policy"][name]
        marked = entry.get("test_set_selection") if isinstance(entry, dict) else None
        if marked is not policy.test_set_selection:
            raise ResultRejected(run_dir, (
                f"marks policy '{name}' test_set_selection={marked}, but it is "
                f"{policy.test_set_selection}: {policy.description}"))
        if policy.needs_inner_val and any(f.val_predictions is None or f.val_y_true is None
                                          or not len(f.val_y_true) for f in folds):
            raise ResultRejected(run_dir, (
                f"claims policy '{name}' but its fold files hold no inner-validation "
                "predictions, so no epoch could have been chosen that way"))
    if selection["test_set_selection"] is not POLICIES[selection["policy"]].test_set_selection:
        raise ResultRejected(run_dir, f"marks its policy '{selection['policy']}' "
                                      f"test_set_selection={selection['test_set_selection']}")
    if results["model"]["kind"] != "torch" and claimed != ["fixed"]:
        raise ResultRejected(run_dir, (
            f"model kind '{results['model']['kind']}' is fitted once, so it has one prediction "
            f"per sample and can support only 'fixed', not {claimed}"))
    if not results["trained"] and claimed != ["fixed"]:
        raise ResultRejected(run_dir, (
            "evaluates saved weights (trained: false), so it has one prediction per sample "
            f"and can support only 'fixed', not {claimed}"))
    return claimed


def _check_epochs(run_dir: Path, results: dict[str, Any], folds: list[FoldOutcome]) -> int:
    """All folds trained the same, declared number of epochs (a cut-short run is refused)."""
    counts = {int(f.epoch_predictions.shape[0]) for f in folds}
    if len(counts) != 1:
        raise ResultRejected(run_dir, f"folds hold different numbers of epochs {sorted(counts)}")
    n_epochs = counts.pop()
    if not results["trained"]:
        if n_epochs != 1:
            raise ResultRejected(run_dir, f"evaluates saved weights (trained: false) but its "
                                          f"folds hold {n_epochs} predictions per sample")
        return n_epochs
    declared = results["hyperparameters"].get("epochs")
    if results["model"]["kind"] == "torch" and declared != n_epochs:
        raise ResultRejected(run_dir, f"the folds hold {n_epochs} epochs of predictions but "
                                      f"the run declares {declared} epochs")
    return n_epochs


def registered_official(name: str, version: int) -> str | None:
    """The official sample-list fingerprint the installed dataset plugin declares for
    ``name`` at ``version``, or None."""
    from merbench.plugins import default_plugins

    datasets = default_plugins().registries.datasets
    if name not in datasets:
        return None
    meta = datasets.get(name).meta
    return meta.official_fingerprint if meta.version == version else None


def validate_run(path: Path, official: OfficialFingerprint | None = registered_official
                 ) -> ValidatedRun:
    """Accept a run directory (or its ``results.json``) only if its numbers recompute and
    its other files confirm what it says it is. ``official`` gives a dataset's official
    sample-list fingerprint (None: no such check).

    Raises :class:`ResultRejected` with one sentence for any problem, including layouts
    the checks did not foresee, so callers never show a traceback for a bad file."""
    try:
        return _validate_run(Path(path), official)
    except ResultRejected:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        run_dir = _results_path(Path(path)).parent
        raise ResultRejected(run_dir, f"has a layout merbench cannot check "
                                      f"({type(exc).__name__}: {exc}); is it a complete "
                                      "merbench result?") from None


def _validate_run(path: Path, official: OfficialFingerprint | None) -> ValidatedRun:
    results_path = _results_path(Path(path))
    run_dir = results_path.parent
    if not os.path.lexists(results_path):
        raise ResultRejected(Path(path), f"no {RESULTS_FILE} here; pass a finished run "
                                         "directory or its results.json")
    try:
        check_run_folder(run_dir)
    except UnsafeFile as exc:
        raise ResultRejected(run_dir, str(exc)) from None
    try:
        results = to_json(read_results(results_path))  # every field's type checked
    except MerbenchError as exc:
        raise ResultRejected(results_path, str(exc).removeprefix(f"{results_path} ")) from None
    if not results["trained"] and results["weights"] is None:
        raise ResultRejected(run_dir, "results.json does not follow the schema: field "
                                      "'weights' is null; a run of saved weights must name them")
    classes = results["dataset"]["classes"]
    folds = _load_folds(run_dir, results["protocol"]["n_folds"])
    sample_ids = _check_coverage(run_dir, results, folds, len(classes))
    n_epochs = _check_epochs(run_dir, results, folds)
    claimed = _check_policies(run_dir, results, folds)

    frame = _read_predictions(run_dir)
    if len(frame) != len(sample_ids) or set(frame["sample_id"]) != set(sample_ids.tolist()) \
            or not frame["sample_id"].is_unique:
        raise ResultRejected(run_dir, (
            f"predictions.csv has {len(frame)} rows that do not match the "
            f"{len(sample_ids)} samples of the fold files one to one"))
    frame = frame.set_index("sample_id").loc[sample_ids]
    y_true = np.concatenate([f.y_true for f in folds]).astype(int)
    if not np.array_equal(frame["y_true"].to_numpy(dtype=int), y_true):
        raise ResultRejected(run_dir, "predictions.csv and the fold files disagree on the "
                                      "true labels")
    fold_of = np.concatenate([np.full(len(f.y_true), f.index) for f in folds])
    if not np.array_equal(frame["fold"].to_numpy(dtype=int), fold_of):
        raise ResultRejected(run_dir, "predictions.csv puts samples in other folds than the "
                                      "fold files")
    databases = frame["database"].to_numpy(dtype=str)
    _check_against_dataset(run_dir, results, databases, y_true)
    try:
        check_provenance(run_dir, results, folds, frame, official)
    except ProvenanceError as exc:
        raise ResultRejected(run_dir, str(exc)) from None

    scored = score(folds, databases, classes, claimed)  # what run and --seeds compute
    recomputed: dict[str, dict[str, Any]] = {}
    for name, policy in scored.items():
        for fold, epoch, stored in zip(folds, policy.epochs, results["folds"], strict=True):
            claimed_epoch = stored.get("epoch_by_policy", {}).get(name)
            if claimed_epoch != epoch + 1:
                raise ResultRejected(run_dir, (
                    f"policy '{name}' picks epoch {epoch + 1} in fold {'/'.join(fold.key)} but "
                    f"results.json says {claimed_epoch}"))
        metrics = to_json(policy.metrics.metrics)
        recomputed[name] = metrics
        found = _differ(results["metrics_by_policy"][name].get("metrics"), metrics,
                        f"metrics_by_policy.{name}.metrics")
        if found:
            raise ResultRejected(run_dir, f"stored numbers do not match its predictions: {found}")
        if name == results["selection"]["policy"]:
            _check_reported(run_dir, results, folds, frame, name, policy)
    return ValidatedRun(run_dir=run_dir, results=results, metrics_by_policy=recomputed,
                        n_epochs=n_epochs)


def _check_reported(run_dir: Path, results: dict[str, Any], folds: list[FoldOutcome],
                    frame: Any, name: str, policy: PolicyScore) -> None:
    """The reported policy's metrics, predictions table and fold accuracies are its own."""
    found = _differ(results["metrics"], to_json(policy.metrics.metrics), "metrics")
    if found:
        raise ResultRejected(run_dir, f"stored numbers do not match its predictions: {found}")
    _check_intervals(run_dir, results.get("intervals"), [frame.reset_index()],
                     len(results["dataset"]["classes"]))
    selected = np.concatenate([np.full(len(f.y_true), e + 1)
                               for f, e in zip(folds, policy.epochs, strict=True)])
    for column, values in (("y_pred", policy.y_pred), ("epoch", selected)):
        if not np.array_equal(frame[column].to_numpy(dtype=int), values):
            raise ResultRejected(run_dir, (
                f"predictions.csv column '{column}' is not what policy '{name}' "
                "selects from the fold files"))
    for fold, accuracy, stored in zip(folds, policy.fold_accuracy(folds), results["folds"],
                                      strict=True):
        found = _differ(stored.get("accuracy"), accuracy, f"folds[{fold.index}].accuracy")
        if found:
            raise ResultRejected(run_dir, f"stored numbers do not match its predictions: "
                                          f"{found}")


def _check_intervals(where: Path, stored: Any, frames: list[Any], n_classes: int) -> None:
    """Recorded intervals are what the predictions give (null: not recorded, version 4)."""
    if stored is None:
        return
    from merbench.stats.record import interval_record

    found = _differ(stored, to_json(interval_record(frames, n_classes)), "intervals")
    if found:
        raise ResultRejected(where, f"stored intervals do not match its predictions: {found}")


def validate_seeds(path: Path, runs: dict[Path, ValidatedRun] | None = None) -> dict[str, Any]:
    """Accept a ``seeds.json`` only if its runs validate and its per-seed numbers, means and
    standard deviations are what those runs give. ``runs`` reuses runs validated already."""
    from merbench.results.seeds import over_seeds

    path = Path(path)
    seeds_path = path / SEEDS_FILE if path.is_dir() else path
    base = seeds_path.parent
    try:
        check_entry(seeds_path, base)
        data = read_json(seeds_path, "seeds summary")
        if data.get("kind") != "seeds":
            raise MerbenchError("not a merbench seeds summary (kind 'seeds' with runs and "
                                "policies)")
        summary = to_json(from_json(SeedsSummary, migrate(data, "seeds", seeds_path)))
    except UnsafeFile as exc:
        raise ResultRejected(base, str(exc)) from None
    except (MerbenchError, LayoutError) as exc:
        raise ResultRejected(base, f"{seeds_path.name}: "
                                   f"{str(exc).removeprefix(f'{seeds_path} ')}") from None
    runs = {} if runs is None else runs
    by_seed = {}
    for seed, name in summary["runs"].items():
        try:
            check_entry(base / str(name), base, folder=True)
            check_inside(Path(str(name)), base)
        except UnsafeFile as exc:
            raise ResultRejected(base, f"seed {seed}: {exc}") from None
        run_dir = (base / str(name)).resolve()
        if run_dir not in runs:
            try:
                runs[run_dir] = validate_run(run_dir)
            except ResultRejected as exc:
                raise ResultRejected(base, f"seed {seed} ({name}) is rejected: "
                                           f"{exc.reason}") from None
        by_seed[seed] = runs[run_dir]
    for policy, entry in summary["policies"].items():
        if not all(policy in r.metrics_by_policy for r in by_seed.values()):
            raise ResultRejected(base, f"summarises policy '{policy}', which not every seed "
                                       "run supports")
        recomputed = over_seeds(by_seed, [r.metrics_by_policy[policy]
                                          for r in by_seed.values()])
        for key, value in recomputed.items():
            found = _differ(entry.get(key) if isinstance(entry, dict) else None, value,
                            f"policies.{policy}.{key}")
            if found:
                raise ResultRejected(base, f"stored numbers do not match its runs: {found}")
    _check_intervals(base, summary.get("intervals"),
                     [_read_predictions(r.run_dir) for r in by_seed.values()],
                     len(next(iter(by_seed.values())).results["dataset"]["classes"]))
    return summary


def validate_path(path: Path) -> ValidatedRun | dict[str, Any]:
    """Validate whatever ``path`` is: a run directory or its results.json, or a seeds
    summary (a ``seeds.json`` or the folder holding one)."""
    path = Path(path)
    if not path.exists():
        raise ResultRejected(path, "no such file or directory")
    if path.is_dir():
        if (path / RESULTS_FILE).exists():
            return validate_run(path)
        if (path / SEEDS_FILE).exists():
            return validate_seeds(path)
        raise ResultRejected(path, f"holds neither {RESULTS_FILE} nor {SEEDS_FILE}; pass a run "
                                   "directory or a results file")
    if path.name == SEEDS_FILE:
        return validate_seeds(path)
    return validate_run(path)
