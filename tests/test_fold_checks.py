"""A protocol plugin's folds are checked before a run trains on them (issue 84, pass 84h): a
fold that trains on what it tests was run, validated and audited as any other, and folds
that were no folds (None, none at all, the plugin's own exception, two folds testing one
sample) ended in a traceback with ``run.json`` left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import merbench
from merbench.meta import ProtocolMeta
from merbench.protocols import Fold


def _by_subject(samples: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    rows = np.arange(len(samples))
    return [(s, rows[subjects != s], rows[subjects == s]) for s in sorted(set(subjects))]


def _leak(samples: pd.DataFrame) -> list[Fold]:  # every fold trains on every sample
    return [Fold(i, tuple(s.split("/")), np.arange(len(samples)), test)
            for i, (s, _, test) in enumerate(_by_subject(samples))]


def _same_key(samples: pd.DataFrame) -> list[Fold]:
    return [Fold(i, ("one",), train, test)
            for i, (_, train, test) in enumerate(_by_subject(samples))]


def _overlap(samples: pd.DataFrame) -> list[Fold]:  # one subject tested by both folds
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    rows = np.arange(len(samples))
    first, second = sorted(set(subjects))[:2]
    rest = rows[~np.isin(subjects, [first, second])]
    return [Fold(0, tuple(first.split("/")), rest, rows[subjects == first]),
            Fold(1, tuple(second.split("/")), rest, rows[np.isin(subjects, [first, second])])]


def _raise(samples: pd.DataFrame) -> list[Fold]:
    raise ValueError("folds exploded")


BAD = {"bad-leak": (_leak, "trains on samples it tests"),
       "bad-dupkey": (_same_key, "two of its folds have the same key"),
       "bad-overlap": (_overlap, "two of its folds test the same sample"),
       "bad-none": (lambda samples: None, "it gave no fold"),
       "bad-zero": (lambda samples: [], "it gave no fold"),
       "bad-raise": (_raise, "failed to make its folds (folds exploded)")}


class _Protocol:
    def __init__(self, make: Any) -> None:
        self._make = make

    def folds(self, samples: pd.DataFrame) -> Any:
        return self._make(samples)


class _BadProtocols:
    @merbench.hookimpl
    def merbench_register_protocols(self, registry: Any) -> None:
        for name, (make, _) in BAD.items():
            registry.add(ProtocolMeta(name=name, version=1, description="test protocol",
                                      citation="none"),
                         lambda make=make: _Protocol(make))


@pytest.fixture
def bad_cli(cli, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("badp", _BadProtocols())]))
    return cli


@pytest.mark.parametrize("name", list(BAD))
def test_folds_that_are_no_folds_are_refused_before_anything_is_written(
        bad_cli, name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    code, stdout, err = bad_cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                                "--threads", "1", "-q", "--protocol", name, "--out", out)
    assert code == 2 and stdout == "" and err.count("\n") == 1, err
    assert f"protocol '{name}' of plugin 'badp'" in err and BAD[name][1] in err, err
    assert "Traceback" not in err and not out.exists()


@pytest.mark.parametrize(("name", "said"), [
    ("bad-leak", "fold syn1/s01 trains on samples it tests (it trains on 30 samples; only 20 "
                 "of the table's 30 are not its test samples)"),
    ("bad-dupkey", "two of its folds have the same key: folds 0 and 1 are both one")])
def test_a_result_of_such_folds_is_refused_by_validate(bad_cli, name: str, said: str,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A result an older merbench wrote of such folds (pass 84h N3: it validated, so a
    leaderboard showed it) is refused by validate, the result and the fold named once, by
    the check run asks (merbench.protocols.fold_checks) of what the result keeps."""
    import merbench.runner.task_run as task_run

    out = tmp_path / name
    with monkeypatch.context() as older:  # run as merbench ran before it checked folds
        older.setattr(task_run, "fold_problem", lambda *args, **kwargs: None)
        code, _, err = bad_cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                               "--threads", "1", "-q", "--protocol", name,
                               "--dataset-opt", "subjects=3", "--out", out)
    assert code == 0, err
    code, stdout, err = bad_cli("validate", out)
    assert code == 2 and "ok:" not in stdout, stdout
    [line] = [line for line in err.splitlines() if line.startswith("merbench: rejected:")]
    assert line == (f"merbench: rejected: {out}: protocol '{name}' gave it folds merbench "
                    f"refuses to run: {said}; none of its scores can be trusted")
    assert err.count(str(out)) == 1, err


def test_an_au_result_whose_fold_trained_on_its_test_samples_is_refused(
        cli, tmp_path: Path) -> None:
    """An action-unit run's folds are checked as an emotion run's: a committed AU run whose
    fold 0 says (in its fold file, au-results.json and the manifest alike) it trained on
    every sample of the table, its own test samples among them, validated."""
    import dataclasses
    import json
    import shutil

    from conftest import COMMITTED_RESULTS

    from merbench.results.manifest import run_manifest
    from merbench.results.rundir import RunDirectory

    run = tmp_path / "au"
    shutil.copytree(COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0", run)
    (run / "audit.json").unlink()  # its records are of the folds as they were trained
    results = json.loads((run / "au-results.json").read_text())
    n_samples = results["dataset"]["n_samples"]
    store = RunDirectory(run)
    fold = store.load_fold(0)
    assert fold is not None
    store.save_fold(dataclasses.replace(fold, n_train=n_samples))
    results["folds"][0]["n_train"] = n_samples
    results["files"] = run_manifest(run, results["protocol"]["n_folds"],
                                    (run / "au-predictions.csv").read_bytes(),
                                    predictions_name="au-predictions.csv")
    (run / "au-results.json").write_text(json.dumps(results, indent=2))
    code, _, err = cli("validate", run)
    assert code == 2, err
    [line] = [line for line in err.splitlines() if line.startswith("merbench: rejected:")]
    label = "/".join(fold.key)
    assert line.startswith(f"merbench: rejected: {run}: protocol '") and (
        f"fold {label} trains on samples it tests (it trains on {n_samples} samples; only "
        f"{n_samples - len(fold.test_index)} of the table's {n_samples} are not its test "
        "samples)") in line, line


def _misplaced(samples: pd.DataFrame, how: str) -> list[Fold]:
    """Folds by subject, the first one's test rows changed ``how``."""
    folds = [Fold(i, tuple(s.split("/")), train, test)
             for i, (s, train, test) in enumerate(_by_subject(samples))]
    first = folds[0]
    test = {"oob": np.append(first.test, 10**6), "empty": np.array([], dtype=int),
            "float": first.test.astype(float), "twice": np.append(first.test, first.test[0])
            }[how]
    folds[0] = Fold(0, first.key, first.train, test)
    return folds


@pytest.mark.parametrize(("how", "said"), [
    ("oob", "fold syn1/s01 tests position 1000000 of a 30-sample table (positions are 0 to "
            "29)"),
    ("empty", "fold syn1/s01 tests no sample"),
    ("float", "fold syn1/s01 tests positions that are decimals, not whole numbers; a fold "
              "gives row positions of the sample table"),
    ("twice", "fold syn1/s01 tests position 0 twice")])
def test_test_rows_that_are_no_rows_are_blamed_on_the_protocol(
        cli, how: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test position outside the table, no test sample, decimal positions (pass 84h N4:
    each was blamed on model 'ststnet' failing its first training step) and a position
    tested twice: refused before training, the protocol and the fold named."""
    import merbench.cli as cli_module

    class Misplaced:
        @merbench.hookimpl
        def merbench_register_protocols(self, registry: Any) -> None:
            registry.add(ProtocolMeta(name="bad-rows", version=1, description="test protocol",
                                      citation="none"),
                         lambda: _Protocol(lambda samples: _misplaced(samples, how)))

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("badp", Misplaced())]))
    out = tmp_path / how
    code, stdout, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                            "--threads", "1", "-q", "--protocol", "bad-rows",
                            "--dataset-opt", "subjects=3", "--out", out)
    assert code == 2 and stdout == "" and not out.exists(), err
    assert err.startswith("merbench: error: protocol 'bad-rows' of plugin 'badp'") and \
        err.endswith(f" cannot be run: {said}; report it to the plugin's authors\n"), err
    assert err.count("\n") == 1 and "ststnet" not in err, err


def test_what_a_result_keeps_of_its_folds_shows_training_on_test_subjects() -> None:
    """A result keeps a fold's test rows, its held-out inner-validation rows and how many
    rows it trained on: a held-out row that is a test row, a count beyond the rows of the
    other subjects (subject-independent protocols) or of the other samples are each found;
    a fold that swapped a training row for a test row keeps its count and is not."""
    from merbench.protocols.fold_checks import FoldRows, rows_problem

    subjects = np.array(["d/a"] * 4 + ["d/b"] * 4 + ["d/c"] * 4)
    ids = np.array([f"x{i}" for i in range(12)])

    def fold(index: int, tested: list[int], held: list[int], n_train: int) -> FoldRows:
        return FoldRows(index, ("d", str(index)), np.asarray(tested, dtype=np.int64),
                        np.asarray(held, dtype=np.int64), n_train)

    def problem(first: FoldRows, independent: bool | None = True) -> str | None:
        # subject d/a is tested in folds 0 and 1, two rows each; d/b in 2, d/c in 3
        return rows_problem([first, fold(1, [2, 3], [], 8), fold(2, [4, 5, 6, 7], [], 8),
                             fold(3, [8, 9, 10, 11], [], 8)], subjects, ids, independent,
                            whole_train=False)

    assert problem(fold(0, [0, 1], [4, 5, 6, 7], 8)) is None
    assert problem(fold(0, [0, 1], [1], 8)) == "fold d/0 trains on samples it tests"
    assert problem(fold(0, [0, 1], [2], 8)) == (
        "fold d/0 trains on its test subject(s) d/a; a subject never trains its own fold")
    assert problem(fold(0, [0, 1], [], 9)) == (
        "fold d/0 trains on its test subject(s) d/a; a subject never trains its own fold (it "
        "trains on 9 samples; only 8 of the table's 12 are not theirs)")
    assert problem(fold(0, [0, 1], [], 9), independent=None) is None  # not installed here
    assert problem(fold(0, [0, 1], [], 10), independent=False) is None
    assert problem(fold(0, [0, 1], [], 11), independent=False) == (
        "fold d/0 trains on samples it tests (it trains on 11 samples; only 10 of the table's "
        "12 are not its test samples)")
