"""What the minor findings of the second adversarial pass after issue 84 were: a refusal said
after the line a command opens with (``run``'s "reading the data", ``sweep``'s and ``tune``'s
header), so two lines; a tuning file's refusal without the file's name; a stray key of a
searched option called a range; a key given twice in a TOML file said only as a place; and a
sweep plan's key said as the other spelling. Each case runs the command a user runs, its
output in a log (where ``run`` writes its lines on stdout)."""

from __future__ import annotations

from pathlib import Path

import pytest


def _refused(code: int, out: str, err: str) -> str:
    """The one line a refusal is: exit status 2, nothing on stdout, one line on stderr."""
    assert code == 2, err
    assert out == "", out  # no opening line before the refusal
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def into_a_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout a file or a pipe (``merbench run ... > log``): ``run`` says what it reads as a
    line there, the line a refusal came after."""
    monkeypatch.setattr("merbench.cli.progress.stdout_is_a_log", lambda: True)


@pytest.mark.usefixtures("into_a_log")
@pytest.mark.parametrize(("given", "said"), [
    (("--epochs", "-1"), "--epochs must be at least 1 (got -1)"),
    (("--lr", "nan"), "--lr nan: the value is not a number (NaN); give a finite number"),
    (("--batch-size", "0"), "--batch-size must be at least 1 (got 0)"),
    (("--threads", "0"), "--threads must be at least 1 (got 0)"),
    (("--protocol", "nosuch"), "unknown protocol 'nosuch'"),
    (("--device", "tpu"), "unknown --device 'tpu'"),
    (("--selection", "nope"), "unknown selection policy 'nope'"),
    (("--checkpoint-every", "-1"), "--checkpoint-every must be a number of minutes >= 0"),
    (("--au-set", "1,2"), "--au-set chooses the AUs of an AU run; add --task au"),
    (("--out", "/"), "--out / is a system folder; give a folder of your own"),
    (("--features", "/dev/zero"), "--features /dev/zero is a character device, not a "
                                  "regular file"),
    (("--features", "{tmp}/none.npz"), "no features file at {tmp}/none.npz"),
    (("--dataset-opt", "subjects=nan"), "--dataset-opt subjects=nan: the value is not a "
                                        "number"),
], ids=["epochs", "lr", "batch", "threads", "protocol", "device", "selection", "checkpoint",
        "au-set", "out", "features-device", "features-missing", "dataset-opt"])
def test_a_run_refused_says_one_line_not_that_it_reads_the_data(
        given: tuple[str, str], said: str, cli, tmp_path: Path) -> None:
    args = [a.format(tmp=tmp_path) for a in given]
    out = [] if "--out" in given else ["--out", tmp_path / "r"]
    epochs = [] if "--epochs" in given else ["--epochs", "1"]  # an option is given once
    line = _refused(*cli("run", "-m", "ststnet", "-d", "synthetic", *epochs, *out, *args))
    assert said.format(tmp=tmp_path) in line, line
    assert not (tmp_path / "r").exists()


@pytest.mark.usefixtures("into_a_log")
def test_a_seeds_run_refused_says_one_line(cli, tmp_path: Path) -> None:
    line = _refused(*cli("run", "-m", "ststnet", "-d", "synthetic", "--seeds", "0,1",
                         "--lr", "0", "--out", tmp_path / "seeds"))
    assert "--lr must be a positive number (got 0)" in line, line


@pytest.mark.usefixtures("into_a_log")
def test_a_run_that_goes_on_still_says_it_reads_the_data(cli, tmp_path: Path) -> None:
    code, out, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                         "--out", tmp_path / "r")
    assert code == 0, err
    assert out.startswith("ststnet on synthetic: reading the data, the features and any "
                          "finished folds\n"), out


def test_a_sweep_of_an_au_task_is_refused_before_its_header(cli, tmp_path: Path) -> None:
    plan = tmp_path / "s28.toml"
    plan.write_text('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\ntask = "au"\n')
    line = _refused(*cli("sweep", "--yes", plan))
    assert line.startswith(f"merbench: error: {plan}: runs[0] (ststnet on synthetic/loso): "
                           'task = "au" is not swept or tuned yet'), line
    # the plan's key is named as the plan wrote it; the command it advises, as it is typed
    assert line.endswith("'merbench run --task au --seeds 0,1,2'"), line
    assert not (tmp_path / "s28-results").exists()


TUNING = """model = "ststnet"
dataset = "synthetic"
{top}
[options]
epochs = 1
[search]
sampler = "grid"
[space]
{space}
"""
SMALL = "dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}"


@pytest.mark.parametrize(("top", "space", "said"), [
    (f"inner_folds = 2\n{SMALL}", '"model_options.dropout" = {choices = [0.1, 2.0]}',
     "[space] model_options.dropout: the choice 2.0: model 'ststnet': dropout=2.0 is no dropout "
     "probability"),
    ("inner_folds = 99", "lr = {choices = [0.1]}",
     "outer fold syn1/s01 has 5 training subjects, fewer than inner_folds = 99; give "
     "inner_folds = 5 or fewer"),
    ('protocol = "nope"', "lr = {choices = [0.1]}", "unknown protocol 'nope'; available: "),
    ("", 'lr = {choices = [0.1], log = "yes"}',
     "[space] lr: log goes only with a range (low and high), not with choices; remove log, "
     "or give low and high in place of choices"),
    ("", "lr = {choices = [0.1], step = 2}", "[space] lr: step goes only with a range"),
], ids=["space-value", "inner-folds", "protocol", "stray-log", "stray-step"])
@pytest.mark.parametrize("seeds", [(), ("--seeds", "0,1")], ids=["one", "seeds"])
def test_a_tuning_file_refused_is_named_in_one_line(
        top: str, space: str, said: str, seeds: tuple[str, ...], cli, tmp_path: Path) -> None:
    tuning = tmp_path / "t12.toml"
    tuning.write_text(TUNING.format(top=top, space=space))
    line = _refused(*cli("tune", tuning, "--threads", "1", "--quiet", *seeds, "--out",
                         tmp_path / "o"))
    assert line.startswith(f"merbench: error: {tuning}: ") and said in line, line
    assert line.count(str(tuning)) == 1, line
    assert not (tmp_path / "o").exists()


def test_a_tuning_file_with_choices_and_a_range_still_says_so(cli, tmp_path: Path) -> None:
    tuning = tmp_path / "t.toml"
    tuning.write_text(TUNING.format(top="", space="lr = {choices = [0.1], low = 0.1}"))
    line = _refused(*cli("tune", tuning, "--out", tmp_path / "o"))
    assert line.endswith(f"{tuning}: [space] lr: choices and a range are given; give one of them"
                         ), line


@pytest.mark.parametrize(("body", "said"), [
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\nepochs = 2',
     "epochs is given twice (again at line 5); give it once"),
    ('[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\nepochs = 2\n\n',
     "epochs is given twice (again at line 5); give it once"),
    ('[[runs]]\nmodel = "ststnet"\nseeds = [0]\nseeds = [\n  1,\n  2,\n]\n',
     "seeds is given twice (again at line 4); give it once"),
    ('[defaults]\nepochs = 1\n[defaults]\nlr = 0.1\n[[runs]]\nmodel = "ststnet"\n',
     "the table [defaults] is given twice (again at line 3); give its keys under one "
     "[defaults]"),
    ('[[runs]]\nmodel = "ststnet"\nmodel_options = {dim = 8, dim = 9}\n',
     "dim is given twice in one {...} table at line 3; give it once"),
    ('[[runs]]\nmodel_options = {dim = 8}\nmodel_options.drop = 0.1\n',
     "model_options.drop at line 3 adds to a table given whole as {...} earlier; give all "
     "of its keys inside those braces"),
], ids=["key", "key-at-end", "multi-line-value", "table", "inline", "inline-added-to"])
def test_a_key_given_twice_in_a_plan_is_named(body: str, said: str, cli,
                                             tmp_path: Path) -> None:
    plan = tmp_path / "s33.toml"
    plan.write_text(body)
    line = _refused(*cli("sweep", "--yes", plan))
    assert line == f"merbench: error: {plan}: {said}", line


def test_a_key_given_twice_in_a_tuning_file_is_named(cli, tmp_path: Path) -> None:
    tuning = tmp_path / "t.toml"
    tuning.write_text(TUNING.format(top='model = "ststnet"', space="lr = {choices = [0.1]}"))
    line = _refused(*cli("tune", tuning, "--out", tmp_path / "o"))
    assert line == f"merbench: error: {tuning}: model is given twice (again at line 3); " \
                   "give it once", line


@pytest.mark.parametrize(("entry", "said"), [
    ('model = ""', "model: must be a name or a non-empty list of names"),
    ("models = []", "models: must be a name or a non-empty list of names"),
    ('dataset = ["synthetic", "synthetic"]', "dataset: names \"synthetic\" twice"),
], ids=["model", "models", "dataset-twice"])
def test_a_plan_name_refused_is_said_by_the_key_the_plan_used(
        entry: str, said: str, cli, tmp_path: Path) -> None:
    plan = tmp_path / "s49.toml"
    dataset = "" if entry.startswith("dataset") else 'dataset = "synthetic"\n'
    model = "" if entry.startswith("model") else 'model = "ststnet"\n'
    plan.write_text(f"[[runs]]\n{model}{dataset}{entry}\n")
    line = _refused(*cli("sweep", "--yes", plan))
    assert line.startswith(f"merbench: error: {plan}: runs[0] {said}"), line
