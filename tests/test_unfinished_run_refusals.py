"""validate and compare of a run still training say what status says (issue 84): a run
folder with its run.json and some fold files but no results.json "holds no merbench result"
to validate and "holds neither results.json nor seeds.json" to compare, while status,
show and audit said it is not finished. Both now say so, with status's own count of the
folds done and what to do, in one line and exit status 2.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import one_line


@pytest.fixture
def training(tiny_finished_run: Path, tmp_path: Path) -> Path:
    """The run as it is while its second fold trains: run.json and one fold file."""
    run = Path(shutil.copytree(tiny_finished_run, tmp_path / "mid"))
    for name in ("results.json", "predictions.csv", "folds/fold-001.npz"):
        (run / name).unlink()
    return run


def _status(cli, run: Path) -> str:
    """What status says of ``run``, without the run's name it starts with."""
    code, out, err = cli("status", run)
    assert code == 0 and out.startswith(f"{run}: ") and "1/2 folds" in out, (out, err)
    return out.strip().removeprefix(f"{run}: ")


@pytest.mark.parametrize("command", ["validate", "compare"])
def test_a_run_still_training_is_said_as_status_says_it(cli, tiny_finished_run: Path,
                                                        training: Path, command: str) -> None:
    status = _status(cli, training)
    given = (training, tiny_finished_run) if command == "compare" else (training,)
    code, out, err = cli(command, *given)
    assert code == 2 and not out, out
    assert one_line(err) == (f"merbench: error: {training} is an emotion run not finished yet "
                             f"(run.json written, results.json not yet): {status}"), err
    assert "holds no" not in err and "holds neither" not in err


def test_compare_says_it_of_a_run_given_second(cli, tiny_finished_run: Path,
                                               training: Path) -> None:
    code, _, err = cli("compare", tiny_finished_run, training)
    assert code == 2 and one_line(err).startswith(
        f"merbench: error: {training} is an emotion run not finished yet"), err


def test_validate_of_its_run_json_says_the_run_is_not_finished(cli, training: Path) -> None:
    """Given its run.json, validate read it as a results file: "does not follow the results
    layout: field 'config' is not part of this layout"."""
    status = _status(cli, training)
    code, _, err = cli("validate", training / "run.json")
    assert code == 2 and f"rejected: {training}: is an emotion run not finished yet (run.json " \
        f"written, results.json not yet): {status}\n" in err, err
    assert "layout" not in err and "Traceback" not in err
