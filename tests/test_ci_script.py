"""`.ci/run` checks what a user does: the README's own commands, in a fresh virtualenv."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _extractor():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("readme_commands",
                                                  ROOT / ".ci" / "readme_commands.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.readme_commands


def test_ci_runs_the_readme_commands_in_a_fresh_virtualenv() -> None:
    commands = _extractor()(ROOT / "README.md")
    assert commands[0].startswith("pip install ") and "merbench run " in commands[0]
    assert commands[1] == "python -m pytest"
    script = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m venv" in script and 'source "$venv/bin/activate"' in script
    assert ".ci/readme_commands.py" in script
    # no install of its own: the only pip call is the README's
    assert "pip install" not in script


def test_the_set_up_section_must_hold_two_commands(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n## Set up\n\n```bash\npip install .\n```\n\n## Next\n")
    with pytest.raises(SystemExit, match="exactly two one-line"):
        _extractor()(readme)
    printed = subprocess.run([sys.executable, str(ROOT / ".ci" / "readme_commands.py")],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    assert printed == _extractor()(ROOT / "README.md")
