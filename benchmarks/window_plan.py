"""What a GPU window will run, job after job, as the runs step will run it.

Issue 81 found the dry run showing another plan than the one a window ran: it printed each
job's minutes for all of its folds, while the window chose each job's setting for the
seconds left when the job started, and a group that outlasted the Ctrl-C finished nothing.
:func:`timeline` walks the plan the way ``leaderboard_runs.run_waves`` does (the same
``planned`` function, the same seconds left, the same rule for starting a job:
:func:`why_not_start`), so a dry run prints, for each job, when it starts, the setting it
gets, the folds it is predicted to finish with the margin (``gpu_plan.MARGIN``) and when it
ends, and which jobs the window never reaches.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gpu_plan

MIN_START_S = 5.0  # a job is not started with less time than this before its Ctrl-C


@dataclass(frozen=True)
class Step:
    """One job's place in the window: started at ``start_s`` (seconds after the runs'
    start), predicted to finish ``folds`` of its ``folds_left`` and to end at ``end_s``
    (None: no figure says when); ``note`` says why it does not start, or ``""``."""

    job: str
    start_s: float
    folds: int
    folds_left: int
    end_s: float | None
    how: str
    note: str = ""

    def line(self) -> str:
        if self.note:
            return f"  {self.start_s:6.0f} s  {self.job}: not started, {self.note}"
        end = "no figure: until it ends or the Ctrl-C" if self.end_s is None \
            else f"ends at {self.end_s:.0f} s"
        return (f"  {self.start_s:6.0f} s  {self.job}{self.how}: {self.folds} of "
                f"{self.folds_left} folds predicted to finish, {end}")


def alone(waves: list[list[int]], timed_alone: Sequence[bool]) -> list[list[int]]:
    """``waves`` with each job of ``timed_alone`` (its setting chosen from a matrix that
    timed it with the GPU to itself: its groups are sized to end in the window) in a wave
    of its own, in the same order; the other jobs keep their waves, split where such a job
    stood."""
    result: list[list[int]] = []
    for wave in waves:
        together: list[int] = []
        for i in wave:  # the plan's order kept: a job alone splits its wave where it stands
            if timed_alone[i]:
                result += [together, [i]] if together else [[i]]
                together = []
            else:
                together.append(i)
        if together:
            result.append(together)
    return result


def why_not_start(prediction: gpu_plan.Prediction, left_s: float,
                  min_start_s: float = MIN_START_S) -> str:
    """Why a job with ``left_s`` seconds before its Ctrl-C is not started ("" : it is): too
    little time, or not one group of its setting predicted to end before the last tenth of
    that time (its folds would all be lost with the group)."""
    if left_s < min_start_s:
        return "the budget is spent"
    setting = prediction.setting
    if setting is not None and prediction.folds_left > 0 and \
            setting.folds_within(left_s, prediction.folds_left) == 0:
        return (f"no group of {setting.folds_at_once} folds at once "
                f"({setting.group_s:.0f} s after {gpu_plan.START_UP_S:.0f} s of start-up) is "
                f"predicted to end within {left_s:.0f} s with the "
                f"{gpu_plan.MARGIN:.0%} margin")
    return ""


def predicted_run(prediction: gpu_plan.Prediction, left_s: float,
                  folds_at_once: int = 1) -> tuple[int, float | None]:
    """The folds a job started with ``left_s`` seconds is predicted to finish with the
    margin, and its predicted seconds (None: no figure; ``left_s`` where it is still
    training at its Ctrl-C). Without a matrix setting, a job trains ``folds_at_once`` folds
    a group at its figure's seconds a fold."""
    left = prediction.folds_left
    setting = prediction.setting
    if setting is None and prediction.seconds_per_fold is not None:
        k = max(1, folds_at_once)
        setting = gpu_plan.Setting(k, False, prediction.seconds_per_fold, 0.0, "",
                                   k * prediction.seconds_per_fold)
    if setting is None:
        return 0, None
    folds = setting.folds_within(left_s, left)
    if folds >= left:
        return left, min(left_s, setting.seconds_for(left))
    return folds, left_s  # its next group is cut by the Ctrl-C: it trains to the end


def timeline(waves: Sequence[Sequence[str]],
             planned: Callable[[str, float], tuple[gpu_plan.Prediction, int, str]],
             window_s: float, min_start_s: float = MIN_START_S) -> list[Step]:
    """Each job's :class:`Step` in a window whose jobs get their Ctrl-C ``window_s``
    seconds after the runs start. ``waves``: the jobs' names, those run at once together;
    ``planned(job, left)``: its prediction with its setting chosen for ``left`` seconds,
    its folds at once without a matrix setting, and how it is run (for the line)."""
    now, steps = 0.0, []
    for wave in waves:
        left = window_s - now
        ends: list[float] = []
        for job in wave:
            prediction, k, how = planned(job, left)
            note = why_not_start(prediction, left, min_start_s) \
                if len(wave) == 1 or left < min_start_s else ""
            if note:
                steps.append(Step(job, now, 0, prediction.folds_left, None, "", note))
                continue
            folds, seconds = predicted_run(prediction, left, k)
            steps.append(Step(job, now, folds, prediction.folds_left,
                              None if seconds is None else now + seconds, how))
            ends.append(left if seconds is None else seconds)
        now += max(ends, default=0.0)
    return steps


def window_timeline(waves: list[list[int]], commands: Sequence[tuple[Any, list[str]]],
                    planned: Callable[[Any, float | None], tuple[gpu_plan.Prediction,
                                                                 list[str]]],
                    window: float, min_start_s: float = MIN_START_S) -> list[Step]:
    """:func:`timeline` of ``leaderboard_runs.py``'s waves (positions in ``commands``, its
    (job, command) pairs) with its ``planned`` (job, seconds -> prediction, command): a job
    alone in its wave has its setting chosen for the seconds left, as ``run_waves`` does;
    jobs side by side keep the setting planned for the whole window."""
    jobs = {job.name: (job, cmd) for job, cmd in commands}
    lone = {commands[wave[0]][0].name for wave in waves if len(wave) == 1}

    def each(name: str, left: float) -> tuple[gpu_plan.Prediction, int, str]:
        job, cmd = jobs[name]
        prediction, cmd = planned(job, left if name in lone else window)
        k = int(gpu_plan.option(tuple(cmd), "--parallel-folds") or 1)
        how = "" if prediction.setting is None else \
            f" with {shlex.join(prediction.setting.options())}"
        return prediction, k, how

    return timeline([[commands[i][0].name for i in wave] for wave in waves], each, window,
                    min_start_s)
