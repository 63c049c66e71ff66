"""A ``--seeds`` folder whose seed run is one of another configuration of the same kind:
validate, show and status said "seed-0 has X, seed-1 Y" without saying which seed did not
belong, while the ``--seeds`` command named it. Where the summary's record (its model's,
dataset's and protocol's names and versions) or the seeds' majority says which, the seed is
named with the one fix, and the fix followed ends in a summary that validates. Two seeds
differing in what the summary does not record keep the line naming the difference
(``test_refusals_84ab_seeds.py``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import TINY_RUN, CliResult

Cli = Callable[..., CliResult]
FIX = ("move seed-1 out of x and run the same merbench run --seeds command (or merbench "
       "sweep PLAN.toml, for a sweep's folder), which trains seed 1")


def _with_seed_1_of(cli: Cli, examples: dict[str, Path], tmp_path: Path, seeds: str,
                    *other: str) -> Path:
    """The ``--seeds 0,1`` example in ``x``, gone on to ``seeds``, with its seed-1 a run of
    the tiny run changed by ``other``."""
    folder = tmp_path / "x"
    shutil.copytree(examples["summary over seeds"], folder)
    if seeds != "0,1":
        code, _, err = cli("run", *TINY_RUN, "--threads", "1", "--seeds", seeds, "--out", folder)
        assert code == 0, err
    code, _, err = cli("run", *other, "--threads", "1", "--seed", "1", "--out", tmp_path / "o")
    assert code == 0, err
    shutil.rmtree(folder / "seed-1")
    shutil.copytree(tmp_path / "o", folder / "seed-1")
    return folder


def _said_alike(cli: Cli, tmp_path: Path, said: str) -> None:
    for verb in ("validate", "show", "status"):
        code, out, err = cli(verb, tmp_path / "x")
        assert f"{tmp_path / 'x'}: {said}; {FIX}" in out + err, (verb, out + err)
        assert "seed-0 has" not in out + err
        assert code != 0 or verb == "status"


def test_the_seed_of_another_configuration_than_most_is_named_and_the_fix_validates(
        cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    folder = _with_seed_1_of(cli, examples, tmp_path, "0,1,2", *TINY_RUN, "--lr", "0.01")
    _said_alike(cli, tmp_path, "seed-1 is a run of another configuration "
                "(hyperparameters.lr 0.01, where seed-0 and seed-2 have 5e-05), not of the one "
                "seeds.json summarises")
    shutil.move(folder / "seed-1", tmp_path / "moved")  # the fix followed
    code, _, err = cli("run", *TINY_RUN, "--threads", "1", "--seeds", "0,1,2", "--out", folder)
    assert code == 0, err
    code, out, err = cli("validate", folder)
    assert code == 0, out + err


def test_the_seed_unlike_what_the_summary_records_is_named_among_two(
        cli: Cli, examples: dict[str, Path], tmp_path: Path) -> None:
    other = [part.replace("databases=1", "databases=2") for part in TINY_RUN]
    _with_seed_1_of(cli, examples, tmp_path, "0,1", *other, "--protocol", "lodo")
    _said_alike(cli, tmp_path, "seed-1 is a run of another configuration (protocol.name "
                "\"lodo\", where seeds.json records \"loso\"), not of the one seeds.json "
                "summarises")


def test_a_value_written_otherwise_is_no_other_configuration() -> None:
    """1 and 1.0 are one learning rate: grouped by their text, the seed written 1.0 was
    taken for the stranger and no difference found to name it by (an IndexError)."""
    from merbench.verification.mixed_seeds import Configured, _strangers

    runs = [Configured(str(n), f"seed-{n}", {"hyperparameters": {"lr": lr}})
            for n, lr in enumerate([1, 1.0, 1, 1, 2])]
    found = _strangers(runs, {}, "seeds.json")
    assert found is not None and [run.name for run in found[0]] == ["seed-4"], found
    assert found[1].startswith("seed-4 has hyperparameters.lr 2"), found
