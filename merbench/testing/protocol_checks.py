"""Does a registered protocol split samples into usable folds?

Checked on a sample table (by default the registered ``synthetic`` dataset's, which has
several databases whose subject ids repeat), without training anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.plugin_system.manager import Plugins
from merbench.protocols import folds_fingerprint
from merbench.protocols.fold_checks import fold_problem
from merbench.testing.lookup import describe, failing_step, find_entry

if TYPE_CHECKING:
    import pandas as pd

#: The dataset whose sample table a protocol is checked on unless a table is given.
SAMPLE_DATASET = "synthetic"


def check_protocol(name: str, plugins: Plugins | None = None, *,
                   samples: pd.DataFrame | None = None,
                   options: Mapping[str, Any] | None = None) -> None:
    """The protocol's folds on ``samples`` (by default the registered ``synthetic``
    dataset's table), built with ``options``, are usable: every fold trains and tests, never
    on one sample twice nor on its test subjects (unless its metadata says it is not
    subject-independent), fold indices and keys are unique, the same table gives the same
    folds again, and every sample of a database the protocol evaluates is tested exactly
    once (a per-database protocol leaves the other databases out entirely).

    A protocol whose metadata names ``required_options`` (a released split's files) is,
    without ``options``, checked to refuse being built in one line that names each of them;
    its folds are checked only where ``options`` are given."""
    plugins, entry = find_entry(plugins, "protocol", name)
    where = describe("protocol", entry)
    meta = entry.meta
    if meta.required_options and not options:
        _check_refusal(where, entry, meta.required_options)
        return
    if samples is None:
        if SAMPLE_DATASET not in plugins.registries.datasets:
            raise AssertionError(f"{where}: no '{SAMPLE_DATASET}' dataset is registered to "
                                 "check it on; pass samples= (a sample table)")
        samples = plugins.registries.datasets.get(SAMPLE_DATASET).create("dataset").samples
    samples = samples.reset_index(drop=True)  # folds hold row positions, as in a run
    built = "with the options given" if options else "with its defaults"
    with failing_step(where, f"building it {built} and splitting the samples"):
        protocol = entry.create("protocol", **dict(options or {}))
        folds = list(protocol.folds(samples))
        again = list(protocol.folds(samples))
    if not folds:
        raise AssertionError(f"{where}: gave no folds on {len(samples)} samples")
    _check_folds(where, folds, samples, meta.subject_independent)
    if folds_fingerprint(folds) != folds_fingerprint(again):
        raise AssertionError(f"{where}: the same samples gave different folds twice; "
                             "folds must not depend on anything but the sample table")


def _check_refusal(where: str, entry: Any, required: Sequence[str]) -> None:
    """Built without the options it needs, the protocol says so in one line naming each."""
    try:
        entry.create("protocol")
    except MerbenchError as exc:
        message = str(exc)
        unnamed = [option for option in required if option not in message]
        if "\n" in message.strip() or unnamed:
            raise AssertionError(f"{where}: built without its required option(s), it must "
                                 "refuse in one line naming "
                                 f"{', '.join(required)}; it said: {message!r}") from exc
        return
    except Exception as exc:
        raise AssertionError(f"{where}: built without its required option(s) "
                             f"{', '.join(required)}, it raised {type(exc).__name__}: {exc}; "
                             "raise MerbenchError with one line naming them") from exc
    raise AssertionError(f"{where}: declares required option(s) {', '.join(required)} but "
                         "builds without them; drop required_options or refuse in one line")


def _check_folds(where: str, folds: Sequence[Any], samples: pd.DataFrame,
                 subject_independent: bool = True) -> None:
    """What a run refuses (:func:`~merbench.protocols.fold_checks.fold_problem`), then that
    every sample of a database the folds evaluate is tested exactly once."""
    problem = fold_problem(folds, samples, subject_independent)
    if problem is not None:
        raise AssertionError(f"{where}: {problem}")
    n = len(samples)
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    ids = samples["sample_id"].astype(str).to_numpy()
    tested = np.zeros(n, dtype=int)
    used = np.zeros(n, dtype=bool)
    for fold in folds:
        train, test = np.asarray(fold.train), np.asarray(fold.test)
        tested[test] += 1
        used[train] = used[test] = True
    databases = samples["database"].astype(str).to_numpy()
    evaluated = np.isin(databases, np.unique(databases[used]))
    wrong = evaluated & (tested != 1)
    if wrong.any():
        first = int(np.flatnonzero(wrong)[0])
        raise AssertionError(f"{where}: sample {ids[first]} ({subjects[first]}) is tested "
                             f"{tested[first]} times; each sample of a database it evaluates "
                             f"must be tested exactly once ({int(wrong.sum())} are not)")
