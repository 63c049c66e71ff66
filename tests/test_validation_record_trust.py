"""A validation record never decides what a result says (issue 84, Q4 and Q5). Its checksum is
one anyone can recompute, so: a genuine run's record edited to other numbers changes nothing
on the page; a record planted under a forged run's key does not get the run onto the site; a
record of the wrong shape is no record, and the run is checked in full with no traceback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from merbench.base.cache_entry import _checksum
from merbench.verification.validation_record import STORE, _key, _store, checking
from tests.test_validation_record import RUN, CliResult, _said

UF1 = json.loads((RUN / "results.json").read_text())["metrics"]["overall"]["uf1"]


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A results folder holding a copy of one committed run, and a cache of its own."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    shutil.copytree(RUN, tmp_path / "results" / RUN.name)
    return tmp_path / "results"


def _records(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / STORE).glob("*/*.npz"))


def _rewrite(record: Path, notes: Any) -> None:
    """Write ``notes`` into ``record`` with the checksum recomputed, as anyone can."""
    raw = json.dumps(notes, sort_keys=True).encode()
    values = np.zeros(0, dtype=np.uint8)
    np.savez(record.with_suffix(""), values=values, notes=np.frombuffer(raw, np.uint8),
             sha256=np.array(_checksum(values, raw)), key=np.array(record.name[:-4]))


def _notes(record: Path) -> Any:
    return json.loads(bytes(np.load(record)["notes"]))


def _forged(notes: dict[str, Any]) -> dict[str, Any]:
    for metrics in notes["metrics"].values():
        metrics["overall"].update(uf1=0.9, uar=0.95, accuracy=0.97)
    return notes


def _page(site: Path, name: str) -> str:
    return (site / "runs" / name / "index.html").read_text()


def _forge_and_plant(genuine: Path, forged: Path, name: str, value: float, kind: str,
                     notes: Any) -> None:
    """A copy of ``genuine`` at ``forged`` whose ``name`` says 0.9 where it said ``value``,
    and a validation record planted under the forged result's own key, as anyone can."""
    shutil.copytree(genuine, forged)
    text = (forged / name).read_text()
    (forged / name).write_text(text.replace(repr(value), "0.9"))
    with checking("recorded") as tally:
        key = _key(tally, kind, forged)
        assert key is not None
        _store(tally).store(key, np.zeros(0, dtype=np.uint8), notes)


def test_an_edited_record_does_not_change_a_genuine_runs_page(
        cli: Callable[..., CliResult], results: Path, tmp_path: Path) -> None:
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", tmp_path / "s1")
    assert code == 0 and _said(err) == (0, 1), err
    assert f"{UF1:.4f}" in _page(tmp_path / "s1", RUN.name)
    [record] = _records(tmp_path)
    _rewrite(record, _forged(_notes(record)))
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", tmp_path / "s2")
    assert code == 0 and "rejected" not in err and _said(err) == (0, 1), err  # in full
    page = _page(tmp_path / "s2", RUN.name)
    assert f"{UF1:.4f}" in page and 'data-col="uf1" data-value="0.9"' not in page
    # checked in full, the record is written anew, and answers the next build
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", tmp_path / "s3")
    assert code == 0 and _said(err) == (1, 0), err
    assert f"{UF1:.4f}" in _page(tmp_path / "s3", RUN.name)


def test_a_record_planted_for_a_forged_run_does_not_pass_it(
        cli: Callable[..., CliResult], results: Path, tmp_path: Path) -> None:
    assert cli("leaderboard", "list", "--results", results)[0] == 0  # a genuine record
    [genuine] = _records(tmp_path)
    forged = tmp_path / "forged" / "rf"
    notes = _notes(genuine)  # the record, under the forged run's own key
    for metrics in notes["metrics"].values():
        metrics["overall"]["uf1"] = 0.9
        for scores in metrics["per_database"].values():
            scores["uf1"] = 0.9
    _forge_and_plant(RUN, forged, "results.json", UF1, "emotion run", notes)
    code, out, err = cli("leaderboard", "build", "--results", forged.parent, "--out",
                         tmp_path / "site")
    assert code == 0, err
    assert f"rejected: {forged}: stored numbers do not match its predictions" in err, err
    assert ", 0 runs, 1 rejected" in out and _said(err) == (0, 1), out
    assert not (tmp_path / "site" / "runs" / "rf").exists()


@pytest.mark.parametrize("notes", [{"metrics": 5, "n_epochs": "x"}, [1, 2], "text",
                                   {"metrics": {"fixed": {"overall": 3}}, "n_epochs": 1}])
def test_a_record_of_the_wrong_shape_is_no_record(
        cli: Callable[..., CliResult], results: Path, tmp_path: Path, notes: Any) -> None:
    assert cli("leaderboard", "list", "--results", results)[0] == 0
    [record] = _records(tmp_path)
    _rewrite(record, notes)
    code, out, err = cli("leaderboard", "list", "--results", results)
    assert code == 0 and "Traceback" not in err and _said(err) == (0, 1), err
    assert "rejected" not in err and "1 run" in out, out
    _rewrite(record, notes)  # damaged again: the list above wrote it anew
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site")
    assert code == 0 and _said(err) == (0, 1) and ", 1 run, 0 rejected" in out, err
    assert f"{UF1:.4f}" in _page(tmp_path / "site", RUN.name)


def test_a_record_planted_for_a_forged_action_unit_run_does_not_pass_it(
        cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An action-unit run's record keeps nothing but its acceptance; read back, its pooled
    scores are recomputed from au-predictions.csv, so a planted record passes no forgery."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    genuine = RUN.parent / "rcn-composite-loso-au" / "seed-0"
    shutil.copytree(genuine, tmp_path / "results" / "au")
    assert _said(cli("leaderboard", "list", "--results", tmp_path / "results")[2]) == (0, 1)
    code, out, err = cli("leaderboard", "list", "--results", tmp_path / "results")
    assert code == 0 and _said(err) == (1, 0) and "rejected" not in err, err  # genuine: read back
    forged = tmp_path / "forged" / "au"
    mean_f1 = json.loads((genuine / "au-results.json").read_text())["overall"]["mean_f1"]
    _forge_and_plant(genuine, forged, "au-results.json", mean_f1, "action-unit run", {})
    code, out, err = cli("leaderboard", "list", "--results", forged.parent)
    assert code == 0 and f"rejected: {forged}" in err and _said(err) == (0, 1), err
    assert "au-composite-loso" not in out, out  # no AU run left to list


def test_a_record_planted_for_a_forged_tuning_does_not_pass_it(
        cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tuning read back from its record: its pooled outer scores are recomputed from its
    predictions.csv, so a record planted beside a forged tune.json passes nothing."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("merbench.cli.result_progress.QUIET_S", 0.0)
    genuine = RUN.parent / "tunings" / "lbp-apex-svm-composite" / "nested"
    shutil.copytree(genuine, tmp_path / "results" / "t")
    assert _said(cli("leaderboard", "list", "--results", tmp_path / "results")[2]) == (0, 1)
    code, out, err = cli("leaderboard", "list", "--results", tmp_path / "results")
    assert code == 0 and _said(err) == (1, 0) and "tune-composite-loso" in out, err
    [record] = _records(tmp_path)
    forged = tmp_path / "forged" / "t"
    uf1 = json.loads((genuine / "tune.json").read_text())["overall"]["uf1"]
    _forge_and_plant(genuine, forged, "tune.json", uf1, "tuning", _notes(record))
    code, out, err = cli("leaderboard", "list", "--results", forged.parent)
    assert code == 0 and f"rejected: {forged}" in err and _said(err) == (0, 1), err
    assert "tune-composite-loso" not in out, out
