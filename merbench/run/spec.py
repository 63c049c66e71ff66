"""The run spec: every option of ``merbench run``, declared once.

:class:`RunSpec` is an immutable description of one run. Each of its fields carries an
:class:`Option` in its metadata, and that one declaration is the single source of:

- the Python API's parameters (``merbench.run(model, dataset, **fields)``),
- the ``merbench run`` command-line options (:mod:`merbench.cli.run_options` builds them),
- the ``--resume`` allow-list (:func:`resumable`),
- the hash that names a default ``--seeds`` folder (:func:`what_runs`),
- the options table in ``docs/user-guide.md`` (a test compares it with the generated one).

A field is either part of *what runs* (``identity=True``: it is recorded, names the
``--seeds`` folder and may not change when a run is continued) or says *where and how fast*
it runs (device, folds at once, worker processes, save interval, where the data and a saved
feature file are). Where a how-fast choice changes the arithmetic (the fused optimiser step),
the run's identity records its effect, so no run mixes the two.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from merbench.errors import MerbenchError
from merbench.meta import DATA_ORDERS
from merbench.run.executor_kinds import EXECUTOR_KINDS

# bf16: torch.autocast around the forward pass and the loss; tf32: float32 tensors whose CUDA
# matrix products and convolutions use TensorFloat-32 (Ampere and newer GPUs)
PRECISIONS = ("fp32", "bf16", "tf32")
EXECUTORS = tuple(EXECUTOR_KINDS)


@dataclass(frozen=True)
class Option:
    """How one :class:`RunSpec` field appears to users.

    ``identity``: part of what runs (True) or of where and how fast it runs (False).
    ``resume``: may be given with ``--resume`` (default: only where-and-how-fast options).
    ``flags``: the command-line spellings (default ``--field-name``); ``metavar`` and
    ``choices`` as in argparse; ``default_text``: the default in words, for help and docs.
    ``per_machine``: chosen for the machine a command runs on, so a resumed run does not
    take it from the machine it started on.
    """

    help: str
    identity: bool
    resume: bool | None = None
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    default_text: str | None = None
    per_machine: bool = False

    @property
    def allowed_with_resume(self) -> bool:
        return (not self.identity) if self.resume is None else self.resume


def _opt(default: Any, help: str, *, identity: bool, factory: Any = None,
         **more: Any) -> Any:
    """A dataclass field with its :class:`Option` (a default, or a ``factory`` for dicts)."""
    meta = {"option": Option(help=help, identity=identity, **more)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


_REQUIRED = dataclasses.MISSING


@dataclass(frozen=True)
class RunSpec:
    """Everything ``merbench run`` accepts; ``None`` means "the model's declared value"."""

    model: str = _opt(_REQUIRED, "model name (see 'merbench list models')", identity=True,
                      flags=("--model", "-m"))
    dataset: str = _opt(_REQUIRED, "dataset name", identity=True, flags=("--dataset", "-d"))
    protocol: str = _opt("loso", "protocol name", identity=True)
    feature: str | None = _opt(
        None, "feed the model this feature instead of the one it declares (same per-sample "
              "shape), e.g. tvl1-uvos for a model trained on flow-uvos",
        identity=True, flags=("--feature", "-f"), default_text="the model's feature")
    seed: int = _opt(0, "random seed", identity=True)
    epochs: int | None = _opt(None, "override the model's epochs", identity=True,
                              default_text="the model's recipe")
    batch_size: int | None = _opt(None, "override the batch size", identity=True,
                                  default_text="the model's recipe")
    lr: float | None = _opt(None, "override the learning rate", identity=True,
                            default_text="the model's recipe")
    data_order: str | None = _opt(
        None, "the order each epoch feeds the training samples: shuffle (drawn anew every "
              "epoch) or listed (the sample table's order, never shuffled, as the HTNet "
              "authors' loader does)", identity=True, choices=DATA_ORDERS,
        default_text="the model's recipe")
    precision: str = _opt(
        "fp32", "fp32, bf16 (torch.autocast in bfloat16 for the forward pass and the loss; "
                "CPU and CUDA) or tf32 (TensorFloat-32 CUDA matrix products); part of the "
                "run's identity", identity=True, choices=PRECISIONS)
    fused_optimizer: bool = _opt(
        False, "on a CPU, take Adam's and AdamW's fused step (1.25x to 1.43x faster training "
               "for OFF-ApexNet); it rounds differently from the default step, so it is part "
               "of the run's identity. CUDA runs always take it",
        # a run started on a GPU (always the fused step) continues on a CPU with this flag
        identity=True, resume=True)
    selection: str = _opt(
        "fixed", "which epoch each fold reports: fixed (last epoch), inner-val (best on "
                 "held-out training subjects) or oracle (best on the test subject: TEST-SET "
                 "SELECTION, only to compare with published numbers)", identity=True)
    inner_val_subjects: int = _opt(3, "training subjects held out per fold for inner-val",
                                   identity=True, metavar="N")
    shuffle_train_labels: bool = _opt(
        False, "leakage control: shuffle each fold's training labels (expect chance)",
        identity=True)
    skip_missing: bool = _opt(
        False, "leave out samples whose frames or annotations are unusable (datasets that "
               "read raw files); results.json lists them under dataset.skipped",
        identity=True)
    weights: str | None = _opt(
        None, "evaluate saved weights instead of training: DIR holds one state dict per "
              "test fold (<subject>.pth under LOSO, <database>.pth under lodo)",
        identity=True, metavar="DIR",
        default_text="train")
    model_options: dict[str, Any] = _opt(None, "an option of the model (repeatable)",
                                         identity=True, factory=dict, flags=("--model-opt",),
                                         metavar="KEY=VALUE", default_text="none")
    dataset_options: dict[str, Any] = _opt(None, "an option of the dataset (repeatable)",
                                           identity=True, factory=dict,
                                           flags=("--dataset-opt",), metavar="KEY=VALUE",
                                           default_text="none")
    feature_options: dict[str, Any] = _opt(None, "an option of the feature (repeatable)",
                                           identity=True, factory=dict,
                                           flags=("--feature-opt",), metavar="KEY=VALUE",
                                           default_text="none")
    protocol_options: dict[str, Any] = _opt(None, "an option of the protocol (repeatable)",
                                            identity=True, factory=dict,
                                            flags=("--protocol-opt",), metavar="KEY=VALUE",
                                            default_text="none")
    out: Path | None = _opt(None, "run directory", identity=False, flags=("--out", "-o"),
                            default_text="runs/MODEL-DATASET-PROTOCOL-seedN-HASH",
                            resume=False)  # --resume DIR names it
    device: str = _opt("auto", "auto (CUDA when present, else CPU), cpu, cuda, cuda:N or mps",
                       identity=False)
    parallel_folds: int | None = _opt(
        None, "train K folds at once in one process", identity=False, metavar="K",
        default_text="on CUDA as many as fit in free memory; on CPU 1")
    executor: str = _opt(
        "local", "where folds train: local (this process) or ray (each fold, or each group "
                 "of folds trained together, is a Ray task; pip install 'merbench[ray]')",
        identity=False, choices=EXECUTORS)
    ray_address: str | None = _opt(
        None, "the Ray cluster to run on with --executor ray (host:port of its head, or "
              "auto)", identity=False, metavar="ADDRESS",
        default_text="$RAY_ADDRESS, else a new Ray instance on this machine",
        per_machine=True)
    gpus_per_task: float | None = _opt(
        None, "with --executor ray on CUDA: the share of one GPU each fold's task asks Ray "
              "for (0 < share <= 1); merbench caps the task's GPU memory at that share",
        identity=False, metavar="SHARE", default_text="the model's declared gpu_share")
    checkpoint_every: float = _opt(
        5.0, "save an unfinished fold's training state every MINUTES (0: never), so an "
             "interrupted run goes on from there instead of from the fold's first epoch",
        identity=False, metavar="MINUTES")
    workers: int | None = _opt(None, "processes that extract a per-sample feature",
                               identity=False, metavar="N", default_text="one per core",
                               per_machine=True)
    threads: int | None = _opt(
        None, "CPU threads for the model's operations (merbench.threads: OMP_NUM_THREADS "
              "when set, else the cores this process may use, fewer for small models and on "
              "a busy machine)", identity=False,
        metavar="N", default_text="chosen per machine and model", per_machine=True)
    data_root: str | None = _opt(None, "where a dataset's files are", identity=False,
                                 metavar="PATH", default_text="$MERBENCH_DATA_DIR")
    features: str | None = _opt(
        None, "read the feature from FILE ('merbench extract --save') instead of extracting "
              "it; it must hold this run's feature, options and samples", identity=False,
        metavar="FILE", default_text="extract")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["out"] = str(self.out) if self.out is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        """The spec a ``run.json`` recorded (fields this merbench does not know are left)."""
        known = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        if known.get("out") is not None:
            known["out"] = Path(known["out"])
        return cls(**known)


def options() -> list[tuple[dataclasses.Field[Any], Option]]:
    """Every :class:`RunSpec` field with its :class:`Option`, in declaration order."""
    return [(f, f.metadata["option"]) for f in dataclasses.fields(RunSpec)]


def flag(name: str) -> str:
    """A field's main command-line spelling: ``batch_size`` -> ``--batch-size``."""
    for f, option in options():
        if f.name == name:
            return option.flags[0] if option.flags else "--" + name.replace("_", "-")
    raise KeyError(name)


def resumable() -> list[str]:
    """The fields that may be given with ``--resume``."""
    return [f.name for f, option in options() if option.allowed_with_resume]


def what_runs(spec: RunSpec, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of ``spec`` that say what runs, as recorded (``leave_out``: e.g. seed)."""
    data = spec.to_dict()
    return {f.name: data[f.name] for f, option in options()
            if option.identity and f.name not in leave_out}


def check_values(spec: RunSpec) -> None:
    """Reject impossible option values before anything is built."""
    from merbench.selection import POLICIES
    from merbench.training.device import check_device_name

    positive = {"epochs": spec.epochs, "batch_size": spec.batch_size,
                "parallel_folds": spec.parallel_folds, "workers": spec.workers,
                "threads": spec.threads,
                "inner_val_subjects": spec.inner_val_subjects}
    for name, value in positive.items():
        if value is not None and value < 1:
            hint = "; 1 trains one fold at a time" if name == "parallel_folds" else ""
            raise MerbenchError(f"{flag(name)} must be at least 1 (got {value}){hint}")
    if spec.lr is not None and not (spec.lr > 0 and math.isfinite(spec.lr)):
        raise MerbenchError(f"--lr must be a positive number (got {spec.lr})")
    if spec.seed < 0:
        raise MerbenchError(f"--seed must be a non-negative integer (got {spec.seed})")
    if spec.selection not in POLICIES:
        raise MerbenchError(f"unknown selection policy '{spec.selection}'; available: "
                            f"{', '.join(POLICIES)}")
    if not (spec.checkpoint_every >= 0 and math.isfinite(spec.checkpoint_every)):
        raise MerbenchError(f"--checkpoint-every must be a number of minutes >= 0 (got "
                            f"{spec.checkpoint_every}); 0 saves no unfinished fold")
    if spec.data_order is not None and spec.data_order not in DATA_ORDERS:
        raise MerbenchError(f"unknown --data-order '{spec.data_order}'; use "
                            f"{' or '.join(DATA_ORDERS)}")
    if spec.precision not in PRECISIONS:
        raise MerbenchError(f"unknown --precision '{spec.precision}'; use "
                            f"{' or '.join(PRECISIONS)}")
    if spec.executor not in EXECUTORS:
        raise MerbenchError(f"unknown --executor '{spec.executor}'; use "
                            f"{' or '.join(EXECUTORS)}")
    if spec.gpus_per_task is not None and not 0 < spec.gpus_per_task <= 1:
        raise MerbenchError(f"--gpus-per-task must be a share of one GPU, more than 0 and at "
                            f"most 1 (got {spec.gpus_per_task})")
    check_device_name(spec.device)
