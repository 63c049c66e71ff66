"""The code-quality items issue 82's core left (fix brief 84ad, coreleft): a folder of results
read once by the walk that counts its folders and the walk that finds its results; the
terminal's encoding worked out once per stream; a run's predictions table refused at one
home. None changes what a command says; each test here failed before its change."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from merbench.results import folder_walk
from merbench.results.folder_walk import RESULTS_BELOW, folders_holding, result_tree
from merbench.results.result_files import result_markers, summary_markers


def _tree(root: Path) -> None:
    """Two groups of runs, one run holding a run of its own and a link out of the tree."""
    for group in ("a", "b"):
        for run in ("run-1", "run-2"):
            (root / group / run / "folds").mkdir(parents=True)
            (root / group / run / "results.json").write_text("{}")
    (root / "a" / "run-1" / "folds" / "inner").mkdir()
    (root / "a" / "run-1" / "folds" / "inner" / "results.json").write_text("{}")
    (root / "b" / "elsewhere").symlink_to(root / "a")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each folder is read (``os.scandir``) while the test runs."""
    counted: Counter[str] = Counter()
    scandir = os.scandir

    def counting(path: str | os.PathLike[str]) -> object:
        counted[os.fspath(path)] += 1
        return scandir(path)

    monkeypatch.setattr(folder_walk.os, "scandir", counting)
    return counted


def test_validate_and_the_build_read_each_folder_once(tmp_path: Path,
                                                     reads: Counter[str]) -> None:
    _tree(tmp_path)
    tree = result_tree(tmp_path, result_markers(), walked_into=summary_markers(),
                       kept_whole=("tuning.json",), below=RESULTS_BELOW)
    assert [path.relative_to(tmp_path).as_posix() for path in tree.results] == [
        "a/run-1", "a/run-2", "b/run-1", "b/run-2"]
    assert [nested.relative_to(tmp_path).as_posix() for nested, _ in tree.nested] == [
        "a/run-1/folds/inner"]
    assert [link.name for link in tree.links] == ["elsewhere"]
    assert reads and max(reads.values()) == 1, reads


def test_status_reads_each_folder_once(tmp_path: Path, reads: Counter[str]) -> None:
    _tree(tmp_path)
    found = folders_holding(tmp_path, result_markers(), RESULTS_BELOW, what="w", noun="n",
                            give="g", with_links=True, walked_into=summary_markers())
    assert sorted(path.relative_to(tmp_path).as_posix() for path in found) == [
        "a/run-1", "a/run-2", "b/elsewhere", "b/run-1", "b/run-2"]
    assert reads and max(reads.values()) == 1, reads


class _Counted(str):
    """merbench's own characters, counting how often a stream's encoding is tried on them."""

    tried = 0

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        type(self).tried += 1
        return str(self).encode(encoding, errors)


def test_say_works_out_each_stream_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from merbench.base import terminal

    monkeypatch.setattr(terminal, "_OWN", _Counted(terminal._OWN))
    monkeypatch.setattr(_Counted, "tried", 0)
    first, second = (io.TextIOWrapper(io.BytesIO(), encoding=encoding)
                     for encoding in ("utf-8", "ascii"))
    for _ in range(3):  # a stream that holds every character was worked out at every line
        terminal.say("a \u2014 b", file=first)
    monkeypatch.setattr("sys.stdout", second)  # a stream swapped in: worked out in its turn
    terminal.say("c \u00b7 d")
    terminal.say("e \u2026")
    assert _Counted.tried == 2
    for stream, text in ((first, "a \u2014 b\n" * 3), (second, "c . d\ne ...\n")):
        stream.flush()
        assert stream.buffer.getvalue().decode() == text  # type: ignore[attr-defined]


def test_a_predictions_table_in_the_way_is_refused_at_one_home() -> None:
    """Refused as a run is opened, before its audits and before any fold trains; the check
    repeated before the summary found what the opening had refused already (its docstring
    says why one home serves both)."""
    import re

    root = Path(__file__).resolve().parents[1]
    calls = [(source.relative_to(root).as_posix(), line)
             for folder in ("merbench", "plugins") for source in (root / folder).rglob("*.py")
             for line in source.read_text().splitlines()
             if re.search(r"(?<!def )\brefuse_written_entry\(", line)]
    assert [where for where, _ in calls] == ["merbench/runner/execute.py"], calls


def test_no_fixture_only_hands_the_tiny_run_on() -> None:
    """Twelve modules each had a fixture that returned ``tiny_finished_run`` under another
    name (``finished``, ``tiny_run``, ``run``): a reader had to look up that it was the
    session's shared run, never to be changed. Their tests take the fixture itself."""
    import ast

    handing_on = []
    for source in sorted(Path(__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.FunctionDef) or not any(
                    "fixture" in ast.unparse(decorator) for decorator in node.decorator_list):
                continue
            body = [statement for statement in node.body
                    if not (isinstance(statement, ast.Expr)
                            and isinstance(statement.value, ast.Constant))]
            if (len(body) == 1 and isinstance(body[0], ast.Return)
                    and isinstance(body[0].value, ast.Name)
                    and body[0].value.id == "tiny_finished_run"):
                handing_on.append(f"{source.name}: {node.name}")
    assert not handing_on, handing_on
