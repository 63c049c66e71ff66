"""A run over seeds and a tuning (with and without ``--seeds``) say in their printed results
that a setting departing from the model's recipe is REDUCED, as the user guide promises and a
single run, an AU run, ``spot --recognise`` and ``sweep`` do: they printed no mark."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tune-tiny.toml"


def test_run_over_seeds_says_reduced(cli, tmp_path: Path) -> None:
    code, out, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                         "--seeds", "0,1", "--threads", "1", "--quiet", "--out",
                         tmp_path / "seeds")
    assert code == 0, err
    assert ("training: 1 epoch, batch 256, adam lr 5e-05 — a REDUCED setting, not "
            "comparable with published numbers (the model's recipe is 800 epochs)") in out, out


@pytest.mark.parametrize("seeds", [(), ("--seeds", "0,1")], ids=["one", "seeds"])
def test_a_reduced_tuning_says_so(cli, tmp_path: Path, seeds: tuple[str, ...]) -> None:
    code, out, err = cli("tune", TINY, "--score", "test", *seeds, "--threads", "1",
                         "--quiet", "--out", tmp_path / "tuned")
    assert code == 0, err
    assert ("a REDUCED setting (epochs 1 (recipe 800)): a check that the search runs, not "
            "comparable with published numbers") in out, out


def test_a_single_tuning_into_tunings_over_seeds_is_refused_as_such(cli,
                                                                    tmp_path: Path) -> None:
    """The user guide's two tunings shared ``--out tuned``: the second was refused as
    holding "seed-0, which no tuning writes", though ``tune --seeds`` writes it."""
    out = tmp_path / "tuned"
    (out / "seed-0").mkdir(parents=True)
    code, _, err = cli("tune", TINY, "--score", "test", "--quiet", "--out", out)
    assert code == 2 and "which no tuning writes" not in err, err
    assert (f"--out {out} holds tunings over seeds (seed-0, written by merbench tune "
            "--seeds); give another --out for a single tuning") in err, err
