"""Inputs pass 84y found taken, or refused in a library's words (findings Y1, Y8, Y9, Y12).

Y12: a number option (``--lr``, ``--checkpoint-every``, ``--fps``, ``--timeout-s``, a
spotting run's ``--tune``) read '١e-3' or '1_000' as Python's ``float`` does, while ``--epochs``
refused the same digits: every number option now reads by the one rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import one_line


@pytest.mark.parametrize("typed", ["١e-3", "1_000", "٠.٥"])
@pytest.mark.parametrize("command", [
    ("run", "--model", "ststnet", "--dataset", "synthetic", "--lr"),
    ("run", "--model", "ststnet", "--dataset", "synthetic", "--checkpoint-every"),
    ("predict", "--fps"),
    ("tune", "plan.toml", "--out", "o", "--timeout-s"),
])
def test_a_number_option_reads_ascii_digits_as_epochs_does(command: tuple[str, ...],
                                                           typed: str, cli: Any) -> None:
    # the option again: a value taken by mistake is "given twice", not a run started
    code, _, err = cli(*command, typed, command[-1], "1")
    assert code == 2 and f"{command[-1]} takes a number, not '{typed}'" in one_line(err), err


def test_a_tuned_value_reads_ascii_digits(cli: Any) -> None:
    code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                       "--tune", "edge=٣", "--tune", "edge=1")
    assert code == 2 and "--tune 'edge=٣': give NAME=V1,V2,... with finite numbers" \
        in one_line(err), err


def test_ascii_numbers_and_named_non_finite_values_are_read_as_before(cli: Any) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--lr",
                       " 1e-3", "--lr", "1")
    assert code == 2 and "--lr is given twice, ' 1e-3' and '1'" in one_line(err), err
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--lr", "inf")
    assert code == 2 and "--lr inf: the value is infinite; give a finite number" in err, err
