"""Extracting a feature for a whole dataset: per-sample ones cached, resumable, in parallel.

:func:`extract_feature` is what ``merbench extract`` and ``merbench run`` call for any
feature; it hands a feature whose factory returns a :class:`merbench.features.SampleExtractor`
to :func:`extract_samples`. Each sample is one task:
read its inputs, hash them into the cache key, load the entry or compute and store it. The
tasks run in ``workers`` processes (one per core by default, one per 16 samples at most;
a single worker is this process), each of which writes its own
entries as soon as they are done, so an interrupted extraction keeps every finished sample
and the next one computes only the rest. A whole-dataset feature (a plain
``extract(dataset)`` function) is simply called.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from merbench.base.cache import FeatureCache
from merbench.base.errors import MerbenchError
from merbench.data.dataset import Dataset
from merbench.features import Extracted, Sample, SampleExtractor, unpack
from merbench.meta import FeatureMeta
from merbench.training.threads import apply_threads, choose_threads, usable_cores

Progress = Callable[[int, int], None]
CHUNK = 4  # samples per task: few enough to balance, enough to amortise the round trip


@dataclass
class _Job:
    """What a worker needs; pickled once to each worker process."""

    meta: FeatureMeta
    extractor: SampleExtractor
    dataset: Dataset
    cache: FeatureCache | None


@dataclass
class _Done:
    index: int
    values: np.ndarray
    notes: dict[str, Any]
    status: str  # "cached", "computed" or "recomputed" (a damaged entry was replaced)


#: the fewest samples a worker of the default count takes: a worker process spends about a
#: second importing (OpenCV, the feature's module) before its first sample, and the pool's
#: forkserver as long again, more than a few small samples take to compute
SAMPLES_PER_WORKER = 16


def default_workers(n_samples: int | None = None) -> int:
    """One process per core this process may use (its affinity and cgroup quota), and one
    per :data:`SAMPLES_PER_WORKER` of ``n_samples`` at most: a few samples are extracted in
    this process (a run on a small dataset started a pool of processes for nine samples)."""
    cores = usable_cores()
    return cores if n_samples is None else max(1, min(cores, n_samples // SAMPLES_PER_WORKER))


def _one(job: _Job, index: int, sample_id: str) -> _Done:
    inputs = job.extractor.inputs(job.dataset, index)
    key = job.cache.key(inputs) if job.cache is not None else None
    status = "computed"
    if job.cache is not None and key is not None:
        found = job.cache.load(key)
        if isinstance(found, tuple):
            return _Done(index, found[0], found[1], "cached")
        if found is False:
            status = "recomputed"
    result = job.extractor.compute(inputs, sample_id)
    sample = result if isinstance(result, Sample) else Sample(np.asarray(result))
    values = np.asarray(sample.values)
    if job.cache is not None and key is not None:
        job.cache.store(key, values, sample.notes)
    return _Done(index, values, dict(sample.notes), status)


_JOB: _Job | None = None


def _worker_init(job: _Job, workers: int) -> None:
    """Each worker takes its share of the cores for torch's and OpenCV's threads: with one
    process per core, their default of a thread per core each would run workers x cores
    threads on the machine (merbench.training.threads)."""
    global _JOB
    _JOB = job
    apply_threads(choose_threads(None, processes=workers, busy=0).count)
    job.extractor.worker_setup()


def _worker_run(tasks: list[tuple[int, str]]) -> list[_Done]:
    assert _JOB is not None, "worker used before its initializer ran"
    return [_one(_JOB, index, sample_id) for index, sample_id in tasks]


def _chunks(items: Sequence[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _context() -> Any:
    """Workers start from a fresh process (forkserver, else spawn), never a plain fork:
    forking a process whose libraries already run threads (OpenCV's pool, torch) can
    deadlock the child. The job is pickled to each worker once."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _run_pool(job: _Job, tasks: list[tuple[int, str]], workers: int,
              on_done: Callable[[list[_Done]], None]) -> None:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                               initializer=_worker_init, initargs=(job, workers))
    try:
        pending = {pool.submit(_worker_run, chunk) for chunk in _chunks(tasks, CHUNK)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                on_done(future.result())  # a worker's MerbenchError is raised here
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def extract_samples(meta: FeatureMeta, extractor: SampleExtractor, dataset: Dataset, *,
                    workers: int | None = None, use_cache: bool = True,
                    cache_root: str | os.PathLike[str] | None = None,
                    on_progress: Progress | None = None) -> Extracted:
    """Every sample's values (stacked in sample-table order) through the feature cache.

    The report holds the extractor's own report plus ``extraction``: how many samples came
    from the cache, were computed, or replaced a damaged entry, the workers and the seconds.
    """
    workers = default_workers(len(dataset.samples)) if workers is None else workers
    if workers < 1:
        raise MerbenchError(f"--workers must be at least 1 (got {workers})")
    cache = FeatureCache(meta.name, meta.version, extractor.params, cache_root) \
        if use_cache else None
    ids = dataset.samples["sample_id"].astype(str).tolist()
    tasks = list(enumerate(ids))
    results: list[_Done | None] = [None] * len(ids)
    started = time.perf_counter()
    done_count = 0

    def record(batch: list[_Done]) -> None:
        nonlocal done_count
        for item in batch:
            results[item.index] = item
        done_count += len(batch)
        if on_progress is not None:
            on_progress(done_count, len(ids))

    job = _Job(meta, extractor, dataset, cache)
    workers = min(workers, len(ids))
    if workers == 1:
        for task in tasks:
            record([_one(job, *task)])
    else:
        _run_pool(job, tasks, workers, record)
    finished = [r for r in results if r is not None]
    values = np.stack([r.values for r in finished])
    counts = {status: sum(r.status == status for r in finished)
              for status in ("cached", "computed", "recomputed")}
    report, summary = extractor.summarise(ids, [r.notes for r in finished])
    extraction = {
        "n_samples": len(ids), "n_from_cache": counts["cached"],
        "n_computed": counts["computed"] + counts["recomputed"],
        "n_damaged_recomputed": counts["recomputed"], "workers": workers,
        "seconds": round(time.perf_counter() - started, 3),
        "cache_dir": str(cache.folder) if cache is not None else None,
    }
    line = (f"{extraction['n_from_cache']} of {len(ids)} samples read from the cache, "
            f"{extraction['n_computed']} computed")
    if counts["recomputed"]:
        line += f" ({counts['recomputed']} damaged cache entries replaced)"
    return Extracted(values, {**report, "extraction": extraction},
                     f"{summary}; {line}" if summary else line)


def extract_feature(meta: FeatureMeta, extractor: Any, dataset: Dataset, *, dataset_name: str,
                    workers: int | None = None, on_progress: Progress | None = None
                    ) -> tuple[np.ndarray, dict[str, Any]]:
    """A feature's values for every sample of ``dataset``, checked against its declared
    shape, and what it reported (``{}`` or ``{"report": ..., "summary": ...}``)."""
    if isinstance(extractor, SampleExtractor):
        returned: Any = extract_samples(meta, extractor, dataset, workers=workers,
                                        on_progress=on_progress)
    else:
        returned = extractor(dataset)
    values, report, summary = unpack(meta.name, returned)
    extra: dict[str, Any] = {}
    if report:
        extra["report"] = report
    if summary:
        extra["summary"] = summary
    return checked_values(meta, values, len(dataset.samples), dataset_name), extra


def checked_values(meta: FeatureMeta, values: Any, n_samples: int,
                   dataset_name: str, source: str | None = None) -> np.ndarray:
    """One row per sample in the declared per-sample shape. Images stay uint8 / float16 (a
    224x224 frame pair is 4x larger as float32); the trainer converts each batch to float32
    on the device. ``source``: the ``--features`` file the values were read from, which a
    wrong shape is the fault of (not the feature's)."""
    features = np.asarray(values)
    keep = features.dtype if features.dtype in (np.uint8, np.float16) else np.float32
    features = np.ascontiguousarray(features, dtype=keep)
    if len(features) != n_samples:
        raise MerbenchError(
            f"feature '{meta.name}' returned {len(features)} rows for {n_samples} samples"
        )
    if meta.shape and tuple(features.shape[1:]) != tuple(meta.shape) and source is not None:
        raise MerbenchError(
            f"{source} holds values of per-sample shape "
            f"{tuple(features.shape[1:])}, but feature '{meta.name}' gives "
            f"{tuple(meta.shape)}; write it again with 'merbench extract --save FILE'")
    if meta.shape and tuple(features.shape[1:]) != tuple(meta.shape):
        raise MerbenchError(
            f"feature '{meta.name}' declares per-sample shape {tuple(meta.shape)} but gave "
            f"{tuple(features.shape[1:])} on dataset '{dataset_name}'"
        )
    return features
