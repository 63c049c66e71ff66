"""Subject-bootstrap scoring: merbench's ``batch_score`` against the pooling it replaced.

Every interval and paired test merbench reports scores thousands of resampled pools of
subjects (:mod:`merbench.stats.intervals`): each resample's counts of each subject, times the
per-subject confusion matrices, scored. The baseline is the pooling merbench used until
2026-11-25, written out here: the counts by ``np.add.at`` and the pool by ``np.einsum``
without its optimiser; merbench's is one ``np.bincount`` and one matrix product
(``pool_subjects``). Both score the same batches, alternating, and the results are checked
equal to the bit (whole-number confusion matrices, as every recorded interval's are). Then
the whole cost where it shows, timed with merbench's code alone: the subject interval of one
composite run (2,000 resamples) and a paired permutation test (9,999 permutations).

What is timed, and why. merbench imports SciPy only when it first draws resamples, and every
batch it scores is scored inside SciPy's ``bootstrap`` or ``permutation_test``; so SciPy's
import is timed first and apart (what a process's first interval or test pays once), and the
batches are timed after it. Before it, each batch's arrays are fresh pages from the system
(about 190 page faults a call on glibc), which slows merbench's pooling nearly twice and is no
state merbench scores in. The interval is timed cold (the first call in the process, after
the import) and warm (the median of the calls after). The paired test is timed on two runs
of the same samples (the second's predictions drawn again), warm; and apart, on a run against
itself with its seeds reversed, where every swap ties the observed difference exactly and all
9,999 are decided again in exact fractions (:mod:`merbench.stats.exact`): the worst case, not
a comparison anyone makes.

    python benchmarks/bootstrap_scores.py [--seeds 3] [--subjects 68] [--repeats 20]
                                          [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from gpu_plan import cpu_name

from merbench.stats.confusion import counts_from_confusion
from merbench.stats.intervals import BATCH, SCORERS, batch_score, subject_interval
from merbench.stats.paired import paired_difference


def baseline_score(confusions: np.ndarray, chosen: np.ndarray, metric: str) -> np.ndarray:
    """The pooling before 2026-11-25: counts by ``np.add.at``, the pool by ``np.einsum``."""
    chosen = np.asarray(chosen, dtype=int)
    rows = chosen.reshape(-1, chosen.shape[-1])
    counts = np.zeros((len(rows), confusions.shape[1]))
    np.add.at(counts, (np.arange(len(rows))[:, None], rows), 1)
    pooled = np.einsum("bn,snij->sbij", counts, confusions)
    scores = SCORERS[metric](counts_from_confusion(pooled)).mean(axis=0)
    return scores.reshape(chosen.shape[:-1])


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def predicted_again(confusions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another run of the same samples: each seed's and subject's true labels (rows) kept,
    each sample's prediction drawn again (right half the time, else either other class)."""
    other = np.zeros_like(confusions)
    n_classes = confusions.shape[-1]
    for index in np.ndindex(confusions.shape[:2]):
        for true, samples in enumerate(confusions[index].sum(axis=1).astype(int)):
            for _ in range(samples):
                wrong = [c for c in range(n_classes) if c != true]
                other[index][true, true if rng.random() < 0.5 else rng.choice(wrong)] += 1
    return other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--subjects", type=int, default=68)  # the composite's
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args()

    started = time.perf_counter()
    import scipy.stats  # noqa: F401  (what merbench's first interval or test imports)
    scipy_import_s = time.perf_counter() - started

    rng = np.random.default_rng(0)
    # per-subject confusion matrices of a composite-like run: 1 to 12 samples a subject
    confusions = np.zeros((args.seeds, args.subjects, 3, 3))
    for seed in range(args.seeds):
        for subject in range(args.subjects):
            for _ in range(rng.integers(1, 13)):
                confusions[seed, subject, rng.integers(3), rng.integers(3)] += 1
    chosen = rng.integers(0, args.subjects, (BATCH, args.subjects))

    ours, theirs = [], []
    for _ in range(args.repeats):  # alternating: a drift of the machine hits both
        theirs.append(_seconds(lambda: baseline_score(confusions, chosen, "uf1")))
        ours.append(_seconds(lambda: batch_score(confusions, chosen, "uf1")))
    for metric in ("uf1", "uar"):
        assert np.array_equal(batch_score(confusions, chosen, metric),
                              baseline_score(confusions, chosen, metric)), metric
    strata = [range(args.subjects)]
    interval_cold_s = _seconds(lambda: subject_interval(confusions, strata, "uf1"))
    interval_s = statistics.median(
        _seconds(lambda: subject_interval(confusions, strata, "uf1")) for _ in range(5))
    other = predicted_again(confusions, rng)
    paired_s = statistics.median(
        _seconds(lambda: paired_difference(confusions, other, "uf1")) for _ in range(3))
    all_ties_s = _seconds(lambda: paired_difference(confusions, confusions[::-1], "uf1"))

    figures = {
        "benchmark": "bootstrap_scores", "machine": f"{os.cpu_count()}-core {cpu_name()}",
        "numpy": np.__version__, "seeds": args.seeds, "subjects": args.subjects,
        "batch": BATCH, "repeats": args.repeats,
        "baseline_ms": round(statistics.median(theirs) * 1000, 3),
        "merbench_ms": round(statistics.median(ours) * 1000, 3),
        "ratio": round(statistics.median(theirs) / statistics.median(ours), 2),
        "equal": True, "scipy_import_s": round(scipy_import_s, 3),
        "interval_cold_s": round(interval_cold_s, 4), "interval_s": round(interval_s, 4),
        "paired_test_s": round(paired_s, 3), "paired_all_ties_s": round(all_ties_s, 3),
    }
    print(f"{figures['machine']}, numpy {np.__version__}: one batch of {BATCH} resamples, "
          f"{args.seeds} seeds x {args.subjects} subjects (medians of {args.repeats}):")
    print(f"  np.add.at + einsum (before)  {figures['baseline_ms']:8.3f} ms")
    print(f"  bincount + matmul (merbench) {figures['merbench_ms']:8.3f} ms   "
          f"{figures['ratio']}x, the same scores to the bit")
    print(f"SciPy's import (once a process, before its first interval or test): "
          f"{scipy_import_s:.3f} s")
    print(f"a subject interval (2,000 resamples): {interval_cold_s:.4f} s the first call, "
          f"{interval_s:.4f} s after (median of 5)")
    print(f"a paired permutation test (9,999), two runs of the same samples: {paired_s:.3f} s "
          f"(median of 3); a run against itself, every swap a tie decided exactly: "
          f"{all_ties_s:.3f} s")
    line = json.dumps(figures)
    print(line)
    if args.json:
        with open(args.json, "w") as out:
            out.write(line + "\n")


if __name__ == "__main__":
    main()
