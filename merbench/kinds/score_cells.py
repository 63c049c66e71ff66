"""The cells every kind's finished text shows its scores in: a score, its interval, a mean
over seeds with its deviation, and whether a run's recipe is its model's or a REDUCED
setting.

One module for every kind's text (an emotion run's in :mod:`merbench.kinds.emotion_text`, an
action-unit run's in :mod:`merbench.au_kind.finish_text`), below the kinds' homes, so a
score reads the same whichever kind printed it; it imports no Rich (a cell is a string), so
a command that prints one line of scores (``predict``) loads no table library.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from merbench.verification.declared_defaults import DeclaredDefaults, declared_for

if TYPE_CHECKING:
    from merbench.results.schema import Trained


def scores_fmt(value: float | None) -> str:
    """A score with four decimals; "—" where it is undefined."""
    return "—" if value is None else f"{value:.4f}"


def pair_text(pair: list[float] | None) -> str:
    """``[0.63, 0.74]``: an interval, two decimals ("—" where there is none)."""
    return "—" if pair is None else f"[{pair[0]:.2f}, {pair[1]:.2f}]"


def with_interval(value: float | None, pair: list[float] | None) -> str:
    """``0.6859 [0.63, 0.74]``: a score and its 95% interval (two decimals: the interval is
    a few hundredths wide, more digits would claim a precision it does not have)."""
    if value is None:
        return "—"
    return f"{value:.4f}" if pair is None else f"{value:.4f} {pair_text(pair)}"


def mean_std(mean: float | None, std: float | None, seeds: int) -> str:
    """``0.6859 ± 0.0123``: a mean over ``seeds`` seeds and its std ("—" where undefined;
    none of one seed, whose sample standard deviation is undefined, not 0)."""
    if mean is None:
        return "—"
    return f"{mean:.4f}" if seeds < 2 else f"{mean:.4f} ± {std:.4f}"


def std_note(std: str, seeds: int) -> str:
    """The footnote saying what the std is (none shown for one seed)."""
    return f"std is the {std}" + ("; one seed has none" if seeds < 2 else "")


def recipe_verdict(results: Trained) -> str:
    """``" (the model's recipe)"``, or ``" — a REDUCED setting, ..."`` and why: the word every
    kind of run (emotion, AU) says of a departure from its model's declared recipe or
    options, as the leaderboard marks it."""
    # deferred: pandas (through results.schema), as metrics in print_results
    from merbench.results.schema import departures_from_declared

    recipe, precision, options = [], [], []
    # an option recorded at its declared default is no departure, as on the leaderboard
    model_defaults = (declared_for(results.model, "model", DeclaredDefaults())
                      if results.model.options else None)
    for what, value, declared in departures_from_declared(results, model_defaults):
        if what == "precision":
            precision.append(f"the model's recipe trains in {declared}")
        elif declared is None:
            options.append(f"{what}={json.dumps(value)}")
        else:
            recipe.append(f"lr {declared:g}" if what == "lr"
                          else f"{declared:g} {what.replace('_', ' ')}")
    reasons = precision
    if recipe:
        reasons.insert(0, f"the model's recipe is {', '.join(recipe)}")
    if options:
        reasons.append("model options " + ", ".join(options))
    if reasons:
        return (" — a REDUCED setting, not comparable with published numbers ("
                + "; ".join(reasons) + ")")
    return " (the model's recipe)"
