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
import pickle
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np

from merbench.base.cache import FeatureCache
from merbench.base.errors import MerbenchError, in_words, plugin_words
from merbench.data.dataset import Dataset
from merbench.features import Extracted, Sample, SampleExtractor, unpack
from merbench.features.feature_faults import (
    NotFinite,
    SampleShape,
    checked_values,
    first_not_finite,
    out_of_memory,
)
from merbench.features.worker_processes import end_workers, in_worker, start_deaf
from merbench.meta import FeatureMeta
from merbench.plugin_system.entry import Entry
from merbench.training.threads import apply_threads, choose_threads, usable_cores

Progress = Callable[[int, int], None]
CHUNK = 4  # samples per task: few enough to balance, enough to amortise the round trip


@dataclass
class _Job:
    """What a worker needs; pickled once, here, and read by each worker process."""

    meta: FeatureMeta
    extractor: SampleExtractor
    dataset: Dataset
    cache: FeatureCache | None
    #: the first sample's shape and id in this process, for a feature that declares none
    first: tuple[tuple[int, ...], str] | None = None


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
            _check_shape(job, sample_id, found[0])
            return _Done(index, found[0], found[1], "cached")
        if found is False:
            status = "recomputed"
    try:
        result = job.extractor.compute(inputs, sample_id)
    except MerbenchError:
        raise
    except MemoryError:  # said by extract_feature, which knows the dataset and the plugin
        raise SampleFailed(job.meta.name, sample_id, "it ran out of memory",
                           out_of_memory=True) from None
    except Exception as exc:  # the plugin's, said by extract_feature naming it
        raise SampleFailed(job.meta.name, sample_id, in_words(exc)) from None
    sample = result if isinstance(result, Sample) else Sample(np.asarray(result))
    values = np.asarray(sample.values)
    _check_shape(job, sample_id, values)
    if job.cache is not None and key is not None:
        job.cache.store(key, values, sample.notes)
    return _Done(index, values, dict(sample.notes), status)


def _check_shape(job: _Job, sample_id: str, values: np.ndarray) -> None:
    """Refuse a sample whose shape is not the feature's declared one or, where it declares
    none, the first sample's (``job.first``): before it is cached, and with the sample
    named, not in numpy's words as the samples are stacked."""
    shape = tuple(values.shape)
    if job.meta.shape:
        if shape != tuple(job.meta.shape):
            raise SampleShape(job.meta.name, sample_id, shape, tuple(job.meta.shape))
    elif job.first is None:
        job.first = shape, sample_id
    elif shape != job.first[0]:
        raise SampleShape(job.meta.name, sample_id, shape, *job.first)


class SampleFailed(MerbenchError):
    """A per-sample extractor's own failure on one sample, in its words, or its running out
    of memory; raised in a worker (it pickles by its arguments) and worded with the
    feature's plugin by :func:`extract_feature`. Every sample done before it stays in the
    cache."""

    def __init__(self, feature: str, sample_id: str, reason: str,
                 out_of_memory: bool = False) -> None:
        super().__init__(feature, sample_id, reason, out_of_memory)
        self.feature, self.sample_id, self.reason = feature, sample_id, reason
        self.out_of_memory = out_of_memory

    def __str__(self) -> str:
        return f"feature '{self.feature}' failed on sample {self.sample_id}: {self.reason}"


_JOB: _Job | None = None


def _worker_init(payload: bytes, workers: int) -> None:
    """Each worker takes its share of the cores for torch's and OpenCV's threads: with one
    process per core, their default of a thread per core each would run workers x cores
    threads on the machine (merbench.training.threads). The job comes as bytes, read once
    the worker has started: a stop waits while a worker starts (a start cut short printed a
    traceback), and the job's own modules (the feature's plugin, torch) took that wait to
    15 s on a busy machine."""
    in_worker()
    global _JOB
    _JOB = job = pickle.loads(payload)
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


#: how long the pool is waited on at a time, in seconds: a stop that waited for a worker to
#: start is raised when the wait ends (it cannot end a wait as a signal does), and a wait for
#: every task (FIRST_EXCEPTION) held it until the last sample (pass 84w, W17), showing no
#: progress until then either
POLL_S = 0.2


def _run_pool(job: _Job, tasks: list[tuple[int, str]], workers: int,
              on_done: Callable[[list[_Done]], None]) -> None:
    payload = bytes(ForkingPickler.dumps(job))
    before = set(multiprocessing.active_children())
    context = _context()
    start_deaf(context)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_worker_init, initargs=(payload, workers))
    outside = set(threading.enumerate())
    threads: set[threading.Thread] = set()
    try:
        pending = {pool.submit(_worker_run, chunk) for chunk in _chunks(tasks, CHUNK)}
        threads = set(threading.enumerate()) - outside  # the pool's manager: the first submit's
        while pending:
            done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in done:
                on_done(future.result())  # a worker's MerbenchError is raised here
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        end_workers(set(multiprocessing.active_children()) - before, threads)
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
    if cache is not None:
        cache.check()
    ids = dataset.samples["sample_id"].astype(str).tolist()
    tasks = list(enumerate(ids))
    results: list[_Done | None] = [None] * len(ids)
    started = time.perf_counter()
    done_count = 0

    def record(batch: list[_Done]) -> None:
        nonlocal done_count
        for item in batch:
            _check_shape(first, ids[item.index], item.values)
            results[item.index] = item
        done_count += len(batch)
        if on_progress is not None:
            on_progress(done_count, len(ids))

    job = _Job(meta, extractor, dataset, cache)
    first = _Job(meta, extractor, dataset, None)  # the first sample of all, for record
    workers = min(workers, len(ids))
    if workers > 1 and not meta.shape:
        # the first sample's shape stands for the one the feature declares none of, so it
        # is found here, before any worker starts: each worker met a first sample of its
        # own, took its shape for the feature's and cached it, and a sample of another
        # shape was in the cache when the samples were compared and refused
        record([_one(job, *tasks.pop(0))])
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


def extract_feature(feature: Entry[FeatureMeta], extractor: Any, dataset: Dataset, *,
                    dataset_name: str, workers: int | None = None,
                    on_progress: Progress | None = None,
                    dataset_entry: Entry[Any] | None = None
                    ) -> tuple[np.ndarray, dict[str, Any]]:
    """A feature's values for every sample of ``dataset``, checked against its declared
    shape, and what it reported (``{}`` or ``{"report": ..., "summary": ...}``). A
    whole-dataset extractor that fails or runs out of memory is its plugin's fault, said in
    one line naming the plugin (it was the plugin's raw traceback). A value that is not
    finite is the feature's fault unless the dataset (``dataset_entry``) gave it
    (:func:`_held_by_dataset`)."""
    meta = feature.meta
    if isinstance(extractor, SampleExtractor):
        try:
            returned: Any = extract_samples(meta, extractor, dataset, workers=workers,
                                            on_progress=on_progress)
        except SampleFailed as exc:
            if exc.out_of_memory:
                raise out_of_memory(feature, dataset_name, exc.sample_id) from None
            raise feature.fault("feature", f"failed on sample {exc.sample_id}: {exc.reason}",
                                sep=" ") from None
        except SampleShape as exc:
            raise exc.blamed(feature) from None
    else:
        try:
            with warnings.catch_warnings():  # a cast that drops a part, said (pass 84ab, AB4)
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                returned = extractor(dataset)
        except MerbenchError:
            raise  # said in one line already
        except MemoryError:  # the machine's or the plugin's: a traceback (pass 84aa, AA16)
            raise out_of_memory(feature, dataset_name) from None
        except np.exceptions.ComplexWarning:  # numpy's words were relayed, the run scored
            held = None if dataset_entry is None else \
                _complex_source(feature, dataset, dataset_entry)
            raise held or feature.fault("feature", "cast complex values to real numbers, "
                                        "dropping their imaginary part", sep=" ") from None
        except Exception as exc:  # the plugin's own failure, in its words
            raise feature.fault("feature", f"failed: {plugin_words(exc)}", sep=" ") from exc
    values, report, summary = unpack(meta.name, returned)
    extra: dict[str, Any] = {}
    if report:
        extra["report"] = report
    if summary:
        extra["summary"] = summary
    ids = dataset.samples["sample_id"].astype(str).tolist()
    try:
        return checked_values(feature, values, ids, dataset_name), extra
    except NotFinite as exc:
        held = None if dataset_entry is None else \
            _held_by_dataset(feature, dataset, dataset_entry, exc.row, ids[exc.row])
        raise held or exc from None


def _sources_read(feature: Entry[FeatureMeta], dataset: Dataset,
                  row: int) -> Iterator[tuple[str, np.ndarray]]:
    """Each source ``feature`` reads that ``dataset`` gives, with its value for the sample
    of ``row``; a source that cannot be read is passed over (it proves nothing: the
    feature's fault is said then)."""
    for need in feature.meta.needs:
        for source in need.split("|"):
            if source not in (dataset.provides or ()):
                continue
            try:
                value = np.asarray(dataset.read(source, row))
            except Exception:  # the feature's own line says what went wrong
                continue
            yield source, value


def _held_by_dataset(feature: Entry[FeatureMeta], dataset: Dataset, entry: Entry[Any],
                     row: int, sample_id: str) -> MerbenchError | None:
    """The dataset's fault (:meth:`Entry.data_fault`) where a source ``feature`` reads
    holds NaN or an infinity for the sample of ``row``, of which the feature's values held
    one: ``flow-uvos`` passes a dataset's ``flow_uvos`` array on, and a NaN there was blamed
    on merbench's features plugin, whose --no-plugin takes every feature away (pass 84aa,
    AA3). None where no source the dataset gives holds one."""
    for source, value in _sources_read(feature, dataset, row):
        found = first_not_finite(value[None]) if value.dtype.kind in "fc" else None
        if found is not None:
            return entry.data_fault(
                f"its source '{source}' holds {found[1]} for sample {sample_id}, which "
                f"feature '{feature.meta.name}' reads",
                "correct that sample's files")
    return None


def _complex_source(feature: Entry[FeatureMeta], dataset: Dataset,
                    entry: Entry[Any]) -> MerbenchError | None:
    """The dataset's fault where a source ``feature`` reads holds complex values (the first
    sample's read, as every sample of a source has one type), which the feature's cast to
    real numbers cut short with numpy's warning; None where none does."""
    if not len(dataset.samples):
        return None
    for source, value in _sources_read(feature, dataset, 0):
        if value.dtype.kind == "c":
            return entry.data_fault(
                f"its source '{source}' holds complex values, not real numbers, which "
                f"feature '{feature.meta.name}' reads", "correct its files")
    return None
