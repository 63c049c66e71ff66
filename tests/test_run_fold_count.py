"""``run.json``'s ``n_folds`` edited, met as a user meets it (pass 84p, P6).

``status`` counted "3/-1 folds" and "3/7 folds ... under a minute to go", and ``run
--resume`` trained to the end and wrote results ``merbench validate`` then rejected ("run.json
says 7 folds but results.json says 3"). A count below 1 is now an unreadable run.json; a count
the run's protocol does not give is refused before any fold trains, its finished folds kept;
status says a count its own files contradict, with the fix.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_RUN, one_line

FIX = "restore run.json from a copy of the run"


def edited(finished: Path, folder: Path, n_folds: int, *, results: bool = False) -> Path:
    """A copy of ``finished`` with run.json's n_folds set, its results removed unless kept."""
    shutil.copytree(finished, folder)
    if not results:
        (folder / "results.json").unlink()
        (folder / "predictions.csv").unlink()
    record = json.loads((folder / "run.json").read_text())
    record["n_folds"] = n_folds
    (folder / "run.json").write_text(json.dumps(record))
    return folder


@pytest.mark.parametrize("n_folds", [-1, 0])
def test_a_count_below_one_is_an_unreadable_run_file(tiny_finished_run: Path, tmp_path: Path,
                                                     cli: Any, n_folds: int) -> None:
    folder = edited(tiny_finished_run, tmp_path / "run", n_folds)
    code, out, err = cli("status", folder)
    assert code == 2 and not out, out
    assert one_line(err) == (
        f"merbench: error: {folder}/run.json is unreadable (field 'n_folds' is {n_folds}, "
        "expected a whole number of at least 1); it records what ran, so restore it from a "
        "copy of the run")
    code, _, err = cli("run", "--resume", folder, "--quiet", "--threads", "1")
    assert code == 2 and f"field 'n_folds' is {n_folds}" in one_line(err), err
    assert not (folder / "results.json").exists()


@pytest.mark.parametrize("n_folds", [7, 1])
def test_resuming_with_a_count_the_protocol_does_not_give_is_refused_before_training(
        tiny_finished_run: Path, tmp_path: Path, cli: Any, n_folds: int) -> None:
    folder = edited(tiny_finished_run, tmp_path / "run", n_folds)
    kept = sorted(p.name for p in (folder / "folds").iterdir())
    code, _, err = cli("run", "--resume", folder, "--quiet", "--threads", "1")
    assert code == 2, err
    assert one_line(err) == (
        f"merbench: error: {folder}/run.json says {n_folds} fold{'' if n_folds == 1 else 's'}, "
        "but this run's protocol gives 2: run.json was edited, so the run in it cannot go "
        "on; restore run.json from a copy of the run (its finished folds are kept)")
    assert sorted(p.name for p in (folder / "folds").iterdir()) == kept
    assert not (folder / "results.json").exists()


def test_status_says_a_count_its_fold_files_contradict(tiny_finished_run: Path, tmp_path: Path,
                                                       cli: Any) -> None:
    folder = edited(tiny_finished_run, tmp_path / "run", 1)
    _, out, _ = cli("status", folder)
    assert "run.json says 1 fold but folds/fold-001.npz is beyond it ('merbench validate' "\
           f"refuses it): {FIX}, or delete folds/fold-001.npz if it is another run's" in out, out
    assert "to go on" not in out and "no fold left" not in out, out


def test_status_says_a_count_its_results_file_contradicts(tiny_finished_run: Path, tmp_path: Path,
                                                          cli: Any) -> None:
    folder = edited(tiny_finished_run, tmp_path / "run", 7, results=True)
    _, out, _ = cli("status", folder)
    assert "2/7 folds, stopped; run.json says 7 folds but results.json says 2: run.json was "\
           f"edited ('merbench validate' refuses it); {FIX}" in out, out
    assert "to go" not in out, out
    code, _, err = cli("validate", folder)
    assert code == 2 and "run.json says 7 folds but results.json says 2" in err, err


def test_status_says_the_results_count_not_deleting_a_listed_fold(tiny_finished_run: Path,
                                                                  tmp_path: Path, cli: Any) -> None:
    """Pass 84q, Q2: a finished run's count lowered was "2/1 folds, stopped; ... or delete
    folds/fold-001.npz if it is another run's", a fold results.json lists; validate says the
    results file's count, and so does status now."""
    folder = edited(tiny_finished_run, tmp_path / "run", 1, results=True)
    _, out, _ = cli("status", folder)
    assert "run.json says 1 fold but results.json says 2: run.json was edited ('merbench "\
           f"validate' refuses it); {FIX}" in out, out
    assert "delete" not in out and "to go" not in out, out


@pytest.mark.parametrize(("n_folds", "gives"), [
    (1, "more (its 1 finished fold leaves samples untested)"),
    (7, "2 (its 2 finished folds test every sample)")])
def test_status_says_a_count_the_protocol_does_not_give_as_resume_does(
        tiny_finished_run: Path, tmp_path: Path, cli: Any, n_folds: int, gives: str) -> None:
    """Pass 84q, Q3: with no results file status said "1/1 folds ... no fold left to train;
    run the same command to go on" (and "2/7 ... under a minute to go"), which --resume
    refused; the finished folds' samples tell status the protocol's count."""
    folder = edited(tiny_finished_run, tmp_path / "run", n_folds)
    if n_folds == 1:
        (folder / "folds" / "fold-001.npz").unlink()
    _, out, _ = cli("status", folder)
    assert f"stopped; run.json says {n_folds} fold{'' if n_folds == 1 else 's'}, but this "\
           f"run's protocol gives {gives}: run.json was edited, so the run in it cannot go "\
           f"on ('merbench run --resume' refuses it); {FIX} (its finished folds are kept)" \
           in out, out
    assert "to go" not in out and "no fold left" not in out, out
    code, _, err = cli("run", "--resume", folder, "--quiet", "--threads", "1")
    assert code == 2 and "run.json was edited" in err, err


def test_status_still_says_go_on_for_an_unfinished_run(tiny_finished_run: Path, tmp_path: Path,
                                                       cli: Any) -> None:
    folder = edited(tiny_finished_run, tmp_path / "run", 2)
    (folder / "folds" / "fold-001.npz").unlink()
    _, out, _ = cli("status", folder)
    assert "1/2 folds, stopped" in out and "to go on" in out and "edited" not in out, out


#: a third party's protocol: leave-one-subject-out under a name merbench does not know
PLUGIN_PROTOCOL = """
    import merbench
    from merbench.api import LeaveOneSubjectOut, ProtocolMeta

    @merbench.hookimpl
    def merbench_register_protocols(registry):
        registry.add(ProtocolMeta(name="their-loso", version=1, description="theirs",
                                  citation="none"), LeaveOneSubjectOut)
"""


def test_status_checks_a_plugin_protocols_count_as_validate_and_resume_do(
        make_dist: Any, tmp_path: Path, cli: Any) -> None:
    """Issue 84: status checked the count against the finished folds for the built-in
    protocols alone, and said "2/7 folds, stopped; ... to go on" of a plugin protocol's run,
    which --resume refused. No protocol's folds test a sample twice (run and validate refuse
    it for every one), so folds testing every sample are all its folds."""
    make_dist("theirloso", "tl", "mb_theirloso", PLUGIN_PROTOCOL)
    from merbench.plugin_system.manager import default_plugins

    default_plugins.cache_clear()
    try:
        ran = tmp_path / "ran"
        code, _, err = cli("run", *TINY_RUN, "--protocol", "their-loso", "--threads", "1",
                           "--out", ran)
        assert code == 0, err
        folder = edited(ran, tmp_path / "run", 7)
        _, out, _ = cli("status", folder)
        assert "2/7 folds, stopped; run.json says 7 folds, but this run's protocol gives 2 "\
               "(its 2 finished folds test every sample): run.json was edited, so the run in "\
               "it cannot go on ('merbench run --resume' refuses it); " in out, out
        assert "to go" not in out, out
        code, _, err = cli("run", "--resume", folder, "--quiet", "--threads", "1")
        assert code == 2 and "but this run's protocol gives 2: run.json was edited" in err, err
        code, _, err = cli("validate", folder)  # what status says, as status says it
        assert code == 2 and "protocol gives 2 (its 2 finished folds" in one_line(err), err
        # a fold left to train leaves a sample untested: nothing said of a plugin's count
        going = edited(ran, tmp_path / "going", 2)
        (going / "folds" / "fold-001.npz").unlink()
        _, out, _ = cli("status", going)
        assert "1/2 folds, stopped" in out and "to go on" in out and "edited" not in out, out
    finally:
        default_plugins.cache_clear()
