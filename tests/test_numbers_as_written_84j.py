"""Numbers as a user writes them, each as the user meets it (pass 84j): an AU number of
``--au-set`` in every whole-number spelling (``4.0``, ``+4``, ``4e0`` were "no AU number"
where ``04`` was AU 4), and a number too close to 0 for a float, said as written in a sweep
plan too (``lr = 1e-400`` was "(got 0)"), without "give 0 itself" to an option that must
be above 0 (a learning rate)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY_RUN

from merbench.data.au_labels import parse_au_set


def _refused(cli, *argv: object) -> str:
    code, out, err = cli(*argv)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("merbench: error: "), err
    return err


@pytest.mark.parametrize("spelled", ["4.0,10", "+4,10", "4e0,10", "04,10.0", "AU4.0, 10"])
def test_an_au_number_is_read_in_every_whole_number_spelling(cli, tmp_path: Path,
                                                             spelled: str) -> None:
    assert parse_au_set(spelled) == (4, 10)
    # the set is taken: what stops this run is its dataset, which codes no AUs
    err = _refused(cli, "run", *TINY_RUN, "--task", "au", "--au-set", spelled,
                   "--out", tmp_path / "r")
    assert "is no AU number" not in err, err
    assert err.startswith("merbench: error: dataset 'synthetic' gives no action-unit labels"), err


@pytest.mark.parametrize(("spelled", "bad"), [("4.5,10", "4.5"), ("10,-4", "-4"),
                                              ("0,10", "0"), ("1e2", "1e2")])
def test_what_is_no_au_number_is_still_refused_as_typed(cli, tmp_path: Path, spelled: str,
                                                        bad: str) -> None:
    err = _refused(cli, "run", *TINY_RUN, "--task", "au", "--au-set", spelled,
                   "--out", tmp_path / "r")
    assert err.startswith(f"merbench: error: --au-set '{spelled}': '{bad}' is no AU "
                          "number; give AU numbers 1..99"), err
