"""``merbench status LINK``, a symbolic link to a result's folder given as the argument: no
result is read through a link, so status refuses it in validate's words with exit status 2,
as it refuses a link found under the folder given (a ``--seeds`` folder's ``seed-2``), and
as validate, show, audit and compare refuse it. It read the result behind the link and
called it complete, or said the link on its line with exit status 0, so a script checking
status took a result every other command refuses as fine; and a ``--seeds`` folder
given through a link was shown and validated, a tuning shown, where a run was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import one_line


@pytest.mark.parametrize("kind", ["emotion run", "summary over seeds", "spotting run",
                                  "tuning"])
def test_a_link_given_to_status_is_refused_as_validate_refuses_it(
        examples: dict[str, Path], tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch,
        kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples[kind], "real", symlinks=True)
    Path("linked").symlink_to("real", target_is_directory=True)
    said = "linked: is a symbolic link (to real); put the folder itself in its place"
    code, out, err = cli("status", "linked")
    assert (code, out) == (2, "") and one_line(err) == f"merbench: error: {said}", out + err
    for command in ("show", "validate"):  # a --seeds folder was shown and validated
        code, _, err = cli(command, "linked")
        assert code == 2 and said in err, (command, err)
    assert cli("status", "real")[0] == 0  # the folder itself, put in the link's place


def test_a_stopped_run_given_through_a_link_is_refused_too(
        tiny_finished_run: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_finished_run, "real")
    Path("real/results.json").unlink()  # stopped after its last fold, before its results
    Path("linked").symlink_to("real", target_is_directory=True)
    code, out, err = cli("status", "linked")
    assert (code, out) == (2, "") and one_line(err) == (
        "merbench: error: linked: is a symbolic link (to real); put the folder itself in its "
        "place"), out + err
    code, out, _ = cli("status", "real")
    assert code == 0 and out.startswith("real: "), out
