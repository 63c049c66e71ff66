"""The recogniser ``merbench predict`` uses: a run's recipe, trained once on the run's subjects.

A leave-one-subject-out run leaves as many models as subjects (68 on the MEGC 2019
composite), each missing one subject, and keeps none of them (a fold file holds
predictions, not weights). None of them is *the* model of the run: each was trained to be
tested on the subject it lacks, and picking one would pick a subject to leave out for no
reason. What the run measures is a *procedure*: this model, this feature, these epochs and
this seed, trained on the other subjects, meets a person it has never seen. So the model that
meets a new person's video is that procedure applied to every subject the run had: the run's
model, options, feature, recipe and seed, trained once on every sample its protocol used (its
folds' training and test subjects together: the whole dataset under ``loso``, SAMM's subjects
alone under ``loso-samm``, a subject split's named subjects), for the recipe's epochs (its
last epoch predicts, as merbench's ``fixed`` selection reports; no epoch is chosen on
anyone's test data). The run's score is then the estimate of how it does on a new subject,
which is what a user of ``predict`` wants to know; trained on subjects the protocol never
read, the recogniser would be another procedure's, which the score does not measure.

For the same reason two runs are refused: a leakage control (``--shuffle-train-labels``),
whose score is chance by design and whose labels are noise, and a run of saved weights
(``--weights``), which trained nothing, so its score is of those weights, not of a recogniser
merbench trains from the model's recipe.

The weights are written next to the predictions (``recogniser.pt`` with ``recogniser.json``
saying what they are, their SHA-256 included), and a later ``predict`` into the same folder
from the same run on the same data loads them instead of training again, once their digest
is the record's. The run is read from its ``run.json``; the
data is the user's copy, found as the run found it (``--data-root``, else the run's own), and a
copy whose fingerprint differs from the run's is refused rather than trained on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.plugin_system.lazy_factory import building_what_is_planned
from merbench.plugin_system.manager import Plugins
from merbench.protocols import Fold
from merbench.results.prediction_file import RECORD_FILE
from merbench.results.run_differences import another_copy
from merbench.results.rundir import RunDirectory
from merbench.results.safe_files import read_regular_bytes
from merbench.results.user_files import check_user_file, read_user_json
from merbench.runner.data import RunData
from merbench.runner.identity import run_identity
from merbench.runner.model_input import model_input
from merbench.runner.plan import plan_run
from merbench.runner.recorded_plugins import check_recorded_plugins, finished_record
from merbench.runner.spec import from_config
from merbench.runner.task_run import load_data, task_run
from merbench.training.seeding import fold_seed

WEIGHTS_FILE = "recogniser.pt"


@dataclass(frozen=True)
class FinalModel:
    """A trained recogniser and what it is (see the module doc)."""

    network: Any  # a torch module, in eval mode
    data: RunData  # the run's plan and its dataset, as planned here
    record: dict[str, Any]  # what recogniser.json holds
    weights: Path

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.data.dataset.classes)


def _estimator(model: str, run_dir: Path) -> MerbenchError:
    return MerbenchError(f"model '{model}' of {run_dir} is an estimator; merbench predict "
                         "recognises with a torch model's run")


def plan_recogniser(run_dir: Path, data_root: str | None, device: str,
                    plugins: Plugins) -> RunData:
    """The run's recipe planned on the user's copy of its data, every check made (an AU run,
    an estimator, a leakage control, a run of saved weights, another copy of the dataset are
    refused), nothing trained: what ``predict`` does before it reads a video, so a bad run
    costs no spotting."""
    store = RunDirectory(run_dir)
    stored = store.read_run_file()
    spec, settings = from_config(stored.config)
    task_run(spec.parsed_task()).check_recognises_emotions(run_dir)
    if spec.shuffle_train_labels:  # before its data is read: nothing of it is usable
        raise MerbenchError(f"{run_dir} is a leakage control (--shuffle-train-labels): its "
                            "training labels were shuffled, so its score is chance by design; "
                            "give a run trained on the true labels")
    if spec.weights is not None:  # before its weights folder is looked for
        raise MerbenchError(f"{run_dir} evaluated saved weights (--weights) and trained "
                            "nothing, so its score is of those weights, not of a recogniser "
                            "trained with its recipe; give a run that trained")
    check_recorded_plugins(run_dir, finished_record(run_dir, spec), plugins, "predict with")
    if plugins.registries.models.get(spec.model).meta.kind != "torch":  # needs no data
        raise _estimator(spec.model, run_dir)
    recorded = settings.data_root
    if data_root is None and recorded is not None and not Path(recorded).is_absolute() \
            and not Path(recorded).exists():
        # relative to the folder the run was made in (committed runs: ../shared/data), which
        # this is not: resolved here it named a folder that is not there, twice
        raise MerbenchError(f"{run_dir} recorded a relative data root, which is not found "
                            f"from this folder; give --data-root PATH of your copy of "
                            f"'{spec.dataset}'")
    settings = dataclasses.replace(settings, out=None, device=device, parallel_folds=1,
                                   checkpoint_every=0.0, features=None, eager=False,
                                   data_root=data_root if data_root is not None
                                   else settings.data_root)
    with building_what_is_planned():  # the recogniser is trained here
        data = load_data(plan_run(spec, settings, plugins))
    if data.plan.recipe is None:
        raise _estimator(spec.model, run_dir)
    here = run_identity(data).to_dict()["dataset"].get("fingerprint")
    theirs = stored.identity.get("dataset", {}).get("fingerprint")
    if theirs is not None and here != theirs:
        raise MerbenchError(another_copy(spec.dataset, run_dir, here, theirs))
    return data


def _digest(path: Path) -> str | None:
    """SHA-256 of the weights file, or None where it cannot be read as one."""
    try:
        return hashlib.sha256(read_regular_bytes(path)).hexdigest()
    except (MerbenchError, OSError):
        return None


def protocol_rows(folds: list[Fold]) -> np.ndarray:
    """The sample-table rows the run's protocol used, in table order: every fold's training
    and test samples together (module doc). A protocol that reads part of the dataset
    (``loso-samm`` on the composite, a subject split) leaves the other rows out."""
    used = [np.asarray(part, dtype=np.int64) for fold in folds for part in (fold.train,
                                                                             fold.test)]
    return np.unique(np.concatenate(used)) if used else np.zeros(0, dtype=np.int64)


def _key(stored_identity: dict[str, Any], device: str, rows: np.ndarray,
         n_samples: int) -> str:
    """What a kept recogniser must have been trained as to be loaded: the run, the device,
    and, where its protocol leaves some of the dataset's ``n_samples`` rows out, the rows it
    trained on. A protocol of every row keeps the key a recogniser trained on the whole
    dataset has always had, so one trained before the rows were keyed is loaded, not trained
    again, while one trained on the whole dataset for a protocol of part of it is not."""
    every = len(rows) == n_samples  # protocol_rows are distinct rows of the sample table
    parts: list[Any] = [stored_identity, device] + ([] if every else [rows.tolist()])
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def final_model(run_dir: Path, folder: Path, *, data_root: str | None, device: str,
                plugins: Plugins, on_epoch: Callable[[int, int], None] | None = None,
                data: RunData | None = None) -> FinalModel:
    """The run's recipe trained on the samples its protocol used (module doc), loaded from
    ``folder`` when a previous call left it there. ``on_epoch(done, epochs)`` reports
    training."""
    import torch  # deferred: the spotting half of predict needs no torch

    # deferred: torch, as above
    from merbench.training.torch_trainer import train_model

    run_dir = Path(run_dir)
    if data is None:  # planned here unless the caller checked it first
        data = plan_recogniser(run_dir, data_root, device, plugins)
    plan, recipe = data.plan, data.plan.recipe
    assert recipe is not None
    stored = RunDirectory(run_dir).read_run_file().identity
    rows = protocol_rows(data.folds)
    every = data.dataset.samples[["database", "subject"]]
    key = _key(stored, device, rows, len(every))
    weights, record_path = Path(folder) / WEIGHTS_FILE, Path(folder) / RECORD_FILE
    seed = fold_seed(plan.spec.seed, ("all",))
    subjects = every.iloc[rows].drop_duplicates()
    record = {"key": key, "run": os.path.abspath(run_dir), "identity": stored,
              "model": plan.spec.model, "model_options": dict(plan.spec.model_options),
              "feature": plan.inputs.feature.meta.name,
              "feature_options": dict(plan.spec.feature_options),
              "classes": list(data.dataset.classes), "epochs": recipe.epochs,
              "seed": seed, "n_train": len(rows), "n_subjects": len(subjects),
              "n_dataset_subjects": len(every.drop_duplicates()),
              "protocol": plan.spec.protocol,
              "why": "the run's recipe trained once on every sample its protocol used (its "
                     "folds' training and test subjects); its last epoch predicts "
                     "(merbench.runner.final_model)"}
    network = data.build_model()
    kept = None
    if weights.is_file() and record_path.is_file():
        try:
            kept = read_user_json(record_path, "recogniser's record")
        except MerbenchError:  # a damaged record: the recogniser is trained again
            kept = None
    loaded = False
    # the weights are bound to the record by their digest: a recogniser.pt swapped for
    # another run's (or one whose record predates the digest) is trained again, never
    # loaded and attributed to this run's recipe
    if isinstance(kept, dict) and kept.get("key") == key and \
            kept.get("weights_sha256") == _digest(weights):
        try:
            check_user_file(weights, "recogniser's weights")
            network.load_state_dict(torch.load(  # bounded: checked on the line above
                weights, map_location="cpu", weights_only=True))
            loaded = True
        except Exception:  # a damaged or foreign file: trained again, as if it were not there
            network = data.build_model()
    if loaded:
        network = network.to(device)
        record["weights_sha256"] = kept["weights_sha256"]  # type: ignore[index]
    else:
        features, _ = model_input(data, run_identity(data))
        network = train_model(
            data.build_model, recipe, np.array(features)[rows], data.labels[rows],
            device=device,
            seed=seed, precision=plan.spec.precision,
            on_epoch=None if on_epoch is None else lambda done: on_epoch(done, recipe.epochs))
        Path(folder).mkdir(parents=True, exist_ok=True)
        partial_file = weights.with_name(weights.name + ".partial")
        try:  # a failed save leaves no partial file of its own, and the record as it was
            torch.save(network.state_dict(), partial_file)
            record_path.unlink(missing_ok=True)  # no record names weights being replaced
            os.replace(partial_file, weights)  # whole weights, or the old file: never half
        except BaseException:
            partial_file.unlink(missing_ok=True)
            raise
        record["weights_sha256"] = _digest(weights)
        atomic_write_json(record_path, record)
    network.eval()
    return FinalModel(network, data, record, weights)
