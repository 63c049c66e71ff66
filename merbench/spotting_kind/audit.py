"""``merbench audit`` of a spotting run: its data read again, some subjects spotted again.

``merbench validate`` recomputes a spotting run's scores from its own ``spotting.json``, so a
forger who rewrites that file consistently passes it: the spotted intervals replaced by the
ground truth and every score recomputed with merbench's own functions (F1 .42 became 1.00),
the ground truth replaced by the spotted intervals (.94), or a subject's videos dropped. Only
the data and the spotter can tell, so the audit goes back to them:

1. the long-video dataset the run names is opened again (the user's own copy, ``--data-root``)
   and its videos must be the run's, in order, each with the same frames and the same ground
   truth: a dropped subject or an edited truth fails here, before anything is spotted;
2. the chosen subjects' videos are spotted again with the recorded spotter, options and
   settings (a learned spotter fitted again on the other subjects' videos, as the run fitted
   it), and every setting's intervals must be the stored ones exactly: merbench's spotters
   are deterministic, so an interval moved by a frame is a difference; so is a learned
   spotter's recorded choice (its threshold, and how it was chosen) that its fit again does
   not make, which ``validate`` cannot recompute without the data.

3. where the run was recognised too (``str.json``, spot-then-recognise), the chosen subjects'
   recognisers are trained again (each on the other subjects' ground truth, on the audit's
   ``--device``, the CPU by default) and every interval's emotion must be the stored one:
   trained again on a CPU, bit for bit; on a GPU, which does not repeat itself exactly, at
   least :data:`merbench.audit.verdict.MIN_AGREEMENT` of them. The device ``str.json`` says
   the run trained on is the run's own claim, which nothing binds (the file is the record
   itself): it can make a difference's explanation, never the comparison looser. A run
   that trained on a GPU is audited on one. STR emotions set to the truth (STRS .036
   became .178) pass ``validate`` and fail here.

Subjects are the folds of a spotting run (a learned spotter's fits, the choice of setting and
the recognisers all leave one out), so ``--folds K`` draws K subjects, as it draws K folds of
an emotion run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from merbench.audit.retrain import choose_folds
from merbench.audit.verdict import MIN_AGREEMENT
from merbench.base.errors import MerbenchError
from merbench.base.scratch import scratch_folder
from merbench.plugin_system.manager import Plugins, default_plugins, plugin_versions
from merbench.results.audit_model import AuditOutcome, AuditRecord, FoldAudit
from merbench.results.audited_files import AuditedFiles, Digests
from merbench.results.codec import to_json
from merbench.results.schema import environment, now_iso
from merbench.runner.spot import SpotSpec, SpottingRun, same_video
from merbench.runner.spot_learned import spot_learned
from merbench.runner.spot_recognise import RecogniseSpec, recognise
from merbench.spotting.choice import subject_of
from merbench.spotting.long_videos import LongVideo
from merbench.spotting.record import SpottedVideo, SpottingResults
from merbench.spotting.spotter import LearnsToSpot
from merbench.spotting.str_record import STR_FILE, StrResults
from merbench.spotting_kind.check import CheckedSpotting
from merbench.spotting_kind.finish_text import setting_text


@dataclass(frozen=True)
class SubjectAudit:
    """One subject's videos spotted again: ``identical``, or what differs first."""

    subject: str
    videos: int
    outcome: AuditOutcome  # "within-tolerance": a recogniser trained again on a GPU
    detail: str  # "" when identical
    agreement: float = 1.0  # the share of its intervals whose emotion came again


@dataclass(frozen=True)
class SpottingAudit:
    """What an audit of a spotting run found: ``failure`` when the data is not the run's
    (nothing was spotted then), else each chosen subject's outcome, spotted and (where the
    run has a ``str.json``) recognised again."""

    n_subjects: int
    choice_seed: int | None
    subjects: list[SubjectAudit]
    failure: str | None
    recognised: list[SubjectAudit] = field(default_factory=list)
    #: what the recognisers were trained again on ("" where nothing was recognised)
    recognised_on: str = ""

    @property
    def passed(self) -> bool:
        return self.failure is None and all(s.outcome != "differs"
                                            for s in (*self.subjects, *self.recognised))


def _subject(video: LongVideo) -> str:
    """``database/subject``, as :func:`subject_of` names a spotted video's."""
    return "/".join(video.key)


def _data_problem(recorded: list[SpottedVideo], videos: Sequence[LongVideo]) -> str | None:
    """Why the dataset as opened now is not the one the run spotted, or None."""
    theirs = {subject_of(video) for video in recorded}
    here = {_subject(video) for video in videos}
    if here - theirs:
        missing = sorted(here - theirs)[0]
        return (f"the dataset holds subject {missing}, whose videos the run does not have "
                f"(a subject dropped from the file: {len(here - theirs)} of {len(here)})")
    if len(recorded) != len(videos):
        return (f"the dataset holds {len(videos)} videos, the run {len(recorded)}: not the "
                "run's data")
    for kept, video in zip(recorded, videos, strict=True):
        if not same_video(kept, video):
            return (f"video {video.key_text} is not the run's: its frames or ground truth "
                    "differ from the dataset's (an edited truth, or another copy of the data)")
    return None


def _first_difference(kept: SpottedVideo, again: SpottedVideo,
                      variants: Sequence[dict[str, object]]) -> str | None:
    for number, (stored, found) in enumerate(zip(kept.spotted, again.spotted, strict=True)):
        if to_json(stored) != to_json(found):
            setting = ", ".join(f"{k}={v}" for k, v in variants[number].items()) or "default"
            return (f"video {kept.database}/{kept.subject}/{kept.name}, setting {setting}: "
                    f"{len(stored)} intervals stored, {len(found)} spotted again, not the same")
    if kept.fitted is not None and to_json(kept.fitted) != to_json(again.fitted):
        # what a fit chose is recorded too (a threshold, and whether it was chosen at all)
        said = ["; ".join(setting_text(f) for f in fits or []) for fits in (kept.fitted,
                                                                            again.fitted)]
        return (f"video {kept.database}/{kept.subject}/{kept.name}: its fit is recorded as "
                f"choosing {said[0]}, fitted again it chose {said[1]}, not the same")
    return None


def audit_spotting(folder: Path, checked: CheckedSpotting, *, count: int | None,
                   seed: int | None = None,
                   data_root: str | None = None, device: str = "cpu",
                   plugins: Plugins | None = None,
                   chosen: Callable[[list[str], int | None], None] | None = None,
                   on_subject: Callable[[SubjectAudit], None] | None = None,
                   on_recognised: Callable[[SubjectAudit], None] | None = None
                   ) -> SpottingAudit:
    """Audit the spotting run in ``folder`` (``checked``: its records as validated, read
    once for the audit and its record): its data checked, then ``count`` subjects drawn
    from ``seed`` (None: every subject) spotted again (and recognised again, on ``device``,
    where the run recognised)."""
    results, recorded_str = checked.results, checked.recognised
    plugins = plugins or default_plugins()
    spec = SpotSpec(dataset=results.dataset.name, spotter=results.spotter.name,
                    dataset_options=dict(results.dataset.options),
                    spotter_options=dict(results.spotter.options),
                    tune={k: list(v) for k, v in results.spotter.tuned.items()},
                    data_root=data_root)
    with scratch_folder("merbench-audit-") as scratch:
        run = SpottingRun(spec, plugins, scratch)
        for what, mine, theirs in (
                ("dataset", run.dataset_entry.meta.version, results.dataset.version),
                ("spotter", run.spotter_entry.meta.version, results.spotter.version)):
            if mine != theirs:
                raise MerbenchError(f"{folder}: the run's {what} is version {theirs}, this "
                                    f"merbench's {mine}: it cannot spot what the run spotted")
        if to_json(run.variants) != to_json(results.variants):
            raise MerbenchError(f"{folder}: the run's settings are not those its spotter "
                                "and options give here")
        dataset = run.open_dataset()
        subjects = list(dict.fromkeys(_subject(video) for video in dataset.videos))
        problem = _data_problem(results.videos, dataset.videos)
        if problem is None and recorded_str is not None and \
                recorded_str.classes != list(dataset.classes):
            # the class names are str.json's claim, beside indices the data binds
            problem = (f"str.json's classes {recorded_str.classes} are not the dataset's "
                       f"{list(dataset.classes)}: its emotions are named wrongly")
        if problem is not None:
            return SpottingAudit(len(subjects), None, [], problem)
        picks, choice_seed = choose_folds(len(subjects), count, seed, unit="subject")
        audited = [subjects[i] for i in picks]
        if chosen is not None:
            chosen(audited, choice_seed)
        again = _spot_again(run, dataset.videos, results.videos, set(audited))
        outcomes = []
        for subject in audited:
            indices = [i for i, v in enumerate(dataset.videos) if _subject(v) == subject]
            found = [_first_difference(results.videos[i], again[i], results.variants)
                     for i in indices]
            differs = next((what for what in found if what is not None), None)
            outcome = SubjectAudit(subject, len(indices), "differs" if differs else "identical",
                                   differs or "", found.count(None) / len(indices))
            outcomes.append(outcome)
            if on_subject is not None:
                on_subject(outcome)
        try:
            recognised, on = ([], "") if recorded_str is None else _recognise_again(
                results, recorded_str, dataset.videos, plugins, audited, device, on_recognised)
        except MerbenchError as exc:  # its recogniser as str.json records it, not the user's
            raise MerbenchError(f"{Path(folder) / STR_FILE}: its recogniser cannot be trained "
                                f"again as recorded: {exc}") from None
    return SpottingAudit(len(subjects), choice_seed, outcomes, None, recognised, on)


def _recognise_again(results: SpottingResults, recorded: StrResults,
                     videos: Sequence[LongVideo], plugins: Plugins, subjects: list[str],
                     device: str, on_recognised: Callable[[SubjectAudit], None] | None
                     ) -> tuple[list[SubjectAudit], str]:
    """The chosen subjects' recognisers trained again as the run trained them, on
    ``device``, and each interval's emotion compared with the stored one; with the device
    they trained on."""
    record = recorded.recogniser
    registries = plugins.registries
    for what, name, theirs in (("model", record.model, record.model_version),
                               ("feature", record.feature, record.feature_version)):
        mine = getattr(registries, f"{what}s").get(name).meta.version
        if mine != theirs:
            raise MerbenchError(f"the run's recogniser {what} {name} is version {theirs}, "
                                f"this merbench's {mine}: it cannot recognise as the run did")
    spec = RecogniseSpec(model=record.model, feature=record.feature,
                         model_options=dict(record.model_options),
                         feature_options=dict(record.feature_options), seed=record.seed,
                         epochs=record.epochs, device=device)
    again = recognise(results, videos, recorded.classes, plugins, spec, only=set(subjects))
    exact = again.recogniser.device.startswith("cpu")  # what this audit verified itself
    outcomes = []
    for subject in subjects:
        pairs = [(kept.emotion, found.emotion)
                 for stored, redone in zip(recorded.videos, again.videos, strict=True)
                 if f"{stored.database}/{stored.subject}" == subject
                 for kept, found in zip(stored.intervals, redone.intervals, strict=True)]
        same = sum(a == b for a, b in pairs)
        agreement = same / len(pairs) if pairs else 1.0
        ok = same == len(pairs) if exact else agreement >= MIN_AGREEMENT
        detail = "" if same == len(pairs) else (
            f"{len(pairs) - same} of {len(pairs)} intervals' emotions differ from the stored "
            + ("(trained again on a CPU: they must be identical" + (
                "" if record.device.startswith("cpu") else
                f"; the run says it trained on {record.device}, which only an audit on a "
                "GPU can allow for: give --device cuda") + ")" if exact else
               f"({agreement:.0%} alike, {MIN_AGREEMENT:.0%} needed: trained again on "
               f"{again.recogniser.device})"))
        outcome = SubjectAudit(subject, len(pairs), "identical" if same == len(pairs) else
                               "within-tolerance" if ok else "differs", detail, agreement)
        outcomes.append(outcome)
        if on_recognised is not None:
            on_recognised(outcome)
    return outcomes, again.recogniser.device


def spotting_record(found: SpottingAudit, audited: AuditedFiles, before: Digests,
                    plugins: Plugins) -> AuditRecord:
    """The record ``audit.json`` keeps of the audit ``found`` of the spotting run
    ``audited`` describes, whose files had the digests ``before`` when it started: each
    subject audited is a part of it, whose outcome is the worse of its spotting again
    (always to the frame: merbench's spotters are deterministic) and its recognising again
    (to the bit on a CPU, within :data:`MIN_AGREEMENT` on a GPU)."""
    exact = not found.recognised_on or found.recognised_on.startswith("cpu")
    reason = ("merbench's spotters are deterministic" + (
        "" if not found.recognised_on else
        f", and the recognisers were trained again on {found.recognised_on}" + (
            "" if exact else ", which does not repeat itself exactly")))
    recognised = {audit.subject: audit for audit in found.recognised}
    parts = []
    for spotted in found.subjects:
        again = recognised.get(spotted.subject)
        both = [spotted, *([again] if again is not None else [])]
        outcome: AuditOutcome = next(
            (o for o in ("differs", "within-tolerance") if any(a.outcome == o for a in both)),
            "identical")
        index = audited.unit_keys.index([spotted.subject])
        digest = before.units[index]
        assert digest is not None  # the run validated: every video's file was there
        parts.append(FoldAudit(index=index, key=[spotted.subject], outcome=outcome,
                               agreement=min(a.agreement for a in both), fold_sha256=digest,
                               detail="; ".join(a.detail for a in both if a.detail)))
    return AuditRecord(
        created=now_iso(), results_sha256=before.result,
        n_folds=len(audited.unit_keys), choice_seed=found.choice_seed,
        comparison="bit-identical" if exact else "tolerance", reason=reason,
        min_agreement=1.0 if exact else MIN_AGREEMENT,
        environment=environment(found.recognised_on or "cpu", plugin_versions(plugins)),
        folds=sorted(parts, key=lambda part: part.index), failure=found.failure,
        passed=found.passed)


def _spot_again(run: SpottingRun, videos: Sequence[LongVideo], recorded: list[SpottedVideo],
                subjects: set[str]) -> dict[int, SpottedVideo]:
    """The chosen subjects' videos spotted again as the run spotted them."""
    chosen = [i for i, video in enumerate(videos) if _subject(video) in subjects]
    base = run.spotter({})
    if isinstance(base, LearnsToSpot):  # each chosen subject fitted on the others again
        kept = {i: recorded[i] for i in range(len(videos)) if i not in chosen}
        learners = [run.spotter(variant) for variant in run.variants]
        found = spot_learned(run.spotter_entry, learners,  # type: ignore[arg-type]
                             videos, kept, lambda index, video: None, None)
        return {i: found[i] for i in chosen}
    return {i: run.spot(base, videos[i]) for i in chosen}
