"""Bad input found by the seventh adversarial pass (issue 69): seed summaries whose labels,
dates or folders were not bound, a ``--seeds`` command stopped between seeds that ended 0,
and messages that passed over what they found.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TINY_RUN


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target))


@pytest.mark.parametrize(("kind", "file", "field", "value", "said"), [
    ("action-unit run", "au-results.json", "created", "garbage", "is not a date"),
    ("action-unit run", "au-results.json", "wall_time_s", -1, "wall_time_s is -1"),
    ("action-unit run", "au-results.json", "created", "2026-01-02T00:00:00+00:00",
     "after the run finished"),
    ("summary over seeds", "seeds.json", "created", "2099-01-01T00:00:00+00:00",
     "is not a date a merbench run could have finished"),
    ("summary over seeds", "seeds.json", "created", "2026-01-02T00:00:00+00:00",
     "is before its seed runs finished"),
    ("action-unit summary over seeds", "au-seeds.json", "created", "garbage",
     "is not a date"),
])
def test_dates_and_times_of_au_runs_and_seed_summaries_are_checked(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, file: str, field: str,
        value: object, said: str) -> None:
    """New findings 1 and 2: an AU run's ``created`` and ``wall_time_s`` and a summary's
    ``created`` took any value (the built site printed "garbage" as a date)."""
    folder = _copy(examples[kind], tmp_path / "result")
    record = json.loads((folder / file).read_text())
    record[field] = value
    (folder / file).write_text(json.dumps(record))
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err, err


def test_a_seeds_summary_labels_each_run_with_its_own_seed(examples: dict[str, Path],
                                                           tmp_path: Path, cli) -> None:
    """New finding 3: seed labels swapped in seeds.json (numbers swapped with them)
    validated; an AU summary already refused it."""
    folder = _copy(examples["summary over seeds"], tmp_path / "seeds")
    record = json.loads((folder / "seeds.json").read_text())
    record["runs"] = {"0": "seed-1", "1": "seed-0"}
    for policy in record["policies"].values():
        policy["per_seed"]["0"], policy["per_seed"]["1"] = \
            policy["per_seed"]["1"], policy["per_seed"]["0"]
    (folder / "seeds.json").write_text(json.dumps(record))
    code, _, err = cli("validate", folder)
    assert code == 2 and "runs lists seed-1 as seed 0, but it is a run of seed 1" in err, err


def test_a_seeds_command_stopped_before_its_summary_is_not_finished(
        tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """New finding 5: a stop after a seed run had written its results (here, the last, just
    before the summary) ended ``run --seeds`` with 0 and "interrupted after the run
    finished"; the summary was never written."""
    from merbench.runner import seeds

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(seeds, "atomic_write_json", stopped)
    out = tmp_path / "seeds"
    code, _, err = cli("run", *TINY_RUN, "--seeds", "0,1", "--out", out)
    assert code == 130 and "the summary over seeds is written once every seed has " \
        "finished: run the same command again to go on" in err, err
    assert "after the run finished" not in err and not (out / "seeds.json").exists()


def test_a_seeds_command_of_other_seeds_does_not_replace_a_summary(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """New finding 6: ``--seeds 0`` into a folder of seeds 0 and 1 rewrote its summary with
    seed 0 alone, leaving a folder its own validate rejected."""
    folder = _copy(examples["summary over seeds"], tmp_path / "seeds")
    before = (folder / "seeds.json").read_bytes()
    code, _, err = cli("run", *TINY_RUN, "--seeds", "0", "--out", folder)
    assert code == 2 and "holds runs of seeds 0,1, not all of which this command asks for " \
        "(seed 1)" in err, err
    assert (folder / "seeds.json").read_bytes() == before


def test_library_and_folder_text_stay_out_of_refusals(examples: dict[str, Path],
                                                      tmp_path: Path, cli) -> None:
    """New finding 11: a folder in place of a fold file was "IsADirectoryError: [Errno 21]
    Is a directory: 4"; ``audit`` of a fifo said "no results.json here"."""
    run = _copy(examples["emotion run"], tmp_path / "run")
    (run / "results.json").unlink()
    fold = sorted((run / "folds").glob("fold-*.npz"))[0]
    fold.unlink()
    fold.mkdir()
    code, _, err = cli("run", "--resume", run, "--quiet")
    # in status's words since pass 84x, X7 (resume had said to restore run.json)
    assert code == 2 and "Errno" not in err and f"{fold} is a folder, which merbench never " \
        "reads (remove it: the same command writes what it should hold again)" in err, err
    os.mkfifo(tmp_path / "ff")
    code, _, err = cli("audit", tmp_path / "ff")
    assert code == 2 and f"{tmp_path / 'ff'} is a fifo, not a result" in err, err


def test_a_killed_commands_scratch_folder_is_removed_by_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New finding 12: an audit killed outright left its scratch folder in the temporary
    folder for good; the next command of its kind removes one whose process is gone, and
    leaves a live one's."""
    import tempfile

    from merbench.base.scratch import scratch_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = tmp_path / f"merbench-audit-{ended.stdout.strip()}-abc"
    alive = tmp_path / f"merbench-audit-{os.getppid()}-def"
    for folder in (dead, alive):
        (folder / "runs").mkdir(parents=True)
    with scratch_folder("merbench-audit-") as made:
        assert made.name.startswith(f"merbench-audit-{os.getpid()}-")
    assert not dead.exists() and alive.exists() and not made.exists()


def test_the_eighth_passes_messages(examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Eighth pass, N3, N5, N6: status of a spotting run whose ``str.json`` is a fifo
    exited 2 with "publish the file itself" (a run's status says the state); a fifo given as
    ``--out`` was "a file"; an AU run's deleted predictions were "not the file results.json
    records" or "changed"."""
    spots = _copy(examples["spotting run"], tmp_path / "spots")
    os.mkfifo(spots / "str.json")
    code, out, _ = cli("status", spots)
    assert code == 0 and "written, but str.json is a fifo; remove it: the same command " \
        "writes what it should hold again ('merbench validate' refuses it)" in out, out
    os.mkfifo(tmp_path / "fifo-out")
    code, _, err = cli("run", *TINY_RUN, "--out", tmp_path / "fifo-out")
    assert code == 2 and f"--out {tmp_path / 'fifo-out'} is a fifo; choose a directory" in err
    run = _copy(examples["action-unit run"], tmp_path / "au")
    (run / "au-predictions.csv").write_text("")
    code, _, err = cli("validate", run)
    assert code == 2 and "is not the file au-results.json records" in err, err
    (run / "au-predictions.csv").unlink()
    code, _, err = cli("validate", run)
    assert code == 2 and "au-predictions.csv is missing; restore it from a copy of the run" \
        in err, err
