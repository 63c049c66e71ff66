"""Pass 84v's V7, V8 and V9: ``extract --save`` writing into another command's output folder
(V7) or under a name no other command tells as a features file (V8), and ``run --features``
and ``predict PATH`` given another command's output without naming it (V9)."""

from __future__ import annotations

from pathlib import Path

import pytest

EXTRACT = ("extract", "--dataset", "synthetic", "--dataset-opt", "subjects=2",
           "--feature", "flow-uvos", "--quiet")


def _one_line(code: int, err: str) -> str:
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize("name", ["a.json", "a.txt", "a"])
def test_save_under_a_name_not_ending_npz_is_refused(name: str, cli, tmp_path: Path) -> None:
    """V8: an a.json of features was "not UTF-8" to validate and "not a directory" to status,
    which tell a features file by its .npz name."""
    save = tmp_path / name
    line = _one_line(*cli(*EXTRACT, "--save", save)[::2])
    assert line == (f"merbench: error: --save {save} does not end in .npz, the name of a "
                    f"features file; give a name such as {tmp_path / 'a.npz'}"), line
    assert not save.exists()
