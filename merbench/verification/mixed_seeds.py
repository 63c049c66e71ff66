"""The seed runs of one summary over seeds that are not all of one configuration, and which
of them does not belong.

A summary's mean and deviation are over one configuration's seeds, so ``validate``,
``status`` and ``show`` refuse seed runs of two. Said as "seed-0 has X, seed-1 Y", the
line left the user to find which seed to move out, while the ``--seeds`` command, which
knows its own configuration, names it. Where what the summary records of its runs (its
model's, dataset's and protocol's names and versions) or the configuration most of its
seeds share says which runs are the strangers, those are named, with the one fix every
line about a foreign seed gives: move them out, and the ``--seeds`` command trains their
seeds again. Where nothing says which (two seeds differing in what the summary does not
record, such as a learning rate or a model option), the line names the difference and asks
to keep one configuration's seeds."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.base.literal import joined
from merbench.results.foreign_seeds import move_out
from merbench.results.run_differences import differing_leaves, named_first
from merbench.results.run_files import ResultRejected

#: the parts of a run's identity each summary over seeds records by name and version
RECORDED_PARTS = ("model", "dataset", "protocol")


@dataclass(frozen=True)
class Configured:
    """A listed seed run whose configuration its ``run.json`` records: its seed, its folder's
    name and that configuration (its identity less its seed)."""

    seed: str
    name: str
    configuration: dict[str, Any]


def recorded_identity(summary: Any) -> dict[str, dict[str, Any]]:
    """What a summary records of its seed runs' identity (:data:`RECORDED_PARTS`, each by
    name and version), in the shape of a run's identity."""
    return {part: {"name": getattr(summary, part).name,
                   "version": getattr(summary, part).version} for part in RECORDED_PARTS}


def refuse_mixed(base: Path, summary_file: str, command: str,
                 configured: Sequence[Configured],
                 recorded: Mapping[str, Mapping[str, Any]]) -> None:
    """:class:`ResultRejected` where the seed runs listed in ``base``'s ``summary_file`` are
    not all of one configuration: naming those that do not belong, with the fix
    (``command``, the ``--seeds`` command in words, trains their seeds), where the summary's
    ``recorded`` identity or the seeds' majority says which; else naming the difference."""
    if not configured:
        return
    first = configured[0]
    for run in configured[1:]:
        found = _differences(first.configuration, run.configuration)
        if not found:
            continue
        strangers = _strangers(configured, recorded, summary_file)
        if strangers is not None:
            raise ResultRejected(base, _strangers_said(base, summary_file, command, *strangers))
        key, one, other = found[0]
        more = f" (and {len(found) - 1} more differences)" if len(found) > 1 else ""
        raise ResultRejected(base, f"{first.name} has {key} {one}, {run.name} {key} {other}"
                                   f"{more}: the seeds of one summary must share one "
                                   "configuration; keep the seed runs of one (move the "
                                   f"others out of {base.name}) and run the same {command} "
                                   "again, which trains the seeds moved out and writes the "
                                   "summary anew")


def _differences(ours: Any, theirs: Any) -> list[tuple[str, str, str]]:
    """Each leaf where two configurations differ (key, ours, theirs), what ran first first."""
    return sorted(differing_leaves(ours, theirs), key=lambda found: named_first(found[0]))


def _strangers(configured: Sequence[Configured], recorded: Mapping[str, Mapping[str, Any]],
               summary_file: str) -> tuple[list[Configured], str] | None:
    """The runs that do not belong and why, in words ("seed-1 has X 2, where seeds.json
    records 1"); None where nothing says which. What the summary records decides first: it
    was written of its own seeds; else a configuration more than half of them share."""
    unlike = [(run, said) for run in configured
              if (said := _unlike_recorded(run.configuration, recorded))]
    if unlike and len(unlike) < len(configured):
        run, (key, theirs, ours) = unlike[0][0], unlike[0][1][0]
        return ([run for run, _ in unlike],
                f"{run.name} has {key} {theirs}, where {summary_file} records {ours}")
    shared = Counter(json.dumps(run.configuration, sort_keys=True, default=str)
                     for run in configured)
    most, count = shared.most_common(1)[0]
    if count * 2 <= len(configured):
        return None
    own = [run for run in configured
           if json.dumps(run.configuration, sort_keys=True, default=str) == most]
    # a run told apart by its text alone (1 and 1.0) is no other configuration
    others = [run for run in configured if run not in own
              and _differences(run.configuration, own[0].configuration)]
    if not others:
        return None
    key, theirs, ours = _differences(others[0].configuration, own[0].configuration)[0]
    have = "has" if len(own) == 1 else "have"
    return others, (f"{others[0].name} has {key} {theirs}, where "
                    f"{joined([run.name for run in own])} {have} {ours}")


def _unlike_recorded(configuration: Mapping[str, Any],
                     recorded: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """Where ``configuration`` differs from what the summary recorded of its runs (key,
    the run's value, the summary's); a part the run does not record is no difference."""
    found = []
    for part, fields in recorded.items():
        held = configuration.get(part)
        if not isinstance(held, Mapping):
            continue
        found += [(f"{part}.{key}", theirs, ours) for key, theirs, ours in differing_leaves(
            {name: held[name] for name in fields if name in held},
            {name: value for name, value in fields.items() if name in held})]
    return sorted(found, key=lambda difference: named_first(difference[0]))


def _strangers_said(base: Path, summary_file: str, command: str, strangers: list[Configured],
                    why: str) -> str:
    """The line naming the seed runs that do not belong, why, and the fix."""
    names = [run.name for run in strangers]
    what = "is a run" if len(names) == 1 else "are runs"
    why = why.removeprefix(f"{names[0]} has ") if len(names) == 1 else why
    return (f"{joined(names)} {what} of another configuration ({why}), not of the one "
            f"{summary_file} summarises; "
            f"{move_out(names, base, command, [run.seed for run in strangers])}")
