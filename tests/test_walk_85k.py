"""Where the documentation walk 85k found the product saying otherwise than the guide: each
case is the command a user types, and what it does or says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from refusal_line import refusal_line

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "user-guide.md"


def _tuning_file(tmp_path: Path, space: str) -> Path:
    path = tmp_path / "pad.toml"
    path.write_text('model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2\n'
                    '[options]\nepochs = 1\n[search]\nsampler = "random"\ntrials = 2\n'
                    f'[space]\n"model_options.padding" = {space}\n')
    return path


def test_a_whole_number_model_options_range_written_with_points_is_whole(
        cli, tmp_path: Path) -> None:
    """STSTNet's padding takes whole numbers (default 2): ``1.0..3.0`` was searched as real
    numbers, and the first trial stopped on padding=2.07 after tuning.json was written, so
    the corrected file was refused as another search. The guide: 3.0 is 3."""
    out = tmp_path / "tu"
    code, _, err = cli("tune", _tuning_file(tmp_path, "{low = 1.0, high = 3.0}"), "--score",
                       "test", "--threads", "1", "--quiet", "--out", out)
    assert code == 0, err
    [space] = json.loads((out / "tuning.json").read_text())["spec"]["space"]
    assert (space["low"], space["high"], space["integer"]) == (1, 3, True)
    assert type(space["low"]) is int and type(space["high"]) is int
    tuned = json.loads((out / "tune.json").read_text())
    values = [t["params"]["model_options.padding"] for o in tuned["outer"]
              for t in o["trials"]]
    assert all(type(v) is int and 1 <= v <= 3 for v in values), values


def test_whole_number_choices_of_a_model_option_are_recorded_as_integers(
        cli, tmp_path: Path) -> None:
    """``{choices = [1.0, 3]}`` was recorded as [1.0, 3] and tried as 1.0: so ``[1, 1.0]``,
    the same value twice, is refused as such before anything is written."""
    out = tmp_path / "tu"
    path = _tuning_file(tmp_path, "{choices = [1, 1.0]}")
    line = refusal_line(*cli("tune", path, "--out", out))
    assert line == (f"merbench: error: {path}: [space] model_options.padding: choices lists "
                    "a value twice (padding takes whole numbers, so 1.0 is 1); list each once")
    assert not out.exists()


def test_a_range_a_whole_number_option_cannot_take_is_refused_before_anything_is_written(
        cli, tmp_path: Path) -> None:
    out = tmp_path / "tu"
    path = _tuning_file(tmp_path, "{low = 1.5, high = 3.0}")
    line = refusal_line(*cli("tune", path, "--out", out))
    assert line == (f"merbench: error: {path}: [space] model_options.padding: padding takes "
                    "a whole number (default 2), so low and high must be whole numbers, not "
                    "1.5 and 3.0")
    assert not out.exists()


def test_a_real_number_model_options_range_of_whole_bounds_is_real(tmp_path: Path) -> None:
    """The option decides both ways: STSTNet's dropout (default 0.5) searches real numbers
    between 0 and 1, not the whole numbers 0 and 1."""
    from merbench.plugin_system.manager import default_plugins
    from merbench.tuning.model_space import typed_model_space
    from merbench.tuning.space import read_tune_file

    path = _tuning_file(tmp_path, "{low = 0, high = 1}").read_text()
    (tmp_path / "d.toml").write_text(path.replace("model_options.padding",
                                                  "model_options.dropout"))
    spec = read_tune_file(tmp_path / "d.toml")
    registries = default_plugins().registries
    model = registries.models.get("ststnet")
    [p] = typed_model_space(spec, model, "d.toml", registries.features).space
    assert (p.low, p.high, p.integer) == (0.0, 1.0, False)


def test_nan_is_text_for_an_option_that_takes_text(cli, tmp_path: Path) -> None:
    """The guide: VALUE is JSON when it parses, else text; ``nan`` is no JSON, and HTNet's
    feature takes ``crop`` as text: the feature's own check answers, not "not a number"."""
    line = refusal_line(*cli("run", "-m", "htnet", "-d", "synthetic", "--epochs", "1",
                             "--feature-opt", "crop=nan", "--out", tmp_path / "r"))
    assert "crop must be one of reference, corrected (got 'nan')" in line, line
    line = refusal_line(*cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                             "--model-opt", "dropout=nan", "--out", tmp_path / "r"))
    assert line == ("merbench: error: --model-opt dropout=nan: the value is not a number "
                    "(NaN); give a finite number")
    assert not (tmp_path / "r").exists()


def test_a_seed_is_shown_as_it_was_written(cli, tmp_path: Path) -> None:
    line = refusal_line(*cli("run", "-m", "ststnet", "-d", "synthetic", "--seed", " 2.5",
                             "--out", tmp_path / "r"))
    assert "--seed takes a whole number, not ' 2.5' (a seed is 0 to" in line, line


def test_the_guide_quotes_the_index_line_of_benchmarks_without_runs() -> None:
    guide = " ".join(GUIDE.read_text().split())
    template = (ROOT / "merbench" / "leaderboard" / "templates" / "index_emotion.html")
    said = template.read_text().split('id="no-runs-yet">')[1].split(":")[0]
    assert f'("{said}: ...")' in guide, said


def test_an_empty_data_dir_variable_is_said_to_be_empty(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_DATA_DIR", "")
    line = refusal_line(*cli("run", "-m", "ststnet", "-d", "composite", "--out",
                             tmp_path / "r"))
    assert "no --data-root was given and MERBENCH_DATA_DIR is set but empty;" in line, line
