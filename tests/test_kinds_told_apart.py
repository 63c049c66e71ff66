"""No module outside a kind's own code tells the kinds of result apart by the class of their
record, or of their kind (issue 82): each kind answers for itself (:mod:`merbench.kinds`:
``kind_of``, ``started_kind``, what a kind says of itself), and a record names its own files
(``Results.result_file``), so an ``isinstance`` against one was a branch that a new kind had
to find and extend. Only the kinds' package and the record's own module may ask, and for a
kind in a home of its own (``merbench/tuning/``), that home alone: the shared layers know it
by what it registered (:mod:`merbench.results.kind_registry`), neither by its classes nor by
the names of its files."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from merbench.kinds import result_kinds
from merbench.results.au_file import AUResults, AUSeedsSummary
from merbench.results.kind_registry import HOMES, registered_files
from merbench.results.model import Results
from merbench.results.seeds_model import SeedsSummary
from merbench.results.spotting_file import SpottingResults
from merbench.results.str_file import StrResults
from merbench.results.str_seeds_file import StrSeedsSummary
from merbench.tuning.record import TuneResults
from merbench.tuning.seeds_record import TuneSeedsSummary

ROOT = Path(__file__).resolve().parents[1]
KINDS = ROOT / "merbench" / "kinds"
#: the folder of each kind's home
HOME_FOLDERS = tuple(Path(inspect.getfile(importlib.import_module(home))).resolve().parent
                     for home in HOMES)
#: the record of each kind's result file (a spotting run's two)
RECORDS = (Results, SeedsSummary, AUResults, AUSeedsSummary, SpottingResults, StrResults,
           StrSeedsSummary, TuneResults, TuneSeedsSummary)


def _own_modules() -> dict[str, Path]:
    """Each record class and kind class by name, with the module that defines it."""
    classes = [*RECORDS, *(type(kind) for kind in result_kinds())]
    return {cls.__name__: Path(inspect.getfile(cls)).resolve() for cls in classes}


def _home_of(path: Path) -> Path | None:
    return next((home for home in HOME_FOLDERS if home in path.resolve().parents), None)


def kinds_told_apart(path: Path, root: Path = ROOT) -> list[str]:
    """Every ``isinstance`` in ``path`` against a record or a kind class defined elsewhere
    (a home's classes: outside their home)."""
    own = _own_modules()
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "isinstance" and len(node.args) == 2:
            named = {n.id if isinstance(n, ast.Name) else n.attr
                     for n in ast.walk(node.args[1]) if isinstance(n, (ast.Name, ast.Attribute))}
            if any(name in own and own[name] != path.resolve()
                   and (_home_of(own[name]) is None or _home_of(own[name]) != _home_of(path))
                   for name in named):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return found


def file_names_told(path: Path, names: set[str], root: Path = ROOT) -> list[str]:
    """Every string in ``path``'s code (docstrings aside) that is one of ``names``."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef) and node.body
                  and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [f"{path.relative_to(root)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and id(node) not in docstrings
            and node.value in names]


def test_no_module_but_the_kinds_own_asks_a_results_class() -> None:
    found = [line for path in sorted((ROOT / "merbench").rglob("*.py"))
             if KINDS not in path.parents for line in kinds_told_apart(path)]
    assert not found, ("ask the kind (merbench.kinds: kind_of, started_kind) or the record "
                       "(its result_file), or dispatch on the record's class "
                       "(merbench.cli.finish_text), instead:\n" + "\n".join(found))


def test_no_module_outside_a_kinds_home_names_its_files() -> None:
    """A home's result files are named in its own folder alone; the shared layers ask what
    it registered (the walk, migrate), and the command line imports the names it prints."""
    for files in registered_files():
        names = {*files.markers, *files.json_files}
        home = next(h for h in HOME_FOLDERS if all(
            any(name in p.read_text() for p in h.glob("*.py")) for name in names))
        found = [line for path in sorted((ROOT / "merbench").rglob("*.py"))
                 if home not in path.parents for line in file_names_told(path, names)]
        assert not found, (f"the {files.name} kind's files are its home's to name "
                           f"({home.relative_to(ROOT)}); import the name or ask "
                           "merbench.results.kind_registry:\n" + "\n".join(found))


def test_the_file_name_check_sees_a_name_in_code_not_in_a_docstring(tmp_path: Path) -> None:
    code = tmp_path / "code.py"
    code.write_text('"""Reads tune.json."""\n\ndef f():\n    """tune.json"""\n'
                    '    return "tune.json", f"{x / \'tune.json\'}"\n')
    assert [line.split(": ")[1] for line in file_names_told(code, {"tune.json"}, tmp_path)] \
        == ["'tune.json'", "'tune.json'"]


def test_the_check_sees_each_way_of_asking(tmp_path: Path) -> None:
    asking = tmp_path / "asking.py"
    asking.write_text("a = isinstance(results, AUResults)\n"
                      "b = isinstance(summary, (SeedsSummary, au_file.AUSeedsSummary))\n"
                      "c = isinstance(kind, EmotionRunKind)\n"
                      "fine = isinstance(value, (dict, list)) or isinstance(x, Results2)\n")
    found = kinds_told_apart(asking, tmp_path)
    assert [line.split(":")[1] for line in found] == ["1", "2", "3"]


def test_a_run_record_names_its_own_files() -> None:
    """What the audit and the signing of a run folder read instead of asking its class."""
    assert (Results.result_file, Results.predictions_file) == ("results.json",
                                                               "predictions.csv")
    assert (AUResults.result_file, AUResults.predictions_file) == ("au-results.json",
                                                                   "au-predictions.csv")
