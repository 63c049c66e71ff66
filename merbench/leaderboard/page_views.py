"""What the leaderboard's pages show of validated runs, computed before any template runs.

:mod:`merbench.leaderboard.site` renders; this module holds the views its templates read: a
run page's scores per policy (with intervals), subjects and the reproductions and collapse of
a row, a benchmark page's published rows, its reduced settings and the published numbers
beside merbench's rows; and :class:`PagePaths`, how the pages name the folders they were built
from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from merbench.leaderboard.benchmarks import REPORTED_SELECTION, Benchmark
from merbench.leaderboard.collect import Cell, Group, Row, Run, reduced_setting
from merbench.leaderboard.labels import feature_setting
from merbench.leaderboard.subjects import strip_svg, subject_scores
from merbench.leaderboard.svg import confusion_svg
from merbench.results.collapse import collapse_notes, is_chance
from merbench.scores.interval_records import interval_record, lone_notes, lone_subject_scopes
from merbench.scores.metrics import exclusion_notes
from merbench.scores.selection import POLICIES


def slug(text: str) -> str:
    """A name fit for an HTML id and a file name."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


#: how :mod:`merbench.results.safe_files` names a link it refuses: "a symbolic link (to X)"
_LINK_TARGET = re.compile(r"(symbolic link \(to )([^)]*)(\))")


def _link_target_shown(match: re.Match[str]) -> str:
    target = match.group(2)
    inside = not target.startswith(("/", "~")) and ".." not in Path(target).parts
    return match.group(1) + (target if inside else "a path outside the results folders") + \
        match.group(3)


class PagePaths:
    """Where a results folder lies on the building machine, taken out of the pages' text.

    Runs are found under ``--results`` folders as given on the command line, so an absolute
    ``--results`` would put the builder's own folders (a home directory, a user name) into
    every run page, and into the reasons that name another copy of a run. A page means the
    same anywhere it is published, so each folder is named by its own name: a run found in
    ``/home/ann/work/results/ststnet-s0`` is ``results/ststnet-s0``. The folder as given
    (``../ann/results``), its absolute path and the one its links resolve to are replaced,
    wherever a path begins and ends with them (never inside a longer name: ``/x/results2``
    is not ``/x/results``, nor ``/y/x/results``); a folder given inside another given one
    is named through the outer one (``results/a/seed-0``).
    """

    def __init__(self, folders: Sequence[Path | str] = ()) -> None:
        shown: dict[str, str] = {}
        for folder in folders:
            name = Path(os.path.abspath(folder)).name
            if not name:  # the file system's root: nothing to take out
                continue
            # as given only when it is a path of parts: a lone "." or "results" is a word too
            given = [str(Path(folder))] if len(Path(folder).parts) > 1 else []
            for where in (*given, os.path.abspath(folder), str(Path(folder).resolve())):
                shown.setdefault(where, name)
        self._shown = shown
        # shortest first, so the outer of two nested folders names what lies in both; a
        # match must begin and end where a path does
        alternatives = "|".join(re.escape(where) for where in sorted(shown, key=len))
        self._found = re.compile(
            f"(?<![\\w.~/-])(?:{alternatives})(?![\\w~-]|\\.\\w)") if shown else None

    def __call__(self, text: str) -> str:
        """``text`` with each results folder's absolute path replaced by the folder's name,
        and the target of a symbolic link a rejection names hidden unless it lies in one: a
        link to ``/home/ann/secret`` or ``/dev/zero`` is the builder's machine, not a
        result."""
        if self._found is not None:
            text = self._found.sub(lambda match: self._shown[match.group()], text)
        return _LINK_TARGET.sub(_link_target_shown, text)

    def tree(self, value: Any) -> Any:
        """``value`` (JSON-like: dicts, lists, strings) with every string passed through
        :meth:`__call__`: for the options a page shows as JSON."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self.tree(key): self.tree(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.tree(item) for item in value]
        return value


def reported_rows(bench: Benchmark) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for row in bench.reported:
        cells = []
        for column in bench.columns:
            values = row.values.get(column.scope) or [None] * len(bench.metrics)
            cells += [Cell(mean=v, std=None, n=1) for v in values]
        shown, why = REPORTED_SELECTION[row.selection]
        rows.append({"method": row.method, "selection": shown, "selection_why": why,
                     "test_set_selection": row.selection == "test", "note": row.note,
                     "cells": cells})
    for index in range(sum(1 for _ in bench.columns) * len(bench.metrics)):
        means = [r["cells"][index].mean for r in rows if r["cells"][index].mean is not None]
        for r in rows:
            cell = r["cells"][index]
            if means and cell.mean is not None and cell.mean == max(means):
                r["cells"][index] = Cell(cell.mean, None, 1, best=True)
    return rows


def subjects_view(run: Run) -> dict[str, Any]:
    """Each subject's scores under the reported policy, and their strip plot."""
    from markupsafe import Markup  # deferred: markupsafe, as jinja2 in page_environment

    scores = subject_scores(run.checked.predictions, len(run.results.dataset.classes))
    policy = run.results.selection.policy
    return {"scores": scores, "policy": policy,
            "strip": Markup(strip_svg(scores, f"each subject's accuracy ({policy})"))}


def reported_vs_reproduced(bench: Benchmark, ranked: list[Row], apart: list[Row],
                            table: Any) -> list[dict[str, Any]]:
    """Each published row whose method merbench runs (``models``), beside every ranked
    merbench row of those models: the paper's Full UF1 and UAR, merbench's fixed numbers
    with their 95 % intervals, its oracle numbers, and whether the paper's UF1 lies in
    merbench's interval."""
    found: list[dict[str, Any]] = []
    if not {"uf1", "uar"} <= set(bench.metrics):
        return found
    first = bench.columns[0].scope  # the first column's cells are its metrics, in order
    i_uf1, i_uar = bench.metrics.index("uf1"), bench.metrics.index("uar")
    for reported in bench.reported:
        paper = reported.values.get(first) or []
        paper_uf1 = paper[i_uf1] if len(paper) > i_uf1 else None
        paper_uar = paper[i_uar] if len(paper) > i_uar else None
        for model in reported.models:
            for position, row in enumerate(ranked):
                if row.group.first.model.name != model:
                    continue
                span = table.rows[position].overall if table is not None else {}
                fixed_uf1, fixed_uar = row.cells[i_uf1].mean, row.cells[i_uar].mean
                oracle = next((r for r in apart if r.group is row.group), None)
                uf1_span = span.get("uf1")
                found.append({
                    "method": reported.method,
                    "selection": REPORTED_SELECTION[reported.selection][0],
                    "paper_uf1": paper_uf1, "paper_uar": paper_uar,
                    "model": f"{model} v{row.group.first.model.version}",
                    # what merbench ran for the paper's method, in the model's own words
                    # (biwoof-release-svm: "Bi-WOOF of the released flow image, not the
                    # original"), so an approximation is never read as the method itself
                    "description": row.group.first.model.description,
                    "policy": row.policy, "anchor": f"ranked-{position + 1}",
                    "group": row.group,
                    "seeds": len(row.group.runs), "fixed_uf1": fixed_uf1,
                    "fixed_uar": fixed_uar, "uf1_span": uf1_span,
                    "oracle_uf1": oracle.cells[i_uf1].mean if oracle else None,
                    "oracle_uar": oracle.cells[i_uar].mean if oracle else None,
                    "gap": (None if paper_uf1 is None or fixed_uf1 is None
                            else paper_uf1 - fixed_uf1),
                    "within": (None if paper_uf1 is None or uf1_span is None
                               else uf1_span.low <= paper_uf1 <= uf1_span.high)})
    return found


def reduced_view(rows: list[Any]) -> dict[str, Any]:
    """The reduced-setting rows split as the main tables are (never a test-set row next to
    a fixed one), and one line per configuration saying how it differs from the model."""
    settings: dict[str, str] = {}
    for row in rows:
        first = row.group.first
        feature = feature_setting(first)
        settings.setdefault(row.group.key, f"{first.model.name}: "
                            f"{reduced_setting(first)}"
                            + (f"; feature {feature}" if feature else ""))
    return {"ranked": [r for r in rows if not r.test_set_selection],
            "test_set": [r for r in rows if r.test_set_selection],
            "settings": list(settings.values())}


def policy_views(run: Run) -> list[dict[str, Any]]:
    from markupsafe import Markup  # deferred: markupsafe, as jinja2 in page_environment

    results = run.results
    classes = results.dataset.classes
    views = []
    names = sorted(run.checked.metrics_by_policy,
                   key=lambda p: (POLICIES[p].test_set_selection, p != results.selection.policy,
                                  p))
    for name in names:
        metrics = run.checked.metrics_by_policy[name]
        scopes = [("overall", metrics.overall), *sorted(metrics.per_database.items())]
        notes = []
        for scope, m in scopes:
            notes.extend(exclusion_notes(scope, m))
        policy = POLICIES[name]
        label = f"{name}, test-set selection" if policy.test_set_selection else name
        matrices = [Markup(confusion_svg(m.confusion, classes, scope,
                                         f"confusion matrix, selection {label}"))
                    for scope, m in scopes]
        # a scikit-learn model is fitted once: "the last epoch" would suggest epochs it lacks
        description = ("the one fitted model (a single epoch: nothing to select)"
                       if run.checked.n_epochs == 1 else policy.description)
        # the reported policy's 95% intervals over subjects: results.json's (validated
        # against the predictions), or computed from them for a file written before version
        # 5 recorded any; the other policies have none
        spans: dict[str, dict[str, list[float] | None]] = {}
        if name == results.selection.policy:
            intervals = results.intervals or interval_record([run.checked.predictions],
                                                             len(classes))
            recorded = {"overall": intervals.overall, **intervals.per_database}
            # a scope of one test subject records a point, which is no interval
            lone = lone_subject_scopes(run.checked.predictions)
            spans = {scope: {"uf1": bounds.uf1, "uar": bounds.uar}
                     for scope, bounds in recorded.items() if scope not in lone}
            notes.extend(lone_notes(lone, [scope for scope, _ in scopes]))
        views.append({"name": name, "slug": slug(name), "description": description,
                      "test_set_selection": policy.test_set_selection, "scopes": scopes,
                      "notes": notes, "matrices": matrices, "intervals": spans})
    return views


def collapse_text(group: Group, policy: str) -> str:
    """Why a row's predictions under ``policy`` look collapsed (one class predicted for
    every sample, or a UAR of exactly chance) in any of its seeds; "" when none does. From
    the validated predictions, whatever results.json's notes say."""
    notes = []
    for run in group.runs:
        metrics = run.checked.metrics_by_policy.get(policy)
        if metrics is None or policy != run.results.selection.policy:
            uar = None if metrics is None else metrics.overall.uar
            if uar is not None and is_chance(uar, len(run.results.dataset.classes)):
                notes.append(f"seed {run.results.seed}: UAR exactly chance ({uar:.4f})")
            continue
        frame = run.checked.predictions
        for note in collapse_notes(frame["y_true"].to_numpy(), frame["y_pred"].to_numpy(),
                                   run.results.dataset.classes, metrics.overall.uar):
            notes.append(f"seed {run.results.seed}: {note}")
    return "; ".join(notes)


def reproduced_text(group: Group) -> str:
    """"reproduced 2x", or per seed where the seeds differ: what a row's badge says of the
    copies that confirmed it ("" when none did)."""
    counts = {run.results.seed: 1 + len(run.reproductions) for run in group.runs}
    if max(counts.values(), default=1) == 1:
        return ""
    if len(set(counts.values())) == 1:
        return f"reproduced {next(iter(counts.values()))}x"
    return "reproduced: " + ", ".join(f"seed {seed} {n}x" for seed, n in counts.items()
                                      if n > 1)
