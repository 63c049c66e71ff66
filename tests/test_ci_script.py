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


def test_ci_refuses_a_disk_too_small_for_the_virtualenv_in_one_line(tmp_path: Path) -> None:
    # A CI run once died mid-install with pip's "No space left on device" after 72 s; the
    # check before the install must say how much room is there and what to free instead.
    script = (ROOT / ".ci" / "run").read_text()
    start, end = script.index('tmp_root="'), script.index("\nfi\n", script.index("need_kb="))
    check = tmp_path / "check.sh"
    check.write_text("set -euo pipefail\n" + script[start:end] + "\nfi\n")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    df = fake_bin / "df"
    df.write_text("#!/bin/sh\necho 'Filesystem 1024-blocks Used Available Capacity Mounted'\n"
                  "echo '/dev/vda 264241152 259000000 5242880 99% /'\n")
    df.chmod(0o755)
    env = {"PATH": f"{fake_bin}:/usr/bin:/bin", "TMPDIR": str(tmp_path)}
    small = subprocess.run(["bash", str(check)], capture_output=True, text=True, env=env)
    assert small.returncode == 1
    assert small.stderr.count("\n") == 1
    assert f"{tmp_path} has 5 GB free" in small.stderr and "about 12 GB" in small.stderr
    df.write_text("#!/bin/sh\necho 'Filesystem 1024-blocks Used Available Capacity Mounted'\n"
                  "echo '/dev/vda 264241152 100000000 75000000 30% /'\n")
    roomy = subprocess.run(["bash", str(check)], capture_output=True, text=True, env=env)
    assert roomy.returncode == 0 and roomy.stderr == ""
