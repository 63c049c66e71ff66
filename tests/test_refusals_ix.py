"""Bad input found by the ninth adversarial pass (issue 69): ``leaderboard export --force``
replaced a device node, a fifo, links and a result's own file with its table; ``merbench
sweep FIFO`` waited for a writer for good; and messages that named no line, advised an
option a command lacks, called a fifo "a file" or quoted the wrong folder.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from test_fifo_refusals import _merbench

RESULTS = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
BENCHMARK = "composite-3class-loso"


def _export(cli, out: Path | str, *more: str) -> tuple[int, str, str]:
    return cli("leaderboard", "export", BENCHMARK, "--results",
               RESULTS / "lbp-apex-svm-composite-loso", "--out", out, *more)


@pytest.mark.parametrize("made", ["fifo", "link to a file", "link to a folder"])
def test_export_force_never_replaces_what_is_no_regular_file(tmp_path: Path, cli,
                                                             made: str) -> None:
    """Finding 1: ``--out /dev/zero --force`` replaced the device with a CSV file (as root),
    and so a fifo and links; without --force the refusal advised --force."""
    target = tmp_path / "target.txt"
    target.write_text("mine\n")
    out = tmp_path / "out"
    if made == "fifo":
        os.mkfifo(out)
    else:
        out.symlink_to(target if made == "link to a file" else tmp_path)
    for force in (("--force",), ()):
        code, _, err = _export(cli, out, *force)
        assert code == 2 and "not a file; merbench writes a table only in place of a " \
                               "regular file" in err, err
        assert "--force" not in err
    assert not stat.S_ISREG(os.lstat(out).st_mode)  # left as it was
    assert target.read_text() == "mine\n"


def test_export_refuses_a_system_folder_and_a_results_own_folder(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    code, _, err = _export(cli, "/proc/merbench-table.csv", "--force")
    assert code == 2 and "is inside the system folder /proc; give a file of your own" in err
    seeds = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "seeds"))
    before = (seeds / "seeds.json").read_bytes()
    for out in (seeds / "seeds.json", seeds / "table.csv", seeds / "seed-0" / "table.csv"):
        code, _, err = _export(cli, out, "--force")
        assert code == 2 and "whose files are its own" in err, err
    assert (seeds / "seeds.json").read_bytes() == before
    assert not (seeds / "table.csv").exists()


def test_a_sweep_plan_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    """``merbench sweep FIFO`` blocked for good opening it (the tuning file did not)."""
    os.mkfifo(tmp_path / "plan.toml")
    done = _merbench("sweep", tmp_path / "plan.toml", cwd=tmp_path)
    assert done.returncode == 2 and "plan.toml is a fifo, not a regular file" in done.stderr


@pytest.mark.parametrize(("command", "what"), [("sweep", "plan"), ("tune", "tuning file")])
def test_toml_nested_thousands_deep_is_said_as_such(tmp_path: Path, cli, command: str,
                                                    what: str) -> None:
    """Finding 4: the tuning file's refusal quoted "maximum recursion depth exceeded" and
    said "fix that line", naming none; the sweep plan's reader, a copy, said it well."""
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = cli(command, deep, *(("--out", tmp_path / "o") if command == "tune" else ()))
    assert code == 2 and f"nests arrays or tables thousands deep, as no {what} does" in err
    assert "recursion" not in err


def test_the_lodo_refusal_names_the_setting_of_a_tuning_file(tmp_path: Path, cli) -> None:
    """Finding 3: ``protocol = "lodo"`` on one database was told "use --protocol loso",
    which ``tune`` then refused as an option it does not have."""
    space = tmp_path / "lodo.toml"
    space.write_text('model = "ststnet"\ndataset = "synthetic"\nprotocol = "lodo"\n'
                     'dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n'
                     '[options]\nepochs = 1\n[search]\nsampler = "grid"\n'
                     '[space]\nlr = {choices = [0.001, 0.01]}\n')
    code, _, err = cli("tune", space, "--out", tmp_path / "o")
    assert code == 2 and 'protocol = "loso" in a tuning or sweep file' in err, err


def test_a_fifo_is_said_as_a_fifo_by_resume_and_build(tmp_path: Path, cli) -> None:
    os.mkfifo(tmp_path / "f")
    code, _, err = cli("run", "--resume", tmp_path / "f")
    assert code == 2 and f"--resume {tmp_path / 'f'} is a fifo;" in err, err
    code, _, err = cli("leaderboard", "build", "--results", RESULTS, "--out", tmp_path / "f")
    assert code == 2 and f"--out {tmp_path / 'f'} is a fifo; choose a folder" in err, err


def test_one_seed_shows_no_standard_deviation() -> None:
    """Finding 7: a one-seed --seeds table showed "± 0.0000", though the sample standard
    deviation of one value is undefined."""
    from merbench.kinds.score_cells import mean_std, std_note

    assert mean_std(0.1671, 0.0, 1) == "0.1671"
    assert mean_std(0.1671, 0.01, 2) == "0.1671 ± 0.0100"
    assert std_note("sample standard deviation", 1).endswith("; one seed has none")


def test_status_audit_and_seeds_out_say_what_the_path_is(tmp_path: Path, cli) -> None:
    code, _, err = cli("status", tmp_path / "nowhere")
    assert code == 2 and "nowhere: no such file or folder" in err, err
    (tmp_path / "broken.json").write_text("{")
    code, _, err = cli("audit", tmp_path / "broken.json")
    assert code == 2 and "is a file no merbench result is written in" in err, err
    (tmp_path / "afile").write_text("x")
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--seeds", "0,1",
                       "--out", tmp_path / "afile" / "x")
    assert code == 2 and f"{tmp_path / 'afile'} is a file, not a folder" in err, err
    assert "seed-0" not in err and "Not a directory" not in err


def test_compare_refuses_a_summary_and_one_of_its_own_seed_runs(examples: dict[str, Path],
                                                                cli) -> None:
    """Finding 9: a paired test of a summary over seeds against a seed run it averages."""
    seeds = examples["summary over seeds"]
    code, _, err = cli("compare", seeds, seeds / "seed-0")
    assert code == 2 and "a seed run its summary averages" in err, err
