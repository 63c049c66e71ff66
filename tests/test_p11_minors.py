"""The small faults of pass 84i's P11, each as a user meets it: an option given twice with
two values (last-wins, unsaid), ``-1e0`` read as an option, ``1e-400`` said as ``got 0``,
``1e999999999999999999`` called no whole number, a sweep's repeated seed not named, and
two entry points of one package taking one name said as "evil2 keeps the name, evil2's
protocol is skipped"."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import TINY_RUN

from merbench.plugin_system.manager import load_plugins


def _refused(cli, *argv: object) -> str:
    code, out, err = cli(*argv)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("merbench: error: "), err
    return err


def test_an_option_given_twice_with_two_values_is_refused(cli, tmp_path: Path) -> None:
    err = _refused(cli, "run", *TINY_RUN, "--epochs", "2", "--out", tmp_path / "r")
    assert err.startswith("merbench: error: --epochs is given twice, '1' and '2'; give it "
                          "once, with the value you mean"), err
    err = _refused(cli, "run", *TINY_RUN, "--device", "cpu", "--device", "cuda",
                   "--out", tmp_path / "r")
    assert "--device is given twice, 'cpu' and 'cuda'" in err, err
    assert not (tmp_path / "r").exists()


def test_options_meant_to_repeat_still_repeat(cli, tmp_path: Path) -> None:
    """The same value twice changes nothing; -p, --no-plugin and the KEY=VALUE options are
    given once per value."""
    code, _, err = cli("run", *TINY_RUN, "--epochs", "1", "--quiet", "-p", "cnn", "-p",
                       "datasets", "--no-plugin", "timm", "--no-plugin", "hsta",
                       "--model-opt", "dropout=0.1", "--out", tmp_path / "r")
    assert code == 0, err


def test_a_negative_number_with_an_exponent_is_a_value(cli, tmp_path: Path) -> None:
    err = _refused(cli, "run", *TINY_RUN, "--checkpoint-every", "-1e0", "--out", tmp_path / "r")
    assert "is given no MINUTES" not in err
    assert err.startswith("merbench: error: --checkpoint-every must be a number of minutes"
                          " >= 0"), err


def test_a_number_that_reads_as_0_is_said_as_typed(cli, tmp_path: Path) -> None:
    err = _refused(cli, "run", *TINY_RUN, "--executor", "ray", "--gpus-per-task", "1e-400",
                   "--out", tmp_path / "r")
    assert err.startswith("merbench: error: --gpus-per-task 1e-400: the value is too close to "
                          "0 to be told from it"), err
    assert "(got 0)" not in err


def test_a_whole_number_too_long_to_read_is_too_large(cli, tmp_path: Path) -> None:
    err = _refused(cli, "run", *TINY_RUN[:-2], "--epochs", "1e999999999999999999",
                   "--out", tmp_path / "r")
    assert "--epochs 1e999999999999999999: the value is a whole number of more than 4,300 " \
           "digits, larger than any option takes" in err, err
    assert "takes a whole number" not in err


@pytest.mark.parametrize(("seeds", "said"), [
    ("[0, 0.0]", "seeds: names a seed twice: 0 (as 0 and 0.0); remove the duplicate"),
    ("[1, 0, 1]", "seeds: names a seed twice: 1; remove the duplicate"),
])
def test_a_sweeps_repeated_seed_is_named(cli, tmp_path: Path, seeds: str, said: str) -> None:
    (tmp_path / "plan.toml").write_text(
        f'[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\nseeds = {seeds}\n')
    err = _refused(cli, "sweep", tmp_path / "plan.toml")
    assert said in err, err


PROTOCOL = """
    import merbench
    from merbench.api import ProtocolMeta, LeaveOneSubjectOut

    @merbench.hookimpl
    def merbench_register_protocols(registry):
        registry.add(ProtocolMeta(name="k-same", version=1, description="dup",
                                  citation="none"), LeaveOneSubjectOut)
"""


def test_two_entry_points_of_one_package_are_named_by_their_plugins(
        make_dist, tmp_path: Path, cli) -> None:
    make_dist("evil2", "ev", "mb_ev_plugin", PROTOCOL)
    site = tmp_path / "site"
    (site / "mb_ev2_plugin.py").write_text(textwrap.dedent(PROTOCOL))
    with (site / "evil2-1.0.dist-info" / "entry_points.txt").open("a") as points:
        points.write("ev2 = mb_ev2_plugin\n")
    [line] = load_plugins().conflicts
    said = ("protocol 'k-same' is registered by plugin 'ev' and by plugin 'ev2', both of "
            "package evil2 1.0; plugin 'ev' keeps the name, and the protocol of plugin 'ev2' "
            "is skipped (rename one of them, or leave plugin 'ev2' out with --no-plugin ev2, "
            "to silence this)")
    assert line == said
    code, _, err = cli("list", "protocols")
    assert code == 0 and err == f"merbench: warning: {said}\n", err
