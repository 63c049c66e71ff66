"""What the progress reporter says once it has measured a run's pace: the whole run's time,
and, when that is long, what to do instead and what Ctrl-C keeps.

On a CPU a run estimated past :data:`GPU_WORK_S` is called GPU work (the project's rule: up to
about two hours a seed is CPU work), and comes with the reduced command to paste
(:mod:`merbench.cli.reduced_command`); between :data:`LONG_RUN_S` and that, the advice is a
smaller try. What Ctrl-C keeps is said as the run is set up: a stop saves the fold in progress
at its epoch's end only where states are saved, and where that end comes within seconds
(:mod:`merbench.training.epoch_end_stop`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from merbench.base.literal import counted
from merbench.plugin_system.runinfo import RunInfo

if TYPE_CHECKING:
    from merbench.cli.reduced_command import Offer

LONG_RUN_S = 15 * 60  # an estimate above this comes with advice
GPU_WORK_S = 2 * 3600  # above this on a CPU, a run is GPU work


def duration(seconds: float) -> str:
    """``3 d 4 h``, ``2 h 05 min``, ``7 min``, ``40 s``, ``24 ms``: as precise as an
    estimate is."""
    seconds = max(0.0, seconds)
    if seconds < 0.95:  # a fold-epoch of a small model: "0 s" would say nothing
        return f"{max(1, round(seconds * 1000))} ms"
    if seconds >= 86400:
        return f"{int(seconds // 86400)} d {int(seconds % 86400 // 3600)} h"
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 60:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds)} s"


def estimate_line(run: RunInfo, per_fold_epoch: float, start_up: float = 0.0, *,
                  offer: Offer | None = None, saves_states: bool = True) -> str:
    """The whole run's time at the measured pace (plus its one-time ``start_up`` seconds),
    with what to do when that is long: on a CPU past :data:`GPU_WORK_S`, a GPU or the
    reduced ``offer`` (printed apart, by :func:`offer_lines`)."""
    total = start_up + per_fold_epoch * run.folds_to_train * run.epochs
    line = (f"estimate: about {duration(total)} for {counted(run.folds_to_train, 'fold')} x "
            f"{counted(run.epochs, 'epoch')} on {run.device} ({duration(per_fold_epoch)} per "
            "fold-epoch so far)")
    if total < LONG_RUN_S:
        return line
    if run.device.startswith("cpu") and total >= GPU_WORK_S:
        reduced = ("the REDUCED setting below" if offer is not None else
                   "a reduced setting (fewer --epochs, a smaller --model-opt)")
        advice = ("this is GPU work: run it where a GPU is, with --device cuda (a GPU trains "
                  f"many folds at once), or try {reduced} first")
    elif run.device.startswith("cpu"):
        advice = ("a long run for this CPU: to try it faster, give fewer --epochs or a "
                  "smaller network with --model-opt")
    else:
        advice = ("to try it faster, give fewer --epochs or a smaller network with "
                  "--model-opt; --parallel-folds K trains K folds at once where memory allows")
    return f"{line}. {advice}; {ctrl_c_line(saves_states)}"


def ctrl_c_line(saves_states: bool) -> str:
    """What Ctrl-C (or SIGTERM, SIGHUP) keeps, as this run is set up."""
    if saves_states:
        return ("Ctrl-C keeps every finished fold and the one in progress as of its last "
                "saved state (saved when its current epoch ends, where that comes within "
                "seconds)")
    return ("Ctrl-C keeps every finished fold; the one in progress is lost (no state is saved "
            "with --checkpoint-every 0 or --executor ray)")


def offer_lines(offer: Offer, model: str) -> tuple[str, str]:
    """The reduced command's label, and the command itself (printed unwrapped, to paste)."""
    return (f"try first: {offer.what}; {offer_time(offer)}; its results say REDUCED: not "
            f"comparable with published numbers, and never ranked as {model}:",
            f"  {offer.command}")


def offer_time(offer: Offer) -> str:
    """``about 12 min here, at the pace measured``, or that it is not measured here (and
    what was measured elsewhere)."""
    if offer.seconds is None:
        return "not measured on this machine" + (
            f" ({offer.elsewhere})" if offer.elsewhere else "")
    seeds = f" for {offer.runs} seeds" if offer.runs > 1 else ""
    return f"about {duration(offer.seconds)}{seeds} here, at the pace measured"
