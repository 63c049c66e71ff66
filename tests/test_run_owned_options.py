"""What merbench decides itself in a run, met as a user meets it (pass 84p, P3, P12).

An estimator's ``random_state`` was taken as a model option and recorded, then overridden
by each fold's seed: two runs recorded with different seeds trained identically. An AU run's
head is one binary output per AU, so ``--au-set 4`` (one AU) builds a one-output head;
STSTNet's own size check refused that as "num_classes ... at least 2", an option the user
never gave, while rcn trained it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FOREST_RUN, one_line

from merbench.plugin_system.manager import load_plugins


@pytest.mark.parametrize("option", ["random_state=5", "random_state=None"])
def test_an_estimators_random_state_is_refused_pointing_to_seed(
        sklearn_forest, cli, tmp_path: Path, option: str) -> None:
    code, _, err = cli(*FOREST_RUN, "--model-opt", option, "--out", tmp_path / "run")
    assert code == 2, err
    assert one_line(err) == (
        "merbench: error: model 'sk-rf': merbench sets random_state itself, seeding each "
        "fold from --seed; leave out --model-opt random_state and give --seed instead")
    assert not (tmp_path / "run").exists()


def test_an_estimators_other_options_still_run(sklearn_forest, cli, tmp_path: Path) -> None:
    code, _, err = cli(*FOREST_RUN, "--model-opt", "n_estimators=3", "--out", tmp_path / "run")
    assert code == 0, err


def test_every_model_that_takes_num_classes_builds_a_one_output_head() -> None:
    models = load_plugins().registries.models
    for name in models.names():
        entry = models.get(name)
        if "num_classes" in entry.options():  # an AU run of one AU builds it so
            assert entry.create("model", num_classes=1) is not None, name


@pytest.mark.realdata
def test_an_au_run_of_one_au_trains_ststnet(real_data: Path, cli, tmp_path: Path) -> None:
    code, out, err = cli("run", "--task", "au", "-m", "ststnet", "-d", "composite",
                         "--data-root", real_data / "composite", "--au-set", "4",
                         "--epochs", "1", "--threads", "1", "--quiet", "--out", tmp_path / "au")
    assert code == 0, err
    assert (tmp_path / "au" / "au-results.json").is_file(), out


TUNE_FILE = ('model = "sk-rf"\ndataset = "synthetic"\nprotocol = "loso"\nseed = 0\n'
             'objective = "uf1"\ninner_folds = 2\ndataset_options = {subjects = 3}\n'
             '[options]\nmodel_options = {n_estimators = 3}\n[search]\nsampler = "grid"\n'
             '[space]\n"model_options.max_depth" = {choices = [2, 3]}\n')


@pytest.mark.parametrize(("edit", "said"), [
    (("model_options.max_depth", "model_options.random_state"),
     "[space] model_options.random_state: merbench sets random_state itself, seeding each "
     "fold from the file's seed; remove it"),
    (("{n_estimators = 3}", "{n_estimators = 3, random_state = 4}"),
     "[options] model_options.random_state: merbench sets random_state itself, seeding each "
     "fold from the file's seed; remove it"),
    (("model_options.max_depth", "model_options.num_classes"),
     "[space] model_options.num_classes: the number of classes comes from the dataset; "
     "remove it"),
])
def test_a_tuning_file_giving_a_run_owned_option_is_refused_naming_the_file_and_key(
        sklearn_forest, cli, tmp_path: Path, edit: tuple[str, str], said: str) -> None:
    """Pass 84q, Q9: the refusal said ``leave out --model-opt random_state`` (tune has no
    such flag) and named neither the file nor the key, where a sweep names both."""
    plan = tmp_path / "t1.toml"
    plan.write_text(TUNE_FILE.replace(*edit))
    code, _, err = cli("tune", plan, "--out", tmp_path / "tu", "--threads", "1", "--quiet")
    assert code == 2 and one_line(err) == f"merbench: error: {plan}: {said}", err
    assert not (tmp_path / "tu").exists()
