"""Pass 84ad, AD2 and AD3: a sweep plan is checked whole before anything trains.

AD2: a later entry's dataset options (``subjects = -3``) and protocol options were checked
only when that entry's run opened its data, after the earlier entries had trained; the
dataset's and the protocol's own checks now run while the plan is read, and a tuning file's
dataset options are refused with the file's name. AD3: an entry's (or ``[defaults]``')
``threads = 0``, ``workers = 100000`` or ``device = "tpu"`` was taken silently where the
command line gave the same option; it is the plan's mistake either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import one_line

FIRST = '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\n'


def _refused_whole(cli, plan: str, *options: str) -> str:
    """The one line ``merbench sweep`` refuses ``plan`` with: nothing said before it (no
    banner), nothing written beside the plan."""
    before = sorted(p.name for p in Path().iterdir())
    code, out, err = cli("sweep", "--quiet", "--yes", *options, plan)
    assert code == 2 and out == "", out
    assert sorted(p.name for p in Path().iterdir()) == before
    return one_line(err)


@pytest.mark.parametrize("value, fault", [
    ("-3", "subjects must be at least 2 (LOSO needs two)"),
    ("1000000000", "subjects x samples_per_subject = 10,000,000,000 samples, more than "
                   "10,000; give fewer subjects or samples_per_subject")])
def test_a_later_entrys_dataset_value_is_refused_before_the_first_trains(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli, value: str, fault: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("late.toml").write_text(f"{FIRST}{FIRST}dataset_options = {{subjects = {value}}}\n")
    assert _refused_whole(cli, "late.toml", "--threads", "1") == (
        "merbench: error: late.toml: runs[1] (ststnet on synthetic/loso) dataset_options: "
        f"synthetic: {fault}")


def test_a_later_entrys_protocol_value_is_refused_by_its_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    monkeypatch.chdir(tmp_path)
    Path("late.toml").write_text(f"{FIRST}{FIRST}protocol_options = {{databases = []}}\n")
    assert _refused_whole(cli, "late.toml", "--threads", "1") == (
        "merbench: error: late.toml: runs[1] (ststnet on synthetic/loso) protocol_options: "
        "protocol option databases=[]: give a list of one or more database names, e.g. "
        'protocol_options = {databases = ["casme2"]}, or leave the option out for every '
        "database")


@pytest.mark.parametrize("plan, options, said", [
    (f"{FIRST}threads = 0\n", ("--threads", "1"),
     "runs[0] threads: must be at least 1 (got 0)"),
    (f"{FIRST}threads = 0\n", (), "runs[0] threads: must be at least 1 (got 0)"),
    (f"{FIRST}workers = 100000\n", ("--workers", "1", "--threads", "1"),
     "runs[0] workers: must be at most"),
    (f"{FIRST}device = \"tpu\"\n", ("--device", "cpu", "--threads", "1"),
     'runs[0] device: unknown device = "tpu"; use auto, cpu,'),
    (f"[defaults]\nthreads = 0\n{FIRST}", ("--threads", "1"),
     "[defaults] threads: must be at least 1 (got 0)")])
def test_a_plans_run_option_is_checked_though_the_command_line_overrides_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli, plan: str,
        options: tuple[str, ...], said: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.toml").write_text(plan)
    assert _refused_whole(cli, "p.toml", *options).startswith(f"merbench: error: p.toml: {said}")


def test_a_tuning_files_dataset_value_is_said_as_its_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    monkeypatch.chdir(tmp_path)
    Path("t.toml").write_text(
        'model = "ststnet"\ndataset = "synthetic"\ndataset_options = {subjects = -3}\n'
        '[options]\nepochs = 1\n[search]\nsampler = "grid"\n[space]\n'
        'lr = {choices = [0.001, 0.002]}\n')
    code, out, err = cli("tune", "--quiet", "--threads", "1", "t.toml", "--out", "t-out")
    assert code == 2 and out == "" and not Path("t-out").exists()
    assert one_line(err) == ("merbench: error: t.toml: dataset_options: synthetic: subjects "
                             "must be at least 2 (LOSO needs two)")


def test_a_run_refuses_a_dataset_value_before_it_reads_the_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic",
                         "--dataset-opt", "subjects=1", "--protocol-opt", "databases=[]",
                         "--threads", "1", "--out", "r")
    assert code == 2 and out == "" and not Path("r").exists()
    assert one_line(err) == ("merbench: error: synthetic: subjects must be at least 2 (LOSO "
                             "needs two)")


def test_a_quoted_option_pair_is_spelt_as_a_toml_table() -> None:
    from merbench.runner.keywords import python_spelling, toml_spelling

    said = "e.g. --protocol-opt 'databases=[\"casme2\"]', or leave it out"
    assert toml_spelling(said) == 'e.g. protocol_options = {databases = ["casme2"]}, or ' \
                                  "leave it out"
    assert python_spelling(said) == "e.g. protocol_options={'databases': [\"casme2\"]}, or " \
                                    "leave it out"
