"""An audit of one run: chosen folds trained again, as the run trained them, and compared.

The run must validate first (a rejected run is not worth training). Its recorded spec is
planned again on the user's copy of the data; where that gives another run than the one
recorded, nothing trained could match it and the audit fails at once. Otherwise each chosen
fold trains with the run's own trainer set-up (:func:`~merbench.runner.trainer_setup
.set_up_trainer`), one at a time in a scratch folder, and is compared with its fold file
(:mod:`merbench.audit.verdict`).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from merbench.audit.log import file_sha256
from merbench.audit.verdict import MIN_AGREEMENT, compare_fold, expected_comparison
from merbench.base.errors import MerbenchError
from merbench.base.scratch import scratch_folder
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins, default_plugins, plugin_versions
from merbench.plugin_system.runinfo import FoldOutcome
from merbench.results.audit_model import AuditRecord, FoldAudit
from merbench.results.model import Results
from merbench.results.run_differences import differences
from merbench.results.run_record import RunRecord
from merbench.results.rundir import RunDirectory
from merbench.results.safe_files import entry_kind
from merbench.results.schema import environment, now_iso
from merbench.runner.data import RunData, canonical_options
from merbench.runner.engine import run_threads
from merbench.runner.identity import RunIdentity, run_identity
from merbench.runner.model_input import model_input
from merbench.runner.notify import Notifier
from merbench.runner.plan import plan_run
from merbench.runner.recorded_plugins import check_recorded_plugins
from merbench.runner.spec import RunSettings, RunSpec, from_config
from merbench.runner.task_run import load_data
from merbench.runner.trainer_setup import device_name, set_up_trainer
from merbench.training.threads import apply_threads
from merbench.verification.validate import validate_run


class DefaultCount(int):
    """The count an audit takes when ``--folds`` is left out: that many parts, or every part
    of a result with fewer. A count the user gives is never more than the result has: 999
    of a 6-fold run audited the 6 and said nothing."""


class GivenCount(int):
    """A count ``--folds`` gave, with the text it was ``written`` in: a refusal says
    ``--folds 9e99``, not the 100 digits it reads as (pass 84j Q12)."""

    written: str

    def __new__(cls, value: int, written: str = "") -> GivenCount:
        made = super().__new__(cls, value)
        made.written = written.strip() or f"{value:,}"
        return made


DEFAULT_FOLDS = DefaultCount(3)
OnFold = Callable[[FoldAudit], None]
#: a run folder's record, validated by its kind (:mod:`merbench.kinds`): an emotion run's
#: ``results.json`` or an AU run's ``au-results.json``. Both train folds the same way (the
#: task decides the labels and the objective, recorded in ``run.json``), so both are audited
#: by training again; the record names its own file, so nothing here tells them apart
Validated = Callable[[Path], RunRecord]


def choose_folds(n_folds: int, count: int | None, seed: int | None, *,
                 unit: str = "fold", of: str = "the run") -> tuple[list[int], int | None]:
    """``count`` fold indices (``unit``: what a fold is, of ``of``, as said) drawn from ``seed`` (a
    fresh seed when None), or every fold when ``count`` is None; the seed is returned so the
    same folds can be drawn again. A given count above ``n_folds`` is refused."""
    if count is not None and count > n_folds and not isinstance(count, DefaultCount):
        given = getattr(count, "written", f"{count:,}")  # as typed: GivenCount
        raise MerbenchError(f"--folds {given} is more than {of}'s {n_folds} {unit}"
                            f"{'' if n_folds == 1 else 's'}; give at most {n_folds}, or 'all'")
    if count is None or count >= n_folds:
        return list(range(n_folds)), None
    if count < 1:
        raise MerbenchError("--folds takes a number of folds of 1 or more, or 'all'")
    seed = secrets.randbelow(2**31) if seed is None else seed
    rng = np.random.default_rng(seed)
    return sorted(int(i) for i in rng.choice(n_folds, size=count, replace=False)), seed


def audit_spec(run_dir: Path, *, data_root: str | None, device: str,
               workers: int | None) -> tuple[RunSpec, RunSettings]:
    """The run's recorded spec, with settings to train it in a scratch folder: one fold at a
    time, no saved states, features extracted from the user's data (not a file named on
    another machine)."""
    config = RunDirectory(run_dir).read_run_file().config
    spec, settings = from_config(config)
    _refuse_moved_weights(run_dir, spec)
    return spec, dataclasses.replace(
        settings, out=None, device=device, parallel_folds=1, checkpoint_every=0.0,
        features=None, workers=workers, eager=False,  # one fold at a time: never captured
        data_root=data_root if data_root is not None else settings.data_root)


def evaluates_saved_weights(run_dir: Path) -> bool:
    """Whether the run in ``run_dir`` evaluated saved weights (``--weights``) rather than
    training: its audit evaluates them again, and says so, since nothing is trained."""
    return from_config(RunDirectory(run_dir).read_run_file().config)[0].weights is not None


def _refuse_moved_weights(run_dir: Path, spec: RunSpec) -> None:
    """Refuse the audit of a run of saved weights whose folder, as its ``run.json`` records
    it, is not a folder now. The audit evaluates those checkpoints again and takes no
    ``--weights`` of its own (their digests are the run's identity: other files could not
    match), so the fix is to put the folder back where the run read it."""
    if spec.weights is None or (where := Path(str(spec.weights))).is_dir():
        return
    now = "is not there" if not os.path.lexists(where) else f"is {entry_kind(where)}"
    relative = "" if where.is_absolute() else "; a path read from the folder audit runs in"
    raise MerbenchError(f"{run_dir} was evaluated from the weights folder {spec.weights} "
                        f"(recorded in its run.json{relative}), which {now}: put that folder "
                        f"back at {spec.weights} (its checkpoints' digests are recorded, so "
                        "only the same files match) to audit this run")


def audit_run(run_dir: Path, *, count: int | None = DEFAULT_FOLDS, seed: int | None = None,
              data_root: str | None = None, device: str = "cpu", workers: int | None = None,
              plugins: Plugins | None = None, on_fold: OnFold | None = None,
              chosen: Callable[[list[int], int | None], None] | None = None,
              validated: Validated | None = None) -> AuditRecord:
    """Audit ``run_dir`` (which must validate, by ``validated``: its kind's check; None, an
    emotion run's): train ``count`` folds drawn from ``seed`` (None: every fold) again and
    compare them. ``chosen`` is told the folds before any trains, ``on_fold`` each fold's
    outcome. The record is returned, not written."""
    run_dir = Path(run_dir)
    # a rejected run is not worth training
    results = (validated or _validated_emotion_run)(run_dir)
    results_file = run_dir / results.result_file
    plugins = plugins or default_plugins()
    store = RunDirectory(run_dir)
    indices, choice_seed = choose_folds(results.protocol.n_folds, count, seed)
    spec, settings = audit_spec(run_dir, data_root=data_root, device=device, workers=workers)
    check_recorded_plugins(run_dir, results, plugins, "audit")
    with building_what_is_planned():  # its folds are trained again here
        data = load_data(plan_run(spec, settings, plugins))  # every option checked by now
    if chosen is not None:
        chosen(indices, choice_seed)
    identity = run_identity(data)
    trains_on = device_name(data.plan)
    base: dict[str, Any] = {
        "created": now_iso(), "results_sha256": file_sha256(results_file),
        "n_folds": results.protocol.n_folds, "choice_seed": choice_seed,
        "environment": environment(trains_on, plugin_versions(plugins))}
    found = differences(identity.to_dict(),
                        _defaults_left_out(store.read_run_file().identity, data))
    if found:
        return AuditRecord(**base, comparison="tolerance", reason="", min_agreement=1.0,
                           folds=[], passed=False, failure=(
                               "this data and merbench give another run than the one recorded "
                               f"({'; '.join(found[:2])}, 'here' being this copy): nothing "
                               "trained can match it"))
    stored = {i: store.load_fold(i) for i in indices}
    comparison, reason = expected_comparison(results, [f for f in stored.values() if f],
                                             trains_on, base["environment"].git_commit)
    audits = []
    by_index = {fold.index: fold for fold in results.folds}
    for index, again in zip(indices, _train_again(data, identity, indices, plugins),
                            strict=True):
        kept = stored[index]
        assert kept is not None  # validate_run found every fold file
        record = by_index[index]
        audit = compare_fold(kept, again, comparison, file_sha256(store.fold_path(index)),
                             reported=[record.epoch, *record.epoch_by_policy.values()])
        audits.append(audit)
        if on_fold is not None:
            on_fold(audit)
    return AuditRecord(**base, comparison=comparison, reason=reason,
                       min_agreement=1.0 if comparison == "bit-identical" else MIN_AGREEMENT,
                       folds=audits, failure=None,
                       passed=all(a.outcome != "differs" for a in audits))


def _validated_emotion_run(run_dir: Path) -> Results:
    """An emotion run's checked record (a tuning's runs are emotion runs too)."""
    return validate_run(run_dir).results


def _defaults_left_out(stored: dict[str, Any], data: RunData) -> dict[str, Any]:
    """``stored`` with options set to their defaults left out, as identities are made now:
    a run that recorded ``crop: reference`` (the default) ran what one recording nothing
    runs; and its dataset options as the dataset spells them now (a run that recorded
    ``classes: 3-class`` ran what one recording ``"3"`` runs)."""
    plan = data.plan
    entries = {"model": plan.model, "feature": plan.inputs.feature,
               "dataset": plan.inputs.dataset, "protocol": plan.protocol}
    out = dict(stored)
    for section, entry in entries.items():
        if isinstance(out.get(section), dict) and isinstance(out[section].get("options"), dict):
            options = out[section]["options"]
            out[section] = {**out[section], "options": canonical_options(
                entry, options, data.dataset) if section == "dataset"
                else entry.without_defaults(options)}
    return out


def _train_again(data: RunData, identity: RunIdentity, indices: list[int],
                 plugins: Plugins) -> Iterator[FoldOutcome]:
    """Each chosen fold trained as the run trained it (the run's own trainer set-up), one
    at a time, in a scratch folder."""
    features, _ = model_input(data, identity)
    folds = [data.folds[i] for i in indices]
    threads = run_threads(data, folds)
    previous = apply_threads(threads.count) if threads is not None else None
    try:
        with scratch_folder("merbench-audit-") as scratch:
            trainer = set_up_trainer(data, identity, RunDirectory(scratch), features,
                                     Notifier(plugins), folds_to_train=len(folds))
            for fold in folds:
                yield trainer.train([fold])[0]
    finally:
        if previous is not None:
            apply_threads(previous)
