"""Typed metadata that every registered dataset, feature, model and protocol carries.

Metadata is what `merbench list` shows, what result files record as provenance, and what the
core checks before a run (does the dataset provide what the model's feature needs?). Bump
`version` whenever a change can alter scores, so old and new results are never mixed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from merbench.meta.field_values import (
    Refusal,
    called_by_name,
    flag,
    names,
    real,
    shown,
    target,
    text,
    whole,
)

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "exponential")
DATA_ORDERS = ("shuffle", "listed", "authors")
#: the selection policies' names, which a model's ``authors_selection`` takes;
#: :mod:`merbench.scores.selection` gives each its rule, under exactly these names
SELECTION_POLICIES = ("fixed", "inner-val", "oracle", "first-best", "per-metric-best")
#: the most epochs a run trains: ``merbench run`` refuses more as an option, and a result
#: (a recogniser's record) claiming more is refused by validate and status, and a recipe
#: or reduced setting declaring more is refused as its plugin loads
MAX_EPOCHS = 100_000
#: the largest batch: more samples than any micro-expression dataset holds (the largest have
#: a few thousand) is the whole training set at once; 2**31 and 10**15 were taken and recorded
MAX_BATCH_SIZE = 65_536
#: the largest learning rate: torch's fp32 step overflows beyond about 3e38
MAX_LR = 1e3
#: the smallest learning rate, where a step stops moving weights of ordinary size. A first
#: step of Adam or AdamW is lr itself (SGD's, lr times a gradient, is smaller still), and a
#: float32 weight of size 0.01 changes only by a step over half the gap to its neighbour,
#: 2**-31 = 4.7e-10 (3.7e-9 at 0.1): measured on Linear, Conv2d and N(0, 0.1) weights, a
#: step of lr 3e-10 moved none of those of size 0.01 upwards, 1e-9 moved 18-41 % of them, 1e-8
#: all. 1e-9 is the round number above where every such step vanishes; the bound was
#: float32's smallest positive number, 1.4e-45, and 1e-12 trained a run that changed no
#: weight (pass 84ab, AB14; 1e-320, pass 84aa, AA4). No recipe, result or tuning space
#: merbench ships goes below 1e-5.
MIN_LR = 1e-9
#: the largest weight decay a recipe declares (no option overrides it): a decay that large
#: is no regulariser, and 10**300 ended the first training step in torch's OverflowError
MAX_WEIGHT_DECAY = 1e3
#: what a recipe's or reduced setting's lr must be, in words
LR_WANTED = f"a number >= {MIN_LR:g}"
#: why a rate below MIN_LR is refused, said by every place that refuses one
LR_TOO_SMALL = ("a step that small leaves weights of ordinary size unchanged in their 32-bit "
                "numbers, so the run would train nothing")


@called_by_name
@dataclass(frozen=True, kw_only=True)
class Meta:
    """What every registered object says about itself."""

    name: str
    version: int
    description: str
    citation: str
    license: str = "unspecified"

    def __post_init__(self) -> None:
        kind = type(self).__name__
        if not isinstance(self.name, str):
            raise ValueError(f"{kind} name must be text, not {shown(self.name)}")
        if not _NAME.match(self.name):
            raise ValueError(
                f"{kind} name {self.name!r} must be lower case letters, digits, '.', '_' or '-'"
            )
        refuse = self.refusal()
        # version 2.0, np.int64(2) and Decimal("2") are 2, by the one whole-number rule
        object.__setattr__(self, "version", whole(refuse, "version", self.version, 1))
        for name in ("description", "citation", "license"):
            text(refuse, name, getattr(self, name))
        if not self.description.strip() or "\n" in self.description.strip():
            raise ValueError(f"{kind} {self.name!r}: description must be one non-empty line")
        if not self.citation.strip():
            raise ValueError(f"{kind} {self.name!r}: give a citation or a link")

    def refusal(self) -> Refusal:
        """How a field of this object is refused: "ModelMeta 'x': citation must be text,
        not 5", naming the object and the field, the value as the plugin wrote it."""
        def refuse(name: str, wanted: str, value: Any) -> ValueError:
            return ValueError(f"{type(self).__name__} {self.name!r}: {name} must be {wanted}, "
                              f"not {shown(value)}")
        return refuse

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@called_by_name
@dataclass(frozen=True, kw_only=True)
class DatasetMeta(Meta):
    """A dataset: the per-sample sources it can give (e.g. ``flow_uvos``, ``landmarks68``).

    ``official_fingerprint`` is the sample-list fingerprint (:meth:`Dataset.fingerprint`) the
    dataset gives with its default options, when its list is fixed and shipped with the
    plugin (the MEGC2019 composite's official 442 samples); ``merbench validate`` refuses a
    run whose fold files give another list under that name. None: the list depends on the
    user's files (a raw database's coding sheet). A contract test builds the dataset and
    compares.

    ``generated``: its samples are made by code, not recorded from people (``synthetic``):
    a model trained on it checks a pipeline and tells nothing about a real face, which
    ``merbench predict`` says of a recogniser trained on it.

    ``databases``: the values its sample table's ``database`` column can take, when they are
    fixed (the composite's ``casme2``, ``samm``, ``smic``). They are the scopes a
    leaderboard column may name besides ``overall``, so a benchmark definition with a column
    of a database the dataset never has (whose cells no run could ever fill) is refused
    when it is read. None: not fixed (they follow the options or the user's files), and any
    scope is taken.
    """

    provides: tuple[str, ...]
    official_fingerprint: str | None = None
    generated: bool = False
    databases: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        refuse = self.refusal()
        object.__setattr__(self, "provides", names(refuse, "provides", self.provides))
        if self.official_fingerprint is not None:
            text(refuse, "official_fingerprint", self.official_fingerprint)
        object.__setattr__(self, "generated", flag(refuse, "generated", self.generated))
        if self.databases is not None:
            object.__setattr__(self, "databases", names(refuse, "databases", self.databases))


@called_by_name
@dataclass(frozen=True, kw_only=True)
class FeatureMeta(Meta):
    """A feature extractor: the dataset sources it reads and the per-sample shape it returns.

    Each entry of ``needs`` is one source, or alternatives separated by ``|``
    (``"landmarks68|apex_face"``): a dataset that provides any one of them satisfies that
    entry, and the extractor picks what the dataset has. ``shape`` (when given) is checked
    against what the extractor returns. ``storage_options`` names options that only say where
    intermediate files are kept (``cache_dir``): they cannot change a value, so they stay out
    of a run's identity, and the same run started with another cache folder resumes.
    """

    needs: tuple[str, ...]
    shape: tuple[int, ...] = ()
    storage_options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        refuse = self.refusal()
        for name in ("needs", "storage_options"):
            object.__setattr__(self, name, names(refuse, name, getattr(self, name)))
        if not isinstance(self.shape, tuple | list):
            raise refuse("shape", "a tuple of whole numbers >= 1", self.shape)
        object.__setattr__(self, "shape", tuple(whole(refuse, f"shape[{index}]", size, 1)
                                                for index, size in enumerate(self.shape)))
        for need in self.needs:
            if not all(part.strip() for part in need.split("|")):
                raise ValueError(f"feature {self.name!r}: need {need!r} has an empty "
                                 "alternative; write sources as 'a' or 'a|b'")

    def identity_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` without the storage options: the ones that decide the values."""
        return {k: v for k, v in options.items() if k not in self.storage_options}

    def unmet_needs(self, provides: tuple[str, ...]) -> list[str]:
        """The entries of ``needs`` that none of the sources in ``provides`` satisfies."""
        return [need for need in self.needs
                if not any(part.strip() in provides for part in need.split("|"))]


@called_by_name
@dataclass(frozen=True, kw_only=True)
class TrainRecipe:
    """How a torch model is trained, as its authors declare it; the CLI can override the numbers.

    The learning rate follows ``schedule``, set once per epoch (``merbench.training.schedule``):
    ``constant``; ``cosine`` from ``lr`` down to ``min_lr`` over the epochs after the warm-up;
    ``exponential``, multiplied by ``gamma`` after each epoch for the first ``decay_epochs``
    epochs (all of them when ``None``), then held. ``warmup_epochs`` ramps the rate up
    linearly first (any schedule). A model may also give its own parameter groups and a
    training-batch augmentation (methods ``param_groups`` and ``augment``, see
    ``merbench.training.torch_trainer``).

    ``data_order`` is the order the training samples are fed in each epoch: ``shuffle``
    feeds a new order drawn every epoch from the fold's seed; ``listed`` feeds the fold's
    training rows in the sample table's order (for the composite, the release's label file),
    the same every epoch; ``authors`` feeds them in the order the HTNet and STSTNet authors'
    loader reads them, the same every epoch: class by class, each class by file name
    (``runner/fold_inputs.authors_order``). Neither of the last two ever shuffles, and only
    ``authors`` is an authors' order: a reproduction of their numbers needs it.
    """

    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "adam"
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_epochs: int = 0
    gamma: float = 1.0
    decay_epochs: int | None = None
    min_lr: float = 0.0
    data_order: str = "shuffle"

    def __post_init__(self) -> None:
        # every number as the int or float it is, or one line naming the field
        # (:mod:`merbench.meta.field_values`); epochs=2.0 is 2, epochs=2.5 is refused here
        def refuse(name: str, wanted: str, value: Any) -> ValueError:
            return ValueError(f"a training recipe needs {name} to be {wanted}, not "
                              f"{shown(value)}")

        # at most what the command line takes for the same option (--epochs, --batch-size,
        # --lr): 10**400 epochs loaded, then crashed the run's summary (pass 84l N2)
        for name, least, most in (("epochs", 1, MAX_EPOCHS), ("batch_size", 1, MAX_BATCH_SIZE),
                                  ("warmup_epochs", 0, MAX_EPOCHS)):
            object.__setattr__(self, name,
                               whole(refuse, name, getattr(self, name), least, most))
        if self.decay_epochs is not None:
            object.__setattr__(self, "decay_epochs",
                               whole(refuse, "decay_epochs", self.decay_epochs, 0, MAX_EPOCHS))
        object.__setattr__(self, "lr", real(refuse, "lr", self.lr, LR_WANTED,
                                            lambda v: v >= MIN_LR, MAX_LR))
        object.__setattr__(self, "weight_decay", real(
            refuse, "weight_decay", self.weight_decay, "a number >= 0", lambda v: v >= 0,
            MAX_WEIGHT_DECAY))
        for name, wanted, fits in (
                ("gamma", "a number in (0, 1], the exponential schedule's factor",
                 lambda v: 0 < v <= 1),
                ("min_lr", "a number >= 0", lambda v: v >= 0)):
            object.__setattr__(self, name, real(refuse, name, getattr(self, name), wanted,
                                                fits))
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}")
        if not self.min_lr <= self.lr:
            raise ValueError("min_lr must be between 0 and lr")
        if self.data_order not in DATA_ORDERS:
            raise ValueError(f"data_order must be one of {', '.join(DATA_ORDERS)}")

    def to_dict(self) -> dict[str, Any]:
        """Every field: what a run's identity and results record of the recipe."""
        return asdict(self)


@called_by_name
@dataclass(frozen=True, kw_only=True)
class ReducedSetting:
    """A smaller configuration of a model that a CPU can finish, as its authors or
    maintainers document it: what ``merbench run`` offers, as a ready command, when it has
    measured that the model's own setting is GPU work on the machine it runs on.

    ``model_options`` are ``--model-opt`` values; ``epochs``, ``lr`` and ``batch_size``
    override the recipe (None: the recipe's). A run in it departs from the model as declared
    (:func:`merbench.results.schema.departures_from_declared`), so its results say "REDUCED
    setting" and leaderboards show it apart, never ranked as the model. ``why`` says in one
    line what it keeps and drops; ``measured`` says, when someone has timed it, how long it
    took and where (a time on another machine, so the command line says whose it is).
    """

    model_options: dict[str, Any] = field(default_factory=dict, hash=False)
    epochs: int | None = None
    lr: float | None = None
    batch_size: int | None = None
    why: str = ""
    measured: str | None = None

    def __post_init__(self) -> None:
        if not self.model_options and (self.epochs, self.lr, self.batch_size) == (None,) * 3:
            raise ValueError("a reduced setting must change something: model_options, "
                             "epochs, lr or batch_size")
        def refuse(name: str, wanted: str, value: Any) -> ValueError:
            return ValueError(f"a reduced setting needs {name} to be None or {wanted}, not "
                              f"{shown(value)}")

        for name, most in (("epochs", MAX_EPOCHS), ("batch_size", MAX_BATCH_SIZE)):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, whole(refuse, name, getattr(self, name), 1, most))
        if self.lr is not None:
            object.__setattr__(self, "lr", real(refuse, "lr", self.lr, LR_WANTED,
                                                lambda v: v >= MIN_LR, MAX_LR))
        if not isinstance(self.model_options, dict):
            raise refuse("model_options", "a dict", self.model_options)
        if not isinstance(self.why, str):
            raise ValueError(f"a reduced setting needs why to be text, not {shown(self.why)}")
        if self.measured is not None:
            text(refuse, "measured", self.measured)
        for line in (self.why, self.measured or "x"):
            if "\n" in line.strip():
                raise ValueError("a reduced setting's why and measured are one line each")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@called_by_name
@dataclass(frozen=True, kw_only=True)
class ModelMeta(Meta):
    """A model: the feature it consumes, and how it is trained.

    ``kind="torch"`` models are ``torch.nn.Module`` factories trained by the core trainer with
    ``recipe``; ``kind="sklearn"`` models are estimators with ``fit`` / ``predict``.
    """

    feature: str
    kind: Literal["torch", "sklearn"] = "torch"
    recipe: TrainRecipe | None = None
    extra_training_data: bool = False
    #: the selection policy (``merbench.scores.selection``) the authors' own code reports numbers
    #: with, where it shows one: ``--selection authors`` stands for it, every run records it,
    #: and the model's docs compare it with merbench's default. None: their code does not say
    authors_selection: str | None = None
    #: ``"module:function"`` mapping the authors' released state dict to this model's names
    #: (``merbench convert-weights``, :mod:`merbench.export.authors_weights`); None: no mapping
    authors_weights: str | None = None
    #: the share of one GPU a fold of this model asks for when Ray schedules it on CUDA
    #: (``merbench run --executor ray``): small models share a GPU, several folds at once
    gpu_share: float = 1.0
    #: a smaller configuration a CPU can finish (:class:`ReducedSetting`), which ``merbench
    #: run`` offers as a ready command when it measures the model's own setting as GPU work;
    #: None: it offers the model's own setting with fewer epochs
    reduced: ReducedSetting | None = None

    def __post_init__(self) -> None:
        super().__post_init__()

        def refuse(name: str, wanted: str, value: Any) -> ValueError:
            return ValueError(f"model {self.name!r}: {name} must be {wanted}, not "
                              f"{shown(value)}")

        object.__setattr__(self, "gpu_share", real(refuse, "gpu_share", self.gpu_share,
                                                   "a number in (0, 1]", lambda v: 0 < v <= 1))
        object.__setattr__(self, "extra_training_data",
                           flag(refuse, "extra_training_data", self.extra_training_data))
        object.__setattr__(self, "authors_weights",
                           target(refuse, "authors_weights", self.authors_weights))
        for name, kind in (("recipe", TrainRecipe), ("reduced", ReducedSetting)):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), kind):
                raise refuse(name, f"None or a {kind.__name__}", getattr(self, name))
        if not isinstance(self.feature, str) or not self.feature.strip():
            raise refuse("feature", "a feature's name", self.feature)
        if self.kind not in ("torch", "sklearn"):
            raise ValueError(f"model {self.name!r}: kind must be 'torch' or 'sklearn'")
        if self.kind == "torch" and self.recipe is None:
            raise ValueError(f"model {self.name!r}: a torch model must declare a TrainRecipe")
        reduced = self.reduced
        if reduced is not None and self.kind != "torch" and (
                reduced.epochs, reduced.lr, reduced.batch_size) != (None,) * 3:
            raise ValueError(f"model {self.name!r}: a scikit-learn estimator has no epochs, "
                             "lr or batch size to reduce; give model_options only")
        if self.authors_selection is not None and \
                self.authors_selection not in SELECTION_POLICIES:
            raise ValueError(f"model {self.name!r}: authors_selection must be one of "
                             f"{', '.join(SELECTION_POLICIES)}")


@called_by_name
@dataclass(frozen=True, kw_only=True)
class ProtocolMeta(Meta):
    """An evaluation protocol: how samples are split into folds.

    ``required_options`` names the options a user must give (``--protocol-opt NAME=VALUE``),
    such as the folder of a split's released lists: building the protocol without them must
    fail with one line that names each (the contract check holds it to that).
    ``subject_independent`` is False for a published split that tests subjects it also
    trains on (released k-fold lists): merbench runs it to reproduce a paper's protocol, but
    no fold's test subject is kept out of its training, so no leaderboard ranks it.
    ``datasets`` names the only datasets a split is defined on (a released split of one
    database's samples; empty: any): a run on another is refused while it is planned, before
    the protocol's own options are asked for, which would send the user after a file the
    run could never use.
    """

    required_options: tuple[str, ...] = ()
    subject_independent: bool = True
    datasets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        refuse = self.refusal()
        for name in ("required_options", "datasets"):
            object.__setattr__(self, name, names(refuse, name, getattr(self, name)))
        object.__setattr__(self, "subject_independent",
                           flag(refuse, "subject_independent", self.subject_independent))
