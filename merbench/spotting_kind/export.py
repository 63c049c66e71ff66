"""Spotting tables in ``merbench leaderboard list`` and ``leaderboard export``.

A spotting table is a section of the spotting page: the validated ``merbench spot`` runs of
one long-video dataset scored on the same ground truth (:mod:`merbench.spotting_kind.
view`). Its id is ``spot-DATASET`` (``-2``, ``-3`` where other options or data give
other tables). Each run is a row per policy: the setting chosen on the training subjects,
ranked by the pooled F1 of micro and macro together, then the same runs' oracle rows, marked
test-set selection, as the page shows them apart. Spotters are deterministic: a row is one
run (no seeds); its interval is the subject bootstrap's. A spot-then-recognise run's
recogniser has a seed, and each seed's run is a row of its own: ``leaderboard diff`` tells
them apart by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from merbench.base.literal import counted
from merbench.leaderboard.export_rows import Line
from merbench.leaderboard.page_views import slug
from merbench.leaderboard.published_line import PublishedLine, run_identity, section_of
from merbench.results.codec import to_json
from merbench.spotting.bootstrap import interval_lone
from merbench.spotting.choice import ORACLE, TRAINING_SUBJECTS
from merbench.spotting.record import SpottingPolicy
from merbench.spotting_kind.agrees import identity_of
from merbench.spotting_kind.view import SpottingRun, recogniser_reduced
from merbench.stats.intervals import Interval
from merbench.verification.declared_defaults import DeclaredDefaults

SCOPES = ("all", "micro", "macro")


#: the score columns: MEGC 2025's ME-STR score of a spot-then-recognise row (— for the
#: others) after each scope's F1
HEADERS = (*(f"{scope} F1" for scope in SCOPES), "micro STRS")


@dataclass(frozen=True)
class SpottingTable:
    """One table of the spotting page, to list and export."""

    id: str
    runs_shown: tuple[SpottingRun, ...]  # best first

    @property
    def dataset(self) -> str:
        return self.runs_shown[0].results.dataset.name

    @property
    def where(self) -> str:
        return f"{self.dataset} / spotting"

    @property
    def title(self) -> str:
        data = self.runs_shown[0].results.dataset
        return (f"Spotting: {data.name}, {counted(data.n_videos, 'long video')} of "
                f"{counted(data.n_subjects, 'subject')}, each subject's setting chosen on "
                "the others")

    @property
    def runs(self) -> int:
        return len(self.runs_shown)

    def score_headers(self) -> list[str]:
        return list(HEADERS)

    def lines(self) -> list[Line]:
        return [_line(run, policy) for run, policy in self._rows()]

    def left_out(self) -> str | None:
        """None: every run it counts is a row of its export."""
        return None

    def published(self) -> list[PublishedLine]:
        published = []
        for run, policy in self._rows():
            line, recognised = _line(run, policy), run.recognised
            seeds = () if recognised is None else (recognised.recogniser.seed,)
            # what ran: the spotter on its data, and the recogniser where there is one
            ran = {"spotting": identity_of(run.results),
                   "data": run.results.dataset.fingerprint,
                   "recogniser": None if recognised is None else recognised.recogniser}
            published.append(PublishedLine(
                line, section_of(line.test_set_selection, _reduced(run) is not None),
                "".join(f"seed {seed}" for seed in seeds), frozenset({run_identity(ran)}),
                seeds, folders=frozenset({run.path})))
        return published

    def _rows(self) -> list[tuple[SpottingRun, str]]:
        """Each row's run and policy, in the order of :meth:`lines`."""
        return [(run, policy) for policy in (TRAINING_SUBJECTS, ORACLE)
                for run in self.runs_shown]


def _reduced(run: SpottingRun) -> str | None:
    """Why a run's recogniser is not its recipe (the page's words), or None."""
    if run.recognised is None:
        return None
    return recogniser_reduced(to_json(run.recognised.recogniser), DeclaredDefaults())


def _line(run: SpottingRun, policy_name: str) -> Line:
    spotter = run.results.spotter
    policy: SpottingPolicy = run.results.policies[policy_name]
    options = ", ".join(f"{k}={v}" for k, v in spotter.options.items())
    tuned = ", ".join(f"{k} in {{{', '.join(f'{v:g}' for v in values)}}}"
                      for k, values in spotter.tuned.items())
    recognised = ""
    if run.recognised is not None:
        recogniser = run.recognised.recogniser
        why = _reduced(run)
        # the page's word for a recogniser trained otherwise than its recipe
        recognised = f"recognised by {recogniser.model}" + (
            "" if why is None else f", a REDUCED setting ({why})")
    lone = interval_lone(run.results.videos)  # its recorded point is no interval
    return Line(model=f"{spotter.name} v{spotter.version}",
                setting="; ".join(part for part in (options, tuned, recognised) if part),
                selection=policy_name, test_set_selection=policy.test_set_selection, seeds=1,
                scores=[*((getattr(policy.scores, scope).f1, None,
                           None if lone else _span(policy, scope)) for scope in SCOPES),
                        (_strs(run, policy_name), None, None)],
                no_interval=(*(lone for _ in SCOPES), ""))


def _strs(run: SpottingRun, policy_name: str) -> float | None:
    """The row's micro STRS: a recognised run's, on the row of the policy its
    ``str.json`` recognised (the training subjects' choice); None elsewhere."""
    if run.recognised is None or policy_name != run.recognised.policy:
        return None
    return run.recognised.scores["micro"].strs


def _span(policy: SpottingPolicy, scope: str) -> Interval | None:
    found = policy.intervals.get(scope)
    if found is None or found.low is None or found.high is None:
        return None
    return Interval(found.low, found.high)


def spotting_tables(runs: Sequence[SpottingRun]) -> list[SpottingTable]:
    """Every spotting table the validated runs ``runs`` make."""
    tables: dict[tuple[str, str], list[SpottingRun]] = {}
    for run in runs:
        data = run.results.dataset
        tables.setdefault((data.name, repr((data.version, sorted(data.options.items()),
                                            data.fingerprint))), []).append(run)
    found: list[SpottingTable] = []
    named: dict[str, int] = {}
    for (dataset, _), group in sorted(tables.items()):
        named[dataset] = named.get(dataset, 0) + 1
        suffix = "" if named[dataset] == 1 else f"-{named[dataset]}"
        ordered = sorted(group, key=lambda r: (-r.f1(), r.results.spotter.name, str(r.path)))
        found.append(SpottingTable(f"spot-{slug(dataset)}{suffix}", tuple(ordered)))
    return found
