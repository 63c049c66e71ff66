"""Findings S12, S13 and S14 of adversarial pass 84s (issue 84): a tuning file's ``[space]``
refused in one line naming the file and the key, in one shape, values quoted as JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "tune-tiny.toml"
SEARCHED = "lr = {choices = [0.001, 0.03]}"


def _refused(tmp_path: Path, cli, line: str) -> str:
    """The one line ``tune`` refuses the example with ``line`` searched in place of its lr,
    the file's name taken off; nothing is written."""
    example = EXAMPLE.read_text()
    assert SEARCHED in example
    (tmp_path / "tune.toml").write_text(example.replace(SEARCHED, line))
    code, _, err = cli("tune", "--score", "test", "--threads", "1", "--out", tmp_path / "out",
                       tmp_path / "tune.toml")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()
    prefix = f"merbench: error: {tmp_path / 'tune.toml'}: "
    assert err.startswith(prefix), err
    return err.removeprefix(prefix).rstrip("\n")


@pytest.mark.parametrize("line", [
    "dataset_options = {choices = [{subjects = 3, databases = 1, samples_per_subject = 3}, "
    "{subjects = 4, databases = 1, samples_per_subject = 3}]}",
    '"dataset_options.subjects" = {choices = [3, 4]}',
    "dataset_options = {choices = [1, 2]}",
])
def test_the_dataset_options_are_the_tunings_not_a_trials(tmp_path: Path, cli,
                                                          line: str) -> None:
    """S12: searched dataset options met a TypeError building the first trial's run (the
    tuning's own dataset_options given twice); the dataset is the tuning's, said so."""
    said = _refused(tmp_path, cli, line)
    name = line.split(" = ")[0].strip('"')
    assert said.startswith(f"[space] {name}: the dataset is the tuning's"), said
    assert "give dataset_options = {...} at the top of the file" in said, said


def test_the_searchable_options_listed_are_those_a_trial_takes(tmp_path: Path, cli) -> None:
    """S12: the list of run options a search takes named dataset_options (and the bare
    model_options, which is searched by its NAME)."""
    said = _refused(tmp_path, cli, "colour = {choices = [1, 2]}")
    listed = said.split("search a run option (")[1].split(")")[0].split(", ")
    assert "lr" in listed and "feature_options" in listed, said
    assert "dataset_options" not in listed and "model_options" not in listed, said


def test_a_searched_feature_options_table_is_refused_with_the_file_and_key(
        tmp_path: Path, cli) -> None:
    """S14: an option the feature has not was refused by the first trial's plan, without the
    file or the key, and a feature taking none was said to have "options: (none)"."""
    said = _refused(tmp_path, cli, "feature_options = {choices = [{a = 1}, {b = 2}]}")
    assert said == "[space] feature_options: feature 'flow-uvos' takes no options (given " \
        "'a')", said


def test_a_bare_model_options_key_is_shown_an_option_of_its_own_model(tmp_path: Path,
                                                                     cli) -> None:
    """S14: ``[space] model_options`` was told "e.g. model_options.dim" whatever the model:
    STSTNet has no option dim."""
    said = _refused(tmp_path, cli,
                    "model_options = {choices = [{dropout = 0.1}, {dropout = 0.2}]}")
    assert said == "[space] model_options: name the model option, e.g. " \
        "model_options.padding", said


def test_an_entry_taking_no_options_says_so() -> None:
    """S14: the one check of option names said "its options are: (none)" of a feature with
    none, for the command line and the files alike."""
    from merbench.plugin_system.manager import default_plugins
    from merbench.plugin_system.option_values import OptionRefused

    flow = default_plugins().registries.features.get("flow-uvos")
    with pytest.raises(OptionRefused) as refused:
        flow.check_known("feature", {"size": 14})
    assert str(refused.value) == "feature 'flow-uvos' takes no options (given 'size')"
    assert refused.value.said == "names 'size', but feature 'flow-uvos' takes no options"


@pytest.mark.parametrize(("line", "says"), [
    ("lr = {choices = [0.001, 1e400]}", "[space] lr: a choice is infinite; give a finite number"),
    ('lr = {choices = [0.001, "a"]}', '[space] lr: a choice must be a number, not "a" (a string)'),
    ("lr = {choices = [1e-400, 0.1]}", "[space] lr: a choice, 1e-400, is too close to 0"),
    ("epochs = {low = 1.5, high = 3}", "[space] epochs: low must be a whole number, not 1.5"),
    ('"model_options.image_size" = {choices = [28, "a"]}',
     '[space] model_options.image_size: the choice "a": model \'ststnet\': image_size="a" is text; '
     "image_size takes a whole number (default 28)"),
])
def test_a_space_value_is_refused_in_the_one_shape_quoted_as_json(
        tmp_path: Path, cli, line: str, says: str) -> None:
    """S13: a run's check of a searched value said ``[space]: 'lr' is infinite``, a shape
    no other ``[space]`` refusal has, and a model's ``image_size='a'`` beside the file's
    ``"a"``: every one is now ``FILE: [space] KEY...``, text quoted as JSON."""
    if line.startswith("epochs"):  # the example fixes epochs in [options]
        line = line.replace("epochs", "batch_size")
        says = says.replace("epochs", "batch_size")
    said = _refused(tmp_path, cli, line)
    assert said.startswith(says), said
    assert "[space]:" not in said and "'a'" not in said, said


@pytest.mark.parametrize(("line", "key"), [
    ("lr = {choices = [0.1], low = 0.1}", "lr"),
    ("lr = 0.1", "lr"),
    ("lr = {lo = 0.1}", "lr"),
    ("lr = {low = 0.001}", "lr"),
    ("lr = {low = 0.001, high = 0.1}", "lr"),  # the example's grid cannot list it
    ("epochs = {choices = [1, 2]}", "epochs"),  # fixed in the example's [options]
    ('device = {choices = ["cpu"]}', "device"),
    ("colour = {choices = [1, 2]}", "colour"),
    ("lr = {choices = [0.001, 1e400]}", "lr"),
    ("batch_size = {choices = [0, 2]}", "batch_size"),  # a run's check of a searched value
    ('"model_options.dropout" = {choices = [0.1, 2.0]}', "model_options.dropout"),  # model's
])
def test_every_space_refusal_names_its_key_in_one_shape(tmp_path: Path, cli, line: str,
                                                        key: str) -> None:
    """S13: ``[space] KEY: ...``, never ``[space]: 'KEY' ...``, ``[space] KEY is ...`` nor
    ``[space] KEY = VALUE: ...`` beside it."""
    said = _refused(tmp_path, cli, line)
    assert said.startswith(f"[space] {key}: "), said
