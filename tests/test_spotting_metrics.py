"""merbench.spotting: the MEGC spotting metric, its edge cases, its bootstrap, and STRS.

Every expected number here is worked out by hand in the comments, or is a number MEGC
published (the 2020 baseline's table, the STRS script's README example, the MEGC 2025
paper's baseline row), so that a change in the matching, the pooling or the recognition F1
shows up as a wrong number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from merbench.spotting.bootstrap import f1_interval, pooled_f1
from merbench.spotting.intervals import (
    MACRO,
    MICRO,
    Expression,
    FrameInterval,
    Spotted,
    Video,
    intersection,
    iou,
    kind_by_duration,
    typed_by_duration,
)
from merbench.spotting.matching import match, match_video
from merbench.spotting.recognition import (
    NOT_RECOGNISED,
    recognition_scores,
    score_str,
    spotted_matches,
    strs,
)
from merbench.spotting.scores import ALL, SpotCounts, pooled_counts, subject_counts, video_counts


def span(onset: int, offset: int) -> FrameInterval:
    return FrameInterval(onset, offset)


def truth(onset: int, offset: int, kind: str = MICRO, emotion: int | None = None) -> Expression:
    return Expression(span(onset, offset), kind, emotion)


def spot(onset: int, offset: int, kind: str = MICRO, emotion: int | None = None) -> Spotted:
    return Spotted(span(onset, offset), kind, emotion)


def video(name: str, truths: list[Expression], spots: list[Spotted], *, subject: str = "s1",
          fps: float = 30.0, database: str = "db") -> Video:
    return Video(name, subject, fps, tuple(truths), tuple(spots), database)


# --- intervals and IoU ---------------------------------------------------------------

def test_iou_counts_frames_inclusively() -> None:
    # [10, 19] and [15, 24]: 10 frames each, 15..19 shared (5), 10..24 in either (15)
    assert span(10, 19).frames == 10
    assert intersection(span(10, 19), span(15, 24)) == 5
    assert iou(span(10, 19), span(15, 24)) == pytest.approx(5 / 15)
    assert iou(span(3, 3), span(3, 3)) == 1.0  # one frame is an interval
    assert iou(span(0, 9), span(10, 19)) == 0.0  # adjacent, no frame shared
    assert iou(span(0, 9), span(0, 9)) == 1.0


def test_an_interval_is_checked() -> None:
    with pytest.raises(ValueError, match="ends before its onset"):
        FrameInterval(10, 9)
    with pytest.raises(TypeError):
        FrameInterval(1.5, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="type"):
        Spotted(span(0, 1), "mega")
    with pytest.raises(ValueError, match="frame rate"):
        Video("v", "s", 0.0)


# --- true positives -----------------------------------------------------------------

def test_iou_exactly_one_half_is_a_true_positive() -> None:
    # truth [0, 11] (12 frames), prediction [4, 15] (12): 4..11 shared = 8, 0..15 = 16
    assert iou(span(4, 15), span(0, 11)) == 0.5
    found = match((spot(4, 15),), (truth(0, 11),))
    assert (found.tp, found.fp, found.fn) == (1, 0, 0)
    assert found.matches[0].iou == 0.5


def test_iou_just_under_one_half_is_a_false_positive_and_a_miss() -> None:
    # prediction [4, 16]: 8 shared of 17 = 0.4706
    assert iou(span(4, 16), span(0, 11)) == pytest.approx(8 / 17)
    found = match((spot(4, 16),), (truth(0, 11),))
    assert (found.tp, found.fp, found.fn) == (0, 1, 1)
    # and a shorter one on the other side: [0, 4] in [0, 10] is 5 / 11
    found = match((spot(0, 4),), (truth(0, 10),))
    assert (found.tp, found.fp, found.fn) == (0, 1, 1)


def test_two_predictions_on_one_interval_are_one_true_and_one_false_positive() -> None:
    one = truth(100, 119)
    first, second = spot(100, 119), spot(102, 121)  # IoU 1 and 18/22
    for order in [(first, second), (second, first)]:
        found = match(order, (one,))
        assert (found.tp, found.fp, found.fn) == (1, 1, 0)
        assert found.matches[0].spotted == first  # the earlier onset, whatever the listing
        assert found.false_positives == (second,)


def test_a_prediction_spanning_two_intervals_matches_one() -> None:
    # [0, 19] over [0, 9] and [10, 19]: IoU exactly 0.5 with each. The STRS script would
    # count two true positives here (no break); merbench counts one, the first interval.
    left, right = truth(0, 9), truth(10, 19)
    assert iou(span(0, 19), left.interval) == iou(span(0, 19), right.interval) == 0.5
    found = match((spot(0, 19),), (right, left))
    assert (found.tp, found.fp, found.fn) == (1, 0, 1)
    assert found.matches[0].truth == left
    assert found.false_negatives == (right,)


def test_matching_is_greedy_not_maximum() -> None:
    # [0, 19] comes first and takes [0, 9]; [1, 9] fits only [0, 9] (IoU 0.9), which is
    # taken, so it is a false positive and [10, 19] a miss, although pairing [1, 9] with
    # [0, 9] and [0, 19] with [10, 19] would give two true positives.
    found = match((spot(1, 9), spot(0, 19)), (truth(0, 9), truth(10, 19)))
    assert (found.tp, found.fp, found.fn) == (1, 1, 1)
    assert found.false_positives == (spot(1, 9),)


def test_micro_and_macro_are_matched_apart_and_all_is_their_sum() -> None:
    # a micro prediction exactly on a macro expression finds nothing
    v = video("v", [truth(0, 40, MACRO), truth(100, 109, MICRO)],
              [spot(0, 40, MICRO), spot(100, 109, MICRO), spot(200, 260, MACRO)])
    counts = video_counts(v)
    assert counts[MICRO] == SpotCounts(tp=1, fp=1, fn=0)
    assert counts[MACRO] == SpotCounts(tp=0, fp=1, fn=1)
    assert counts[ALL] == SpotCounts(tp=1, fp=2, fn=1)
    assert counts[ALL].f1 == pytest.approx(2 / (2 + 2 + 1))


def test_all_adds_the_types_as_the_megc_2020_baseline_does() -> None:
    # the MEGC 2020 baseline's CAS(ME)^2 table: micro 21 / 5014 / 36, macro 109 / 1414 /
    # 191, overall 130 / 6428 / 227 with F1 0.0082, 0.1196, 0.0376
    micro, macro = SpotCounts(21, 5014, 36), SpotCounts(109, 1414, 191)
    assert micro + macro == SpotCounts(130, 6428, 227)
    assert round(micro.f1, 4) == 0.0082
    assert round(macro.f1, 4) == 0.1196
    assert round((micro + macro).f1, 4) == 0.0376
    assert round((micro + macro).precision, 4) == 0.0198
    assert round((micro + macro).recall, 4) == 0.3641


# --- empty videos and pooling --------------------------------------------------------

def test_empty_videos_of_each_kind() -> None:
    nothing = video("nothing", [], [])
    missed = video("missed", [truth(0, 9), truth(50, 59, MACRO)], [])
    spurious = video("spurious", [], [spot(0, 9), spot(30, 39)])
    assert video_counts(nothing)[ALL] == SpotCounts(0, 0, 0)
    assert video_counts(missed)[ALL] == SpotCounts(0, 0, 2)
    assert video_counts(spurious)[ALL] == SpotCounts(0, 2, 0)

    empty = video_counts(nothing)[ALL]
    assert math.isnan(empty.precision) and math.isnan(empty.recall) and math.isnan(empty.f1)
    assert math.isnan(video_counts(missed)[ALL].precision)  # nothing predicted
    assert video_counts(missed)[ALL].recall == 0.0 and video_counts(missed)[ALL].f1 == 0.0
    assert math.isnan(video_counts(spurious)[ALL].recall)  # nothing to find
    assert video_counts(spurious)[ALL].precision == 0.0

    # every video counts in the pool: one found, two missed, two spurious
    good = video("good", [truth(0, 9)], [spot(0, 9)])
    pooled = pooled_counts([nothing, missed, spurious, good])[ALL]
    assert pooled == SpotCounts(tp=1, fp=2, fn=2)
    assert pooled.f1 == pytest.approx(2 / (2 + 2 + 2))


def test_pooling_over_videos_is_not_the_mean_of_videos() -> None:
    # video a: its one expression found (F1 1); video b: nine missed, nothing predicted
    # (F1 0). Mean of videos 0.5; pooled TP 1, FP 0, FN 9: P 1, R 0.1, F1 2/11.
    a = video("a", [truth(0, 9)], [spot(0, 9)])
    b = video("b", [truth(100 * i, 100 * i + 9) for i in range(9)], [])
    per_video = [video_counts(v)[ALL].f1 for v in (a, b)]
    assert per_video == [1.0, 0.0]
    pooled = pooled_counts([a, b])[ALL]
    assert (pooled.precision, pooled.recall) == (1.0, 0.1)
    assert pooled.f1 == pytest.approx(2 / 11)
    assert pooled.f1 != pytest.approx(float(np.mean(per_video)))


# --- frame rates ---------------------------------------------------------------------

def test_the_micro_limit_in_seconds_takes_each_video_s_frame_rate() -> None:
    # 0.5 s: 15 frames at 30 fps (CAS(ME)^3), 100 at 200 fps (SAMM)
    assert kind_by_duration(span(0, 14), 30) == MICRO
    assert kind_by_duration(span(0, 15), 30) == MACRO
    assert kind_by_duration(span(0, 99), 200) == MICRO
    assert kind_by_duration(span(0, 100), 200) == MACRO
    assert kind_by_duration(span(0, 15), 30, micro_max_seconds=16 / 30) == MICRO

    # the same 60-frame prediction: 0.3 s at 200 fps, 2 s at 30 fps
    samm = video("samm", [truth(1000, 1059, MICRO)], [spot(1000, 1059, MACRO)], fps=200)
    casme3 = video("casme3", [truth(1000, 1059, MACRO)], [spot(1000, 1059, MICRO)], fps=30)
    assert video_counts(samm)[ALL] == SpotCounts(0, 1, 1)  # the spotter's own type, wrong
    assert [s.kind for s in typed_by_duration(samm).spotted] == [MICRO]
    assert [s.kind for s in typed_by_duration(casme3).spotted] == [MACRO]
    assert video_counts(typed_by_duration(samm))[MICRO] == SpotCounts(1, 0, 0)
    assert video_counts(typed_by_duration(casme3))[MACRO] == SpotCounts(1, 0, 0)


def test_iou_does_not_depend_on_the_frame_rate() -> None:
    spots, truths = [spot(10, 29)], [truth(15, 34)]  # 15 of 25 frames: 0.6
    at_30 = match_video(video("a", truths, spots, fps=30))[MICRO]
    at_200 = match_video(video("b", truths, spots, fps=200))[MICRO]
    assert at_30.matches[0].iou == at_200.matches[0].iou == pytest.approx(0.6)


# --- subject bootstrap ---------------------------------------------------------------

def _database(seed: int) -> list[Video]:
    """Twelve subjects of two videos each, some found, some missed, some spurious."""
    rng = np.random.default_rng(seed)
    videos = []
    for s in range(12):
        for v in range(2):
            truths, spots = [], []
            for e in range(int(rng.integers(0, 4))):
                onset = 200 * e
                truths.append(truth(onset, onset + 9))
                if rng.random() < 0.5:
                    spots.append(spot(onset + 1, onset + 10))  # IoU 9/11: found
            spots += [spot(5000 + 50 * k, 5009 + 50 * k) for k in range(int(rng.integers(0, 3)))]
            videos.append(video(f"s{s}v{v}", truths, spots, subject=f"s{s}"))
    return videos


def test_subject_counts_sum_to_the_pool() -> None:
    videos = _database(1)
    keys, counts = subject_counts(videos)
    assert len(keys) == 12 and counts.shape == (12, 3, 3)
    pooled = pooled_counts(videos)[ALL]
    assert counts[:, 2, :].sum(axis=0).tolist() == [pooled.tp, pooled.fp, pooled.fn]
    # every subject drawn once is the pool
    assert pooled_f1(counts, np.arange(12)[None]) == pytest.approx([pooled.f1])


def test_the_bootstrap_is_seeded_and_holds_the_estimate() -> None:
    videos = _database(2)
    point = pooled_counts(videos)[ALL].f1
    first = f1_interval(videos, resamples=500, seed=3)
    again = f1_interval(videos, resamples=500, seed=3)
    other = f1_interval(videos, resamples=500, seed=4)
    assert first == again
    assert other != first
    assert first.low <= point <= first.high
    assert first.low < first.high


def test_a_database_of_one_subject_has_no_spread() -> None:
    one = [video("v", [truth(0, 9)], [spot(0, 9), spot(100, 109)], subject="only")]
    found = f1_interval(one, resamples=200)
    assert found.low == found.high == pytest.approx(2 / 3)


def test_subjects_are_resampled_within_their_database() -> None:
    # database a: every subject perfect; database b: every subject all wrong. A resample
    # that kept the databases' sizes always pools 2 + 2 subjects: F1 exactly 0.5.
    videos = [video(f"{d}{s}", [truth(0, 9)], [spot(0, 9)] if d == "a" else [spot(50, 59)],
                    subject=f"s{s}", database=d) for d in "ab" for s in range(2)]
    found = f1_interval(videos, resamples=300)
    assert found.low == found.high == pytest.approx(0.5)


# --- spot-then-recognise ------------------------------------------------------------

def test_strs_of_the_official_script_s_example() -> None:
    # genbing99/STRS-Metric README: STRS 0.2. Emotions: 0 happiness, 1 others, 2 repression.
    # Spotting: IoU 26/76, 31/71 (misses), 51/76, 46/76, 71/111 (found): TP 3, FP 2, FN 2,
    # F1 0.6. Recognition of the three: others->others, repression->happiness twice:
    # precisions 0, 1, 0 and recalls 0, 1, 0 -> 1/3 and 1/3, F1 1/3; STRS 0.6 x 1/3 = 0.2.
    happiness, others, repression = 0, 1, 2
    videos = [
        video("EP02_01f", [truth(45, 85, emotion=happiness)], [spot(10, 70, emotion=happiness)],
              subject="1"),
        video("EP03_02", [truth(130, 160, emotion=others)], [spot(100, 170, emotion=others)],
              subject="1"),
        video("EP04_02", [truth(20, 75, emotion=others)], [spot(0, 70, emotion=others)],
              subject="1"),
        video("EP01_11f", [truth(45, 95, emotion=repression)],
              [spot(20, 90, emotion=happiness)], subject="2"),
        video("EP02_04f", [truth(30, 140, emotion=repression)],
              [spot(70, 140, emotion=happiness)], subject="2"),
    ]
    found = score_str(videos, n_classes=3)
    assert found.spotting == SpotCounts(3, 2, 2)
    assert found.spotting.f1 == pytest.approx(0.6)
    r = found.recognition
    assert (r.n, r.tp, r.fp, r.fn) == (3, 1, 2, 2)
    assert (r.precision, r.recall) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert r.f1 == pytest.approx(1 / 3)
    assert found.strs == pytest.approx(0.2)
    # merbench's UF1 over defined classes: happiness 0 (predicted, never true), others 1,
    # repression 0 -> 1/3; UAR over classes with a true sample: others 1, repression 0
    assert r.uf1 == pytest.approx(1 / 3)
    assert r.uar == pytest.approx(0.5)


def test_the_recognition_f1_is_the_harmonic_mean_of_mean_precision_and_recall() -> None:
    # the shape of the MEGC 2025 paper's SAMM baseline row: two spotted true positives,
    # both recognised as class 0, one truly 0 and one truly 1, three classes. Precisions
    # 1/2, 0, 0 (mean 1/6); recalls 1, 0, 0 (mean 1/3); F1 2 (1/6)(1/3) / (1/2) = 2/9 =
    # 0.2222, the paper's 0.2222; UF1 (2/3 + 0 + 0) / 3 = 2/9 as well. With the paper's
    # spotting F1 0.0278: STRS 0.0062.
    r = recognition_scores([0, 1], [0, 0], n_classes=3)
    assert (r.tp, r.fp, r.fn) == (1, 1, 1)  # the paper's TP / FP / FN analysis
    assert r.precision == pytest.approx(1 / 6) and r.recall == pytest.approx(1 / 3)
    assert r.f1 == pytest.approx(2 / 9)
    # merbench's UF1 leaves class 2 (no sample, no prediction) out: (2/3 + 0) / 2; the
    # paper's UF1 0.2222 counts it as 0
    assert r.uf1 == pytest.approx(1 / 3)
    assert round(strs(0.0278, r.f1), 4) == 0.0062
    # the mean of per-class F1 over all three classes is also 2/9 here, but not in general:
    r = recognition_scores([0, 0, 1], [0, 1, 1], n_classes=2)
    # precisions 1, 1/2; recalls 1/2, 1 -> means 3/4, 3/4 -> F1 3/4; class F1s 2/3, 2/3
    assert r.f1 == pytest.approx(0.75)
    assert r.uf1 == pytest.approx(2 / 3)


def test_a_true_positive_without_an_emotion_is_a_miss_and_nothing_to_recognise_is_nan() -> None:
    r = recognition_scores([0, 1], [0, NOT_RECOGNISED], n_classes=2)
    assert (r.tp, r.fp, r.fn) == (1, 0, 1)
    assert r.precision == pytest.approx(0.5)  # class 1 predicted never: 0
    assert r.recall == pytest.approx(0.5)
    nothing = score_str([video("v", [truth(0, 9, emotion=0)], [spot(50, 59, emotion=0)])], 2)
    assert nothing.spotting == SpotCounts(0, 1, 1)
    assert nothing.recognition.n == 0
    assert math.isnan(nothing.recognition.f1) and math.isnan(nothing.strs)


def test_str_scores_the_chosen_type_s_true_positives() -> None:
    v = video("v", [truth(0, 9, MICRO, 0), truth(100, 160, MACRO, 1)],
              [spot(0, 9, MICRO, 0), spot(100, 160, MACRO, 0)])
    assert len(spotted_matches([v], MICRO)) == 1
    assert len(spotted_matches([v], ALL)) == 2
    # micro: class 0 right (P 1, R 1); class 1 absent counts 0 (MEGC 2025 averages every
    # class): means 1/2 and 1/2, F1 1/2; merbench's UF1 over the defined class: 1
    micro = score_str([v], 2).recognition
    assert micro.f1 == pytest.approx(0.5) and micro.uf1 == pytest.approx(1.0)
    # both: class 0 P 1/2, R 1; class 1 P 0, R 0 -> 1/4 and 1/2 -> F1 1/3
    assert score_str([v], 2, ALL).recognition.f1 == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="one of"):
        spotted_matches([v], "both")
