"""The README's set-up command: it must run as printed, say it is a reduced setting, and
learn (HTNet on the synthetic dataset)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def demo_command() -> list[str]:
    """The merbench part of the first command under "## Set up"."""
    setup = README.read_text().split("## Set up", 1)[1]
    line = re.search(r"```bash\n(.+?)\n```", setup, re.S).group(1)
    install, run = line.split(" && ", 1)
    assert install == 'pip install -c constraints.txt -e ".[dev]"'
    return shlex.split(run)


@pytest.mark.slow
def test_the_readme_demo_runs_and_learns(tmp_path: Path, cli) -> None:
    command = demo_command()
    assert command[:2] == ["merbench", "run"] and "htnet" in command
    code, out, err = cli(*command[1:], "--out", tmp_path / "demo", "--quiet")
    assert code == 0, err
    assert "a REDUCED setting, not comparable with published numbers" in " ".join(out.split())
    results = json.loads((tmp_path / "demo" / "results.json").read_text())
    assert results["dataset"]["n_samples"] == 60 and results["protocol"]["n_folds"] == 6
    assert results["metrics"]["overall"]["uf1"] >= 0.6  # chance is about 0.33
