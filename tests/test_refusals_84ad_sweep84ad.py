"""Pass 84ad, AD3: a sweep plan is checked whole before anything trains.

AD3: an entry's (or ``[defaults]``')
``threads = 0``, ``workers = 100000`` or ``device = "tpu"`` was taken silently where the
command line gave the same option; it is the plan's mistake either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import one_line

FIRST = '[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nepochs = 1\n'


def _refused_whole(cli, plan: str, *options: str) -> str:
    """The one line ``merbench sweep`` refuses ``plan`` with: nothing said before it (no
    banner), nothing written beside the plan."""
    before = sorted(p.name for p in Path().iterdir())
    code, out, err = cli("sweep", "--quiet", "--yes", *options, plan)
    assert code == 2 and out == "", out
    assert sorted(p.name for p in Path().iterdir()) == before
    return one_line(err)


@pytest.mark.parametrize("plan, options, said", [
    (f"{FIRST}threads = 0\n", ("--threads", "1"),
     "runs[0] threads: must be at least 1 (got 0)"),
    (f"{FIRST}threads = 0\n", (), "runs[0] threads: must be at least 1 (got 0)"),
    (f"{FIRST}workers = 100000\n", ("--workers", "1", "--threads", "1"),
     "runs[0] workers: must be at most"),
    (f"{FIRST}device = \"tpu\"\n", ("--device", "cpu", "--threads", "1"),
     "runs[0]: unknown device 'tpu'; use auto, cpu,"),
    (f"[defaults]\nthreads = 0\n{FIRST}", ("--threads", "1"),
     "[defaults] threads: must be at least 1 (got 0)")])
def test_a_plans_run_option_is_checked_though_the_command_line_overrides_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli, plan: str,
        options: tuple[str, ...], said: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.toml").write_text(plan)
    assert _refused_whole(cli, "p.toml", *options).startswith(f"merbench: error: p.toml: {said}")
