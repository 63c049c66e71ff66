"""Pass 84ad's tuning findings: AD4 (a grid over a whole-number range with a huge high end
ended in Python's OverflowError while its size was counted) and AD5 (a searched model option
the model refuses only against its input, STSTNet's ``image_size 30`` for 28 x 28 flow
images, was refused by the first trial, after the tuning's folder was made, naming neither
the file nor the key, and status then promised the same command would go on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merbench.base.errors import MerbenchError
from merbench.tuning.space import parse_tune

BASE = {"model": "ststnet", "dataset": "synthetic", "search": {"sampler": "grid"}}


@pytest.mark.parametrize(("space", "message"), [
    # a run option's bound is what the file must change, whatever it samples with
    ({"batch_size": {"low": 1, "high": 1e300, "step": 1}},
     "t.toml: [space] batch_size: the high end 1000"),
    ({"batch_size": {"low": 1, "high": 1e30}},
     "batch_size must be at most 65,536"),
    # a model option's range has no bound here: the grid's size is said, in a line
    ({"model_options.padding": {"low": 1, "high": 10**40}},
     "t.toml: [search] sampler: \"grid\" lists at least 10^40 configurations of [space], "
     "more than 100,000"),
    ({"model_options.padding": {"low": 0, "high": 10**40, "step": 3}},
     "\"grid\" lists at least 10^39 configurations"),
])
def test_a_grid_to_a_huge_high_end_is_refused_in_one_line(space: dict[str, object],
                                                          message: str) -> None:
    with pytest.raises(MerbenchError) as caught:
        parse_tune({**BASE, "space": space}, "t.toml")
    assert message in str(caught.value), caught.value
    assert "\n" not in str(caught.value)


def test_a_grid_is_counted_as_it_is_listed() -> None:
    spec = parse_tune({**BASE, "space": {"model_options.padding": {"low": 1, "high": 8,
                                                                   "step": 3}}}, "t.toml")
    assert spec.space[0].grid_size() == len(spec.space[0].grid()) == 3 == spec.trials


TUNE = ('model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2\n'
        "dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n"
        '[options]\nepochs = 1\n[search]\nsampler = "grid"\n[space]\n')


@pytest.mark.parametrize("space", [
    '"model_options.image_size" = {choices = [28, 30]}\n',
    # the first corner fails: its failing key is named, not the first key of [space]
    'lr = {choices = [0.001, 0.01]}\n"model_options.image_size" = {choices = [30, 28]}\n',
])
def test_a_value_the_model_refuses_against_its_input_is_refused_before_the_folder(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, space: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.toml").write_text(TUNE + space)
    code, out, err = cli("tune", "s.toml", "--out", "tu", "--score", "test", "--threads", "1")
    assert code == 2 and err.count("\n") == 1 and not out, (out, err)
    assert err == ("merbench: error: s.toml: [space] model_options.image_size: the choice 30: "
                   "ststnet: image_size 30 is not the size of its input, 28 x 28 images; "
                   "give image_size 28\n"), err
    assert not Path("tu").exists()  # nothing written: the corrected file goes into tu


def test_a_forward_failure_of_a_library_is_said_in_merbench_words(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A searched value the model's code fails on, in a library's words (a RuntimeError of
    torch's), is named by its key and value; the library's words are not said."""
    from merbench_cnn.ststnet import STSTNet

    forward = STSTNet.forward

    def fails_on_padding(self: STSTNet, x: Any) -> Any:
        if self.conv.padding == (5, 5):
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")
        return forward(self, x)

    monkeypatch.setattr(STSTNet, "forward", fails_on_padding)
    monkeypatch.chdir(tmp_path)
    Path("s.toml").write_text(TUNE + '"model_options.padding" = {choices = [2, 5]}\n')
    code, _, err = cli("tune", "s.toml", "--out", "tu", "--score", "test", "--threads", "1")
    assert code == 2 and err.count("\n") == 1, err
    assert ("s.toml: [space] model_options.padding: the choice 5: model 'ststnet' built with "
            "it fails on a batch of its input's shape (3, 28, 28) (feature 'flow-uvos'); "
            "narrow the space") in err, err
    assert "mat1" not in err and not Path("tu").exists()


def test_a_model_that_fails_on_zeros_whatever_its_options_is_left_to_the_run(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check's batch of zeros, not the searched value, is at fault when the model fails
    on it with no options at all: the search is not refused for it."""
    from merbench_cnn.ststnet import STSTNet


    def never(self: STSTNet, x: Any) -> Any:
        raise RuntimeError("no zeros here")

    monkeypatch.setattr(STSTNet, "forward", never)
    stop = MerbenchError("stopped after the checks")

    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise stop

    monkeypatch.setattr("merbench.tuning.run_tuning.outer_folds", stopped)
    monkeypatch.chdir(tmp_path)
    Path("s.toml").write_text(TUNE + '"model_options.padding" = {choices = [2, 5]}\n')
    code, _, err = cli("tune", "s.toml", "--out", "tu", "--score", "test", "--threads", "1")
    assert code == 2 and err == "merbench: error: s.toml: stopped after the checks\n", err
