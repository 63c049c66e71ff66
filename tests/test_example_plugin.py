"""The example third-party plugin: pip-installed, listed, and run like a first-party model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WIDE = {**os.environ, "COLUMNS": "200"}  # rich tables without wrapped cells
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "merbench-tinymlp"


def test_example_plugin_installs_lists_and_runs(tmp_path: Path) -> None:
    # A virtual environment layered on the test environment (which has merbench), so the
    # install is real and leaves the test environment itself untouched. Without its own pip
    # the venv uses the test environment's pip and setuptools (no network needed).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)],
                   check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--no-build-isolation", str(EXAMPLE)], check=True, capture_output=True)

    listed = subprocess.run([python, "-m", "merbench", "list", "models"], check=True,
                            capture_output=True, text=True, env=WIDE)
    row = next(line for line in listed.stdout.splitlines() if "tiny-mlp" in line)
    assert "merbench-tinymlp" in row and "flow-uvos" in row
    plugins = subprocess.run([python, "-m", "merbench", "list", "plugins"], check=True,
                             capture_output=True, text=True, env=WIDE)
    assert "tinymlp" in plugins.stdout

    out = tmp_path / "run"
    done = subprocess.run([python, "-m", "merbench", "run", "--model", "tiny-mlp", "--dataset",
                           "synthetic", "--epochs", "5", "--out", str(out), "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["model"]["name"] == "tiny-mlp"
    assert results["model"]["package"] == "merbench-tinymlp"
    assert results["environment"]["plugins"]["tinymlp"] == "merbench-tinymlp 0.1.0"
    assert results["dataset"]["n_samples"] == 60

    # the example's own tests, as its author runs them: merbench's contract checks
    checked = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                             cwd=EXAMPLE, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "2 passed" in checked.stdout

    # without the plugin installed, the name is unknown
    missing = subprocess.run([sys.executable, "-m", "merbench", "run", "--model", "tiny-mlp",
                              "--dataset", "synthetic"], capture_output=True, text=True)
    assert missing.returncode == 2 and "unknown model 'tiny-mlp'" in missing.stderr
