"""``leaderboard build --require-audit`` leaves out every summary over seeds (of
spot-then-recognise runs, of tunings): none is itself audited. Its line counts them apart
from the results it left out, so "0 results left out" never stands beside a page that lacks
a summary the build without the option shows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

STR_SEEDS = "spot-then-recognise summary over seeds"
TUNE_SEEDS = "tuning summary over seeds"


@pytest.fixture(scope="module")
def trusted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A public key for --trust: no result here is audited, so none is kept by it."""
    folder = tmp_path_factory.mktemp("keys")
    code, _, err = run_cli("keygen", "--out", folder / "maintainer", "--name", "m@example.org")
    assert code == 0, err
    return folder / "maintainer.pub"


@pytest.mark.parametrize(("kind", "page", "section"), [
    (STR_SEEDS, "spotting.html", 'id="str-seeds-'),
    (TUNE_SEEDS, "tuning.html", 'id="tuned-over-seeds"')])
def test_the_build_counts_the_summaries_over_seeds_it_leaves_out(
        examples: dict[str, Path], trusted: Path, tmp_path: Path, cli: Any, kind: str,
        page: str, section: str) -> None:
    results = tmp_path / "results"
    shutil.copytree(examples[kind], results / "seeds")
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "all", "--trust", trusted)
    assert code == 0, err
    assert section in (tmp_path / "all" / page).read_text()  # shown without the option
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "audited", "--trust", trusted, "--require-audit")
    assert code == 0, err
    assert ("--require-audit: 2 results without an audit a trusted key signed left out; "
            "1 summary over seeds left out (a summary is not itself audited; its audited "
            "seed runs are shown)") in out, out
    assert section not in (tmp_path / "audited" / page).read_text()
