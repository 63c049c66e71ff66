"""A spotting run's finished text (``merbench spot``: each policy's pooled scores, the
settings chosen), its spot-then-recognise record's (``--recognise``: each scope's STRS) and
their summary over the recogniser's seeds' (``--seeds``): what the spotting kinds
(:mod:`merbench.spotting_kind.kind`) answer when ``merbench spot`` or ``merbench show`` asks
for the text of such a result. It lives with its kind (issue 82); each line is printed
through the one renderer (:func:`merbench.base.terminal.say`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from merbench.base.literal import counted, literal
from merbench.base.terminal import path_shown, say
from merbench.kinds.contract import FinishedText, say_lines
from merbench.results.codec import to_json
from merbench.scores.interval_records import lone_notes
from merbench.spotting.bootstrap import interval_lone
from merbench.spotting.choice import ORACLE, TRAINING_SUBJECTS
from merbench.spotting.record import (
    SPOTTING_FILE,
    SpotCountsRecord,
    SpottingPolicy,
    SpottingResults,
)
from merbench.spotting.scores import SCOPES
from merbench.spotting.str_record import STR_FILE, StrResults
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE, StrSeedsSummary
from merbench.spotting_kind.view import recogniser_reduced
from merbench.verification.declared_defaults import DeclaredDefaults


def spotting_text(results: SpottingResults, folder: Path,
                  recognised: StrResults | None = None) -> FinishedText:
    """The text of the spotting run ``results`` in ``folder``: each policy's scores and
    the settings chosen, then its file; then, where ``recognised`` (its ``str.json``) is
    given, :func:`str_text`."""
    return FinishedText(lambda: say_lines(report(results)),
                        lambda: say(f"results: {path_shown(folder / SPOTTING_FILE)}"),
                        after=() if recognised is None else (str_text(recognised, folder),))


def str_text(recognised: StrResults, folder: Path) -> FinishedText:
    """The text of the spot-then-recognise record ``recognised`` in ``folder``: each
    scope's STRS, then its file."""
    return FinishedText(lambda: say_lines(str_report(recognised)),
                        lambda: say(f"spot-then-recognise: {Path(folder) / STR_FILE}"))


def str_seeds_text(summary: StrSeedsSummary, out: Path) -> FinishedText:
    """The text of the spot-then-recognise summary over seeds ``summary`` in ``out``."""
    return FinishedText(lambda: say_lines(str_seeds_report(summary)),
                        lambda: say(f"summary: {path_shown(out / STR_SEEDS_FILE)} (merbench "
                                    f"validate {path_shown(out)})"))


def _ratio(value: float | None) -> str:
    return "  n/a " if value is None else f"{value:.4f}"


def _line(scope: str, counts: SpotCountsRecord, interval: str) -> str:
    return (f"  {scope:<6} TP {counts.tp:>4}  FP {counts.fp:>4}  FN {counts.fn:>4}  "
            f"precision {_ratio(counts.precision)}  recall {_ratio(counts.recall)}  "
            f"F1 {_ratio(counts.f1)}{interval}")


def _interval(policy: SpottingPolicy, scope: str, lone: str) -> str:
    """The scope's ``[low, high]``, or nothing: an interval undefined, or ``lone`` (why the
    run's recorded point is no interval, said below the scores)."""
    found = policy.intervals[scope]
    if lone or found.low is None or found.high is None:
        return ""
    return f" [{found.low:.2f}, {found.high:.2f}]"


def report(results: SpottingResults) -> list[str]:
    """What the terminal is told of a finished run: each policy's pooled scores, then how
    often each setting was chosen."""
    lines = [f"{results.spotter.name} v{results.spotter.version} on {results.dataset.name}: "
             f"{counted(results.dataset.n_videos, 'video')} of "
             f"{counted(results.dataset.n_subjects, 'subject')}, "
             f"{counted(len(results.variants), 'setting')} "
             + (f"of {', '.join(results.spotter.tuned)}" if results.spotter.tuned
                else "(no option tuned)")]
    lone = interval_lone(results.videos)
    for name in (TRAINING_SUBJECTS, ORACLE):
        policy = results.policies[name]
        lines.append(f"{name}: {policy.description}")
        for scope in SCOPES:
            lines.append(_line(scope, getattr(policy.scores, scope),
                               _interval(policy, scope, lone)))
        used: dict[int, int] = {}
        for index in policy.chosen.values():
            used[index] = used.get(index, 0) + 1
        lines.append("  settings chosen: " + "; ".join(
            f"{setting_text(results.variants[i])} for {n} subject{'s' * (n != 1)}"
            for i, n in sorted(used.items())))
    oracle = "the oracle row is TEST-SET SELECTION, shown for comparison only"
    if lone:  # as an emotion run's scopes of one subject are said (one line each reason)
        return [*lines, *lone_notes(dict.fromkeys(SCOPES, lone), SCOPES), oracle,
                *fitted_lines(results)]
    lines.append(f"[low, high]: 95% interval of the pooled F1, percentile bootstrap over "
                 f"subjects; {oracle}")
    return [*lines, *fitted_lines(results)]


def fitted_lines(results: SpottingResults) -> list[str]:
    """A learned spotter's choice for each subject, made on the other subjects (each
    setting's threshold, say, and how it was chosen: the only place a reader learns that a
    fit fell back to a default where it had nothing to choose on); nothing for a spotter
    that is not fitted or a file that does not record it. Read from the file, so the
    command that wrote it and ``merbench show`` say the same."""
    fits = {f"{v.database}/{v.subject}": v.fitted for v in results.videos}
    chosen = "; ".join(f"{subject} {', '.join(setting_text(f) for f in fitted)}"
                       for subject, fitted in fits.items() if fitted is not None)
    return [f"  fitted on the other subjects: {chosen}"] if chosen else []


def setting_text(variant: dict[str, object]) -> str:
    """A setting of the spotter's tuned options, as the text names it."""
    return ", ".join(f"{k}={v}" for k, v in variant.items()) or "the spotter's defaults"


def str_seeds_report(summary: StrSeedsSummary) -> list[str]:
    """Each scope's STRS over the seeds, with the interval of their mean and each seed's."""
    n = len(summary.seeds)
    lines = [f"spot-then-recognise over {counted(n, 'seed')} ({summary.recogniser['model']} "
             f"on {summary.recogniser['feature']}; micro is MEGC 2025's ME-STR):"]
    for scope, entry in summary.scores.items():
        mean, std = entry.mean, entry.std
        spread = "" if std.strs is None or n < 2 else f" ± {std.strs:.4f}"
        bounds = " [no interval: undefined on some resamples of subjects]" \
            if entry.interval.low is None or entry.interval.high is None else \
            f" [{entry.interval.low:.2f}, {entry.interval.high:.2f}]"  # said, never left out
        seeds = ", ".join(f"{seed} {_ratio(scores.strs).strip()}"
                          for seed, scores in entry.per_seed.items())
        lines.append(f"  {scope:<6} STRS {_ratio(mean.strs)}{spread}{bounds} "
                     f"(spotting F1 {_ratio(mean.spotting_f1)}, recognition F1 "
                     f"{_ratio(mean.recognition_f1)}; seeds {seeds})")
    lines.append("± : sample standard deviation over seeds; [low, high]: 95% interval of the "
                 "seeds' mean STRS, percentile bootstrap over subjects")
    return lines + _reduced_line(summary.recogniser)


def _reduced_line(recogniser: dict[str, Any]) -> list[str]:
    """The line a recogniser trained otherwise than its model declares gets, in the words
    and by the rule of the spotting page (which shows it apart, unranked), as ``merbench
    run`` says REDUCED of a run."""
    why = recogniser_reduced(recogniser, DeclaredDefaults())
    # the recogniser's option values are its file's text: a newline in one escaped
    return [] if why is None else [f"a REDUCED setting ({literal(why, one_line=True)}): a "
                                   "check that the pipeline runs, not comparable with "
                                   "published numbers"]


def str_report(found: StrResults) -> list[str]:
    """STRS of each scope, with the recognition F1 and the spotting F1 it multiplies."""
    lines = [f"spot-then-recognise ({found.recogniser.model} on {found.recogniser.feature}, "
             "trained on the other subjects; micro is MEGC 2025's ME-STR):"]
    for scope, entry in found.scores.items():
        lines.append(f"  {scope:<6} STRS {_ratio(entry.strs)} = spotting F1 "
                     f"{_ratio(entry.spotting.f1)} x recognition F1 "
                     f"{_ratio(entry.recognition.f1)} ({entry.recognition.n} true positives; "
                     f"UF1 {_ratio(entry.recognition.uf1)}, UAR {_ratio(entry.recognition.uar)})")
    return lines + _reduced_line(to_json(found.recogniser))

