"""``--force`` where it can replace nothing (pass 84p, P10): ``extract`` without ``--save``
and a table or a comparison with no ``--out`` took it without a word, where every other
option nothing reads is refused. Each is one line saying what ``--force`` replaces, before
anything is computed. (``export --layout`` takes it: it replaces an export of another layout,
dataset or features in ``--out``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import one_line

NOT_GIVEN = ("--force replaces the file at {} FILE, which is not given; give {} FILE or leave "
             "--force out")


@pytest.mark.parametrize(("args", "said"), [
    (("extract", "-d", "synthetic", "--feature", "tvl1-uvos", "--quiet"),
     NOT_GIVEN.format("--save", "--save")),
    (("export", "-d", "synthetic", "--compare", "release", "--quiet"),
     NOT_GIVEN.format("--out", "--out")),
    (("leaderboard", "export", "loso-casme2-5class"), NOT_GIVEN.format("--out", "--out")),
])
def test_force_where_nothing_can_be_replaced_is_refused(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
        said: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*args, "--force")
    assert code == 2 and one_line(err) == f"merbench: error: {said}", err
    assert not (tmp_path / "exh").exists() and "Traceback" not in err
