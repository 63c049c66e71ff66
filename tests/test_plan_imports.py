"""Planning reads the plugins' metadata, never their libraries: no torch in a process that
only plans, lists or validates, and options read without importing a factory's module are
exactly its signature's, and never taken from a record its code has outgrown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from merbench.base.cache import CACHE_ENV
from merbench.base.errors import PluginError
from merbench.meta import ModelMeta, TrainRecipe
from merbench.plugin_system import lazy_factory, options_cache
from merbench.plugin_system.factory_options import FactoryOptions, canonical_json
from merbench.plugin_system.lazy_factory import LazyFactory
from merbench.plugin_system.manager import load_plugins
from merbench.plugin_system.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("models", "datasets", "features", "protocols")
REGISTRIES = load_plugins().registries
ENTRIES = [(kind, entry.meta.name) for kind in KINDS
           for entry in getattr(REGISTRIES, kind)]
MODELS = [name for kind, name in ENTRIES if kind == "models"]

# One process that only plans: it reads every factory's options (a child of its own does
# the imports, into a fresh cache), reports them, then plans a run of every model and says
# after each whether torch is loaded.
PLANNER = r"""
import json, sys
from merbench.plugin_system.manager import load_plugins
from merbench.plugin_system.registry import LazyFactory
from merbench.plugin_system.entry import read_options
from merbench.runner.plan import plan_run
from merbench.runner.spec import RunSettings, RunSpec

registries = load_plugins().registries
kinds = ("models", "datasets", "features", "protocols")
named = {f"{kind}:{e.meta.name}": e for kind in kinds for e in getattr(registries, kind)}
# a factory whose module is imported here (merbench's own protocols) is read here
apart = [key for key, e in named.items()
         if isinstance(e.factory, LazyFactory) and not e.factory.imported]
read_options(named.values())
report = {"torch_after_reading": "torch" in sys.modules, "apart": apart, "plans": {},
          "options": {key: e.factory_options().to_json() for key, e in named.items()},
          "read_apart": [key for key in apart if named[key].factory._read_apart]}

def dataset_for(model):
    feature = registries.features.get(model.meta.feature).meta
    names = ["synthetic", "composite", *registries.datasets.names()]
    return next(n for n in names if n in registries.datasets
                and not feature.unmet_needs(registries.datasets.get(n).meta.provides))

for model in registries.models:
    plan = plan_run(RunSpec(model=model.meta.name, dataset=dataset_for(model)),
                    RunSettings(), load_plugins())
    report["plans"][model.meta.name] = {"torch": "torch" in sys.modules,
                                        "dataset": plan.inputs.dataset.meta.name}
print("REPORT " + json.dumps(report))
"""


def _python(code: str, cache: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, CACHE_ENV: str(cache)}
    return subprocess.run([sys.executable, *flags, "-c", code], capture_output=True,
                          text=True, env=env, cwd=ROOT, check=False)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    done = _python(PLANNER, tmp_path_factory.mktemp("cache"))
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(lines[-1][len("REPORT "):])
    return report


@pytest.mark.parametrize("model", MODELS)
def test_planning_a_run_of_every_model_loads_no_torch(planned: dict[str, Any],
                                                      model: str) -> None:
    assert not planned["torch_after_reading"], "reading the options loaded torch"
    assert len(planned["apart"]) > len(MODELS) // 2  # the models' options were read apart
    first = next((name for name, plan in planned["plans"].items() if plan["torch"]), None)
    assert not planned["plans"][model]["torch"], \
        f"planning {model} on {planned['plans'][model]['dataset']} loaded torch " \
        f"(first loaded planning {first})"


@pytest.mark.parametrize(("kind", "name"), ENTRIES, ids=[f"{k}:{n}" for k, n in ENTRIES])
def test_options_read_apart_are_the_factorys_real_signature(planned: dict[str, Any],
                                                            kind: str, name: str) -> None:
    import inspect

    entry = getattr(REGISTRIES, kind).get(name)
    factory = entry.factory.resolve() if isinstance(entry.factory, LazyFactory) \
        else entry.factory
    real = inspect.signature(factory)
    read = FactoryOptions.from_json(planned["options"][f"{kind}:{name}"])
    assert read == FactoryOptions.from_signature(real)
    # every default a run can leave out, as the planner knows it, is the factory's own
    assert {key: canonical_json(value) for key, value in read.defaults().items()} == {
        p.name: canonical_json(p.default) for p in real.parameters.values()
        if p.default is not p.empty and canonical_json(p.default) is not None}
    assert read.names() == [p.name for p in real.parameters.values()
                            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if f"{kind}:{name}" in planned["apart"]:  # read by a child, not imported
        assert f"{kind}:{name}" in planned["read_apart"]


def _module(folder: Path, name: str, text: str, age: float) -> Path:
    """A module file written ``age`` seconds in the past (a file changed just now is
    never kept: it may have changed while it was read)."""
    path = folder / f"{name}.py"
    path.write_text(text)
    then = time.time() - age
    os.utime(path, (then, then))
    os.utime(folder, (then, then))  # the folder is stamped too: a new file there shows
    return path


def _meta(name: str) -> ModelMeta:
    return ModelMeta(name=name, version=1, description="d", citation="c", feature="f",
                     recipe=TrainRecipe(epochs=1, batch_size=1, lr=1.0))


@pytest.fixture
def apart(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Options read apart into a fresh cache, even in a test process that loaded torch. The
    cache lies outside the folder the tests' modules are imported from: writing it there
    would change that folder, which a record is stamped with; so would the child's
    ``__pycache__`` of the tests' own modules (the suite lets Python write them), whose
    first appearance a record rightly does not trust."""
    monkeypatch.setattr(lazy_factory, "READ_HERE_ONCE_LOADED", ())
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("options-cache")))


def _counted_children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The targets of each child process that reads options from now on, one list a child."""
    children: list[list[str]] = []
    real_child = options_cache._read_in_child

    def counted(targets: list[str]) -> dict[str, FactoryOptions]:
        children.append(targets)
        return real_child(targets)

    monkeypatch.setattr(options_cache, "_read_in_child", counted)
    return children


@pytest.mark.usefixtures("apart")
def test_a_record_is_not_trusted_once_its_module_or_a_module_it_imports_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"mb_stale_{os.getpid()}_{time.monotonic_ns()}"
    _module(tmp_path, f"{name}_dep", "DEPTH = 2\n", 600)
    _module(tmp_path, name, f"from {name}_dep import DEPTH\n\n\n"
                            "def build(width: int = 8, depth: int = DEPTH) -> None:\n"
                            "    return None\n", 600)
    target = f"{name}:build"
    children = _counted_children(monkeypatch)

    def defaults() -> dict[str, Any]:
        return options_cache.read_options([target])[target].defaults()

    assert defaults() == {"width": 8, "depth": 2} and len(children) == 1
    assert defaults() == {"width": 8, "depth": 2} and len(children) == 1  # from the cache
    # the same size, another time: an edit the size alone would not show
    _module(tmp_path, name, f"from {name}_dep import DEPTH\n\n\n"
                            "def build(width: int = 9, depth: int = DEPTH) -> None:\n"
                            "    return None\n", 300)
    assert defaults() == {"width": 9, "depth": 2} and len(children) == 2
    _module(tmp_path, f"{name}_dep", "DEPTH = 3\n", 300)  # the default comes from here
    assert defaults() == {"width": 9, "depth": 3} and len(children) == 3
    assert defaults() == {"width": 9, "depth": 3} and len(children) == 3
    # a registry asks the same way, and never imported the module here
    registry = Registry("model", ModelMeta)
    registry.add(_meta("stale"), target)
    assert registry.get("stale").without_defaults({"width": 9, "depth": 4}) == {"depth": 4}
    assert name not in sys.modules and len(children) == 3


@pytest.mark.usefixtures("apart")
def test_a_record_is_not_trusted_once_a_file_appears_that_the_import_would_find(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An optional dependency installed after the record was kept changes the default; no
    file the child ran changed, but the folder it searched did. A path entry that is not
    text (a notebook's ``Path``), which imports skip, is skipped here too."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "path", [*sys.path, tmp_path / "not-text"])
    name = f"mb_optional_{os.getpid()}_{time.monotonic_ns()}"
    _module(tmp_path, name, f"try:\n    from {name}_extra import WIDTH\n"
                            "except ImportError:\n    WIDTH = 8\n\n\n"
                            "def build(width: int = WIDTH) -> None:\n    return None\n", 600)
    target = f"{name}:build"
    assert options_cache.read_options([target])[target].defaults() == {"width": 8}
    assert options_cache._load(target) is not None  # kept
    _module(tmp_path, f"{name}_extra", "WIDTH = 16\n", 300)
    assert options_cache.read_options([target])[target].defaults() == {"width": 16}


@pytest.mark.usefixtures("apart")
def test_a_module_that_waits_or_writes_bytes_on_import_does_not_stop_the_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that starts a thread that never ends, and writes bytes that are not UTF-8,
    when imported: the child answers and exits (it does not wait for the thread: the limit
    set here would give no answer) and the parent reads the answer."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(options_cache, "CHILD_TIMEOUT_S", 60)
    name = f"mb_waits_{os.getpid()}_{time.monotonic_ns()}"
    _module(tmp_path, name, "import os, sys, threading\n"
                            "threading.Thread(target=threading.Event().wait).start()\n"
                            "os.write(2, b'caf\\xe9\\n')\n"
                            "os.write(1, b'\\xff\\n')\n\n\n"
                            "def build(width: int = 8) -> None:\n    return None\n", 600)
    target = f"{name}:build"
    assert options_cache.read_options([target])[target].defaults() == {"width": 8}


@pytest.mark.usefixtures("apart")
def test_a_module_changed_while_it_was_read_is_used_once_and_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"mb_fresh_{os.getpid()}_{time.monotonic_ns()}"
    _module(tmp_path, name, "def build(width: int = 8) -> None:\n    return None\n", 0)
    assert options_cache.read_options([f"{name}:build"])[f"{name}:build"].defaults() == \
        {"width": 8}
    assert options_cache._load(f"{name}:build") is None


@pytest.mark.usefixtures("apart")
def test_options_read_apart_that_differ_from_the_real_signature_stop_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"mb_lying_{os.getpid()}_{time.monotonic_ns()}"
    _module(tmp_path, name, "def build(width: int = 8) -> int:\n    return width\n", 600)
    target = f"{name}:build"
    lie = FactoryOptions.from_json([["width", "KEYWORD_ONLY", "16", False]])
    monkeypatch.setattr(options_cache, "read_options", lambda targets, **_: {target: lie})
    registry = Registry("model", ModelMeta)
    registry.add(_meta("lying"), target)
    entry = registry.get("lying")
    assert entry.without_defaults({"width": 16}) == {}  # what the lie says
    with pytest.raises(PluginError, match="differ from its signature"):
        entry.create("model")


@pytest.mark.usefixtures("apart")
def test_a_process_that_builds_what_it_plans_reads_a_cache_miss_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run (or a tuning, an audit) loads its model's libraries to train it: a first run's
    child, which loaded the same libraries only to read the options, cost every first run
    and every fresh cache 1.7 s. Within ``building_what_is_planned`` a miss is imported
    here; a record the cache holds is still read from it, without importing."""
    monkeypatch.syspath_prepend(str(tmp_path))
    children = _counted_children(monkeypatch)
    stamp = f"{os.getpid()}_{time.monotonic_ns()}"
    cached, missed = f"mb_cached_{stamp}", f"mb_missed_{stamp}"
    for name in (cached, missed):
        _module(tmp_path, name, "def build(width: int = 8) -> int:\n    return width\n", 600)
    assert options_cache.read_options([f"{cached}:build"]) and len(children) == 1  # kept
    registry = Registry("model", ModelMeta)
    registry.add(_meta("cached"), f"{cached}:build")
    registry.add(_meta("missed"), f"{missed}:build")
    with lazy_factory.building_what_is_planned():
        assert registry.get("cached").defaults() == {"width": 8}
        assert registry.get("missed").defaults() == {"width": 8}
    assert len(children) == 1 and cached not in sys.modules and missed in sys.modules


@pytest.mark.usefixtures("apart")
@pytest.mark.parametrize(("where", "command"), [
    ("merbench.cli.sweep_command:read_plan", ["sweep", "plan.toml"]),
    ("merbench.runner.seeds:plan_run", ["run", "--model", "ststnet", "--dataset", "synthetic",
                                        "--seeds", "0,1"]),
], ids=["sweep", "seeds"])
def test_commands_that_train_what_they_plan_read_the_misses_themselves(
        where: str, command: list[str], tmp_path: Path, cli,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep opens every run it plans (each run's identity loads torch, on Ray too), and
    ``--seeds`` without ``--out`` plans its folder's name before it trains: reading those
    plans' cache misses in a child cost a cold sweep on Ray 2 s of 14."""
    import importlib

    from merbench.base.errors import MerbenchError

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    children = _counted_children(monkeypatch)
    name = f"mb_planned_{os.getpid()}_{time.monotonic_ns()}"
    _module(tmp_path, name, "def build(width: int = 8) -> int:\n    return width\n", 600)
    registry = Registry("model", ModelMeta)
    registry.add(_meta("planned"), f"{name}:build")

    def planned_here(*args: Any, **options: Any) -> None:  # as planning reads a model's
        assert registry.get("planned").defaults() == {"width": 8}
        raise MerbenchError("planned")

    module, attribute = where.split(":")
    monkeypatch.setattr(importlib.import_module(module), attribute, planned_here)
    code, _, err = cli(*command)
    assert code == 2 and "planned" in err, err
    assert not children and name in sys.modules


def test_a_process_that_loaded_the_libraries_reads_options_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lazy_factory, "READ_HERE_ONCE_LOADED", ("json",))  # as torch would
    monkeypatch.syspath_prepend(str(tmp_path))

    def no_child(targets: list[str]) -> dict[str, FactoryOptions]:
        raise AssertionError("read apart in a process that has loaded the library")

    monkeypatch.setattr(options_cache, "read_options", no_child)
    name = f"mb_here_{os.getpid()}_{time.monotonic_ns()}"
    _module(tmp_path, name, "def build(width: int = 8) -> int:\n    return width\n", 600)
    registry = Registry("model", ModelMeta)
    registry.add(_meta("here"), f"{name}:build")
    assert registry.get("here").defaults() == {"width": 8} and name in sys.modules


@pytest.mark.parametrize("command", [["--help"], ["list"], ["validate", str(
    ROOT / "leaderboards" / "results" / "htnet-reduced-cpu" / "crop-corrected")]],
    ids=["help", "list", "validate"])
def test_help_list_and_validate_load_no_torch(tmp_path: Path, command: list[str]) -> None:
    # -X importtime names every module the command loads, in its own process
    done = _python(f"from merbench.cli import main; raise SystemExit(main({command!r}))",
                   tmp_path / "cache", "-X", "importtime")
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
              if line.startswith("import time:")}
    assert "merbench.cli" in loaded and "torch" not in loaded


def test_a_local_run_imports_no_other_executor(tmp_path: Path) -> None:
    done = _python("import sys\n"
                   "from merbench.runner.execute import choose_executor\n"
                   "from merbench.runner.spec import RunSettings\n"
                   "kind = choose_executor(RunSettings()).kind.name\n"
                   "print(kind, 'merbench.runner.ray_executor' in sys.modules)",
                   tmp_path / "cache")
    assert done.stdout.split() == ["local", "False"], done.stderr[-3000:]
