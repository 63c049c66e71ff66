"""Whether a tuning's ``tune.json`` is the search its ``tuning.json`` recorded when it
started: the check of the two records alone, shared by ``merbench validate`` and
``merbench status``.

``validate`` recomputes a tuning from its runs, but first compares the two records (its
sampler, pruner, library, dates and every setting of the search); none of that needs a run,
so ``status`` runs the very same function before it calls a tuning finished. It called
"finished" a tuning whose ``tuning.json`` said ``"trials": -2`` ("2 of -2 runs finished"),
which ``validate`` rejects.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.codec import to_json
from merbench.results.recorded_values import ProvenanceError
from merbench.results.user_files import UnreadableFile
from merbench.tuning.record import (
    NESTED,
    TUNING_SPEC_FILE,
    TuneResults,
    read_search_record,
)
from merbench.tuning.space import PRUNERS, SAMPLERS, Parameter, TuneSpec
from merbench.tuning.written import search_values, tune_values

#: a library's version as its ``__version__`` gives it (PEP 440 text)
LIBRARY_VERSION = re.compile(r"(?=.{1,40}$)\d+(\.\d+){0,3}([.+-]?[A-Za-z0-9]+){0,4}")


def spec_of(results: TuneResults) -> TuneSpec:
    """The search ``tune.json`` records, as the tuning file it was run from gave it."""
    return TuneSpec(model=results.model, dataset=results.dataset, protocol=results.protocol,
                    seed=results.seed, objective=results.objective,
                    inner_folds=results.inner_folds or 2, options=results.options,
                    space=tuple(Parameter(**to_json(p)) for p in results.space),
                    sampler=results.sampler, sampler_seed=results.sampler_seed,
                    trials=results.trials, pruner=results.pruner,
                    dataset_options=results.dataset_options)


#: what ``validate`` says of a tuning whose ``tuning.json`` is gone, and ``status`` and
#: ``show`` with it (they said "holds no merbench run" and "cannot be read (it does not
#: exist)", pass 84u, U6)
SPEC_MISSING = (f"{TUNING_SPEC_FILE} is missing, so nothing says which search was started; "
                "publish the tuning folder as merbench tune wrote it")


def record_problem(folder: Path, results: TuneResults) -> str | None:
    """Why ``tune.json`` (``results``) is not the search ``tuning.json`` in ``folder``
    recorded when it started (its spec and mode, written before any run), or None; said of
    the files by their names in ``folder``. tune.json alone was trusted for the search's
    settings: edited to ``complete``, another trial count, pruner or protocol, it
    validated."""
    if results.sampler not in SAMPLERS or results.pruner not in PRUNERS:
        return (f"tune.json names sampler {results.sampler!r} and pruner {results.pruner!r}; "
                f"merbench searches with {', '.join(SAMPLERS)} and prunes with "
                f"{', '.join(PRUNERS)}")
    if set(results.library) != {"optuna"} or not all(
            isinstance(v, str) and LIBRARY_VERSION.fullmatch(v) for v in results.library.values()):
        # the run's claim, like its environment, shown on its page: still only a version
        return (f"tune.json's library is {results.library!r}; merbench searches with "
                "optuna and records its version (such as \"4.5.0\")")
    try:  # a date and a duration merbench could have written, as for any result
        tune_values(results)
    except ProvenanceError as exc:
        return str(exc)
    if not os.path.lexists(folder / TUNING_SPEC_FILE):
        return SPEC_MISSING
    try:
        spec, mode = read_search_record(folder)
        search_values(spec, mode)
    except UnreadableFile as exc:
        return f"{TUNING_SPEC_FILE} is not the record of a search ({exc.because})"
    except MerbenchError as exc:  # a fifo, a folder, a count out of range: said as it is
        return f"{TUNING_SPEC_FILE} is not the record of a search ({exc})"
    mine = json.loads(json.dumps(spec_of(results).to_dict(), sort_keys=True))
    if results.mode != NESTED:  # a test-scored search has no inner folds to record
        spec.pop("inner_folds", None)
        mine.pop("inner_folds", None)
    if mode != results.mode or spec != mine:
        found = sorted(k for k in set(spec) | set(mine) if spec.get(k) != mine.get(k))
        what = found[0] if found else "mode"
        return (f"tune.json is not the search {TUNING_SPEC_FILE} recorded when it started "
                f"(they differ in {what}); publish the tuning as merbench tune wrote it")
    return None
