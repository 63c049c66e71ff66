"""No module outside a kind's own code tells the kinds of result apart by the class of their
record, or of their kind (issue 82): each kind answers for itself (:mod:`merbench.kinds`:
``kind_of``, ``started_kind``, what a kind says of itself), and a record names its own files
(``Results.result_file``), so an ``isinstance`` against one was a branch that a new kind had
to find and extend. Only the kinds' package and the record's own module may ask, and for a
kind in a home of its own (``merbench/tuning/``, ``merbench/spotting_kind/``,
``merbench/au_kind/``), that home alone: the shared layers know it by what it registered
(:mod:`merbench.results.kind_registry`), neither by its classes nor by the names of its
files, and import none of its code."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from merbench.au.record import AUResults, AUSeedsSummary
from merbench.kinds import result_kinds
from merbench.results.kind_registry import HOMES, registered_files
from merbench.results.model import Results
from merbench.results.seeds_model import SeedsSummary
from merbench.spotting.record import SpottingResults
from merbench.spotting.str_record import StrResults
from merbench.spotting.str_seeds_record import StrSeedsSummary
from merbench.tuning.record import TuneResults
from merbench.tuning.seeds_record import TuneSeedsSummary

ROOT = Path(__file__).resolve().parents[1]
KINDS = ROOT / "merbench" / "kinds"
#: the folder of each kind's home
HOME_FOLDERS = tuple(Path(inspect.getfile(importlib.import_module(home))).resolve().parent
                     for home in HOMES)
#: the folder of a home's records where they cannot be in the home: the spotting kind's and
#: the action-unit kind's are written by their runners (``merbench spot``'s, ``merbench run
#: --task au``'s), below the layers a home stands on, so they are in the folder of the
#: computation the runner works with (``merbench/spotting_kind``'s docstring says why)
RECORD_FOLDERS = {ROOT / "merbench" / "spotting_kind": ROOT / "merbench" / "spotting",
                  ROOT / "merbench" / "au_kind": ROOT / "merbench" / "au"}
#: the layers every kind shares, which learn a home's kind by registration alone
SHARED = tuple(ROOT / "merbench" / name
               for name in ("results", "verification", "audit", "leaderboard", "kinds"))
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
    assert not found, ("ask the kind (merbench.kinds: kind_of, started_kind, finished_text) "
                       "or the record (its result_file) instead:\n" + "\n".join(found))


def test_no_module_outside_a_kinds_home_names_its_files() -> None:
    """A home's result files are named in its own folder alone; the shared layers ask what
    it registered (the walk, migrate), and the command line imports the names it prints."""
    for files, home in zip(registered_files(), HOME_FOLDERS, strict=True):
        names = {*files.markers, *files.json_files, *files.migrations}
        own = (home, *((RECORD_FOLDERS[home],) if home in RECORD_FOLDERS else ()))
        found = [line for path in sorted((ROOT / "merbench").rglob("*.py"))
                 if not any(folder in path.parents for folder in own)
                 for line in file_names_told(path, names)]
        assert not found, (f"the {files.name} kind's files are its home's to name "
                           f"({home.relative_to(ROOT)}); import the name or ask "
                           "merbench.results.kind_registry:\n" + "\n".join(found))


def imports_of(path: Path, packages: tuple[str, ...]) -> list[str]:
    """Every import in ``path`` of a module in one of ``packages`` (dotted names)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names
                  if any(name == p or name.startswith(p + ".") for p in packages)]
    return found


def test_no_shared_layer_imports_a_kinds_home_or_names_its_files() -> None:
    """The shared layers (results, verification, audit, leaderboard, kinds) import no home
    and no home's records, and name none of the files any home registered: a spotting run
    or a tuning reaches them through its registration alone (issue 82)."""
    homes = tuple(f"merbench.{folder.name}" for folder in
                  (*HOME_FOLDERS, *RECORD_FOLDERS.values()))
    names = {name for files in registered_files()
             for name in (*files.markers, *files.json_files, *files.migrations)}
    assert {"spotting.json", "spot-run.json", "str.json", "str-seeds.json", "tune.json",
            "au-results.json", "au-seeds.json"} <= names
    found = [line for folder in SHARED for path in sorted(folder.rglob("*.py"))
             for line in (*imports_of(path, homes), *file_names_told(path, names))]
    assert not found, ("a shared layer learns a kind in a home by its registration "
                       "(merbench.results.kind_registry), never by import or file name:\n"
                       + "\n".join(found))


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
