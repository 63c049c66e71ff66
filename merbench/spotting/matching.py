"""Which predicted interval is a true positive of which ground-truth interval, as MEGC decides.

The rule (MEGC 2019-2025 alike): a predicted interval is a true positive when its
intersection over union with a ground-truth interval of the same type is at least 0.5
(:func:`merbench.spotting.intervals.iou`: frames, inclusive). "At least": exactly 0.5
counts, as both the MEGC 2020 baseline's evaluation (``calc_iou(clip, label) >= thresh``,
github.com/HeyingGithub/Baseline-project-for-MEGC2020_spotting, ``MDMD_results/
result_helper.py``, commit 7d186cf60d94aa1b7955f8bf7e68fd45a7a235cd) and the STRS script of
MEGC 2024-2025 (``iou >= iou_threshold``, github.com/genbing99/STRS-Metric,
``strs_metric.py``, commit eb86468f793400bf46cc13b4be0d32faafe72b8a) test it.

One to one, greedily. Each ground-truth interval is matched at most once and each
prediction matches at most one interval; the rest are false positives (predictions) and
false negatives (ground truth). merbench follows the STRS script's greedy order, the one of
the challenge MEGC 2025 scored: predictions in order, each taking the first ground-truth
interval, in order, not yet taken whose IoU with it is >= 0.5. Order is onset, then offset
(for predictions, then their position in the list), so the result does not depend on how a
spotter happened to list them; for a list in time order, the usual one, it is the
script's. Greedy is not a maximum matching: a prediction that takes an interval can leave
a later prediction, which fitted only that interval, a false positive. At IoU >= 0.5 that
needs a prediction with IoU >= 0.5 to two intervals, which for two intervals apart happens
only when it is exactly their union and they are equally long (both IoU exactly 0.5); the
tests pin what greedy does then.

Where the MEGC scripts differ, and what merbench does:

- **A prediction over two intervals.** The STRS script does not stop at its first match
  (no ``break``), so one prediction can be the true positive of two intervals; the MEGC
  2020 baseline counts the intervals found (``N_find_labels``) against all predictions, so
  there too one prediction can find two, and its precision can exceed 1. MEGC's written
  definition pairs one prediction with one interval; merbench does that (the first
  interval in order).
- **Two predictions on one interval.** All agree: one true positive, the other a false
  positive (the 2020 baseline's precision ``N_find_labels / N_clips`` counts it so too).
- **The MEGC 2019 baseline** (github.com/jingtingEmmaLi/MEGC_spotting,
  ``samm/saveTPFPFN_forMEinterval.m``, commit 19878cc2a803e7dcfc1dc0f620a54d997c330392)
  merged neighbouring detections and divided by the union minus one frame; MEGC 2020 on
  replaced it with the rule above, which merbench follows.
- **The MEGC 2020-2021 learned baselines** (SoftNet, MTSN) counted true positives with a
  mean-average-precision library's VOC matching, each prediction tried only against its
  highest-IoU interval, in order of confidence. With no confidences that is the order
  above up to ties; merbench has no confidence order.

Micro and macro are matched apart: a predicted micro interval against the micro ground
truth only, a macro one against the macro ground truth (MEGC 2020 baseline, which
evaluates each type in its own pass).
"""

from __future__ import annotations

from dataclasses import dataclass

from merbench.spotting.intervals import KINDS, Expression, Spotted, Video, iou

THRESHOLD = 0.5  # IoU from which a prediction is a true positive (MEGC 2019-2025)


@dataclass(frozen=True)
class Match:
    """A true positive: the prediction, the ground-truth interval it found, their IoU."""

    spotted: Spotted
    truth: Expression
    iou: float


@dataclass(frozen=True)
class Matching:
    """The outcome of one video for one type: true positives, false positives (predictions
    that found nothing) and false negatives (ground truth nothing found)."""

    matches: tuple[Match, ...]
    false_positives: tuple[Spotted, ...]
    false_negatives: tuple[Expression, ...]

    @property
    def tp(self) -> int:
        return len(self.matches)

    @property
    def fp(self) -> int:
        return len(self.false_positives)

    @property
    def fn(self) -> int:
        return len(self.false_negatives)


def _in_order(items: tuple[Spotted, ...] | tuple[Expression, ...]) -> list[int]:
    """Positions of ``items`` by onset, then offset, then position (a stable sort)."""
    return sorted(range(len(items)),
                  key=lambda i: (items[i].interval.onset, items[i].interval.offset))


def match(spotted: tuple[Spotted, ...], truth: tuple[Expression, ...], *,
          threshold: float = THRESHOLD) -> Matching:
    """Greedy one-to-one matching of ``spotted`` to ``truth`` (types are not looked at: the
    caller passes one type of each, :func:`match_video`). Each prediction, in order, takes
    the first interval, in order, still free whose IoU with it is >= ``threshold``."""
    taken: set[int] = set()
    matches: list[Match] = []
    unmatched: list[Spotted] = []
    truth_order = _in_order(truth)
    for p in _in_order(spotted):
        prediction = spotted[p]
        for t in truth_order:
            if t in taken:
                continue
            overlap = iou(prediction.interval, truth[t].interval)
            if overlap >= threshold:
                taken.add(t)
                matches.append(Match(prediction, truth[t], overlap))
                break
        else:
            unmatched.append(prediction)
    missed = tuple(truth[t] for t in truth_order if t not in taken)
    return Matching(tuple(matches), tuple(unmatched), missed)


def match_video(video: Video, *, threshold: float = THRESHOLD) -> dict[str, Matching]:
    """:func:`match` for each type of :data:`~merbench.spotting.intervals.KINDS`, the
    video's predictions of that type against its ground truth of that type."""
    return {kind: match(tuple(s for s in video.spotted if s.kind == kind),
                        tuple(e for e in video.truth if e.kind == kind), threshold=threshold)
            for kind in KINDS}
