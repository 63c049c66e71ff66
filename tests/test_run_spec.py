"""Each run option is declared once, in RunSpec (what runs) or RunSettings (where and how
fast), and everything else is generated from them."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

import merbench
from merbench.cli import build_parser
from merbench.cli.run_options import options_table, spec_from_args
from merbench.runner.spec import RunSettings, RunSpec, flag, options, resumable, run_config

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user-guide.md"


def _run_parser():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    return commands.choices["run"]


def test_every_field_is_a_run_option_and_nothing_else_is() -> None:
    dests = {a.dest for a in _run_parser()._actions} - {"help", "no_plugin", "plugin",
                                                        "resume", "seeds", "quiet", "yes"}
    assert dests == {f.name for f in (*dataclasses.fields(RunSpec),
                                      *dataclasses.fields(RunSettings))}


def test_options_given_on_the_command_line_reach_the_spec(tmp_path: Path) -> None:
    args = build_parser().parse_args([
        "run", "-m", "ststnet", "-d", "synthetic", "--epochs", "3", "--lr", "0.01",
        "--fused-optimizer", "--model-opt", "padding=1", "--model-opt", "x=[1,2]",
        "--out", str(tmp_path), "--checkpoint-every", "0.5", "--precision", "bf16"])
    spec, settings = spec_from_args(args)
    assert spec == RunSpec(model="ststnet", dataset="synthetic", epochs=3, lr=0.01,
                           fused_optimizer=True, model_options={"padding": 1, "x": [1, 2]},
                           precision="bf16")
    assert settings == RunSettings(out=tmp_path, checkpoint_every=0.5)


def test_resume_takes_only_where_and_how_fast_and_keeps_the_rest(tmp_path: Path, cli) -> None:
    assert set(resumable()) == {"fused_optimizer", "device", "parallel_folds", "executor",
                                "ray_address", "gpus_per_task", "eager",
                                "checkpoint_every", "workers", "threads", "data_root",
                                "features"}
    code, _, err = cli("run", "--resume", tmp_path, "--epochs", "3", "--seed", "1")
    assert code == 2 and f"--resume takes every option from {tmp_path}/run.json; leave " \
        "out --seed, --epochs" in err
    code, _, err = cli("run", "--resume", tmp_path, "--out", tmp_path / "other")
    assert code == 2 and "leave out --out" in err
    recorded = RunSpec(model="ststnet", dataset="synthetic", epochs=3)
    where = RunSettings(workers=2, device="cpu", parallel_folds=2)
    (tmp_path / "run.json").write_text(
        json.dumps({"identity": {}, "config": run_config(recorded, where)}))
    args = build_parser().parse_args(["run", "--resume", str(tmp_path), "--parallel-folds",
                                      "1"])
    spec, settings = spec_from_args(args)
    # kept as recorded, except workers (chosen for the machine) and what was given
    assert spec == recorded
    assert settings == dataclasses.replace(where, workers=None, parallel_folds=1, out=tmp_path)


def test_the_api_takes_the_same_options_and_names_unknown_ones() -> None:
    with pytest.raises(merbench.MerbenchError, match="has no option 'epoch'; options are: "
                                                      "protocol, feature, seed, epochs"):
        merbench.run(model="ststnet", dataset="synthetic", epoch=3)


def test_flags_follow_the_field_names() -> None:
    for field, option in options():
        assert flag(field.name).startswith("--")
        if not option.flags:
            assert flag(field.name) == "--" + field.name.replace("_", "-")


def test_the_user_guide_holds_the_generated_options_table() -> None:
    text = GUIDE.read_text()
    found = re.search(r"<!-- run-options:start -->\n(.*?)<!-- run-options:end -->", text, re.S)
    assert found, f"{GUIDE} lacks the run-options markers"
    assert found.group(1).strip() == options_table().strip(), (
        "docs/user-guide.md's run options differ from RunSpec; paste the output of "
        "python -c 'from merbench.cli.run_options import options_table; "
        "print(options_table())' between the markers")


def test_the_options_other_commands_share_are_derived_from_the_declaration() -> None:
    """sweep's command line takes where-and-how-fast options only; a plan's entries take
    every option but each run's folder and seed and where all of a sweep's runs execute."""
    from merbench.runner.spec import (
        SETTINGS_FIELDS,
        extract_options,
        sweep_command_options,
        sweep_plan_options,
    )

    assert set(sweep_command_options()) == {"executor", "ray_address", "gpus_per_task",
                                            "device", "threads", "data_root", "workers",
                                            "eager", "checkpoint_every"}
    assert set(sweep_command_options()) <= set(SETTINGS_FIELDS)
    every = {f.name for f, _ in options()}
    assert every - set(sweep_plan_options()) == {"out", "seed", "executor", "ray_address"}
    assert set(extract_options()) == {"dataset", "feature", "workers", "data_root",
                                      "dataset_options", "feature_options", "skip_missing"}


def test_the_user_guide_names_every_option_the_table_leaves_out() -> None:
    """The options of ``merbench run`` that are no run option (the command's own, and the
    plugin choices) are named where the guide says which they are, each by one of its flags:
    ``--yes`` was left out of that list while ``merbench run --help`` showed it."""
    text = " ".join(GUIDE.read_text().split())
    found = re.search(r"Every option of `merbench run`, with its default.*?More on some of "
                      r"them:", text)
    assert found, f"{GUIDE} lacks the sentence naming merbench run's other options"
    named = set(re.findall(r"`(-[-\w]+)", found.group(0)))
    table = set(re.findall(r"`(-[-\w]+)`", options_table()))
    missing = [action.option_strings for action in _run_parser()._actions
               if action.dest != "help" and not set(action.option_strings) & (named | table)]
    assert not missing, f"{GUIDE.name} does not name {missing} among merbench run's options"
