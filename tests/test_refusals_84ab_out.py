"""Pass 84ab, AB9 and AB14, met the way a user meets them.

AB9: an ``--out`` (or a sweep plan's ``out``) holding a control character was taken, and
the command merbench printed next could not be pasted: ``--results /tmp/a\\nb`` named
``/tmp/anb`` in a shell. A name merbench would make is refused with such a character, and
every command printed to paste quotes its paths for a POSIX shell.

AB14: ``--lr`` was refused only below float32's smallest subnormal, 1.4e-45, while steps far
larger (1e-12) left every weight of ordinary size unchanged.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY_RUN

from merbench.base.literal import pasted_command

CliResult = tuple[int, str, str]
Cli = Callable[..., CliResult]


def _one_line(code: int, out: str, err: str) -> str:
    assert code == 2 and out == "" and err.count("\n") == 1, (code, out, err)
    return err.rstrip("\n")


@pytest.mark.parametrize(("char", "said", "shown"), [
    ("\n", "a control character (a newline)", "\\n"),
    ("\t", "a control character (a tab)", "\\t"),
    ("\x1b", "a control character (ESC)", "\\x1b"),
    ("\x7f", "a control character (DEL)", "\\x7f"),
    ("\u202e", "an invisible character (\\u202e)", "\\u202e")])
def test_a_run_out_with_a_control_character_is_refused_before_anything_is_made(
        cli: Cli, tmp_path: Path, char: str, said: str, shown: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a short path: a worker's long one is shown shortened
    out = Path(f"r{char}x") / "run"
    line = _one_line(*cli("run", *TINY_RUN, "--out", out))
    assert line == (f"merbench: error: --out r{shown}x/run holds {said}; give a "
                    "folder name on one line of visible characters, such as runs/NAME"), line
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_plans_out_with_a_newline_is_refused_in_the_plans_words(
        cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "po.toml"
    plan.write_text('out = "a\\nb"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                    "epochs = 1\n")
    line = _one_line(*cli("sweep", "--quiet", plan))
    assert line == (f"merbench: error: {plan}: out: {tmp_path}/a\\nb holds a control "
                    "character (a newline); give a folder name on one line of visible "
                    "characters, such as runs/NAME"), line
    assert [p.name for p in tmp_path.iterdir()] == ["po.toml"]


@pytest.mark.parametrize("command", [
    ["keygen", "--out", "k\ney"],
    ["leaderboard", "build", "--results", "results", "--out", "si\nte"],
    ["extract", "--dataset", "synthetic", "--feature", "flow-uvos", "--save", "f\ne.npz"],
    ["spot", "--spotter", "flow-peak", "--dataset", "synthetic-long", "--out", "s\npot"],
    ["tune", str(Path(__file__).parents[1] / "examples" / "tune-tiny.toml"), "--out",
     "t\nune"]])
def test_every_command_refuses_a_name_to_make_with_a_newline(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    line = _one_line(*cli(*command))
    given = command[-1].replace("\n", "\\n")
    assert f" {given} holds a control character (a newline); give a " in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


@pytest.mark.parametrize("path", ["/tmp/my runs/a", "/tmp/it's/a", "/tmp/a\nb", "/tmp/a\tb",
                                  "/tmp/$HOME/`x`", "/tmp/plain"])
def test_a_pasted_command_names_its_path_as_a_shell_takes_it_back(path: str) -> None:
    command = pasted_command("printf %s {}", Path(path))
    assert "\n" not in command and "\t" not in command, command
    if path == "/tmp/plain":
        assert command == "printf %s /tmp/plain"
    if "\n" not in path and "\t" not in path:
        assert shlex.split(command)[2] == path, command
    echoed = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            check=True).stdout
    assert echoed == path, command


def test_a_sweeps_next_command_pastes_into_a_folder_named_with_a_newline(
        cli: Cli, tmp_path: Path) -> None:
    """A folder the user made so is written into (its results are kept), and the build
    command printed for it names it as a shell takes it back."""
    out = tmp_path / "a\nb"
    out.mkdir()
    plan = tmp_path / "po.toml"
    plan.write_text(f'out = {json.dumps(str(out))}\n[defaults]\nepochs = 1\ndevice = "cpu"\n'
                    '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n'
                    "dataset_options = {subjects = 2, databases = 1, "
                    "samples_per_subject = 3}\n")
    code, printed, err = cli("sweep", "--quiet", "--threads", "1", plan)
    assert code == 0, err
    line = next(line for line in printed.splitlines() if line.startswith("results: "))
    command = line.split(" (", 1)[1].removesuffix(")")
    assert command == f"merbench leaderboard build --results $'{tmp_path}/a\\nb' --out SITE"
    words = subprocess.run(["bash", "-c", f"printf '%s\\0' {command}"], capture_output=True,
                           text=True, check=True).stdout.split("\0")
    assert words[4] == str(out), words


def test_show_names_the_one_result_inside_as_a_pasteable_command(
        cli: Cli, tmp_path: Path, tiny_finished_run: Path) -> None:
    holder = tmp_path / "my runs"
    shutil.copytree(tiny_finished_run, holder / "folds" / "x")
    line = _one_line(*cli("show", holder))
    assert line.endswith(f"show it: merbench show '{holder}/folds/x'"), line


# AB14: the lowest --lr is where a step stops moving weights of ordinary size


LR_SMALL = ("a step that small leaves weights of ordinary size unchanged in their 32-bit "
            "numbers, so the run would train nothing")


@pytest.mark.parametrize("lr", ["2e-45", "1e-12", "9.9e-10"])
def test_an_lr_whose_steps_move_no_weight_is_refused(cli: Cli, tmp_path: Path, lr: str) -> None:
    line = _one_line(*cli("run", *TINY_RUN, "--lr", lr, "--out", tmp_path / "r"))
    assert line == f"merbench: error: --lr must be at least 1e-09 (got {lr}): {LR_SMALL}", line
    assert not (tmp_path / "r").exists()


def test_the_lr_floor_is_where_one_step_stops_moving_float32_weights() -> None:
    """Measured as the bound's docstring says: one Adam step of lr below the bound moves no
    float32 weight of size 0.01 or more, while one of ten times the bound moves most."""
    import torch

    from merbench.meta import MIN_LR

    torch.manual_seed(0)
    start = torch.nn.Linear(256, 256).weight.detach().clone()
    ordinary = start.abs() >= 0.01

    def moved(lr: float) -> float:
        weight = torch.nn.Parameter(start.clone())
        step = torch.optim.Adam([weight], lr=lr)
        (weight * torch.randn_like(weight)).sum().backward()
        step.step()
        return float((weight.detach() != start)[ordinary].float().mean())

    assert moved(MIN_LR / 3) == 0.0
    assert moved(MIN_LR) > 0.1 and moved(MIN_LR * 10) > 0.9


def test_a_tuning_space_reaching_below_the_floor_is_refused_in_the_same_words(
        cli: Cli, tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "examples" / "tune-tiny.toml").read_text()
    text = text.replace('[search]\nsampler = "grid"\n', '[search]\nsampler = "tpe"\n')
    text = text.replace("lr = {choices = [0.001, 0.03]}", "lr = {low = 1e-12, high = 1e-2, "
                        "log = true}")
    tuning = tmp_path / "t.toml"
    tuning.write_text(text)
    line = _one_line(*cli("tune", "--score", "test", "--quiet", "--out", tmp_path / "o",
                          tuning))
    assert "[space] lr: the low end 1e-12: lr must be at least 1e-09" in line, line
    assert LR_SMALL in line, line


def test_the_bound_is_taken_and_documented(cli: Cli) -> None:
    from merbench.runner.checks import check_values
    from merbench.runner.spec import RunSettings, RunSpec

    check_values(RunSpec(model="ststnet", dataset="synthetic", lr=1e-9), RunSettings())
    code, out, _ = cli("run", "--help")
    assert code == 0 and "at least 1e-09" in " ".join(out.split()), out
    guide = (Path(__file__).parents[1] / "docs" / "user-guide.md").read_text()
    assert "| `--lr` | the model's recipe | override the learning rate; at least 1e-09" in guide
