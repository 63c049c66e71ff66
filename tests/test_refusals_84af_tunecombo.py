"""Leftovers of pass 84af on tuning and sweep files: two searched model options that each
pass alone and fail together (HTNet's ``patch_size 14`` with ``num_hierarchies 3``) were
refused by a trial after the tuning's folder was made, where status said the same command
would go on; and a sweep plan's unknown device was said ``runs[0]: unknown device 'tpu'``,
where every other key of an entry is said ``runs[0] KEY: ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merbench.base.errors import MerbenchError
from merbench.tuning import search_checks

HTNET = ('model = "htnet"\ndataset = "synthetic"\ninner_folds = 2\n'
         "dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n"
         '[options]\nepochs = 1\nmodel_options = {dim = 8, block_repeats = 1}\n'
         '[search]\nsampler = "grid"\n[space]\n')


@pytest.mark.parametrize("sampler", ["grid", "random"])
def test_two_model_options_that_fail_together_are_refused_before_the_folder(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sampler: str) -> None:
    """patch_size 14 passes with 1 level, 3 levels pass with patch_size 7; the two together
    leave a 2 x 2 patch map for 4 x 4 blocks. The learning rate, searched beside them, is
    not named: it is not what fails."""
    monkeypatch.chdir(tmp_path)
    Path("h.toml").write_text(HTNET.replace('"grid"', f'"{sampler}"') + (
        "lr = {choices = [0.001, 0.01]}\n"
        '"model_options.patch_size" = {choices = [7, 14]}\n'
        '"model_options.num_hierarchies" = {choices = [1, 3]}\n'))
    code, out, err = cli("tune", "h.toml", "--out", "tu", "--score", "test", "--threads", "1")
    assert code == 2 and not out and err.count("\n") == 1, (out, err)
    assert err.startswith(
        "merbench: error: h.toml: [space] model_options.patch_size = 14 with "
        "model_options.num_hierarchies = 3: each passes alone, but not together: htnet: a "
        "2x2 patch map cannot be split into 4x4 blocks for 3 levels"), err
    assert "take one of these values out of its key" in err and "lr" not in err, err
    assert not Path("tu").exists()  # nothing written: the corrected file goes into tu


def _stop_after_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise MerbenchError("stopped after the checks")

    monkeypatch.setattr("merbench.tuning.run_tuning.outer_folds", stopped)


def test_a_grid_of_thousands_builds_only_its_shaping_combinations(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grid of 8,000 configurations (20 learning rates x 10 epochs x 4 paddings x 10
    dropouts) builds its model for no more than the combinations of its model's options, at
    most MAX_COMBINATIONS of them, and never for a learning rate or a number of epochs."""
    built: list[dict[str, Any]] = []
    fails = search_checks._fails_zeroed

    def counted(spec: Any, settings: Any, plugins: Any, data: Any,
                params: dict[str, Any]) -> bool:
        built.append(params)
        return fails(spec, settings, plugins, data, params)

    monkeypatch.setattr(search_checks, "_fails_zeroed", counted)
    _stop_after_checks(monkeypatch)
    monkeypatch.chdir(tmp_path)
    lrs = ", ".join(f"{0.001 * (i + 1):.3f}" for i in range(20))
    dropouts = ", ".join(f"{0.05 * i:.2f}" for i in range(10))
    Path("s.toml").write_text(
        'model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2\n'
        "dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n"
        '[search]\nsampler = "grid"\ntrials = 1000\n[space]\n'
        f"lr = {{choices = [{lrs}]}}\nepochs = {{low = 1, high = 10}}\n"
        '"model_options.padding" = {low = 0, high = 3}\n'
        f'"model_options.dropout" = {{choices = [{dropouts}]}}\n')
    _, _, err = cli("tune", "s.toml", "--out", "tu", "--score", "test", "--threads", "1")
    assert err == "merbench: error: s.toml: stopped after the checks\n", err
    assert 0 < len(built) <= search_checks.MAX_COMBINATIONS
    assert {(p["lr"], p["epochs"]) for p in built} == {(0.001, 1)}
    # padding 1 and 2, between the range's ends, are tried too: a grid visits them
    assert {1, 2} <= {p["model_options.padding"] for p in built}


def test_a_grid_value_between_a_ranges_ends_is_checked(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grid visits every whole number of a range: HTNet's patch_size 8 of 7..14 does not
    divide its 28 x 28 input, though both ends do (7 and 14, with one level)."""
    monkeypatch.chdir(tmp_path)
    Path("h.toml").write_text(HTNET.replace("block_repeats = 1", "block_repeats = 1, "
                                            "num_hierarchies = 1")
                              + '"model_options.patch_size" = {low = 7, high = 14, step = 1}\n')
    code, out, err = cli("tune", "h.toml", "--out", "tu", "--score", "test", "--threads", "1")
    assert code == 2 and not out and err.count("\n") == 1, err
    assert err.startswith("merbench: error: h.toml: [space] model_options.patch_size: the "
                          "value 8: htnet: image_size 28 is not a multiple of patch_size 8"), err
    assert not Path("tu").exists()


def test_a_combination_that_fails_only_with_zero_weights_is_not_refused(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick build (meta device, weights zero) is no trial's: a model that fails there
    alone is checked again as a trial builds it, and passes."""
    from merbench_cnn.ststnet import STSTNet

    forward = STSTNet.forward

    def not_on_zeros(self: STSTNet, x: Any) -> Any:
        if not bool(self.conv.weight.abs().sum()):
            raise RuntimeError("a weight of zero here")
        return forward(self, x)

    monkeypatch.setattr(STSTNet, "forward", not_on_zeros)
    _stop_after_checks(monkeypatch)
    monkeypatch.chdir(tmp_path)
    Path("s.toml").write_text(
        'model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2\n'
        "dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n"
        '[search]\nsampler = "grid"\n[space]\n'
        '"model_options.padding" = {choices = [1, 2]}\n'
        '"model_options.dropout" = {choices = [0.5, 0.3]}\n')
    _, _, err = cli("tune", "s.toml", "--out", "tu", "--score", "test", "--threads", "1")
    assert err == "merbench: error: s.toml: stopped after the checks\n", err


PLAN = '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\n'


@pytest.mark.parametrize(("plan", "said"), [
    (f'{PLAN}device = "tpu"\n', "p.toml: runs[0] device: "),
    (f'[defaults]\ndevice = "tpu"\n{PLAN}', "p.toml: [defaults] device: "),
])
def test_a_plans_unknown_device_is_said_by_its_key(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: str, said: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.toml").write_text(plan)
    code, out, err = cli("sweep", "p.toml", "--threads", "1")
    assert code == 2 and not out, (out, err)
    assert err == (f'merbench: error: {said}unknown device = "tpu"; use auto, cpu, cuda, '
                   "cuda:N or mps\n"), err
    assert sorted(p.name for p in Path().iterdir()) == ["p.toml"]


def test_the_command_lines_unknown_device_names_its_flag(cli) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--device", "tpu")
    assert code == 2 and err == ("merbench: error: unknown --device 'tpu'; use auto, cpu, "
                                 "cuda, cuda:N or mps\n"), err
