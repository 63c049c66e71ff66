"""Refusals of pass 84v, findings V12 (a benchmark definition's ``n_samples: 1e400`` said as
"the number inf", and an absurd count such as 1e26 built a table no run could fill) and V14
(numbers quoted as Python writes them, ``1e+300`` and ``5,000``, not as written; a plan's
run checks said as ``FILE: runs[0] (model on dataset/protocol): KEY ...``, now
``... (model on dataset/protocol) KEY: ...``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import one_line

from merbench.base.errors import MerbenchError
from merbench.leaderboard.benchmarks import load_benchmark
from merbench.plugin_system.manager import default_plugins
from merbench.sweep.plan_file import read_plan

SHIPPED = (Path(__file__).resolve().parents[1] / "merbench" / "leaderboard" / "definitions"
           / "composite-3class-lodo.json")


@pytest.mark.parametrize(("written", "said"), [
    ("1e400", "'n_samples' is the number 1e400, too large for any count"),
    ("99999999999999999999999999", "'n_samples' is the number 99999999999999999999999999"),
    ("1000001", "'n_samples' is the number 1000001"),
    ("2.5", "'n_samples' is the number 2.5"),
])
def test_a_definitions_count_is_quoted_as_written_and_bounded(tmp_path: Path, written: str,
                                                              said: str) -> None:
    text = SHIPPED.read_text().replace('"n_samples": 442', f'"n_samples": {written}')
    assert written in text
    (tmp_path / "a.json").write_text(text)
    with pytest.raises(MerbenchError) as refused:
        load_benchmark(tmp_path / "a.json")
    assert said in str(refused.value)
    assert "inf" not in str(refused.value).replace(said, "")
    assert "from 1 up to 1,000,000" in str(refused.value)


def test_the_largest_count_is_taken(tmp_path: Path) -> None:
    data = {**json.loads(SHIPPED.read_text()), "dataset_version": 1_000_000}
    (tmp_path / "a.json").write_text(json.dumps(data))
    assert load_benchmark(tmp_path / "a.json").dataset_version == 1_000_000


def test_a_large_float_option_is_quoted_as_written(tmp_path: Path, cli) -> None:
    """``--lr 1e300`` is "got 1e300", not Python's "1e+300" (``--checkpoint-every``'s case is
    in ``test_refusals_84u_a``)."""
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1", "--out",
                       tmp_path / "r", "--lr", "1e300")
    assert code != 0 and "(got 1e300)" in one_line(err), err
    assert "e+" not in err


@pytest.mark.parametrize(("line", "said"), [
    # where and how fast: the entry's own, checked before any model (pass 84ad, AD3)
    ("checkpoint_every = 1e300", "plan.toml: runs[0] checkpoint_every: must be at most "
     "10,080 minutes, a week (got 1e300)"),
    ("parallel_folds = 5000", "plan.toml: runs[0] parallel_folds: must be at most 1,024 "
     "(got 5000)"),
    ("epochs = 100001", "plan.toml: runs[0] (ststnet on synthetic/loso) epochs: must be at "
     "most 100,000 (got 100001)"),
])
def test_a_plans_run_check_names_the_entry_and_key(tmp_path: Path, line: str,
                                                   said: str) -> None:
    (tmp_path / "plan.toml").write_text(
        f'[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n{line}\n')
    with pytest.raises(MerbenchError) as refused:
        read_plan(tmp_path / "plan.toml", default_plugins())
    assert said in str(refused.value)


def test_a_grid_entry_names_the_combination_refused(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(
        '[[runs]]\nmodels = ["ststnet", "htnet"]\ndataset = "synthetic"\nepochs = 100001\n')
    with pytest.raises(MerbenchError) as refused:
        read_plan(tmp_path / "plan.toml", default_plugins())
    assert "plan.toml: runs[0] (ststnet on synthetic/loso) epochs: must be at most" in \
        str(refused.value)
