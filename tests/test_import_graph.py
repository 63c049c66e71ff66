"""merbench's own import graph: no circles, and an import inside a function only where it
defers a heavy library, saying so.

Imports inside functions hide what a module depends on, so each must earn its place: it keeps
``import merbench`` and the command line light by deferring a library that takes a noticeable
time to load (torch, Ray, pandas, ...), directly or through the merbench module it names. The
graph counts every import, those inside functions and under ``TYPE_CHECKING`` included,
since a circle through either still ties the modules together for a reader.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# libraries whose import takes a noticeable share of a second, or that are optional; rich
# too, which 'import merbench.cli' (and so 'merbench --help') must not load
HEAVY = frozenset({"torch", "torchvision", "timm", "ray", "sklearn", "scipy", "pandas",
                   "numpy", "cv2", "dlib", "face_recognition_models", "skimage", "jinja2",
                   "markupsafe", "openpyxl", "python_calamine", "PIL", "rich",
                   "optuna", "cryptography"})


@dataclass
class Module:
    name: str
    path: Path
    top: set[str] = field(default_factory=set)  # imported when the module is
    anywhere: set[str] = field(default_factory=set)  # imported at all, TYPE_CHECKING included
    deferred: list[tuple[int, str]] = field(default_factory=list)  # (line, module) in functions


def _module_name(package_root: Path, path: Path) -> str:
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def read_graph(package_root: Path) -> dict[str, Module]:
    """Every module of the package under ``package_root`` with what it imports."""
    modules: dict[str, Module] = {}
    for path in sorted(package_root.rglob("*.py")):
        modules[_module_name(package_root, path)] = Module(_module_name(package_root, path), path)
    for module in modules.values():
        tree = ast.parse(module.path.read_text())
        is_package = module.path.name == "__init__.py"
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                in_function |= {id(n) for n in ast.walk(node) if n is not node}
        type_checking: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                type_checking |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = _imported(node, module.name, is_package)
            module.anywhere.update(names)
            if id(node) in in_function:
                module.deferred.append((node.lineno, names[0]))
            elif id(node) not in type_checking:
                module.top.update(names)
    return modules


def _own(modules: dict[str, Module], name: str) -> str | None:
    """The module of the package that ``name`` (a module or a name in one) refers to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def edges(modules: dict[str, Module], which: str) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in modules.values():
        targets = {_own(modules, name) for name in getattr(module, which)}
        # a package's own __init__ is where its modules live, not a dependency on them
        graph[module.name] = {t for t in targets if t and t != module.name
                              and not module.name.startswith(t + ".")}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def heavy_on_import(modules: dict[str, Module], name: str) -> set[str]:
    """The heavy libraries importing module ``name`` loads, through merbench or directly."""
    seen: set[str] = set()
    heavy: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for imported in modules[current].top:
            top_level = imported.split(".")[0]
            if top_level in HEAVY:
                heavy.add(top_level)
            own = _own(modules, imported)
            if own is not None:
                todo.append(own)
                # importing a.b.c runs a/__init__ and a/b/__init__ first
                parts = own.split(".")
                todo += [".".join(parts[:i]) for i in range(1, len(parts))
                         if ".".join(parts[:i]) in modules]
    return heavy


def unjustified_imports(modules: dict[str, Module], root: Path = ROOT) -> list[str]:
    """Imports inside functions that defer nothing heavy, or do not say why."""
    problems = []
    for module in modules.values():
        lines = module.path.read_text().splitlines()
        loaded_anyway = heavy_on_import(modules, module.name)
        for line, name in module.deferred:
            where = f"{module.path.relative_to(root)}:{line}"
            top_level = name.split(".")[0]
            own = _own(modules, name)
            defers = ({top_level} & HEAVY) if own is None else heavy_on_import(modules, own)
            if not defers - loaded_anyway:
                problems.append(f"{where} imports {name} inside a function but defers "
                                "nothing heavy; import it at the top")
            elif not _commented(lines, line):
                problems.append(f"{where} defers {', '.join(sorted(defers - loaded_anyway))} "
                                f"by importing {name} inside a function; say so in a comment")
    return problems


def _commented(lines: list[str], line: int) -> bool:
    """A comment on the import, or on the lines of imports just above it."""
    at = line - 1
    while at >= 0:
        text = lines[at].strip()
        if "#" in text:
            return True
        if not (text.startswith(("import ", "from ")) or not text or at == line - 1):
            return False
        at -= 1
    return False


PACKAGE = ROOT / "merbench"


@functools.cache
def merbench_graph() -> dict[str, Module]:
    """merbench's own graph, read once for the tests that read it (each read parses every
    module); nothing changes it."""
    return read_graph(PACKAGE)


def test_merbench_has_no_import_circles() -> None:
    found = circles(edges(merbench_graph(), "anywhere"))
    assert not found, "modules that import each other, directly or round a circle: " + \
        "; ".join(" <-> ".join(c) for c in found)


def test_imports_inside_functions_defer_something_heavy_and_say_so() -> None:
    problems = unjustified_imports(merbench_graph())
    assert not problems, "\n".join(problems)


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    package = tmp_path / "toy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from toy.b import thing\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from toy.a import x\n"
        "thing = 1\n")
    (package / "heavy.py").write_text("import torch\n")
    (package / "c.py").write_text(
        "def f():\n    from toy import b\n\n\ndef g():\n    # torch, when drawn\n"
        "    from toy.heavy import torch\n\n\ndef h():\n    from toy.heavy import torch\n")
    return package


def test_the_checks_see_a_circle_and_bare_or_needless_deferred_imports(toy: Path) -> None:
    modules = read_graph(toy)
    assert circles(edges(modules, "anywhere")) == [["toy.a", "toy.b"]]
    assert circles(edges(modules, "top")) == []  # only through TYPE_CHECKING
    problems = unjustified_imports(modules, toy.parent)
    assert len(problems) == 2, problems
    assert "c.py:2 imports toy inside a function but defers nothing heavy" in problems[0]
    assert "c.py:11 defers torch" in problems[1] and "say so in a comment" in problems[1]


#: packages that group a concept's modules without tying them to one layer: each module of
#: one is a unit of its own (``plugin_system.first_party``, ``plugin_system.registry``), placed
#: in its layer like any unit, and the package's ``__init__`` imports nothing, so it stands in
#: no layer and an import of it is no dependency on the others. The folder-level check
#: (:func:`test_the_folders_show_the_layers`) takes every folder whole, this one included.
CONCEPT_PACKAGES: frozenset[str] = frozenset({"plugin_system"})

#: merbench's layers, lowest first: a module may import its own layer's and lower layers'
#: units (a unit is a subpackage or a top-level module of merbench, or a module of a concept
#: package), never a higher one's, so that a reader can understand each layer knowing only
#: those below it
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundations", frozenset({"base", "plugin_system.first_party"})),
    ("vocabulary", frozenset({"meta", "data", "protocols", "plugin_system.runinfo",
                              "plugin_system.registry", "plugin_system.entry",
                              "plugin_system.lazy_factory",
                              "plugin_system.factory_options", "plugin_system.options_cache",
                              "plugin_system.hookspecs", "plugin_system.hookimpl",
                              "plugin_system.manager", "plugin_system.plugin_import",
                              "plugin_system.plugin_fault", "plugin_system.autoload",
                              "plugin_system.option_values",
                              "plugin_system.fixed_options",
                              "plugin_system.option_check"})),
    ("records", frozenset({"results"})),  # file formats and run folders: read and written
    ("computation", frozenset({"stats", "scores", "au", "training", "features", "export",
                               "spotting"})),
    ("running", frozenset({"runner"})),
    ("checking", frozenset({"verification", "audit", "sweep", "compare"})),
    # what every kind of result is to the commands that take any (validate, status, audit)
    ("result kinds", frozenset({"kinds"})),
    ("pages", frozenset({"leaderboard"})),
    # each kind of result's home: its record, checks, audit, page, export and kind object
    # together, standing on the shared layers below, which learn it by registration
    ("kinds' homes", frozenset({"au_kind", "spotting_kind", "tuning"})),
    ("interfaces", frozenset({"cli", "api", "testing", "__main__", ""})),  # "": merbench/
)


def folder_layers(layers: tuple[tuple[str, frozenset[str]], ...] = LAYERS,
                  concepts: frozenset[str] = CONCEPT_PACKAGES) -> tuple[
                      tuple[str, frozenset[str]], ...]:
    """``layers`` with every folder whole: a concept package's folder in the highest layer
    any of its modules stands in."""
    highest: dict[str, int] = {}
    for i, (_, units) in enumerate(layers):
        for name in units:
            folder = name.split(".")[0] if name.split(".")[0] in concepts else name
            highest[folder] = max(highest.get(folder, i), i)
    return tuple((title, frozenset(f for f, i in highest.items() if i == n))
                 for n, (title, _) in enumerate(layers))


def unit(module: str, concepts: frozenset[str] = CONCEPT_PACKAGES) -> str | None:
    """The layered unit ``merbench.a.b`` belongs to: ``a``, or ``a.b`` where ``a`` is a
    concept package (``""`` for the package itself; None for a concept package's own
    ``__init__``, which stands in no layer)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in concepts:
        return ".".join(parts[1:3]) if len(parts) > 2 else None
    return parts[1] if len(parts) > 1 else ""


def unit_graph(modules: dict[str, Module],
               concepts: frozenset[str] = CONCEPT_PACKAGES) -> dict[str, set[str]]:
    """Which other units each unit's modules import (every import counted)."""
    graph: dict[str, set[str]] = {}
    for source, targets in edges(modules, "anywhere").items():
        for target in targets:
            here, there = unit(source, concepts), unit(target, concepts)
            if here is not None and there is not None and here != there:
                graph.setdefault(here, set()).add(there)
    return graph


def concept_inits_that_import(modules: dict[str, Module],
                              concepts: frozenset[str] = CONCEPT_PACKAGES) -> list[str]:
    """The concept packages whose ``__init__`` imports something, or that are not packages:
    an import there would tie every module of the concept to it, whatever their layers."""
    root = next(iter(modules)).split(".")[0] if modules else ""
    problems = []
    for concept in sorted(concepts):
        init = modules.get(f"{root}.{concept}")
        if init is None or init.path.name != "__init__.py":
            problems.append(f"{concept} is not a package: drop it from CONCEPT_PACKAGES")
        elif init.anywhere - {"__future__", "__future__.annotations"}:
            problems.append(f"{root}.{concept} imports {', '.join(sorted(init.anywhere))}: "
                            "a concept package's __init__ imports nothing")
    return problems


def layer_breaches(modules: dict[str, Module],
                   layers: tuple[tuple[str, frozenset[str]], ...],
                   concepts: frozenset[str] = CONCEPT_PACKAGES) -> list[str]:
    """Every import that reaches a higher layer, every unit no layer names, and every
    concept package whose ``__init__`` imports."""
    level = {name: i for i, (_, units) in enumerate(layers) for name in units}
    placed = {u for m in modules if (u := unit(m, concepts)) is not None}
    problems = sorted({f"{name} is in no layer: place it in LAYERS"
                       for name in placed if name not in level})
    problems += concept_inits_that_import(modules, concepts)
    for source, targets in sorted(edges(modules, "anywhere").items()):
        for target in sorted(targets):
            source_unit, target_unit = unit(source, concepts), unit(target, concepts)
            if source_unit is None or target_unit is None:
                continue  # a concept package's own __init__: it imports nothing
            here, there = level.get(source_unit), level.get(target_unit)
            if here is not None and there is not None and there > here:
                problems.append(f"{source} ({layers[here][0]}) imports {target} "
                                f"({layers[there][0]}), a higher layer")
    return problems


def test_each_layer_imports_only_itself_and_the_layers_below() -> None:
    problems = layer_breaches(merbench_graph(), LAYERS)
    assert not problems, "\n".join(problems)


def test_the_layer_check_sees_an_import_upward_and_an_unplaced_unit(tmp_path: Path) -> None:
    package = tmp_path / "toy"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("")
    (package / "low" / "a.py").write_text("from toy.high import b\n")
    (package / "high.py").write_text("from toy.low import a\nb = 1\n")
    (package / "stray.py").write_text("")
    layers = (("bottom", frozenset({"low"})), ("top", frozenset({"high", ""})))
    assert layer_breaches(read_graph(package), layers, frozenset()) == [
        "stray is in no layer: place it in LAYERS",
        "toy.low.a (bottom) imports toy.high (top), a higher layer"]


def two_way_units(modules: dict[str, Module],
                  concepts: frozenset[str] = CONCEPT_PACKAGES) -> list[str]:
    """Every pair of units that import each other (a module of each importing the other's):
    inside one layer the layer check allows any edge, so a unit pair could still depend on
    each other both ways, which makes neither readable without the other."""
    uses = unit_graph(modules, concepts)
    return sorted(f"{a} <-> {b}" for a, used in uses.items() for b in used
                  if a < b and a in uses.get(b, set()))


def test_no_two_units_depend_on_each_other() -> None:
    found = two_way_units(merbench_graph())
    assert not found, "units that import each other: " + "; ".join(found)


def test_a_concept_package_places_each_module_in_its_own_layer(tmp_path: Path) -> None:
    package = tmp_path / "toy"
    (package / "idea").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "idea" / "__init__.py").write_text('"""An idea, in modules of two layers."""\n')
    (package / "idea" / "words.py").write_text("x = 1\n")
    (package / "idea" / "sums.py").write_text("from toy.idea import words\n")
    (package / "idea" / "upward.py").write_text("from toy.idea.sums import y\n")
    (package / "plain.py").write_text("from toy.idea import words\n")
    layers = (("bottom", frozenset({"idea.words", "idea.upward"})),
              ("top", frozenset({"idea.sums", "plain", ""})))
    concepts = frozenset({"idea"})
    modules = read_graph(package)
    assert unit("toy.idea.words", concepts) == "idea.words"
    assert unit("toy.idea", concepts) is None
    # the package's __init__ is in no layer, and importing it ties nothing to it
    assert layer_breaches(modules, layers, concepts) == [
        "toy.idea.upward (bottom) imports toy.idea.sums (top), a higher layer"]
    assert unit_graph(modules, concepts) == {"idea.sums": {"idea.words"},
                                             "idea.upward": {"idea.sums"},
                                             "plain": {"idea.words"}}
    assert unit_levels(modules, concepts)["idea.upward"] == 3
    (package / "idea" / "__init__.py").write_text("from toy.idea.words import x\n")
    (package / "stray").mkdir()
    (package / "stray" / "__init__.py").write_text("")
    assert layer_breaches(read_graph(package), layers, concepts | {"plain"}) == [
        "stray is in no layer: place it in LAYERS",
        "toy.idea imports toy.idea.words, toy.idea.words.x: a concept package's __init__ "
        "imports nothing",
        "plain is not a package: drop it from CONCEPT_PACKAGES",
        "toy.idea.upward (bottom) imports toy.idea.sums (top), a higher layer"]


def test_the_two_way_check_sees_units_that_import_each_other(tmp_path: Path) -> None:
    package = tmp_path / "toy"
    for name in ("one", "two"):
        (package / name).mkdir(parents=True)
        (package / name / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "one" / "a.py").write_text("from toy.two import c\n")
    (package / "two" / "c.py").write_text("x = 1\n")
    (package / "two" / "d.py").write_text("from toy.one import a\n")  # no circle of modules
    modules = read_graph(package)
    assert circles(edges(modules, "anywhere")) == []
    assert two_way_units(modules) == ["one <-> two"]


def test_the_subject_split_name_results_check_is_the_registered_protocols() -> None:
    """The results read ``subject-split`` runs by name without importing the protocol
    (``merbench.results.protocol_names``); the name must be the one the builtin plugin
    registers, or a tuning's runs would be checked as whole-database runs."""
    from merbench.plugin_system.manager import default_plugins
    from merbench.results.protocol_names import SUBJECT_SPLIT

    entry = default_plugins().registries.protocols.get(SUBJECT_SPLIT)
    assert entry.origin.package == "merbench" and "subject" in entry.meta.description


#: the most levels merbench's units may stand on, each above every unit it imports (issue 68:
#: 18 in a round that added two small imports of a higher unit; a level is one more thing a
#: reader of the top must hold in mind)
MAX_LEVELS = 14


def unit_levels(modules: dict[str, Module],
                concepts: frozenset[str] = CONCEPT_PACKAGES) -> dict[str, int]:
    """Each unit's level: 1 for a unit that imports no other, else one above the highest it
    imports (every import counted, deferred and TYPE_CHECKING ones too)."""
    graph = unit_graph(modules, concepts)
    levels: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in levels:
            levels[name] = 1 + max((level(t) for t in graph.get(name, ())), default=0)
        return levels[name]

    for name in {u for m in modules if (u := unit(m, concepts)) is not None}:
        level(name)
    return levels


def test_the_units_stand_on_at_most_14_levels() -> None:
    levels = unit_levels(merbench_graph())
    highest = max(levels.values())
    assert highest <= MAX_LEVELS, ("units by level: " + ", ".join(
        f"{name} {n}" for name, n in sorted(levels.items(), key=lambda item: -item[1])))


#: the most levels the folders of merbench may stand on, each whole (issue 82)
MAX_FOLDER_LEVELS = 12


def test_the_folders_show_the_layers() -> None:
    """Each top-level folder of merbench taken whole, as a reader sees the tree: no two
    import each other, none imports a folder of a higher layer, and they stand on at most
    :data:`MAX_FOLDER_LEVELS` levels (docs/architecture.md draws them)."""
    modules, whole = merbench_graph(), frozenset[str]()
    problems = layer_breaches(modules, folder_layers(), whole) + two_way_units(modules, whole)
    assert not problems, "\n".join(problems)
    levels = unit_levels(modules, whole)
    assert max(levels.values()) <= MAX_FOLDER_LEVELS, levels


def test_the_folder_check_sees_a_concept_packages_module_reach_up(tmp_path: Path) -> None:
    package = tmp_path / "toy"
    for name in ("idea", "high"):
        (package / name).mkdir(parents=True)
        (package / name / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "idea" / "words.py").write_text("x = 1\n")
    (package / "idea" / "checks.py").write_text("from toy.high.c import y\n")
    (package / "high" / "c.py").write_text("from toy.idea.words import x\ny = 1\n")
    layers = (("bottom", frozenset({"idea.words"})),
              ("top", frozenset({"idea.checks", "high", ""})))
    modules = read_graph(package)
    concepts = frozenset({"idea"})
    # module by module the concept package's modules stand in two layers, and all is well
    assert layer_breaches(modules, layers, concepts) == []
    # folder by folder, the idea stands where its highest module does: the two import
    # each other
    assert folder_layers(layers, concepts)[1][1] == frozenset({"idea", "high", ""})
    assert two_way_units(modules, frozenset()) == ["high <-> idea"]


if __name__ == "__main__":
    graph = read_graph(PACKAGE)
    found = unit_levels(graph)
    print(f"{max(found.values())} levels (at most {MAX_LEVELS}); by level: " + ", ".join(
        f"{name} {n}" for name, n in sorted(found.items(), key=lambda item: (-item[1], item[0]))))
    breaches = layer_breaches(graph, LAYERS) + two_way_units(graph)
    print(f"{len(breaches)} imports up a layer, units unplaced or two-way dependencies")
    print("\n".join(breaches))
    folders = unit_levels(graph, frozenset())
    print(f"folders whole: {max(folders.values())} levels (at most {MAX_FOLDER_LEVELS}); "
          "by level: " + ", ".join(f"{name or 'merbench/__init__'} {n}" for name, n in sorted(
              folders.items(), key=lambda item: (-item[1], item[0]))))


def test_the_architecture_pages_package_table_lists_every_folder_by_layer() -> None:
    """docs/architecture.md's Packages table names every folder of merbench once, lowest
    layer first, as its text says (a reader met no row for ``compare/``, and ``results/``
    below the computation it is lower than)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("\n## Packages\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("`")[1].rstrip("/") for line in table.splitlines()
            if line.startswith("| `")]
    folders = sorted(p.name for p in (ROOT / "merbench").iterdir()
                     if (p / "__init__.py").is_file())
    assert sorted(rows) == folders
    level = {folder: n for n, (_, units) in enumerate(folder_layers()) for folder in units}
    shown = [level[row] for row in rows]
    assert shown == sorted(shown), list(zip(rows, shown, strict=True))
