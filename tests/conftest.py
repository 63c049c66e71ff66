"""Shared fixtures: the real-data location, a clean plugin set, and the CLI in-process."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import sys
import textwrap

# One math thread per process: the tests train tiny models, where a second OpenMP thread
# gains little (the suite took 238 s with two, 256 s with one on an idle 2-core machine) and,
# when another process holds a core, makes every small op wait for a descheduled thread (two
# 800-epoch tests took 331 s and 372 s instead of 14 s). Set before torch is imported; the
# CLI subprocesses inherit it. An explicit OMP_NUM_THREADS wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from merbench.cli import main
from merbench.plugin_system.manager import Plugins, load_plugins

# Compiled modules kept between runs, even where PYTHONDONTWRITEBYTECODE is set (this
# sandbox sets it); set here, before the test modules are collected. Each worker rewrote
# and compiled every test module and merbench's own at every start (14 s of collecting
# instead of 8 on the 2-core EPYC), and every merbench command the tests start compiled
# merbench again. The files go in __pycache__ beside the sources, which git ignores; an
# explicit PYTHONPYCACHEPREFIX still decides where.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

DATA_ENV = "MERBENCH_TEST_DATA"


# a session fixture built once for the whole run while other workers wait on its lock
SHARED_BUILDS = ("committed_site", "examples")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files that hold a ``slow`` test run first, each file's tests together and in their
    order: under pytest-xdist (``-n auto --dist loadfile``) the longest files then start at
    once on their own workers and the many short ones fill the time around them, instead of
    one long file starting last while the other workers sit idle. Of the files that read a
    shared build (:data:`SHARED_BUILDS`), each build's first reader runs first of all (one
    build a worker: the committed site on one, the kinds' examples on the other), and the
    other readers run after the slow files, by when it is built: next to each other they
    started together, and one worker waited on the other's build (the committed site's:
    30 s) doing nothing; in the middle of the order, a worker that reached them while the
    other built it still waited. The many short files come last, so the two workers end
    close together."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    first: dict[Path, int] = {}
    for index, item in enumerate(items):
        first.setdefault(item.path, index)
    builders: list[Path] = []  # each shared build's first reader, in SHARED_BUILDS' order
    deferred: set[Path] = set()
    for build in SHARED_BUILDS:
        readers = sorted({item.path for item in items
                          if build in getattr(item, "fixturenames", ())}, key=first.__getitem__)
        if readers and readers[0] not in builders:
            builders.append(readers[0])
        deferred |= set(readers[1:])
    deferred -= set(builders)

    def place(item: pytest.Item) -> tuple[int, int, int]:
        # the builders (one a worker); the slow files; the other readers (built by then);
        # the short ones
        group = 1 if item.path in deferred else 0 if item.path in slow else 2
        built = builders.index(item.path) if item.path in builders else len(builders)
        return built, group, first[item.path]

    items.sort(key=place)


@pytest.fixture(autouse=True)
def _data_paragraphs_in_full() -> None:
    """Each test's first data-location error says where to request the data in full: the
    process says it once (merbench_datasets/rawroot.py: told), and a test must not depend
    on which test ran before it in the same worker."""
    rawroot = sys.modules.get("merbench_datasets.rawroot")  # not imported: nothing said yet
    if rawroot is not None:
        rawroot.forget_told()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The shared real data folder; missing data skips locally but fails in CI."""
    root = os.environ.get(DATA_ENV)
    problem = None
    if not root:
        problem = f"{DATA_ENV} is not set (.ci/run sets it to ../shared/data)"
    elif not Path(root, "composite").is_dir():
        problem = f"{DATA_ENV}={root} has no composite/ folder"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"real data is required in CI: {problem}")
        pytest.skip(problem)
    return Path(root).resolve()  # tests may link to it from elsewhere


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> Plugins:
    monkeypatch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    return load_plugins()


CliResult = tuple[int, str, str]


def _exit_status(*args: object) -> int:
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:  # argparse exits on usage errors and --help
        return exc.code if isinstance(exc.code, int) else 1


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``merbench ARGS`` in-process; returns (exit status, stdout, stderr)."""

    def invoke(*args: object) -> CliResult:
        code = _exit_status(*args)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def one_line(err: str) -> str:
    """The one line a refusal writes to stderr (no traceback, nothing else), for the tests
    of a plugin's faults, whose refusals must be exactly one line."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def run_cli(*args: object) -> CliResult:
    """``merbench ARGS`` in this process, as the ``cli`` fixture runs it, for a fixture that
    outlives one test (``capsys`` belongs to a test): (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = _exit_status(*args)
    return code, out.getvalue(), err.getvalue()


class _Tables(HTMLParser):
    """Collects every ``<table id=...>``'s body rows as {data-col: text} dictionaries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.table: str | None = None
        self.in_body = False
        self.row: dict[str, str] | None = None
        self.col: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self.table = attributes["id"]
            self.tables[self.table] = []
        elif tag == "tbody" and self.table:
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = {}
        elif tag == "td" and self.row is not None:
            self.col = attributes.get("data-col") or str(len(self.row))
            self.row[self.col] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.col = None
        elif tag == "tr" and self.row is not None and self.table:
            self.tables[self.table].append({k: " ".join(v.split()) for k, v in self.row.items()})
            self.row = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.table = None

    def handle_data(self, data: str) -> None:
        if self.row is not None and self.col is not None:
            self.row[self.col] += data


@pytest.fixture
def read_tables() -> Callable[[str], dict[str, list[dict[str, str]]]]:
    """Parse a page: table id -> its body rows, each {data-col: cell text}."""

    def parse(html: str) -> dict[str, list[dict[str, str]]]:
        parser = _Tables()
        parser.feed(html)
        return parser.tables

    return parse


REPOSITORY = Path(__file__).resolve().parents[1]


def row_result_files(folder: Path) -> list[Path]:
    """Every results.json under ``folder`` that is a leaderboard row: those inside a
    tuning's folder are its trials, shown on the tuning page."""
    tunings = {path.parent for name in ("tune.json", "tuning.json")
               for path in folder.glob(f"**/{name}")}
    return [path for path in folder.glob("**/results.json")
            if tunings.isdisjoint(path.parents)]


COMMITTED_RESULTS = REPOSITORY / "leaderboards" / "results"
#: a run of a few seconds: two subjects of one synthetic database, one epoch
TINY_RUN = ["--model", "ststnet", "--dataset", "synthetic", "--quiet", "--device", "cpu",
            "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
            "--dataset-opt", "samples_per_subject=3", "--epochs", "1"]


#: a spotting run of a few seconds: two subjects' synthetic long videos, one each
TINY_SPOT = ["--spotter", "flow-peak", "--dataset", "synthetic-long", "--dataset-opt",
             "subjects=2", "--dataset-opt", "videos_per_subject=1", "--quiet"]


#: a test-scored search of two configurations on three synthetic subjects (2 runs a seed)
#: the user guide's ``--seeds`` tuning example, shipped (examples/tune-tiny.toml)
TINY_TUNING = (Path(__file__).parents[1] / "examples" / "tune-tiny.toml").read_text()


def _au_seeds_example(folder: Path) -> Path:
    """The committed RCN-A AU seed runs 0 and 1 with the ``au-seeds.json`` that ``merbench run
    --task au --seeds 0,1`` writes of them (the same function; the run itself needs the
    dataset). The other committed seeds are left out: a summary lists every run beside it."""
    from merbench.au.record import AU_RESULTS_FILE, AU_SEEDS_FILE, read_au_results
    from merbench.au.seed_pool import summarise_au_seeds
    from merbench.base.atomic import atomic_write_json
    from merbench.results.codec import to_json
    from merbench.results.schema import now_iso

    seeds = ("seed-0", "seed-1")
    for name in seeds:
        shutil.copytree(COMMITTED_RESULTS / "rcn-composite-loso-au" / name, folder / name)
    runs = [(name, read_au_results(folder / name / AU_RESULTS_FILE)) for name in seeds]
    atomic_write_json(folder / AU_SEEDS_FILE, to_json(summarise_au_seeds(folder, runs,
                                                                          now_iso())))
    return folder


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A result of every kind, for the tests that run over the kinds (and any that needs a
    small result of one kind): small ones made once a session (shared by the workers), the
    AU run committed. Never changed by a test: copy what you edit."""
    def build(root: Path) -> None:
        root.mkdir(exist_ok=True)

        def made(*args: object) -> None:  # what the command printed kept beside its result
            code, out, err = run_cli(*args)
            assert code == 0, err
            printed_file(Path(str(args[-1]))).write_text(out)

        made("run", *TINY_RUN, "--seeds", "0,1", "--out", root / "seeds")
        made("spot", *TINY_SPOT, "--out", root / "spots")
        made("spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1", "--seeds", "0,1",
             "--out", root / "str-seeds")
        (root / "tiny.toml").write_text(TINY_TUNING)
        made("tune", root / "tiny.toml", "--score", "test", "--seeds", "0,1", "--threads", "1",
             "--quiet", "--out", root / "tune-seeds")
        _au_seeds_example(root / "au-seeds")

    root = built_once(tmp_path_factory, "kinds", build)
    found = {"emotion run": root / "seeds" / "seed-0", "summary over seeds": root / "seeds",
             "spotting run": root / "spots",
             "spot-then-recognise summary over seeds": root / "str-seeds",
             "action-unit run": COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0",
             "action-unit summary over seeds": root / "au-seeds",
             # the first seed's search: a tuning of its own, of six runs on synthetic data
             # (a committed search of the composite validates in seconds, every kind test
             # over the kinds validating it again)
             "tuning": root / "tune-seeds" / "seed-0",
             "tuning summary over seeds": root / "tune-seeds"}
    from merbench.kinds import result_kinds

    assert sorted(found) == sorted(kind.name for kind in result_kinds()), "a kind with no example"
    return found


def _tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time, in nanoseconds."""
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="session")
def tiny_finished_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``run *TINY_RUN --threads 1`` (two folds) trained once a session and shared by the
    refusal tests that copy it to damage it, where eleven modules each trained their own;
    alone in its folder, so ``--results`` of its parent finds it only. No test may change
    it: the session ends in an error naming the files one changed or added."""
    def build(out: Path) -> None:
        code, _, err = run_cli("run", *TINY_RUN, "--threads", "1", "--out", out / "run")
        assert code == 0, err

    run = built_once(tmp_path_factory, "tiny-finished-run", build) / "run"
    before = _tree_state(run.parent)
    yield run
    after = _tree_state(run.parent)
    changed = sorted(name for name in before.keys() | after.keys()
                     if before.get(name) != after.get(name))
    assert not changed, f"a test changed the shared tiny run (copy it first): {changed}"


@pytest.fixture(scope="session")
def committed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of every committed result (``leaderboards/results``) with the benchmark
    definitions merbench ships, built once for every test that reads it; no test writes to
    it. Under pytest-xdist the workers of one session share it: the first to need it builds
    it (a minute: every committed run and tuning is validated) while the others wait on a
    lock, instead of each building its own."""
    def build(out: Path) -> None:
        assert main(["leaderboard", "build", "--results",
                     str(REPOSITORY / "leaderboards" / "results"), "--out", str(out),
                     "--benchmarks", str(REPOSITORY / "merbench" / "leaderboard" / "definitions"),
                     "--strict"]) == 0

    return built_once(tmp_path_factory, "committed-site", build)


def printed_file(out: Path) -> Path:
    """Where the ``examples`` fixture keeps what the command that made the result in
    ``out`` printed (beside the folder; none for a result no command made there)."""
    return out.parent / f"{out.name}.printed"


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], None]) -> Path:
    """``build(folder)`` made once for the session: under pytest-xdist, in a folder the
    workers share, the first to need it building while the others wait on a lock (each
    building its own cost every worker the build); the folder."""
    shared = os.environ.get("PYTEST_XDIST_WORKER") is not None
    folder = (tmp_path_factory.getbasetemp().parent / name if shared
              else tmp_path_factory.mktemp(name))
    folder.mkdir(exist_ok=True)
    out, done = folder / "built", folder / "done"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            build(out)
            done.touch()
    return out


HOSTILE = {
    "name": '<script>document.documentElement.setAttribute("data-pwned","name")</script>',
    "description": ('<img src=x onerror="document.documentElement.setAttribute('
                    "'data-pwned','description')\"> javascript:alert(1)"),
    "citation": "javascript:alert(document.domain)",
    "class": '<svg onload="document.documentElement.setAttribute(\'data-pwned\',\'svg\')">',
}


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real tiny run whose result file was then edited to carry script and javascript:
    payloads in every text a page shows (model name, description, citation link, class
    name); the edits touch no number and every file is edited to agree, so the result still
    validates and gets rendered."""
    from forgery import rewrite_run

    import merbench

    out = tmp_path_factory.mktemp("hostile") / "results" / "hostile-run"
    merbench.run(model="ststnet", dataset="synthetic", out=out, epochs=2, device="cpu",
                 dataset_options={"subjects": 4, "samples_per_subject": 6})

    def edit(results: dict[str, Any]) -> None:
        results["model"]["name"] = HOSTILE["name"]
        results["model"]["description"] = HOSTILE["description"]
        results["model"]["citation"] = HOSTILE["citation"]
        results["model"]["options"] = {"note": HOSTILE["description"]}
        results["dataset"]["classes"][0] = HOSTILE["class"]
        results["environment"]["platform"] = HOSTILE["name"]

    rewrite_run(out, edit)
    return out


def as_saved_weights(run_dir: Path) -> None:
    """Rewrite a finished one-epoch run's results.json as a ``--weights`` run writes it
    (evaluated saved checkpoints, nothing trained): ``trained: false``, the weights named,
    no hyper-parameters, and only the ``fixed`` policy; ``run.json`` records that identity,
    as such a run's does."""
    import json

    from merbench.results.codec import from_json
    from merbench.results.model import Results
    from merbench.verification.provenance import implied_identity

    path = run_dir / "results.json"
    results = json.loads(path.read_text())
    results["trained"] = False
    results["weights"] = {"dir": "weights/htnet",
                          "sha256": {"/".join(f["key"]): "0123456789abcdef"
                                     for f in results["folds"]}}
    results["hyperparameters"] = {}
    results["selection"]["available"] = ["fixed"]
    del results["metrics_by_policy"]["oracle"]
    for fold in results["folds"]:
        fold["epoch_by_policy"] = {"fixed": 1}
    path.write_text(json.dumps(results))
    run_file = run_dir / "run.json"
    record = json.loads(run_file.read_text())
    record["identity"] = implied_identity(from_json(Results, results))
    run_file.write_text(json.dumps(record))
    from forgery import reseal

    reseal(run_dir)  # fold files and the manifest name the run as it is now


@pytest.fixture
def handcrafted_plugins(monkeypatch: pytest.MonkeyPatch) -> Plugins:
    """The installed plugins plus this checkout's handcrafted plugin, loaded in-process (an
    installed copy of it is left out, so the one under test is the one in this tree)."""
    import merbench_handcrafted.plugin as handcrafted

    monkeypatch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    return load_plugins(block=["handcrafted"], extra=[("handcrafted-dev", handcrafted)])


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Install a throw-away distribution with a `merbench` entry point onto sys.path."""
    monkeypatch.delenv("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))

    def make(package: str, plugin: str, module: str, source: str) -> None:
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        info = site / f"{package.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[merbench]\n{plugin} = {module}\n")

    return make


SKLEARN_FOREST_PLUGIN = """
    from merbench.api import ModelMeta, hookimpl

    @hookimpl
    def merbench_register_models(registry):
        from sklearn.ensemble import RandomForestClassifier
        registry.add(ModelMeta(name="sk-rf", version=1, description="random forest",
                               citation="none", feature="flow-uvos", kind="sklearn"),
                     RandomForestClassifier)
"""
# A run of sk-rf on three synthetic subjects; the tests add --model-opt and --out.
FOREST_RUN = ("run", "--dataset", "synthetic", "--threads", "1", "--quiet", "--dataset-opt",
              "subjects=3", "--model", "sk-rf")


@pytest.fixture
def sklearn_forest(make_dist: Callable[..., None]) -> Iterator[None]:
    """A third-party plugin registering scikit-learn's random forest as it is (`sk-rf`): the
    estimator whose own parameters (random_state, its constraints) the refusals speak of."""
    from merbench.plugin_system.manager import default_plugins

    make_dist("skforest", "skp", "mb_skforest", SKLEARN_FOREST_PLUGIN)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


def one_test_subject(table: Path) -> None:
    """Every row of the predictions table ``table`` (a CSV with ``database`` and
    ``subject`` columns) moved to one subject, casme2/sub01: a result whose intervals over
    subjects have nothing to resample."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    for row in rows:
        row["database"], row["subject"] = "casme2", "sub01"
    written = io.StringIO()
    writer = csv.DictWriter(written, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    table.write_text(written.getvalue())


@pytest.fixture
def cached(tmp_path: Path) -> Path:
    """A cache root holding every entry of the cheap per-sample feature row-sum (the cache
    tests' RowSum, on six samples)."""
    from tests.test_refusals_84w_cache import _extract

    root = tmp_path / "cache"
    _extract(root)
    return root
