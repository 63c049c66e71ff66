"""A tuning's finished text (``merbench tune``: the outer scores with their interval, the
configurations chosen, whether it is a REDUCED setting) and its summary over seeds'
(``--seeds``: each seed's scores, their mean ± std): what the tuning kinds
(:mod:`merbench.tuning.kind`) answer when ``merbench tune`` or ``merbench show`` asks for the
text of such a result. It lives with its kind (issue 82); each line is printed through the
one renderer (:func:`merbench.base.terminal.say`)."""

from __future__ import annotations

from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted, literal, pasted_command
from merbench.base.terminal import say
from merbench.kinds.contract import FinishedText, say_lines
from merbench.scores.interval_records import lone_notes
from merbench.tuning.archive import unpacked_runs
from merbench.tuning.record import NESTED, TUNE_FILE, TuneResults, lone_interval
from merbench.tuning.seeds_record import TUNE_SEEDS_FILE, TuneSeedsSummary
from merbench.tuning.view import tuning_reduced


def tuning_text(results: TuneResults, folder: Path) -> FinishedText:
    """The text of the tuning ``results`` in ``folder``: its scores, then its file."""
    return FinishedText(
        lambda: say_lines(report(results) + reduced_lines(results, folder)),
        lambda: say(f"results: {folder / TUNE_FILE} "
                    f"({pasted_command('merbench validate {}', folder)})"))


def tune_seeds_text(summary: TuneSeedsSummary, out: Path,
                    tunings: list[tuple[int, TuneResults, Path]]) -> FinishedText:
    """The text of the tuning summary over seeds ``summary`` in ``out``: each seed's outer
    UF1 and UAR (``tunings``: each seed, its tuning and its folder), their mean ± std with
    the interval of the mean, whether the search is a REDUCED setting (every seed searches
    one space with one recipe: the first seed's tuning says it), then its file. Every seed
    tests the same outer subjects, so where the first's are one subject (one a database)
    the recorded point is no interval, said as a single tuning's report says it."""
    def scores() -> None:
        for seed, results, _ in tunings:
            say(f"seed {seed}: UF1 {results.overall.uf1:.4f}, UAR {results.overall.uar:.4f}")
        reduced = reduced_lines(tunings[0][1], tunings[0][2]) if tunings else []
        lone = lone_interval(tunings[0][1]) if tunings else ""
        mean, std = summary.scores.mean.overall, summary.scores.std.overall
        bounds = summary.intervals.overall
        for metric in ("uf1", "uar"):
            low_high = None if lone else getattr(bounds, metric)
            shown = f" [{low_high[0]:.2f}, {low_high[1]:.2f}]" if low_high is not None else ""
            value, spread = getattr(mean, metric), getattr(std, metric)
            if value is not None and spread is not None:
                say(f"  {metric.upper()} {value:.4f} ± {spread:.4f}{shown} over "
                    f"{counted(len(summary.seeds), 'seed')}")
        say_lines(lone_lines(lone))
        say_lines(reduced)

    return FinishedText(scores, lambda: say(f"summary: {out / TUNE_SEEDS_FILE} (merbench "
                                            f"validate {out})"))


def report(results: TuneResults) -> list[str]:
    """What the terminal is told of a finished tuning."""
    how = ("nested: chosen on inner folds of each outer fold's training subjects"
           if results.mode == NESTED else
           "TEST-SCORED: chosen on the test subjects (test-set selection, shown to measure "
           "what it is worth)")
    lines = [f"{results.model} on {results.dataset}/{results.protocol}, {results.sampler} "
             f"search of {', '.join(p.name for p in results.space)}: {how}"]
    interval = results.intervals.overall
    lone = lone_interval(results)  # a point, recorded as an interval, is none
    for metric in ("uf1", "uar"):
        bounds = None if lone else getattr(interval, metric)
        shown = f" [{bounds[0]:.2f}, {bounds[1]:.2f}]" if bounds is not None else ""
        lines.append(f"  {metric.upper()} {getattr(results.overall, metric):.4f}{shown}")
    lines += lone_lines(lone)
    used = results.chosen_configurations()
    lines.append("  chosen: " + "; ".join(
        f"{text} ({n} outer fold{'s' * (n != 1)})" if results.mode == NESTED else text
        for text, n in sorted(used.items(), key=lambda item: -item[1])))
    pruned = sum(t.state == "pruned" for o in results.outer for t in o.trials)
    if pruned:
        lines.append(f"  {pruned} trials pruned ({results.pruner} pruner)")
    if not results.complete:
        lines.append("  stopped by --timeout-s before every trial ran; the same command "
                     "again goes on")
    return lines


def lone_lines(lone: str) -> list[str]:
    """The line a tuning's outer scores get where they have no interval (``lone``:
    :func:`~merbench.tuning.record.lone_interval`'s why, "" where they have one)."""
    return [f"  {line}" for line in lone_notes({"overall": lone} if lone else {},
                                               ["overall"])]


def reduced_lines(results: TuneResults, folder: Path) -> list[str]:
    """The line a tuning whose trials depart from the model's recipe or options gets (an
    ``epochs = 1`` search of a model whose recipe trains 800), by the rule and in the words
    of the tuning page (:func:`~merbench.tuning.view.tuning_reduced`, which
    shows it apart, unranked), as ``merbench run`` says REDUCED of a run."""
    try:
        with unpacked_runs(folder) as runs:
            why = tuning_reduced(results, runs)
    except (MerbenchError, OSError):  # the tuning stands; its page says it
        return []
    # the trials' option values are their files' text: a newline in one escaped
    return [] if why is None else [f"  a REDUCED setting ({literal(why, one_line=True)}): a "
                                   "check that the search runs, not comparable with "
                                   "published numbers"]

