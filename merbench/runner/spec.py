"""The run spec: every option of ``merbench run``, declared once, in two records.

:class:`RunSpec` says *what runs*: every field is recorded, names the ``--seeds`` folder and
may not change when a run is continued (the one exception, the fused optimiser step, enters
the run's identity through its effect). :class:`RunSettings` says *where and how fast* it
runs: the run directory, device, folds at once, executor, worker processes, save interval,
where the data and a saved feature file are. Kept apart, what names a run (its ``--seeds``
folder, what ``--resume`` may not change) is one record as a whole rather than a filter over
a mixed one. Each field carries an :class:`Option` in its metadata, and that one
declaration is the single source of:

- the Python API's parameters (``merbench.run(model, dataset, **fields)``, split by name),
- the ``merbench run`` command-line options (:mod:`merbench.cli.run_options` builds them),
  and those ``merbench sweep`` and ``merbench extract`` share with it,
- the ``--resume`` allow-list (:func:`resumable`),
- the hash that names a default ``--seeds`` folder (:func:`what_runs`),
- ``run.json``'s ``config`` (:func:`run_config`: the spec's fields, then the settings'),
- the options table in ``docs/user-guide.md`` (a test compares it with the generated one).

The values are checked in :mod:`merbench.runner.checks`.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from merbench.base.errors import MerbenchError
from merbench.base.toml_words import toml_given, toml_value
from merbench.base.whole_numbers import whole_value
from merbench.data.task import EMOTION_TASK, TASK_NAMES, Task, parse_task
from merbench.meta import DATA_ORDERS, MIN_LR
from merbench.runner.executor_kinds import EXECUTOR_KINDS
from merbench.runner.given_values import check_file_value

# bf16: torch.autocast around the forward pass and the loss; tf32: float32 tensors whose CUDA
# matrix products and convolutions use TensorFloat-32 (Ampere and newer GPUs)
PRECISIONS = ("fp32", "bf16", "tf32")
EXECUTORS = tuple(EXECUTOR_KINDS)

# where 'merbench sweep' takes an option: in the plan's entries, on its command line (for every
# run of the plan), either, or neither (the sweep decides it: each run's folder and seed)
SweepSource = Literal["plan", "command", "both", "none"]


@dataclass(frozen=True)
class Option:
    """How one :class:`RunSpec` or :class:`RunSettings` field appears to users.

    ``resume``: may be given with ``--resume`` (by default the settings' fields may, the
    spec's may not). ``flags``: the command-line spellings (default ``--field-name``);
    ``metavar`` and ``choices`` as in argparse; ``default_text``: the default in words, for
    help and docs. ``per_machine``: chosen for the machine a command runs on, so a resumed
    run does not take it from the machine it started on. ``sweep``: where ``merbench sweep``
    takes it; ``extract``: ``merbench extract`` takes it too.
    """

    help: str
    resume: bool
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    default_text: str | None = None
    per_machine: bool = False
    sweep: SweepSource = "plan"
    extract: bool = False


def _field(default: Any, help: str, *, factory: Any = None, **more: Any) -> Any:
    """A dataclass field with its :class:`Option` (a default, or a ``factory`` for dicts)."""
    meta = {"option": Option(help=help, **more)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _what(default: Any, help: str, *, resume: bool = False, **more: Any) -> Any:
    """A :class:`RunSpec` field: fixed once a run has started, unless ``resume``."""
    return _field(default, help, resume=resume, **more)


def _where(default: Any, help: str, *, resume: bool = True, **more: Any) -> Any:
    """A :class:`RunSettings` field: may change when a run is continued, unless ``resume``
    is False."""
    return _field(default, help, resume=resume, **more)


_REQUIRED = dataclasses.MISSING


@dataclass(frozen=True)
class RunSpec:
    """What runs: everything that decides a run's numbers; ``None`` means "the model's
    declared value"."""

    model: str = _what(_REQUIRED, "model name (see 'merbench list models')",
                       flags=("--model", "-m"))
    dataset: str = _what(_REQUIRED, "dataset name (see 'merbench list datasets')",
                         flags=("--dataset", "-d"), extract=True)
    protocol: str = _what("loso", "protocol name")
    feature: str | None = _what(
        None, "feed the model this feature instead of the one it declares (same per-sample "
              "shape), e.g. tvl1-uvos for a model trained on flow-uvos",
        flags=("--feature", "-f"), default_text="the model's feature", extract=True)
    seed: int = _what(0, "random seed", sweep="none")  # a sweep's entries give seeds = [...]
    epochs: int | None = _what(None, "override the model's epochs",
                               default_text="the model's recipe")
    batch_size: int | None = _what(None, "override the batch size",
                                   default_text="the model's recipe")
    lr: float | None = _what(None, f"override the learning rate; at least {MIN_LR:g}, below "
                                   "which a step leaves float32 weights of ordinary size "
                                   "unchanged", default_text="the model's recipe")
    data_order: str | None = _what(
        None, "the order each epoch feeds the training samples: shuffle (drawn anew every "
              "epoch), listed (the sample table's order, never shuffled) or authors (the "
              "HTNet and STSTNet authors' loader: class by class, each class's files by name, "
              "never shuffled; a raw database's files named as merbench export names them, "
              "{sub}_{clip} .png, so a raw megc2019 run is fed as the composite release)",
        choices=DATA_ORDERS,
        default_text="the model's recipe")
    precision: str = _what(
        "fp32", "fp32, bf16 (torch.autocast in bfloat16 for the forward pass and the loss; "
                "CPU and CUDA) or tf32 (TensorFloat-32 CUDA matrix products); part of the "
                "run's identity", choices=PRECISIONS)
    fused_optimizer: bool = _what(
        False, "on a CPU, take Adam's and AdamW's fused step (1.25x to 1.43x faster training "
               "for OFF-ApexNet); it rounds differently from the default step, so it is part "
               "of the run's identity. CUDA runs always take it",
        # a run started on a GPU (always the fused step) continues on a CPU with this flag
        resume=True)
    selection: str = _what(
        "fixed", "which epoch each fold reports: fixed (last epoch), inner-val (best on "
                 "held-out training subjects), oracle or first-best (best accuracy on the test "
                 "subject, the later or the earlier of equal epochs: TEST-SET SELECTION, only "
                 "to compare with published numbers) or authors (the policy the model's "
                 "authors' code uses, where it shows one)")
    inner_val_subjects: int = _what(3, "training subjects held out per fold for inner-val",
                                    metavar="N")
    shuffle_train_labels: bool = _what(
        False, "leakage control: shuffle each fold's training labels (expect chance)")
    skip_missing: bool = _what(
        False, "leave out samples whose frames or annotations are unusable (datasets that "
               "read raw files); results.json lists them under dataset.skipped", extract=True)
    weights: str | None = _what(
        None, "evaluate saved weights instead of training: DIR holds one state dict per "
              "test fold (<subject>.pth under LOSO, <database>.pth under lodo)",
        metavar="DIR", default_text="train")
    model_options: dict[str, Any] = _what(None, "an option of the model (repeatable)",
                                          factory=dict, flags=("--model-opt",),
                                          metavar="KEY=VALUE", default_text="none")
    dataset_options: dict[str, Any] = _what(None, "an option of the dataset (repeatable)",
                                            factory=dict, flags=("--dataset-opt",),
                                            metavar="KEY=VALUE", default_text="none",
                                            extract=True)
    feature_options: dict[str, Any] = _what(None, "an option of the feature (repeatable)",
                                            factory=dict, flags=("--feature-opt",),
                                            metavar="KEY=VALUE", default_text="none",
                                            extract=True)
    protocol_options: dict[str, Any] = _what(None, "an option of the protocol (repeatable)",
                                             factory=dict, flags=("--protocol-opt",),
                                             metavar="KEY=VALUE", default_text="none")
    task: str = _what(
        EMOTION_TASK.name,
        "what the model learns: emotion (one class a sample) or au (which action units a "
        "sample shows: a sigmoid a scored AU, scored by per-AU F1; only the samples whose "
        "coding sheet codes AUs)", choices=TASK_NAMES)
    au_set: str | None = _what(
        None, "with --task au, the AUs scored: AU numbers joined by commas (1,2,4,12) or one "
              "of MEB's sets (cross, casme2, samm, casme, mmew, fourd)", metavar="AUS",
        default_text="MEB's cross-database set: 1,2,4,5,6,7,9,10,12,14,15,17")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def parsed_task(self) -> Task:
        """The task ``task`` and ``au_set`` name (:func:`merbench.data.task.parse_task`): the
        spec keeps the words, as ``run.json`` records them, and every reader takes this."""
        return parse_task(self.task, self.au_set)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        """The spec a ``run.json`` recorded in its ``config`` (other keys are left)."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


@dataclass(frozen=True)
class RunSettings:
    """Where and how fast a run runs: nothing here changes its numbers."""

    out: Path | None = _where(None, "run directory", flags=("--out", "-o"),
                              default_text="runs/MODEL-DATASET-PROTOCOL-seedN-HASH",
                              resume=False,  # --resume DIR names it
                              sweep="none")  # the sweep gives every run its own folder
    device: str = _where("auto", "auto (CUDA when present, else CPU), cpu, cuda, cuda:N or mps",
                         sweep="both")
    parallel_folds: int | None = _where(
        None, "train K folds at once in one process", metavar="K",
        default_text="on CUDA as many as fit in free memory; on CPU 1")
    executor: str = _where(
        "local", "where folds train: local (this process) or ray (each fold, or each group "
                 "of folds trained together, is a Ray task; pip install 'merbench[ray]')",
        choices=EXECUTORS, sweep="command")  # all runs of a sweep share one
    ray_address: str | None = _where(
        None, "the Ray cluster to run on with --executor ray (host:port of its head, or "
              "auto)", metavar="ADDRESS",
        default_text="$RAY_ADDRESS, else a new Ray instance on this machine",
        per_machine=True, sweep="command")
    gpus_per_task: float | None = _where(
        None, "with --executor ray on CUDA: the share of one GPU each fold's task asks Ray "
              "for (0 < share <= 1); merbench caps the task's GPU memory at that share",
        metavar="SHARE", default_text="the model's declared gpu_share", sweep="both")
    eager: bool = _where(
        False, "on CUDA, launch every kernel of a training epoch from Python instead of "
               "replaying the epoch as one captured CUDA graph (Adam and AdamW models; the "
               "same numbers in fp32, several times slower)", sweep="both")
    checkpoint_every: float = _where(
        5.0, "save an unfinished fold's training state every MINUTES (0: never), so an "
             "interrupted run goes on from there instead of from the fold's first epoch",
        metavar="MINUTES", sweep="both")
    workers: int | None = _where(None, "processes that extract a per-sample feature",
                                 metavar="N", default_text="one per core, and one per 16 "
                                 "samples at most", per_machine=True,
                                 sweep="both", extract=True)
    threads: int | None = _where(
        None, "CPU threads for the model's operations (merbench.training.threads: OMP_NUM_THREADS "
              "when set, else the cores this process may use, fewer for small models and on "
              "a busy machine)",
        metavar="N", default_text="chosen per machine and model", per_machine=True,
        sweep="both")
    data_root: str | None = _where(None, "where a dataset's files are", metavar="PATH",
                                   default_text="$MERBENCH_DATA_DIR", sweep="both",
                                   extract=True)
    features: str | None = _where(
        None, "read the feature from FILE ('merbench extract --save') instead of extracting "
              "it; it must hold this run's feature, options and samples",
        metavar="FILE", default_text="extract")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["out"] = str(self.out) if self.out is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSettings:
        """The settings a ``run.json`` recorded in its ``config`` (other keys are left)."""
        known = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        if known.get("out") is not None:
            known["out"] = Path(known["out"])
        return cls(**known)


SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(RunSpec))
SETTINGS_FIELDS = tuple(f.name for f in dataclasses.fields(RunSettings))


def split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``options`` (field name -> value, as the API and the command line give them) parted
    into the spec's and the settings' (a name of neither goes with the spec's, which
    refuses it)."""
    return ({k: v for k, v in options.items() if k not in SETTINGS_FIELDS},
            {k: v for k, v in options.items() if k in SETTINGS_FIELDS})


def from_options(options: dict[str, Any]) -> tuple[RunSpec, RunSettings]:
    """The spec and settings that keyword ``options`` (every field by its name) describe."""
    what, where = split_options(options)
    return RunSpec(**what), RunSettings(**where)


def spec_of(model: str, dataset: str,
            options: dict[str, Any]) -> tuple[RunSpec, RunSettings]:
    """The spec and settings of ``model`` on ``dataset`` with the Python API's keyword
    ``options`` (each goes to the record that has its name); unknown ones are named with the
    list of those that exist."""
    fields = [*SPEC_FIELDS, *SETTINGS_FIELDS]
    unknown = sorted(set(options) - set(fields))
    if unknown:
        accepted = [f for f in fields if f not in ("model", "dataset")]
        raise MerbenchError(f"merbench.run() has no option {', '.join(map(repr, unknown))}; "
                            f"options are: {', '.join(accepted)}")
    return from_options({"model": model, "dataset": dataset, **options})


def run_config(spec: RunSpec, settings: RunSettings) -> dict[str, Any]:
    """``run.json``'s ``config``: the spec's fields, then the settings', in declaration order."""
    return {**spec.to_dict(), **settings.to_dict()}


def from_config(config: dict[str, Any]) -> tuple[RunSpec, RunSettings]:
    """The spec and settings a ``run.json`` recorded."""
    return RunSpec.from_dict(config), RunSettings.from_dict(config)


def options() -> list[tuple[dataclasses.Field[Any], Option]]:
    """Every field with its :class:`Option`: the spec's, then the settings', in declaration
    order."""
    return [(f, f.metadata["option"])
            for f in (*dataclasses.fields(RunSpec), *dataclasses.fields(RunSettings))]


@functools.cache
def _option_types() -> dict[str, Any]:
    return {**typing.get_type_hints(RunSpec), **typing.get_type_hints(RunSettings)}


def option_types() -> dict[str, Any]:
    """Every field's type annotation, resolved (``int | None``, ``dict[str, Any]``, ...);
    resolved once a process (a tuning file's thousands of choices each ask)."""
    return dict(_option_types())


def typed_value(where: str, name: str, value: Any) -> Any:
    """``value`` checked against the RunSpec or RunSettings field's type (TOML has ints,
    floats, strings, booleans and tables, as the fields do); a wrong one said in TOML's words
    (:mod:`merbench.base.toml_words`), since the value comes from a plan or tuning file."""
    allowed = field_types(name)
    value = check_file_value(where, name, value, Path in allowed or name in _path_fields(),
                             whole=int in allowed and float not in allowed)
    if int in allowed and float not in allowed and isinstance(value, float):
        # one rule for a whole number (merbench.base.whole_numbers): 3.0 is the 3 recorded
        whole = whole_value(value)
        if whole is None:
            raise MerbenchError(f"{where}: '{name}' must be a whole number, not "
                                f"{toml_value(value)}")
        value = whole
    if float in allowed and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if Path in allowed and isinstance(value, str):
        value = Path(value)
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        wanted = " or ".join(dict.fromkeys(_WANTED[a] for a in allowed))
        raise MerbenchError(f"{where}: '{name}' must be {wanted}, not {toml_given(value)}")
    return value


def field_types(name: str) -> tuple[type, ...]:
    """The types a field's value may have besides None (``int | None`` -> ``(int,)``): the
    one reading a tuning file's values (:func:`typed_value`) and the Python API's keywords
    (:mod:`merbench.runner.api_values`) check."""
    kind = option_types()[name]
    allowed = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    return tuple(typing.get_origin(a) or a for a in allowed if a is not type(None))


#: a field's type as a TOML file's author gives it (a float field takes 3 as well as 3.0)
_WANTED = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
           Path: "a string (a path)", dict: "a table"}


#: the metavars of the options that are paths kept as text (--data-root PATH, --features FILE)
PATH_METAVARS = frozenset({"PATH", "FILE", "DIR"})


@functools.cache
def _path_fields() -> frozenset[str]:
    return frozenset(f.name for f, option in options() if option.metavar in PATH_METAVARS)


def flag(name: str) -> str:
    """A field's main command-line spelling: ``batch_size`` -> ``--batch-size``."""
    return _flags()[name]


@functools.cache
def _flags() -> dict[str, str]:
    # worked out once a process: building the command line asks 145 times, each a scan
    return {f.name: option.flags[0] if option.flags else "--" + f.name.replace("_", "-")
            for f, option in options()}


def resumable() -> list[str]:
    """The fields that may be given with ``--resume``."""
    return [f.name for f, option in options() if option.resume]


def sweep_plan_options() -> tuple[str, ...]:
    """The fields a sweep plan's entries may set."""
    return tuple(f.name for f, option in options() if option.sweep in ("plan", "both"))


def sweep_command_options() -> tuple[str, ...]:
    """The fields ``merbench sweep`` takes on its command line, for every run of its plan:
    where and how fast, never what runs (that is the plan's)."""
    return tuple(f.name for f, option in options() if option.sweep in ("command", "both"))


def extract_options() -> tuple[str, ...]:
    """The fields ``merbench extract`` shares with ``merbench run``."""
    return tuple(f.name for f, option in options() if option.extract)


def what_runs(spec: RunSpec, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of ``spec`` as recorded (``leave_out``: e.g. seed)."""
    return {name: value for name, value in spec.to_dict().items() if name not in leave_out}
