"""Help that teaches: every command's ``--help`` ends with examples that the real parser
accepts, ``merbench run --help`` groups *what runs* apart from *where and how fast* as the
docs do and says which options are required, and all of it reads at 80 columns."""

from __future__ import annotations

import argparse
import shlex

import pytest

from merbench.cli.examples import EXAMPLES
from merbench.cli.parser import build_parser


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    """Every command name, ``leaderboard build`` for a command's own command."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix}{name} ")
                found.extend(nested or [f"{prefix}{name}"])
    return found


def test_every_command_has_examples() -> None:
    commands = set(_commands(build_parser())) - {"cache info", "cache clear"}
    assert commands | {"cache"} == set(EXAMPLES) | {"cache"}
    assert "cache" in EXAMPLES


@pytest.mark.parametrize("example", [e for examples in EXAMPLES.values() for e in examples])
def test_every_example_is_accepted_by_the_parser(example: str) -> None:
    words = shlex.split(example.replace("\\\n", " "))
    assert words[0] == "merbench"
    args = build_parser().parse_args(words[1:])  # a usage error would exit
    assert args.command == words[1]


def test_run_help_groups_its_options_and_reads_at_80_columns(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli("run", "--help")
    assert code == 0
    headings = [line for line in out.splitlines() if line and not line[0].isspace()]
    assert headings[-4:] == ["what runs:", "where and how fast:", "output:", "examples:"]
    assert out.index("\n  --model MODEL") < out.index("where and how fast:") \
        < out.index("\n  --device DEVICE")
    assert "required, unless --resume names a run" in " ".join(out.split())
    assert max(len(line) for line in out.splitlines()) <= 80
    for command in EXAMPLES:
        code, out, _ = cli(*command.split(), "--help")
        assert code == 0 and "examples:\n  merbench " in out
        assert max(len(line) for line in out.splitlines()) <= 80, command


def test_export_help_speaks_of_exports_not_runs(cli, monkeypatch) -> None:
    """export shares extract's options, not their run wording: it has no run.json, no
    --seeds folder, no --resume and no model to feed."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli("export", "--help")
    text = " ".join(out.split())
    assert code == 0 and "what is exported:" in out
    for run_only in ("run.json", "--seeds", "--resume", "feed the model", "results.json"):
        assert run_only not in text, run_only
    assert "export-report.json lists them with why" in text
