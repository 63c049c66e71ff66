"""The spotting page: validated ``merbench spot`` runs per long-video dataset, beside the
published MEGC figures.

Spotting runs are not recognition runs: no fold trains, and each subject's spotter setting
is chosen on the other subjects (:mod:`merbench.spotting.choice`), so they have a page of
their own rather than rows in a recognition benchmark. Every ``spotting.json`` under the
results folders is validated (every choice and count recomputed,
:mod:`merbench.spotting_kind.check`); one that fails is listed with the rejected
files, never shown. Rows are ordered by the pooled F1 of micro and macro together
(``all``) under the reported policy; the oracle F1 is shown apart, marked test-set
selection, and orders nothing. The published rows are MEGC's own baseline figures, with how
their thresholds were chosen where the source says. A run with a ``str.json``
(``merbench spot --recognise``) also has a row in its dataset's spot-then-recognise table,
ordered by STRS (micro, MEGC 2025's ME-STR), beside MEGC 2025's published baseline; the two
files are validated together, and a run whose ``str.json`` fails is rejected whole. A
recogniser trained otherwise than its model declares (``--epochs 20`` where the recipe says
800, a model option) is a reduced setting, as on every other page: its row goes in a table
of its own, marked, unranked, its STRS not set in bold (:func:`recogniser_reduced`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merbench.leaderboard.copies import by_evidence
from merbench.leaderboard.page_views import slug
from merbench.leaderboard.result_walk import Rejected, results_holding, validated_holding
from merbench.plugin_system.registry import Registries
from merbench.results.audited_files import AuditedFiles
from merbench.results.codec import to_json
from merbench.results.result_files import AUDIT_FILE
from merbench.results.run_files import ResultRejected
from merbench.results.safe_files import UnsafeFile, copy_regular_file
from merbench.spotting.bootstrap import interval_lone
from merbench.spotting.choice import TRAINING_SUBJECTS
from merbench.spotting.record import SPOTTING_FILE, SpottingDataset, SpottingResults
from merbench.spotting.str_record import STR_FILE, StrResults
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE, StrSeedsSummary
from merbench.spotting_kind.audited import spotting_folder
from merbench.spotting_kind.check import (
    spotting_claim,
    spotting_evidence,
    validate_spotting_and_str,
)
from merbench.spotting_kind.str_seeds_check import validate_str_seeds
from merbench.verification.declared_defaults import DeclaredDefaults, set_otherwise
from merbench.verification.validation_record import in_full

MEGC2020_BASELINE = ("MEGC 2020 baseline (MDMD)",
                     "He, Wang, Li and Yap, Spotting macro- and micro-expression intervals in "
                     "long video sequences (the MEGC 2020 baseline), "
                     "https://arxiv.org/abs/1912.11985",
                     "not said in the paper; its released scripts score every p from 0.01 to "
                     "0.99 on all videos (github.com/HeyingGithub/"
                     "Baseline-project-for-MEGC2020_spotting, MDMD_results)")


@dataclass(frozen=True)
class Published:
    """A spotting F1 printed in a paper (pooled over the database, as merbench's)."""

    method: str
    source: str
    chosen: str  # how its threshold was chosen
    micro: float
    macro: float
    all: float


#: long-video dataset -> its published rows (the paper's abstract gives all six numbers)
PUBLISHED: dict[str, tuple[Published, ...]] = {
    "casme-sq-long": (Published(*MEGC2020_BASELINE, micro=0.0082, macro=0.1196, all=0.0376),),
    "samm-long": (Published(*MEGC2020_BASELINE, micro=0.0364, macro=0.0629, all=0.0445),),
}


@dataclass(frozen=True)
class PublishedStr:
    """An STRS printed in a paper, with the videos it was scored on."""

    method: str
    source: str
    videos: str
    strs: float


MEGC2025 = ("MEGC 2025 STR baseline", "The MEGC 2025 challenge summary (ME-STR task), "
            "https://arxiv.org/abs/2506.15298")

#: long-video dataset -> its published ME-STR rows (the challenge's held-out test videos)
PUBLISHED_STR: dict[str, tuple[PublishedStr, ...]] = {
    "samm-long": (PublishedStr(*MEGC2025, videos="the challenge's 10 SAMM long videos",
                               strs=0.0062),),
    "casme3-long": (PublishedStr(*MEGC2025, videos="the challenge's 20 CAS(ME)^3 long videos",
                                 strs=0.0086),),
}


@dataclass(frozen=True)
class SpottingRun:
    """A validated spotting run, its spot-then-recognise record where it has one (validated
    with it), and where the page links its files."""

    path: Path
    results: SpottingResults
    file_id: str
    recognised: StrResults | None = None

    @property
    def audits_kept(self) -> bool:
        """Whether its folder keeps audit records (validated with it), which the page links."""
        return (self.path.parent / AUDIT_FILE).is_file()

    @property
    def audited(self) -> AuditedFiles:
        """What its audit records are about, for its row's badge."""
        return spotting_folder(self.path.parent, self.results.videos, self.results.created,
                               self.recognised is not None)

    @property
    def lone(self) -> str:
        """Why its F1s have no interval (one subject, or one a database), or "": the page
        showed the recorded point as one, as ``show`` did."""
        return interval_lone(self.results.videos)

    def strs(self) -> float:
        entry = None if self.recognised is None else self.recognised.scores["micro"]
        return -1.0 if entry is None or entry.strs is None else entry.strs

    def f1(self, policy: str = TRAINING_SUBJECTS) -> float:
        value = self.results.policies[policy].scores.all.f1
        return -1.0 if value is None else value


def find_spotting_runs(folders: Sequence[Path]) -> tuple[list[SpottingRun], list[Rejected]]:
    """Every ``spotting.json`` under ``folders``, validated; the rejected ones with why."""
    runs: list[SpottingRun] = []
    rejected: list[Rejected] = []
    for path, folder in results_holding(folders, SPOTTING_FILE):
        try:  # checked in full, and counted so (the command's progress too)
            checked = in_full(path, validate_spotting_and_str)
        except ResultRejected as exc:
            rejected.append(Rejected(path, exc.reason))
            continue
        results, recognised = checked.results, checked.recognised
        # where it lies under its results folder, so a site names it alike anywhere
        where = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        digest = hashlib.sha256(where.encode()).hexdigest()[:10]
        # the folder's name comes from the file: a short slug, so it stays inside the site
        name = slug(results.dataset.name)[:40]
        runs.append(SpottingRun(path, results, f"{name}-{digest}", recognised))
    return _settled(runs, rejected)


@dataclass(frozen=True)
class StrOverSeeds:
    """A validated spot-then-recognise summary over seeds, with the dataset its runs spotted
    (its table on the page) and where the page links its file."""

    path: Path
    summary: StrSeedsSummary
    dataset: SpottingDataset
    file_id: str


def find_str_seeds(folders: Sequence[Path], refused: Sequence[Rejected]
                   ) -> tuple[list[StrOverSeeds], list[Rejected]]:
    """Every ``str-seeds.json`` under ``folders``, validated (its seeds' runs with it), none
    of whose seeds' runs is among the spotting runs ``refused`` (one the page's copy check
    rejected takes its summary with it: a summary rests on its runs); the rejected ones
    with why.
    Copies of one summary are one row, as copies of a run are. Each seed's run is a row of
    the spot-then-recognise table as any recognised run is; a summary is a row of the
    recognitions over seeds."""
    found: list[StrOverSeeds] = []
    validated, rejected = validated_holding(folders, STR_SEEDS_FILE, validate_str_seeds)
    not_shown = {Path(rejected.path).resolve() for rejected in refused}
    for path, folder, checked in validated:
        unshown = next((seed for seed, name in checked.summary.runs.items()
                        if (path.parent / name / SPOTTING_FILE).resolve() in not_shown),
                       None)
        if unshown is not None:
            rejected.append(Rejected(path.parent, f"seed {unshown}'s spotting run "
                                                  f"({checked.summary.runs[unshown]}) is not "
                                                  "published (see its rejection), so neither "
                                                  "is the summary of it"))
            continue
        where = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        digest = hashlib.sha256(where.encode()).hexdigest()[:10]
        dataset = next(iter(checked.runs.values())).results.dataset
        found.append(StrOverSeeds(path, checked.summary, dataset,
                                  f"{slug(dataset.name)[:40]}-seeds-{digest}"))
    kept, conflicts = by_evidence(
        found, lambda s: json.dumps([s.summary.spotting_fingerprint, s.summary.recogniser,
                                     s.summary.seeds], sort_keys=True),
        lambda s: json.dumps(to_json(s.summary.scores), sort_keys=True), lambda s: s.path,
        "spotting, recogniser and seeds")
    return sorted((copies[0] for copies in kept),
                  key=lambda s: (s.summary.spotter, s.summary.recogniser["model"],
                                 str(s.path))), [
        *rejected, *(Rejected(path, reason) for path, reason in conflicts)]


def _settled(runs: list[SpottingRun], rejected: list[Rejected]
             ) -> tuple[list[SpottingRun], list[Rejected]]:
    """Each claim (spotter, settings, dataset) once: identical copies are one row (three
    rows showed one run three times), and copies with other intervals or emotions are all
    rejected: merbench's spotters are deterministic, so one of them was edited (a forged
    copy at F1 1.0 was ranked above the genuine one at 0.4)."""
    kept, conflicts = by_evidence(
        runs, lambda run: spotting_claim(run.results, run.recognised),
        lambda run: spotting_evidence(run.results, run.recognised), lambda run: run.path,
        "spotter, settings and data")
    return [copies[0] for copies in kept], [
        *rejected, *(Rejected(path, reason) for path, reason in conflicts)]


def recogniser_reduced(recogniser: dict[str, Any], defaults: DeclaredDefaults) -> str | None:
    """Why a spot-then-recognise row's recogniser is not its model as declared, in the
    words :func:`merbench.leaderboard.collect.reduced_setting` gives a run (``epochs 20
    (recipe 800)``, ``name=value``), or None. ``recogniser``: a ``str.json``'s recogniser
    record as JSON, or a summary's over seeds. The recogniser trains with its model's
    recipe but for ``--epochs``; a model not installed here, or at another version, has no
    recipe to compare with, and its epochs pass unjudged."""
    name, version = str(recogniser["model"]), int(recogniser["model_version"])
    recipe = defaults.recipe(name, version)
    epochs = recogniser.get("epochs")
    reasons = []
    if recipe is not None and epochs is not None and epochs != recipe.epochs:
        reasons.append(f"epochs {epochs} (recipe {recipe.epochs})")
    options = recogniser.get("model_options") or {}
    if options:
        declared = defaults("model", name, version)
        reasons += [f"{k}={v}" for k, v in sorted(set_otherwise(options, declared).items())]
    return ", ".join(reasons) or None


def _truth_key(data: SpottingDataset) -> str:
    """What the runs of one table share: the dataset's version, options and ground truth."""
    return json.dumps([data.version, data.options, data.fingerprint], sort_keys=True)


def spotting_sections(runs: Sequence[SpottingRun], registries: Registries,
                      over_seeds: Sequence[StrOverSeeds] = ()) -> list[dict[str, Any]]:
    """One section per long-video dataset that is registered with a ground truth or has a
    run: its published rows, its runs best first, its recognitions over seeds, and the
    command that would make a row where it has none."""
    scored = [name for name in registries.long_videos.names()
              if registries.long_videos.get(name).meta.ground_truth]
    names = sorted({*scored, *(r.results.dataset.name for r in runs)})
    defaults = DeclaredDefaults(registries)
    sections = []
    for name in names:
        tables: dict[str, list[SpottingRun]] = {}  # runs scored on the same ground truth
        for run in runs:
            data = run.results.dataset
            if data.name == name:
                tables.setdefault(_truth_key(data), []).append(run)
        groups = []
        for key, group in sorted(tables.items()):
            recognised = sorted((r for r in group if r.recognised is not None),
                                key=lambda r: (-r.strs(), str(r.path)))
            seeds = [s for s in over_seeds if s.dataset.name == name
                     and _truth_key(s.dataset) == key]
            why = {id(r): recogniser_reduced(to_json(r.recognised.recogniser), defaults)
                   for r in recognised if r.recognised is not None}
            why_seeds = {id(s): recogniser_reduced(s.summary.recogniser, defaults)
                         for s in seeds}
            groups.append({
                "dataset": group[0].results.dataset,
                "runs": sorted(group, key=lambda r: (-r.f1(), r.results.spotter.name,
                                                     str(r.path))),
                "recognised": [r for r in recognised if why[id(r)] is None],
                "recognised_reduced": [(r, why[id(r)]) for r in recognised
                                       if why[id(r)] is not None],
                "over_seeds": [s for s in seeds if why_seeds[id(s)] is None],
                "over_seeds_reduced": [(s, why_seeds[id(s)]) for s in seeds
                                       if why_seeds[id(s)] is not None]})
        description = (registries.long_videos.get(name).meta.description
                       if name in registries.long_videos else "")
        sections.append({
            "name": name, "description": description, "groups": groups,
            "published": PUBLISHED.get(name, ()),
            "published_str": PUBLISHED_STR.get(name, ()),
            "command": f"merbench spot --spotter flow-peak --dataset {name}"
                       + ("" if name == "synthetic-long" else " --data-root PATH")
                       + f" --out {name}-flow-peak"})
    return sections


def copy_str_seeds_files(over_seeds: Sequence[StrOverSeeds], out: Path
                         ) -> tuple[list[StrOverSeeds], list[Rejected]]:
    """Each summary's ``str-seeds.json`` into ``out/spotting/FILE_ID/`` (its seeds' files
    are their runs'), as :func:`copy_spotting_files` copies a run's."""
    copied, problems = [], []
    for summary in over_seeds:
        folder = out / "spotting" / summary.file_id
        folder.mkdir(parents=True, exist_ok=True)
        try:
            copy_regular_file(summary.path, folder / STR_SEEDS_FILE)
        except UnsafeFile as exc:
            folder.rmdir()
            problems.append(Rejected(summary.path, str(exc)))
            continue
        copied.append(summary)
    return copied, problems


def copy_spotting_files(runs: Sequence[SpottingRun], out: Path
                        ) -> tuple[list[SpottingRun], list[Rejected]]:
    """Each run's ``spotting.json`` (and ``str.json``) into ``out/spotting/FILE_ID/``, so a
    reader can validate them: the runs copied, and those left out (a file that is not a
    plain file any more) with why, which the page then does not show."""
    copied, problems = [], []
    for run in runs:
        folder = out / "spotting" / run.file_id
        folder.mkdir(parents=True, exist_ok=True)
        names = [SPOTTING_FILE] + ([STR_FILE] if run.recognised is not None else []) + (
            [AUDIT_FILE] if run.audits_kept else [])
        try:
            for name in names:
                copy_regular_file(run.path.parent / name, folder / name)
        except UnsafeFile as exc:
            for name in names:
                (folder / name).unlink(missing_ok=True)
            folder.rmdir()
            problems.append(Rejected(run.path, str(exc)))
            continue
        copied.append(run)
    return copied, problems

