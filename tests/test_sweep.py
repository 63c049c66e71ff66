"""``merbench sweep PLAN.toml``: a grid expanded to resumable runs, finished runs skipped,
a results folder the leaderboard takes, the same numbers on Ray, and bad plans refused
before anything trains."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import CliResult, run_cli

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "RAY_AUTH_MODE": "disabled",
       "RAY_USAGE_STATS_ENABLED": "0"}

PLAN = """
out = "results"
[defaults]
threads = 1
[[runs]]
model = "ststnet"
dataset = "synthetic"
seeds = [0, 1]
epochs = 3
[[runs]]
models = ["biwoof-release-svm"]
datasets = ["synthetic"]
"""


def merbench(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "merbench", *args], capture_output=True,
                          text=True, env=ENV, timeout=600, cwd=cwd)


def _predictions(out: Path) -> dict[str, pd.DataFrame]:
    return {str(p.parent.relative_to(out)): pd.read_csv(p)
            for p in sorted(out.glob("*/seed-*/predictions.csv"))}


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CliResult]:
    """The plan swept once, in this process (the Ray sweep below runs as its own command)."""
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "plan.toml").write_text(PLAN)
    return folder, run_cli("sweep", folder / "plan.toml")


def test_a_sweep_runs_every_configuration_and_seed(swept, cli) -> None:
    folder, (code, stdout, stderr) = swept
    assert code == 0, stderr
    out = folder / "results"
    runs = sorted(str(p.relative_to(out)) for p in out.glob("*/seed-*"))
    assert [r.split("-synthetic-")[0] + "/" + r.rsplit("/", 1)[1] for r in runs] == [
        "biwoof-release-svm/seed-0", "ststnet/seed-0", "ststnet/seed-1"]
    assert len(list(out.glob("*/seeds.json"))) == 2  # each configuration's, as --seeds
    assert "[3/3]" in stderr and "sweep summary" in stdout
    assert cli("validate", *out.glob("*-*"))[0] == 0
    code, stdout, stderr = cli("leaderboard", "build", "--results", out, "--out",
                               folder / "site", "--strict")
    assert code == 0 and "3 runs, 0 rejected" in stdout, stderr


def test_finished_runs_are_skipped(swept, cli) -> None:
    folder, _ = swept
    before = {p: p.stat().st_mtime_ns for p in (folder / "results").rglob("results.json")}
    code, stdout, stderr = cli("sweep", folder / "plan.toml")
    assert code == 0, stderr
    assert stderr.count("finished before, skipped") == 3
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert "0 of 2" in stdout and "0 of 1" in stdout


@pytest.mark.slow
def test_a_sweep_on_ray_gives_the_local_numbers(swept, tmp_path: Path) -> None:
    """On a local Ray instance (no --ray-address: Ray starts one for the command, the
    suite's only test of that path; tests/test_ray.py runs on a two-node cluster)."""
    folder, _ = swept
    (tmp_path / "plan.toml").write_text(PLAN)
    done = merbench("sweep", str(tmp_path / "plan.toml"), "--executor", "ray", "--quiet")
    assert done.returncode == 0, done.stderr
    ours, theirs = _predictions(tmp_path / "results"), _predictions(folder / "results")
    assert ours.keys() == theirs.keys() and len(ours) == 3
    for name in ours:
        pd.testing.assert_frame_equal(ours[name], theirs[name])


@pytest.mark.parametrize(("plan", "said"), [
    ('[[runs]]\nmodel = "nosuchnet"\ndataset = "synthetic"',
     "runs[0] (nosuchnet on synthetic/loso): "),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nmodel_options = {wings = 2}',
     "runs[0] (ststnet on synthetic/loso) model_options: model 'ststnet' has no option "
     "'wings'"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = "ten"',
     "runs[0] epochs: must be a whole number, not \"ten\" (a string)"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepoch = 3',
     "runs[0] epoch: not a key of an entry;"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nseeds = [0, 0]',
     "runs[0] seeds: names a seed twice"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nseeds = [0, 1]\n'
     '[[runs]]\nmodels = ["ststnet"]\ndataset = "synthetic"\nseeds = [1]',
     "runs[1]: asks again for ststnet on synthetic/loso seed 1 with the same options as "
     "runs[0]"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nseeds = [0]\n'
     '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nseeds = [1]',
     "runs[1]: asks for ststnet on synthetic/loso with the same options as runs[0] (other "
     "seeds); give all of its seeds in one entry"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nfeatures = "/nonexistent.npz"',
     "runs[0] (ststnet on synthetic/loso): no features file at /nonexistent.npz"),
    ('[[runs]]\ndataset = "synthetic"', "runs[0] model: missing; add model = \"NAME\""),
    ('[defaults]\nexecutor = "ray"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"',
     "runs[0] executor: not a key of an entry (all runs of a sweep share one"),
    ('[[runs]\nmodel = "ststnet"', "is not valid TOML"),
    ('out = "x"', ": runs: no [[runs]] entries; add at least one"),
    ('out = "x"\nruns = "ststnet"', "runs: must be a list of tables, one [[runs]] "
                                    "header per run, not \"ststnet\" (a string)"),
])
def test_a_bad_plan_is_refused_before_anything_trains(tmp_path: Path, plan: str,
                                                      said: str, cli) -> None:
    (tmp_path / "plan.toml").write_text(plan)
    code, _, err = cli("sweep", tmp_path / "plan.toml")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert said in lines[0] and str(tmp_path / "plan.toml") in lines[0]
    assert not any(tmp_path.glob("*-results")) and not (tmp_path / "x").exists()


def test_a_plan_that_is_not_utf8_is_one_line(tmp_path: Path, cli) -> None:
    (tmp_path / "plan.toml").write_bytes(b'out = "r\xe9sultats"\n[[runs]]\nmodel = "ststnet"\n')
    code, _, err = cli("sweep", tmp_path / "plan.toml")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert ("plan.toml is not UTF-8 text (byte 8 cannot be read: Latin-1 or Windows-1252, "
            "perhaps); save the plan as UTF-8") in err


@pytest.mark.parametrize("out", ["/etc", "/", "mine"])
def test_a_plan_may_not_write_into_system_or_foreign_folders(tmp_path: Path, out: str,
                                                             cli) -> None:
    """As run --out refuses a non-empty folder that holds no merbench run."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("mine")
    (tmp_path / "plan.toml").write_text(
        f'out = "{out}"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n')
    code, _, err = cli("sweep", tmp_path / "plan.toml")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    said = "holds no merbench runs (it holds thesis.tex)" if out == "mine" else \
        f"out: {out} is a system folder; give a folder of your own"
    assert said in lines[0]
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["thesis.tex"]


def test_run_seeds_refuses_a_foreign_folder_as_run_does(tmp_path: Path, cli) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--seeds", "0,1",
                       "--epochs", "1", "--out", tmp_path)
    assert code == 2 and f"--out {tmp_path} is not empty and holds no merbench runs (it " \
        "holds notes.txt)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_missing_plan_is_one_line(tmp_path: Path, cli) -> None:
    code, _, err = cli("sweep", tmp_path / "none.toml")
    assert code == 2 and f"no plan at {tmp_path / 'none.toml'}; give the path of a .toml " \
                         "file" in err


def test_an_entrys_own_model_replaces_the_defaults(tmp_path: Path) -> None:
    from merbench.plugin_system.manager import default_plugins
    from merbench.sweep.plan_file import read_plan

    (tmp_path / "plan.toml").write_text(
        '[defaults]\nmodels = ["ststnet", "offapexnet"]\ndataset = "synthetic"\n'
        '[[runs]]\n[[runs]]\nmodel = "biwoof-release-svm"\n')
    plan = read_plan(tmp_path / "plan.toml", default_plugins())
    assert [(c.entry, c.spec.model) for c in plan.configurations] == [
        ("runs[0]", "ststnet"), ("runs[0]", "offapexnet"), ("runs[1]", "biwoof-release-svm")]


def test_a_run_that_fails_mid_sweep_names_its_entry_and_keeps_the_runs_before(
        tmp_path: Path, cli) -> None:
    """Some problems show only once a run has its data (here: more inner-validation
    subjects than the folds have); the line names the plan entry, and the runs that
    finished before it stay finished."""
    (tmp_path / "plan.toml").write_text(
        'out = "results"\n[[runs]]\nmodel = "biwoof-release-svm"\ndataset = "synthetic"\n'
        '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 2\n'
        'selection = "inner-val"\ninner_val_subjects = 500\n')
    code, _, err = cli("sweep", tmp_path / "plan.toml", "--quiet")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert f"{tmp_path / 'plan.toml'}: runs[1] (ststnet-synthetic-loso-" in lines[0]
    assert "seed 0): " in lines[0] and "inner-val-subjects 500" in lines[0]
    finished = list((tmp_path / "results").glob("biwoof-release-svm-*/seed-0/results.json"))
    assert len(finished) == 1


def test_a_plan_of_80000_runs_is_refused_without_yes(tmp_path: Path, cli) -> None:
    """No terminal to ask (as under pytest, CI or a batch job): a plan far beyond
    RUNS_WITHOUT_ASKING is refused before anything is written or trained."""
    seeds = ", ".join(str(s) for s in range(80_000))
    (tmp_path / "plan.toml").write_text(
        f'out = "big"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nseeds = [{seeds}]\n')
    code, out, err = cli("sweep", tmp_path / "plan.toml")
    assert code == 2 and "80,000 runs" in out
    assert "starts 80,000 runs (more than 100)" in err and "or shorten the plan" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "big").exists()


def test_yes_starts_a_plan_above_the_threshold(tmp_path: Path, cli,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from merbench.cli import confirm

    monkeypatch.setattr(confirm, "RUNS_WITHOUT_ASKING", 1)
    (tmp_path / "plan.toml").write_text(
        'out = "two"\n[defaults]\nepochs = 1\n[[runs]]\nmodel = "ststnet"\n'
        'dataset = "synthetic"\nseeds = [0, 1]\n')
    code, _, err = cli("sweep", tmp_path / "plan.toml", "--quiet")
    assert code == 2 and "starts 2 runs (more than 1)" in err
    code, _, err = cli("sweep", tmp_path / "plan.toml", "--quiet", "--yes")
    assert code == 0, err
    assert len(list((tmp_path / "two").glob("*/seed-*/results.json"))) == 2


def test_many_seeds_are_refused_without_yes(tmp_path: Path, cli) -> None:
    seeds = ",".join(str(s) for s in range(150))
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--seeds", seeds,
                       "--out", tmp_path / "many")
    assert code == 2 and "starts 150 runs (more than 100)" in err and "pass --yes" in err
    assert "or give fewer seeds" in err and "plan" not in err  # a seed list is no plan
    assert not (tmp_path / "many").exists()


def test_defaults_apply_where_they_apply_and_the_summary_says_what_ran(tmp_path: Path,
                                                                        cli) -> None:
    """[defaults] epochs = 2 with an estimator among the models: left out for it (and
    said), not a refusal of the plan; the summary prints whole names, intervals and which
    configuration is a reduced setting."""
    (tmp_path / "plan.toml").write_text(
        'out = "results"\n[defaults]\nepochs = 2\n[[runs]]\n'
        'models = ["ststnet", "biwoof-release-svm"]\ndataset = "synthetic"\n')
    code, stdout, stderr = cli("sweep", tmp_path / "plan.toml", "--quiet")
    assert code == 0, stderr
    assert "[defaults] epochs not applied (model 'biwoof-release-svm' is a scikit-learn " \
           "estimator, which has none)" in stdout
    names = sorted(p.name for p in (tmp_path / "results").iterdir() if p.is_dir())
    lines = stdout.splitlines()
    assert all(name in lines for name in names)  # each name whole, on a line of its own
    assert any(line.startswith("  seed 0 · fixed · UF1 0.") and "UAR 0." in line
               and line.count("[") == 2 for line in lines)
    assert "  (epochs 2 (recipe 800): not comparable with published numbers)" in lines
    assert stdout.count("REDUCED setting") == 1 and "the model as declared" in stdout
    # an entry that names the option itself for an estimator is still refused
    (tmp_path / "own.toml").write_text(
        '[[runs]]\nmodel = "biwoof-release-svm"\ndataset = "synthetic"\nepochs = 2\n')
    code, _, stderr = cli("sweep", tmp_path / "own.toml", "--quiet")
    assert code == 2 and "has no epochs; leave it out" in stderr
