"""Pass 84u, U6, U7 and U8: a finished result whose first file (``run.json``,
``spot-run.json``, ``tuning.json``) is gone (U6), a spotting result's ``spotting.json`` or
``str.json`` that is a folder (U7), and a sweep plan whose ``out`` is a result's own folder
(U8): each fault said in ``validate``'s words by every command that meets it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

#: each kind of result with the file it writes first, and validate's line when it is gone
STARTED = {
    "emotion run": ("run.json", "run.json is missing, so nothing confirms what ran; publish "
                                "the complete run directory"),
    "action-unit run": ("run.json", "run.json is missing, so nothing confirms what ran; "
                                    "publish the complete run directory"),
    "spotting run": ("spot-run.json", "spot-run.json is missing; publish the folder as "
                                      "merbench spot wrote it"),
    "tuning": ("tuning.json", "tuning.json is missing, so nothing says which search was "
                              "started; publish the tuning folder as merbench tune wrote it"),
}


@pytest.mark.parametrize("kind", sorted(STARTED))
def test_a_result_without_its_first_file_is_validates_line_to_all_three(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str) -> None:
    """U6: status said the folder "holds no merbench run" (it walked for the first files
    alone), show said "no spotting run's record" or "cannot be read (it does not exist)";
    status finds the result by its result file, as validate does, and all three say
    validate's line, alone and in a folder of results."""
    name, said = STARTED[kind]
    folder = Path(shutil.copytree(examples[kind], tmp_path / "results" / "r"))
    (folder / name).unlink()
    (folder / "audit.json").unlink(missing_ok=True)  # an audit of no run: its own refusal
    code, out, err = cli("validate", folder)
    assert code == 2 and f"rejected: {folder}: {said}" in err, (out, err)
    code, out, err = cli("show", folder)
    assert code == 2 and f"{folder}: {said} ('merbench validate' refuses it" in err, (out, err)
    for given in (folder, folder.parent):
        code, out, err = cli("status", given)
        assert f"{folder}: {said} ('merbench validate' refuses it)" in out, (out, err)
        assert "holds no merbench run" not in err, err


@pytest.mark.parametrize("name", ["spotting.json", "str.json"])
def test_a_spotting_file_that_is_a_folder_has_one_fix_in_all_three(
        examples: dict[str, Path], tmp_path: Path, cli, name: str) -> None:
    """U7: show said "is a folder, not a regular file; give a regular file" and status "the
    same merbench spot command writes ..." where validate says "remove it: the same command
    writes what it should hold again"; all three give validate's fix, as of an emotion
    run's predictions.csv."""
    folder = Path(shutil.copytree(examples["spotting run"], tmp_path / "s"))
    (folder / name).unlink(missing_ok=True)
    (folder / name).mkdir()
    fix = "remove it: the same command writes what it should hold again"
    code, out, err = cli("validate", folder)
    assert code == 2 and f"rejected: {folder}: {name} is a folder; {fix}" in err, (out, err)
    code, out, err = cli("show", folder)
    assert code == 2 and f"{folder}: {name} is a folder; {fix} ('merbench validate'" in err, \
        (out, err)
    assert "give a regular file" not in err, err
    code, out, err = cli("status", folder)
    assert f"{name} is a folder; {fix} ('merbench validate' refuses it)" in out, \
        (out, err)  # validate's words, after the run's state (pass 84ab)


@pytest.mark.parametrize(("kind", "held"), [("emotion run", "run.json"),
                                            ("spotting run", "spotting.json"),
                                            ("tuning", "tune.json")])
def test_a_sweep_into_a_results_own_folder_is_told_whose_folder_it_is(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, held: str) -> None:
    """U8: a plan whose ``out`` is a run's own folder (its audit.json gone or not) or a
    spotting result's was refused as a folder that "holds no merbench runs (it holds
    audit.json / folds/fold-000.npz / spot-run.json)"; said as predict and export --out say
    it, and nothing in the folder touched."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "r"))
    (folder / "audit.json").unlink(missing_ok=True)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    (tmp_path / "plan.toml").write_text(
        f'out = "{folder}"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\n')
    code, out, err = cli("sweep", "--quiet", tmp_path / "plan.toml")
    assert code == 2 and f"out: {folder} is the folder of a merbench result (it holds " \
        f"{held}), whose files are its own; give a new folder" in err, (out, err)
    assert len(err.strip().splitlines()) == 1 and "holds no merbench runs" not in err, err
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_a_summary_in_a_run_folder_without_its_run_json_is_the_runs_own_file(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """U6's other side: a damaged seeds.json in a run's own folder is no summary to status
    (pass 84s, S18), whether the run's run.json is there or gone; status read it as one,
    beside the run's line, once it found the run by its results.json."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "r"))
    (folder / "run.json").unlink()
    (folder / "audit.json").unlink(missing_ok=True)
    (folder / "seeds.json").write_text("{")
    code, out, err = cli("status", folder)
    assert code == 0 and f"{folder}: {STARTED['emotion run'][1]}" in out, (out, err)
    assert "seeds.json" not in out + err, (out, err)
