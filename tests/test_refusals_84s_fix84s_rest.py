"""Pass 84s, the remainders of S8, S16 and S18: a summary over seeds linked to a regular file
(one fix in status, validate and show), compare reading a run's folder that holds a
``seeds.json`` as the run, as the other commands do, and a dangling link given as the
argument named as a link to nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

#: each kind of summary over seeds, by its file
SUMMARIES = {"summary over seeds": "seeds.json",
             "action-unit summary over seeds": "au-seeds.json",
             "spot-then-recognise summary over seeds": "str-seeds.json",
             "tuning summary over seeds": "tune-seeds.json"}


@pytest.mark.parametrize("kind", SUMMARIES)
def test_a_summary_linked_to_a_file_has_one_fix_in_all_three(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str) -> None:
    """S16's remainder: a summary linked to a regular file was "remove it: the same ...
    command writes it again" to status and "publish the file itself, inside the run folder"
    to validate and show, the second naming a run folder a --seeds folder is not. merbench
    wrote the file: all three now say to put a copy of it in the link's place."""
    name = SUMMARIES[kind]
    folder = Path(shutil.copytree(examples[kind], tmp_path / "s"))
    (folder / name).rename(tmp_path / name)
    (folder / name).symlink_to(tmp_path / name)
    said = f"{name} is a symbolic link (to {tmp_path / name})"
    for command in ("validate", "show"):
        code, out, err = cli(command, folder)
        assert code == 2 and f"{folder}: {said}; put a copy of the file itself in its " \
                             "place" in err, (command, out, err)
    code, out, err = cli("status", folder)
    assert f"{folder}: {said}, which merbench never reads (put a copy of the file itself " \
           "in its place)" in out, (out, err)
    assert "remove it" not in out + err


def test_compare_reads_a_run_folder_holding_a_seeds_json_as_the_run(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """S18's remainder: status, validate and show read a run's folder as the run whatever
    ``seeds.json`` it holds beside its ``results.json``; compare took the folder for a
    summary over seeds and refused it by the summary's checks."""
    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "r"))
    shutil.copyfile(examples["summary over seeds"] / "seeds.json", run / "seeds.json")
    other = examples["summary over seeds"] / "seed-1"
    assert cli("validate", run)[0] == 0
    code, out, err = cli("compare", run, other)
    assert code == 0 and "seeds.json" not in out + err and "run 2 (" in out, (out, err)


def test_a_link_to_nothing_given_as_the_argument_is_named_as_one_by_every_command(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """S8's remainder: a link leading nowhere, given itself, was "not a directory" to
    status, "no results file at" it to validate and "no file a merbench result is written
    in" to show: each now says it as a link to nothing, as S8's walk says one it meets."""
    link = tmp_path / "linked"
    link.symlink_to(tmp_path / "moved-away")
    said = (f"{link}: is a symbolic link (to nothing: {tmp_path / 'moved-away'}); no result "
            "is read through a link: remove it, or copy the folder it named into the results "
            "folder")
    for command in ("status", "validate", "show"):
        code, out, err = cli(command, link)
        assert code == 2 and said in err and "not a directory" not in err, (command, out, err)
    code, out, err = cli("compare", link, examples["emotion run"])
    assert code == 2 and said in err, (out, err)
