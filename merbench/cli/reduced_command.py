"""The reduced command ``merbench run`` offers when it has measured a run as GPU work.

A new user's first command on a CPU (HTNet on the composite) was estimated at six days, told
"try a reduced setting first" and pointed at the README's command, which runs on another
dataset. What they need is the command to paste: the same model on the same dataset, with
their own data root and other options, in a setting the CPU can finish, and how long it takes.

A model declares its reduced setting in its metadata (``ModelMeta.reduced``, a
:class:`~merbench.meta.ReducedSetting`: HTNet's is the one its committed CPU runs used), so
the core names no plugin. A model that declares none, and a run already in its model's reduced
setting, is offered the same command with fewer epochs, chosen from the measured pace to end
within a quarter of an hour. Either way the run departs from the model as declared, so its
results say "REDUCED setting" and leaderboards show it apart. Its time is given where the
pace measured here gives it (only the epochs change); where the network itself changes it is
"not measured here", with the declared measurement, whose machine it names, beside it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
from dataclasses import dataclass
from typing import Any

from merbench.base.whole_numbers import number_shown
from merbench.meta import ReducedSetting
from merbench.results.codec import same_when_recorded
from merbench.runner.spec import RunSettings, RunSpec, flag, options

TRY_S = 15 * 60  # a generic reduction is a try that ends within this, at the measured pace
NICE = (1, 2, 5)  # epochs are offered as 1, 2, 5, 10, 20, 50 ... (a round number says "a try")


@dataclass(frozen=True)
class Offer:
    """A reduced command: what it is, the command, and its time here in seconds at the pace
    measured (``runs`` runs: seeds), or None where it is not measured here, with what was
    measured elsewhere (``elsewhere``, the declared note, where there is one)."""

    what: str
    command: str
    seconds: float | None
    runs: int = 1
    elsewhere: str | None = None


@dataclass(frozen=True)
class RunAsGiven:
    """What the reporter needs to offer a reduced run: the run as the user gave it, the
    seeds of a ``--seeds`` run, and the model's declared reduced setting (None: none)."""

    spec: RunSpec
    settings: RunSettings
    seeds: list[int] | None = None
    declared: ReducedSetting | None = None

    @property
    def saves_states(self) -> bool:
        """Whether a stop saves the fold in progress: states are saved (``--checkpoint-every``
        above 0) by this process (the local executor; Ray's workers save none)."""
        return self.settings.checkpoint_every > 0 and self.settings.executor == "local"

    def offer(self, per_fold_epoch: float, start_up: float, n_folds: int,
              epochs: int) -> Offer | None:
        """The reduced command for a run of ``n_folds`` folds x ``epochs`` epochs measured at
        ``per_fold_epoch`` seconds (after ``start_up`` seconds); None when even one epoch of
        every fold takes longer than a try should."""
        runs = len(self.seeds) if self.seeds else 1
        declared = self.declared
        if declared is not None and not self._in(declared, epochs):
            changes: dict[str, Any] = {
                "model_options": {**self.spec.model_options, **declared.model_options}}
            changes.update({k: v for k, v in (("epochs", declared.epochs), ("lr", declared.lr),
                                              ("batch_size", declared.batch_size))
                            if v is not None})
            seconds = None  # another network or batch: the pace measured here does not hold
            if not declared.model_options and declared.batch_size is None:
                seconds = _seconds(start_up, per_fold_epoch, n_folds,
                                   declared.epochs or epochs, runs)
            what = f"{self.spec.model}'s documented REDUCED setting" + (
                f", {declared.why}" if declared.why else "")
            return Offer(what, self.command(changes), seconds, runs, declared.measured)
        fewer = _fewer_epochs(per_fold_epoch, start_up, n_folds, epochs, runs)
        if fewer is None:
            return None
        return Offer(f"the same run with --epochs {fewer} instead of {epochs}, a REDUCED "
                     "setting (fewer epochs only, to see it run)",
                     self.command({"epochs": fewer}),
                     _seconds(start_up, per_fold_epoch, n_folds, fewer, runs), runs)

    def _in(self, declared: ReducedSetting, epochs: int) -> bool:
        """Whether the run already is the declared reduced setting (or smaller in epochs)."""
        given = self.spec.model_options
        return all(k in given and same_when_recorded(given[k], v) for k, v in
                   declared.model_options.items()) and (
            declared.epochs is None or epochs <= declared.epochs)

    def command(self, changes: dict[str, Any]) -> str:
        """``merbench run`` with every option of the run as given that is not at its
        default, ``changes`` applied, and its own ``--out`` (beside the given one): the
        reduced run is another run, which the given folder would refuse."""
        spec = dataclasses.replace(self.spec, **changes)
        settings = self.settings
        if settings.out is not None:
            settings = dataclasses.replace(
                settings, out=settings.out.with_name(settings.out.name + "-reduced"))
        words = ["merbench", "run"]
        for field, _ in options():
            value = getattr(spec if field.name in _SPEC else settings, field.name)
            if field.name == "seed" and self.seeds:
                words += ["--seeds", ",".join(map(str, self.seeds))]
                continue
            words += _words(field, value)
        return " ".join(shlex.quote(word) for word in words)


_SPEC = {f.name for f in dataclasses.fields(RunSpec)}


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING  # required: always written


def _words(field: dataclasses.Field[Any], value: Any) -> list[str]:
    """A field's words on a command line: none at its default, the flag alone for a flag,
    one ``--x-opt KEY=VALUE`` per key of an options dict."""
    if value is None or (_default(field) is not dataclasses.MISSING and
                         same_when_recorded(value, _default(field))):
        return []
    name = flag(field.name)
    if isinstance(value, bool):
        return [name] if value else []
    if isinstance(value, dict):
        return [word for key, item in value.items()
                for word in (name, f"{key}={_option_text(item)}")]
    # a float field's whole value as typed (--checkpoint-every 0, not the 0.0 it was read as)
    return [name, number_shown(value) if isinstance(value, float) else str(value)]


def _option_text(value: Any) -> str:
    """An option's VALUE as ``KEY=VALUE`` reads it back: JSON for numbers, lists and the
    like; text as it is, unless it would read as JSON (``"true"``), then quoted as JSON."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError:
            return value
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value, separators=(",", ":"))


def _fewer_epochs(per_fold_epoch: float, start_up: float, n_folds: int, epochs: int,
                  runs: int) -> int | None:
    """The most epochs (1, 2, 5, 10, 20, 50 ...) below ``epochs`` with which ``runs`` runs
    (seeds) end within :data:`TRY_S` at the measured pace; None when not even one does."""
    fits = (TRY_S / runs - start_up) / max(per_fold_epoch * n_folds, 1e-9)
    if fits < 1:
        return None
    best = 1
    for power in range(int(math.log10(max(fits, 1))) + 1):
        for step in NICE:
            if step * 10 ** power <= fits:
                best = step * 10 ** power
    return min(best, max(1, epochs // 2))


def _seconds(start_up: float, per_fold_epoch: float, n_folds: int, epochs: int,
             runs: int) -> float:
    """The time of ``runs`` runs of ``n_folds`` x ``epochs`` at the measured pace."""
    return runs * (start_up + per_fold_epoch * n_folds * epochs)
