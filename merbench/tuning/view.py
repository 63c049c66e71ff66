"""The tuning page: validated ``merbench tune`` results, nested and test-scored, and what
choosing hyper-parameters on the test subjects is worth.

Every ``tune.json`` under the results folders is checked (:func:`validate_tune` without
``deep``: every trial's score and every choice recomputed from the trial runs' predictions,
the retrained runs validated whole); one that fails is listed with the rejected files. A
tuning's run folders are not leaderboard rows of their own (:mod:`merbench.leaderboard
.collect` leaves every folder under a ``tune.json`` out): they are its trials.

A row is a tuning: "tuned on inner folds" (nested) or "TEST-SCORED" (test-set selection).
Where one search (same model, dataset, protocol, seed, options and space) was run both ways,
the comparison says by how much the test-scored number exceeds the nested one: the
difference of the pooled UF1 and UAR, its 95% interval over subjects resampled in pairs
(both on the same subjects, :func:`~merbench.stats.intervals.difference_interval`) and the
paired permutation test's p-value (:mod:`merbench.stats.paired`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.leaderboard.collect import reduced_setting
from merbench.leaderboard.copies import by_evidence
from merbench.leaderboard.result_walk import Rejected, results_holding, validated_holding
from merbench.results.audited_files import AuditedFiles
from merbench.results.codec import to_json
from merbench.results.result_files import AUDIT_FILE
from merbench.results.run_files import ResultRejected
from merbench.results.safe_files import copy_regular_file
from merbench.results.schema import read_results
from merbench.scores.interval_records import interval_pair, subject_strata
from merbench.stats.intervals import (
    METRICS,
    difference_interval,
    score_of,
    subject_confusions,
)
from merbench.stats.paired import paired_difference, untestable
from merbench.tuning.check import tune_claim, tune_evidence, validated_tune
from merbench.tuning.record import (
    NESTED,
    TUNE_FILE,
    TUNE_PREDICTIONS_FILE,
    TuneResults,
    lone_interval,
    read_tune,
    read_tune_predictions,
)
from merbench.tuning.run_tuning import outer_scores
from merbench.tuning.seeds_check import validate_tune_seeds
from merbench.tuning.seeds_record import TUNE_SEEDS_FILE, TuneSeedsSummary
from merbench.tuning.space import MODEL_OPTION
from merbench.verification.record_check import RecordDisagrees
from merbench.verification.validation_record import once


@dataclass(frozen=True)
class Tuning:
    """A validated tuning and the folder it was found in."""

    path: Path
    results: TuneResults
    file_id: str  # its files' folder on the site
    audited: AuditedFiles  # what its audit records are about, for its row's badge
    #: why its trials are not the model as declared but for what it searched, or None
    reduced: str | None = None

    @property
    def audits_kept(self) -> bool:
        """Whether its folder keeps audit records (validated with it), which the page links."""
        return (self.path / AUDIT_FILE).is_file()

    @property
    def lone(self) -> str:
        """Why its outer scores have no interval (one test subject), or "" (the page)."""
        return lone_interval(self.results)

    @property
    def nested(self) -> bool:
        return self.results.mode == NESTED

    def search_key(self) -> str:
        """What the nested and the test-scored tuning of one search share."""
        r = self.results
        return json.dumps([r.model, r.dataset, r.protocol, r.seed, r.objective, r.options,
                           r.dataset_options, to_json(r.space), r.sampler, r.sampler_seed,
                           r.trials], sort_keys=True)

    def shared_options(self) -> list[str]:
        """The options every trial shared, as ``name=value`` (model options by their
        ``model_options.NAME``, as the space names them)."""
        found = []
        for name, value in sorted(self.results.options.items()):
            if isinstance(value, dict):
                found += [f"{name}.{k}={v}" for k, v in sorted(value.items())]
            else:
                found.append(f"{name}={value}")
        return found

    def chosen(self) -> list[tuple[str, int]]:
        """Each configuration chosen, with how many outer folds chose it, most first."""
        return sorted(self.results.chosen_configurations().items(),
                      key=lambda item: (-item[1], item[0]))

    def trained_runs(self) -> int:
        return sum(len(t.runs) for o in self.results.outer for t in o.trials) + \
            (len(self.results.outer) if self.nested else 0)

    def pruned(self) -> int:
        return sum(t.state == "pruned" for o in self.results.outer for t in o.trials)


@dataclass(frozen=True)
class Difference:
    """Test-scored minus nested, for one metric."""

    metric: str
    nested: float
    test_scored: float
    difference: float
    interval: list[float] | None
    p_value: float | None  # None, and no interval: the pool tests one subject
    untested: str | None = None  # why there is no p-value nor interval


def find_tunings(folders: Sequence[Path], deep: bool = False
                 ) -> tuple[list[Tuning], list[Rejected]]:
    """Every ``tune.json`` under ``folders``, validated; the rejected ones with why. ``deep``:
    every trial's run validated as ``merbench validate`` does (its fold files, its results
    recomputed), so that ``leaderboard build --strict`` publishes no tuning ``validate``
    rejects; otherwise each trial's predictions are read and its spec checked, a few times
    faster."""
    found: list[Tuning] = []
    rejected: list[Rejected] = []
    for path, _ in results_holding(folders, TUNE_FILE):
        try:
            results, audited, reduced = _checked_tuning(path.parent, deep)
        except ResultRejected as exc:
            rejected.append(Rejected(path.parent, exc.reason))
            continue
        found.append(Tuning(path.parent, results, "", audited, reduced))
    # each search once: identical copies are one, copies with other trials or predictions
    # are all rejected until an audit says which is genuine (two were both published)
    kept, conflicts = by_evidence(
        found, lambda tuning: tune_claim(tuning.results),
        lambda tuning: tune_evidence(tuning.results, tuning.path),
        lambda tuning: tuning.path, "search (model, data, space, sampler and seed)")
    rejected += [Rejected(path, reason) for path, reason in conflicts]
    return [dataclasses.replace(copies[0], file_id=f"tuning-{number}")
            for number, copies in enumerate(kept, 1)], rejected


def tuning_reduced(results: TuneResults, runs: Path) -> str | None:
    """Why a tuning is a reduced setting, in the words every page uses, or None: what its
    trials share departs from the model's declared recipe or options (an ``epochs = 3``
    search of a model whose recipe trains 800), read from its first trial's run, which
    records the recipe its model version declares. What the search varies is no departure:
    trying learning rates is the point of it."""
    searched = {p.name.removeprefix(MODEL_OPTION) for p in results.space}
    try:
        first = runs / results.outer[0].trials[0].runs[0] / "results.json"
        return reduced_setting(read_results(first), searched=searched)
    except (IndexError, MerbenchError, OSError, ValueError):  # nothing trained to read
        return None


def confirmed_tuning(folder: Path) -> TuneResults:
    """A tuning's ``tune.json`` read back, whose pooled outer UF1 and UAR, overall and per
    database, are what its pooled ``predictions.csv`` gives (the trials, replayed from
    ``runs.tar.xz``, and the intervals are taken on the record's word);
    :class:`RecordDisagrees` where they are not."""
    results = read_tune(folder / TUNE_FILE)
    predictions = read_tune_predictions(folder)
    overall, per_database = outer_scores(predictions, results.classes)
    if to_json(overall) != to_json(results.overall) \
            or to_json(per_database) != to_json(results.per_database) \
            or results.n_samples != len(predictions):
        raise RecordDisagrees(f"{folder}'s scores are not its predictions'")
    return results


def _checked_tuning(folder: Path, deep: bool
                    ) -> tuple[TuneResults, AuditedFiles, str | None]:
    """A tuning's record, what its audits are about and why it is a reduced setting (or
    None), validated, or read back from a validation record of the same files
    (:mod:`~merbench.verification.validation_record`): unpacking its runs and checking each
    takes seconds a tuning."""

    def check() -> tuple[TuneResults, AuditedFiles, str | None]:
        with validated_tune(folder, deep=deep) as checked:
            return (checked.results, checked.audited,
                    tuning_reduced(checked.results, checked.runs))

    def rebuild(facts: dict[str, Any]) -> tuple[TuneResults, AuditedFiles, str | None]:
        audited = facts["audited"]
        return confirmed_tuning(folder), AuditedFiles(
            folder, str(audited["result_file"]), [list(map(str, key)) for key
                                                  in audited["unit_keys"]],
            [tuple(map(str, files)) for files in audited["unit_files"]],
            str(audited["created"]), tuple(map(str, audited["files"]))), (
                None if facts["reduced"] is None else str(facts["reduced"]))

    return once("tuning, trials validated" if deep else "tuning", folder, check,
                lambda found: {"audited": {name: to_json(getattr(found[1], name)) for name in
                                           ("result_file", "unit_keys", "unit_files",
                                            "created", "files")},
                               "reduced": found[2]}, rebuild)


def differences(nested: Tuning, test_scored: Tuning, nested_predictions: Any,
                test_scored_predictions: Any) -> list[Difference]:
    """How much higher the test-scored tuning scores than the nested one, per metric, from
    their pooled predictions (the same samples)."""
    a = test_scored_predictions
    b = nested_predictions.set_index("sample_id").loc[a["sample_id"]].reset_index()
    keys_of, keys, strata = subject_strata(a)
    n_classes = len(nested.results.classes)
    y_true = a["y_true"].to_numpy(dtype=int)
    confusions = [subject_confusions(y_true, frame["y_pred"].to_numpy(dtype=int), keys_of,
                                     keys, n_classes) for frame in (a, b)]
    found = []
    why = untestable(keys)
    for metric in METRICS:
        if why:  # a tuning whose outer test is one subject: the difference alone
            found.append(Difference(
                metric=metric, nested=float(getattr(nested.results.overall, metric)),
                test_scored=float(getattr(test_scored.results.overall, metric)),
                difference=score_of(confusions[0], np.zeros(1), metric)
                - score_of(confusions[1], np.zeros(1), metric),
                interval=None, p_value=None, untested=why))
            continue
        paired = paired_difference(confusions[0], confusions[1], metric)
        interval = difference_interval(confusions[0], confusions[1], strata, metric)
        found.append(Difference(
            metric=metric, nested=float(getattr(nested.results.overall, metric)),
            test_scored=float(getattr(test_scored.results.overall, metric)),
            difference=paired.difference, interval=interval_pair(interval),
            p_value=paired.p_value))
    return found


def comparisons(tunings: list[Tuning]) -> list[dict[str, Any]]:
    """Each search run both ways, with its differences."""
    by_search: dict[str, dict[bool, Tuning]] = {}
    for tuning in tunings:  # a search tuned twice the same way: its first folder compared
        by_search.setdefault(tuning.search_key(), {}).setdefault(tuning.nested, tuning)
    found = []
    for pair in by_search.values():
        if len(pair) == 2:
            nested, test_scored = pair[True], pair[False]
            tables = [read_tune_predictions(t.path) for t in (nested, test_scored)]
            if set(tables[0]["sample_id"]) == set(tables[1]["sample_id"]):
                found.append({"nested": nested, "test_scored": test_scored,
                              "differences": differences(nested, test_scored, *tables)})
    return found


def copy_tuning_files(tunings: list[Tuning], out: Path) -> None:
    """Each tuning's ``tune.json`` and pooled predictions, linked from its row."""
    for tuning in tunings:
        target = out / "tunings" / tuning.file_id
        target.mkdir(parents=True, exist_ok=True)
        kept = (AUDIT_FILE,) if tuning.audits_kept else ()
        for name in (TUNE_FILE, TUNE_PREDICTIONS_FILE, *kept):  # never through a link
            copy_regular_file(tuning.path / name, target / name)


#: a summary over seeds as the tuning page shows it: the summary, why it is a reduced
#: setting (or None), and why its outer scores have no interval (or "")
SeedsRow = tuple[TuneSeedsSummary, str | None, str]


def find_tune_seeds(folders: Sequence[Path], tunings: Sequence[Tuning] = ()
                    ) -> tuple[list[SeedsRow], list[Rejected]]:
    """Every ``tune-seeds.json`` under ``folders``, validated (its tunings with it), with
    why it is a reduced setting (its seeds' tunings among ``tunings`` are), or None, and
    why its interval is none (:func:`~merbench.tuning.record.lone_interval` of its first
    seed's tuning: every seed tests the same outer subjects, so where they are one subject
    the recorded interval is a point); the rejected ones with why. Each seed's tuning is a
    row of the page as any tuning is; a summary is a row of the searches tuned over seeds."""
    validated, rejected = validated_holding(folders, TUNE_SEEDS_FILE, validate_tune_seeds)
    reduced = {t.path.resolve(): t.reduced for t in tunings if t.reduced is not None}
    found = [(summary, next((reduced[where] for name in summary.runs.values()
                             if (where := (path.parent / name).resolve()) in reduced), None),
              _seeds_lone(path.parent, summary))
             for path, _, summary in validated]
    return sorted(found, key=lambda s: (s[0].model, s[0].dataset, s[0].protocol,
                                        s[0].mode)), rejected


def _seeds_lone(folder: Path, summary: TuneSeedsSummary) -> str:
    """Why the validated summary in ``folder`` has no interval, from its first seed's
    tuning (every seed's tests the same outer subjects), or ""."""
    if not summary.seeds:
        return ""
    return lone_interval(read_tune(folder / summary.runs[str(summary.seeds[0])] / TUNE_FILE))


def write_tuning_page(env: Any, tunings: Sequence[Tuning],
                      summaries: Sequence[SeedsRow], out: Path
                      ) -> None:
    """Write ``tuning.html``: the tunings ``tunings`` (their files copied beside it), the
    searches run both ways compared, and the summaries over seeds ``summaries``
    (:func:`find_tune_seeds`). A reduced setting (:func:`tuning_reduced`) is shown apart and
    unranked, as every page shows one."""
    copy_tuning_files(list(tunings), out)
    rows = sorted(tunings, key=lambda t: (t.results.model, t.results.dataset,
                                          not t.nested, -t.results.overall.uf1))
    page = env.get_template("tuning.html").render(
        root="", tunings=[t for t in rows if t.reduced is None],
        reduced=[t for t in rows if t.reduced is not None],
        comparisons=comparisons(list(tunings)), over_seeds=summaries)
    path = out / "tuning.html"
    path.write_text(page, encoding="utf-8")
