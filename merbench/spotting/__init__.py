"""Spotting: micro- and macro-expression intervals in long videos, scored as MEGC scores them.

Recognition starts from a clip whose onset and apex a person marked. Spotting finds those
intervals in a long video first, and spot-then-recognise (MEGC 2025's STR task) classifies
what was found. This package holds the metric, what a long video and a spotter are, and the
choice of each left-out subject's spotter setting; ``merbench spot``
(:mod:`merbench.runner.spot`) runs a registered spotter over a long-video dataset with them.

- :mod:`merbench.spotting.intervals`: frame intervals (inclusive, as MEGC counts them), their
  intersection over union, a video's ground truth and predictions, the micro / macro rule
  by duration (per video, from its own frame rate).
- :mod:`merbench.spotting.matching`: which prediction is a true positive of which
  ground-truth interval (IoU >= 0.5, one to one, greedy as MEGC's scripts are).
- :mod:`merbench.spotting.scores`: precision, recall and F1 for micro, macro and all, pooled
  over a database's videos.
- :mod:`merbench.spotting.bootstrap`: subject-bootstrap intervals of the pooled F1.
- :mod:`merbench.spotting.recognition`: the spotted true positives' recognition scores and
  STRS = spotting F1 x recognition F1.
- :mod:`merbench.spotting.choice`: each left-out subject's spotter setting, chosen on the
  other subjects' videos (and, for comparison, on its own), and the scores of the choice.
- :mod:`merbench.spotting.record`, :mod:`~merbench.spotting.str_record`,
  :mod:`~merbench.spotting.str_seeds_record`: the records of ``spotting.json`` (with
  ``spot-run.json`` and ``videos/NNNN.json``), ``str.json`` and ``str-seeds.json``. They are
  here, not in the spotting kind's home (:mod:`merbench.spotting_kind`, which checks, audits
  and pages what they record), because ``merbench spot``'s writer, below the homes, writes
  them.

Which year of MEGC each definition follows, and where the official scripts differ from one
another and from merbench, is said in each module and in
docs/user-guide.md#spotting-metrics.
"""
