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
