"""No command module imports another: what two commands share lives in a layer below them
(a command's module is its command line's, and one importing another's tied a change of
one command's module to the other's)."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).parents[1] / "merbench" / "cli"


def _commands() -> set[str]:
    """The modules of ``merbench/cli`` that are a command's: ``*_command`` defining ``main``
    (a group's own subcommand, such as ``leaderboard diff``'s module, is its group's)."""
    return {path.stem for path in CLI.glob("*_command.py")
            if any(isinstance(node, ast.FunctionDef) and node.name == "main"
                   for node in ast.parse(path.read_text()).body)}


def test_no_command_module_imports_another() -> None:
    commands = _commands()
    assert {"validate_command", "leaderboard_command"} <= commands
    found = []
    for name in sorted(commands):
        for node in ast.walk(ast.parse((CLI / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("merbench.cli.") and \
                    node.module.rpartition(".")[2] in commands - {name}:
                found.append(f"{name} imports {node.module}")
    assert not found, found
