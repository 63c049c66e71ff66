"""An integer of more than 4,300 digits in any JSON file of a result (issue 84d).

Python converts no longer integer from text: its JSON decoder raised ``ValueError: Exceeds
the limit (4300 digits) for integer string conversion``, which no reader expected. status,
validate, compare, leaderboard list and migrate ended in that traceback, or printed it inside
a refusal, and migrate called a folder whose tuning.json, audit.json or au-results.json held
one "already in the current layout". Every JSON read goes through
:func:`merbench.results.codec.loads`, which refuses such a number as the malformed file it is,
so each command says it as it says any unreadable file: naming the file, in its own words.
A second case in migrate: a ``results.json`` that is a fifo was passed over ("0 file(s)
rewritten"): it is named and refused.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

HUGE = b"9" * 5000

#: (kind in the examples fixture, the file given a huge integer)
FILES = [("emotion run", "results.json"), ("emotion run", "run.json"),
         ("emotion run", "audit.json"), ("action-unit run", "au-results.json"),
         ("summary over seeds", "seeds.json"), ("spotting run", "spotting.json"),
         ("spotting run", "spot-run.json"), ("spotting run", "videos/0000.json"),
         ("spot-then-recognise summary over seeds", "seed-0/str.json"),
         ("spot-then-recognise summary over seeds", "str-seeds.json"),
         ("tuning", "tune.json"), ("tuning", "tuning.json"),
         ("tuning summary over seeds", "tune-seeds.json")]

#: Python's words, which no merbench message holds
PYTHONS = ("Traceback", "Exceeds the limit", "int_max_str_digits", "ValueError")


def _with_huge_integer(path: Path) -> None:
    """``path`` with its first field's value (an audit record: its whole) a 5,000-digit
    integer."""
    if path.name == "audit.json":
        path.write_bytes(b'{"schema_version": ' + HUGE + b"}")
        return
    value = json.loads(path.read_bytes())
    key = next(k for k in value if k != "kind")
    value[key] = "@huge@"
    path.write_bytes(json.dumps(value).encode().replace(b'"@huge@"', HUGE))


@pytest.mark.parametrize(("kind", "name"), FILES, ids=[name for _, name in FILES])
def test_a_huge_integer_is_one_line_naming_the_file_in_every_command(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    _with_huge_integer(folder / name)
    said = {}
    for command in (["validate"], ["status"], ["compare", examples["emotion run"]],
                    ["leaderboard", "list", "--results"]):
        code, out, err = cli(*command, folder)
        said[command[0]] = (code, out + err)
        for python in PYTHONS:
            assert python not in out + err, f"{command[0]}: {out + err}"
    code, text = said["validate"]
    assert code != 0 and Path(name).name in text, text
    # the line of the result the file belongs to (a summary's: its folder's, beside the
    # lines of its seed runs, which are complete)
    owner = folder / name.split("/")[0] if name.startswith("seed-") else folder
    line = next(line for line in said["status"][1].splitlines()
                if line.startswith((f"{owner}: ", f"merbench: error: {owner}/")))
    assert ": complete" not in line and "finished: tune.json written" not in line, line
    assert Path(name).name in line or "cannot be read" in line, line
    code, out, err = cli("migrate", folder)
    for python in PYTHONS:
        assert python not in out + err, out + err
    assert code != 0 and "already in it" not in out, out + err


@pytest.mark.parametrize("entry", ["fifo", "folder"])
def test_migrate_names_a_results_file_that_is_no_file(
        examples: dict[str, Path], tmp_path: Path, cli, entry: str) -> None:
    """migrate passed over a results.json that was a fifo and said "0 file(s) rewritten in
    the current layout, N already in it", exit 0."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "run", symlinks=False))
    (folder / "results.json").unlink()
    os.mkfifo(folder / "results.json") if entry == "fifo" else (folder / "results.json").mkdir()
    code, out, err = cli("migrate", folder)
    assert code != 0 and out == "", out
    assert f"{folder / 'results.json'} is a {entry}, not the file merbench wrote" in err, err


def test_migrate_says_what_it_checked(examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """A tuning's runs.tar.xz (a tar of traversing paths, say) was "already in the current
    layout" to migrate, which reads no archive: it says that it checked layouts only."""
    folder = Path(shutil.copytree(examples["tuning"], tmp_path / "tuning", symlinks=False))
    code, out, err = cli("migrate", folder)
    assert code == 0 and "migrate checks layouts only ('merbench validate' checks the " \
        "values, and a tuning's runs.tar.xz)" in out, out + err
