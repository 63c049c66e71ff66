"""Pass 84y's Y2, Y5, Y6, Y7 and Y10: seed folders and a sweep's out folder.

Y2 and Y6: a ``--seeds`` folder whose seed-1 is an empty folder (or, spotted then
recognised, one that lost its ``str.json``): status listed seed 0 alone, validate and compare
asked for "a finished run directory" the user never gave, and show printed the summary over
both seeds. Each now says the structure check's one line, as for a missing seed folder.

Y10: in a sweep's out folder every fix named ``merbench run --seeds``, never run there.
Y5: a sweep refusing a seed run whose run.json is damaged said to choose another --out.
Y7: compare called a folder of two spotting seed runs, its summary gone, "a spotting run".
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.test_refusals_84v_seeds import EVERY_SUMMARY, RUN_OR_SWEEP, _said


@pytest.mark.parametrize(("kind", "command"), EVERY_SUMMARY)
def test_an_empty_seed_folder_is_said_alike(examples: dict[str, Path], tmp_path: Path, cli,
                                            kind: str, command: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "seeds"))
    shutil.rmtree(folder / "seed-1")
    (folder / "seed-1").mkdir()
    said = _said(cli, folder)
    assert said == (f"seed 1's run folder seed-1 is empty (no run in it); restore its run, "
                    f"or run the same {command} again, which trains it",) * 3, said


def test_a_seed_folder_of_other_files_is_said_alike(examples: dict[str, Path],
                                                    tmp_path: Path, cli) -> None:
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "seeds"))
    shutil.rmtree(folder / "seed-1")
    (folder / "seed-1").mkdir()
    (folder / "seed-1" / "notes.txt").write_text("kept\n")
    said = _said(cli, folder)
    assert said == ("seed 1's run folder seed-1 holds no run (none of run.json, results.json); "
                    f"restore its run, or move what it holds out of it and run the same "
                    f"{RUN_OR_SWEEP} again, which trains it",) * 3, said


def test_a_seed_run_that_lost_its_str_json_is_not_shown(examples: dict[str, Path],
                                                        tmp_path: Path, cli) -> None:
    folder = Path(shutil.copytree(examples["spot-then-recognise summary over seeds"],
                                  tmp_path / "seeds"))
    (folder / "seed-1" / "str.json").unlink()
    said = _said(cli, folder)  # show refuses it (non-zero, one line), as validate does
    assert said == ("seed 1's run folder seed-1 has no str.json (it was never recognised, or "
                    "its recognition stopped); restore it, or run the same merbench spot "
                    "--seeds command again, which writes it",) * 3, said


def test_compare_says_an_empty_seed_folder_as_validate_does(examples: dict[str, Path],
                                                            tmp_path: Path, cli) -> None:
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "seeds"))
    shutil.rmtree(folder / "seed-1")
    (folder / "seed-1").mkdir()
    code, _, err = cli("compare", folder, examples["summary over seeds"])
    assert code != 0 and "seed 1's run folder seed-1 is empty (no run in it)" in err, err
    assert "pass a finished run directory" not in err, err


def test_a_seeds_json_names_the_sweep_that_may_have_written_it(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Y10: a sweep's configuration folder is a --seeds folder of the same files, and its
    fixes sent the user to ``merbench run --seeds``, a command never run; nothing in the
    folder says which wrote it, so both are named."""
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "seeds"))
    (folder / "seeds.json").unlink()
    os.mkfifo(folder / "seeds.json")
    _, out, _ = cli("status", folder)
    assert f"{folder}: seeds.json is a fifo, which merbench never reads (remove it: the same " \
           f"{RUN_OR_SWEEP} writes it again)" in out, out
    code, _, err = cli("run", "--resume", examples["summary over seeds"])
    assert code == 2 and f"run the same {RUN_OR_SWEEP} again to go on" in err, err


def test_a_sweep_run_of_an_unreadable_run_json_names_no_out_option(tmp_path: Path,
                                                                   cli) -> None:
    """Y5: a sweep refusing a run of its out folder whose run.json is damaged said "remove
    the directory or choose another --out", an option sweep refuses; it now gives status's
    fix (restore the file) or names the folder to remove, which the same sweep trains
    anew."""
    from merbench.plugin_system.manager import default_plugins
    from merbench.sweep.plan_file import read_plan

    plan_file = tmp_path / "plan.toml"
    plan_file.write_text('out = "out"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                         "seeds = [0]\nepochs = 1\n")
    seed_run = read_plan(plan_file, default_plugins()).configurations[0].out / "seed-0"
    seed_run.mkdir(parents=True)
    (seed_run / "run.json").write_text("{}")
    code, _, err = cli("sweep", "--quiet", plan_file)
    assert code == 2 and err.count("\n") == 1, err
    assert f"{seed_run}/run.json is unreadable (field 'identity' is missing (expected an " \
           "object)), so the run in it cannot go on; restore it from a copy of the run, or " \
           f"remove {seed_run} and run the same command again, which trains it anew" in err, err
    assert "--out" not in err


def test_compare_names_a_folder_of_spotting_seed_runs_as_show_does(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    folder = Path(shutil.copytree(examples["spot-then-recognise summary over seeds"],
                                  tmp_path / "seeds"))
    (folder / "str-seeds.json").unlink()
    code, _, err = cli("compare", folder, examples["summary over seeds"])
    assert code == 2 and err == (
        f"merbench: error: {folder} holds 2 spotting runs ({folder / 'seed-0'}, "
        f"{folder / 'seed-1'}), which compare does not pair: spotting runs are set side by "
        "side, with their intervals, on the spotting page 'merbench leaderboard build' "
        "renders\n"), err


#: each kind of summary's seed-run result file, with why it is missing and what writes it
RESULT_FILES = [("summary over seeds", "results.json", RUN_OR_SWEEP),
                ("action-unit summary over seeds", "au-results.json",
                 "merbench run --seeds command"),
                ("spot-then-recognise summary over seeds", "spotting.json",
                 "merbench spot --seeds command"),
                ("tuning summary over seeds", "tune.json", "merbench tune --seeds command")]


@pytest.mark.parametrize(("kind", "result_file", "command"), RESULT_FILES)
def test_a_seed_run_that_lost_its_result_file_is_said_alike(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, result_file: str,
        command: str) -> None:
    """Y2's and Y6's neighbour: a seed run holding its record but not its result file (it
    stopped, or the file was lost) was said by validate as a run the user gave ("pass a
    finished run directory"), and show printed a spot-then-recognise summary over it."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "seeds"))
    (folder / "seed-1" / result_file).unlink()
    said = _said(cli, folder)
    what = "tuning" if result_file == "tune.json" else "run"
    assert said == (f"seed 1's run folder seed-1 has no {result_file} (its {what} stopped "
                    f"before it finished, or the file was lost); restore it, or run the same "
                    f"{command} again, which writes it",) * 3, said
