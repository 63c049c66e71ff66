"""Shared fixtures: the real-data location, a clean plugin set, and the CLI in-process."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.cli import main
from merbench.plugins import Plugins, load_plugins

DATA_ENV = "MERBENCH_TEST_DATA"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The shared real data folder; missing data skips locally but fails in CI."""
    root = os.environ.get(DATA_ENV)
    problem = None
    if not root:
        problem = f"{DATA_ENV} is not set (.ci/run sets it to ../shared/data)"
    elif not Path(root, "composite").is_dir():
        problem = f"{DATA_ENV}={root} has no composite/ folder"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"real data is required in CI: {problem}")
        pytest.skip(problem)
    return Path(root)


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> Plugins:
    monkeypatch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    return load_plugins()


CliResult = tuple[int, str, str]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``merbench ARGS`` in-process; returns (exit status, stdout, stderr)."""

    def invoke(*args: str) -> CliResult:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse exits on usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return invoke
