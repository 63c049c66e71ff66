"""Pass 84s (issue 84), after S13: a tuning file's ``[options]``, ``[search]`` and top-level
keys, and a sweep plan's tables, refused in ``[space]``'s one shape, ``FILE: [TABLE] KEY: what
is wrong; the fix`` (a top-level key ``FILE: KEY: ...``, a plan's entry ``FILE: runs[N] KEY:
...``), values as TOML writes them: they said ``FILE: [options]: 'KEY' ...`` (Python's
quotes, the key after the colon), ``[search] has no key 'KEY'``, ``runs[0] gives both ...``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "tune-tiny.toml"
PLAN = '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\n'


def _one_line(err: str, file: Path) -> str:
    """The refusal's text after ``FILE: ``: one line, no traceback."""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    prefix = f"merbench: error: {file}: "
    assert err.startswith(prefix), err
    return err.removeprefix(prefix).rstrip("\n")


def _tune_refused(tmp_path: Path, cli, old: str, new: str) -> str:
    """``tune``'s refusal of the example with ``old`` replaced by ``new``; nothing written."""
    example = EXAMPLE.read_text()
    assert old in example
    (tmp_path / "t.toml").write_text(example.replace(old, new, 1))
    code, _, err = cli("tune", "--score", "test", "--threads", "1", "--out", tmp_path / "o",
                       tmp_path / "t.toml")
    assert code == 2 and not (tmp_path / "o").exists(), err
    return _one_line(err, tmp_path / "t.toml")


def _plan_refused(tmp_path: Path, cli, text: str) -> str:
    (tmp_path / "p.toml").write_text(text)
    code, _, err = cli("sweep", tmp_path / "p.toml")
    assert code == 2 and not (tmp_path / "p-results").exists(), err
    return _one_line(err, tmp_path / "p.toml")


def _in_shape(said: str, table: str | None, key: str) -> None:
    """``[TABLE] KEY: ...`` (``KEY: ...`` at the top), and the key nowhere in Python's
    quotes."""
    head = key if table is None else f"{table if table.endswith(']') else f'[{table}]'} {key}"
    assert said.startswith(f"{head}: "), said
    assert f"'{key}'" not in said and not re.search(r"\]: '", said), said


@pytest.mark.parametrize(("old", "new", "table", "key", "rest"), [
    ('model = "ststnet"', 'modle = "ststnet"', None, "modle", "not a key of a tuning file"),
    ('model = "ststnet"', "model = 3", None, "model", "must name one, not 3 (an integer)"),
    ('model = "ststnet"', 'model = "ststnet"\nobjective = "acc"', None, "objective",
     'must be one of "uf1", "uar", not "acc" (a string)'),
    ("inner_folds = 2", "inner_folds = 1", None, "inner_folds",
     "must be a whole number from 2 to 100, not 1 (an integer)"),
    ("[options]\nepochs = 1", "options = 3", None, "options",
     "must be a table ([options]), not 3 (an integer)"),
    ("epochs = 1", "epochs = 2.5", "options", "epochs", "must be a whole number, not 2.5"),
    ("epochs = 1", 'epochs = 1\nlr = "a"', "options", "lr",
     'must be a number, not "a" (a string)'),
    ("epochs = 1", "epochs = 1\nmodel_options = {dim = inf}", "options", "model_options",
     "dim is infinite; give a finite number"),
    # the refusal named the first option, epochs, whichever was wrong
    ("epochs = 1", "epochs = 1\nbatch_size = 0", "options", "batch_size",
     "the value 0: batch_size must be at least 1"),
    ("epochs = 1", "epochs = 1\ncolour = 1", "options", "colour",
     "not an option a trial takes"),
    ("epochs = 1", "epochs = 1\nthreads = 1", "options", "threads",
     "says where a run goes"),
    ('sampler = "grid"', 'sampler = "anneal"', "search", "sampler",
     'must be one of "tpe", "grid", "random", not "anneal" (a string)'),
    ('sampler = "grid"', 'sampler = "grid"\nbudget = 3', "search", "budget",
     "not a key of [search]; it takes sampler, trials, pruner and seed"),
    ('sampler = "grid"', 'sampler = "grid"\ntrials = 3', "search", "trials",
     "3 is more than the grid's 2 configurations; give at most 2"),
    ('sampler = "grid"', 'sampler = "grid"\nseed = "a"', "search", "seed",
     'must be a whole number from 0 to 18446744073709551615, not "a" (a string)'),
    # the run's check named it --dataset-opt noise=inf, a flag tune has not
    ("samples_per_subject = 3}", "samples_per_subject = 3, noise = inf}", None,
     "dataset_options", "noise is infinite; give a finite number"),
    ("samples_per_subject = 3}", "samples_per_subject = 3, x = {y = nan}}", None,
     "dataset_options", "x.y is not a number (NaN); give a finite number"),
    # the reader's check of every text: it said 'options.data_root' holds a NUL ...
    ("epochs = 1", 'epochs = 1\ndata_root = "a\\u0000b"', "options", "data_root",
     "holds a NUL character (\\u0000)"),
], ids=["top-unknown", "model", "objective", "inner_folds", "options-table", "options-whole",
        "options-number", "options-inner", "options-checked", "options-unknown",
        "options-setting", "search-sampler", "search-unknown", "search-trials",
        "search-seed", "dataset-infinite", "dataset-nan", "options-nul"])
def test_a_tuning_file_refusal_names_table_and_key(tmp_path: Path, cli, old: str, new: str,
                                                   table: str | None, key: str,
                                                   rest: str) -> None:
    said = _tune_refused(tmp_path, cli, old, new)
    _in_shape(said, table, key)
    assert rest in said, said


@pytest.mark.parametrize(("text", "table", "key", "rest"), [
    ('outt = "x"\n' + PLAN, None, "outt", "not a key of a plan"),
    ("out = 3\n" + PLAN, None, "out", "must be a folder name (a string), not 3 (an integer)"),
    ("runs = 3\n", None, "runs", "must be a list of tables, one [[runs]] header per run, "
                                 "not 3 (an integer)"),
    ("defaults = 3\n" + PLAN, None, "defaults", "must be a table ([defaults]), not 3"),
    ('[defaults]\nepochs = "x"\n' + PLAN, "defaults", "epochs",
     'must be a whole number, not "x" (a string)'),
    ('[defaults]\nmodel = "a"\nmodels = ["b"]\n' + PLAN, "defaults", "models",
     "given with model; give one of them"),
    (PLAN.replace("epochs = 1", "epochs = 2.5"), "runs[0]", "epochs",
     "must be a whole number, not 2.5"),
    (PLAN + "lr = inf\n", "runs[0]", "lr", "is infinite; give a finite number"),
    (PLAN + "seeds = [-1]\n", "runs[0]", "seeds",
     "must be a list of whole numbers from 0 to 18446744073709551615, not [-1] (an array)"),
    (PLAN + 'models = ["ststnet"]\n', "runs[0]", "models", "given with model"),
    (PLAN.replace('dataset = "synthetic"', 'datasets = ["synthetic", "synthetic"]'),
     "runs[0]", "datasets", 'names "synthetic" twice; remove the duplicate'),
    (PLAN + "seed = 1\n", "runs[0]", "seed", "not a key of an entry (use seeds = [...])"),
    (PLAN + 'data_root = "a\\u0000b"\n', "runs[0]", "data_root",
     "holds a NUL character (\\u0000)"),
], ids=["top-unknown", "out", "runs", "defaults-table", "defaults-value", "defaults-both",
        "entry-whole", "entry-finite", "entry-seeds", "entry-both", "entry-twice",
        "entry-unknown", "entry-nul"])
def test_a_sweep_plan_refusal_names_table_and_key(tmp_path: Path, cli, text: str,
                                                  table: str | None, key: str,
                                                  rest: str) -> None:
    said = _plan_refused(tmp_path, cli, text)
    _in_shape(said, table, key)
    assert rest in said, said
