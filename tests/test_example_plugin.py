"""The example third-party plugin: pip-installed, listed, and run like a first-party model."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

WIDE = {**os.environ, "COLUMNS": "200"}  # rich tables without wrapped cells
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "merbench-tinymlp"


def _venv_over_this_environment(venv: Path) -> str:
    """A virtual environment that sees this test environment's packages, and returns its python.

    The install must be real yet leave the test environment untouched, so the plugin goes into
    a fresh venv. ``python -m venv --system-site-packages`` run from inside a virtualenv layers
    the new one on the *base* interpreter, whose packages (an old setuptools without
    ``bdist_wheel``, no merbench) are not the ones under test. So the new venv gets no packages
    of its own and a ``.pth`` file that adds this environment's site directories with
    ``site.addsitedir``, which also runs their ``.pth`` files (merbench's editable install is
    one). pip and setuptools then come from this environment, so no network is needed.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = subprocess.run([python, "-c", where], check=True, capture_output=True,
                             text=True).stdout.strip()
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = "; ".join(f"site.addsitedir({p!r})" for p in ours)
    (Path(purelib) / "merbench_test_environment.pth").write_text(f"import site; {lines}\n")
    return python


@pytest.mark.slow
def test_example_plugin_installs_lists_and_runs(tmp_path: Path, cli) -> None:
    python = _venv_over_this_environment(tmp_path / "venv")
    installed = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                                "--no-build-isolation", str(EXAMPLE)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # every registry and the plugins in one process (a process each cost 3 s of imports)
    listed = subprocess.run([python, "-m", "merbench", "list"], check=True,
                            capture_output=True, text=True, env=WIDE)
    row = next(line for line in listed.stdout.splitlines() if "tiny-mlp" in line)
    assert "merbench-tinymlp" in row and "flow-uvos" in row
    assert any("tinymlp" in line and "loaded" in line for line in listed.stdout.splitlines())

    out = tmp_path / "run"
    done = subprocess.run([python, "-m", "merbench", "run", "--model", "tiny-mlp", "--dataset",
                           "synthetic", "--epochs", "5", "--out", str(out), "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["model"]["name"] == "tiny-mlp"
    assert results["model"]["provider"] == {"plugin": "tinymlp", "package": "merbench-tinymlp",
                                            "version": "0.1.0"}
    assert results["dataset"]["provider"]["package"] == "merbench"
    assert results["environment"]["plugins"]["tinymlp"] == "merbench-tinymlp 0.1.0"
    assert results["dataset"]["n_samples"] == 60

    # the example's own tests, as its author runs them: merbench's contract checks
    checked = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                             cwd=EXAMPLE, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "2 passed" in checked.stdout

    # without the plugin installed (this process's environment), the name is unknown
    code, _, err = cli("run", "--model", "tiny-mlp", "--dataset", "synthetic",
                       "--out", tmp_path / "missing")
    assert code == 2 and "unknown model 'tiny-mlp'" in err
