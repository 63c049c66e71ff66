"""Where the test suite's time goes: seconds by test file and by fixture, and the wall time.

    python benchmarks/suite_profile.py                 # the README's test command, profiled
    python benchmarks/suite_profile.py -n0             # one process: each test's own seconds
    python benchmarks/suite_profile.py --json p.json -- -m "not slow"

Everything after the script's own options goes to pytest as it is, after the suite's own
options (``pyproject.toml``'s addopts: ``-n auto``), so the run is the README's test command
with this module loaded as a pytest plugin. A file's seconds are its tests' setup, call and
teardown; a fixture's are its own setup, without the fixtures it asks for (pytest sets those
up first), summed over every time it was set up: a module fixture under ``--dist loadfile``
once, a function fixture once per test. Under pytest-xdist the workers' seconds add up to
more than the wall time: that is the point of them.

This measures the suite, not merbench: docs/testing.md keeps its figures, with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUTPUT_ENV = "MERBENCH_SUITE_PROFILE"  # where the controlling pytest process writes its JSON

# ------------------------------------------------------------------ the pytest plugin side

_fixtures: dict[str, list[float]] = defaultdict(list)  # "scope name (where)" -> seconds
_files: dict[str, float] = defaultdict(float)  # test file -> setup + call + teardown seconds


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Any:
    started = time.perf_counter()
    yield
    where = fixturedef.baseid.split("::")[0] or "pytest"
    _fixtures[f"{fixturedef.scope} {fixturedef.argname} ({where})"].append(
        time.perf_counter() - started)


_in_worker = False  # an xdist worker's reports reach the controller, which adds them up


def pytest_configure(config: pytest.Config) -> None:
    global _in_worker
    _in_worker = hasattr(config, "workerinput")


def pytest_runtest_logreport(report: Any) -> None:
    if not _in_worker:
        _files[report.nodeid.split("::")[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker: its fixtures go to the controller
        config.workeroutput["suite_profile"] = json.dumps(_fixtures)
        return
    target = os.environ.get(OUTPUT_ENV)
    if target:
        Path(target).write_text(json.dumps({"fixtures": _fixtures, "files": _files}))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: a worker ended; take its fixture seconds."""
    for name, seconds in json.loads(node.workeroutput.get("suite_profile", "{}")).items():
        _fixtures[name].extend(seconds)


# ------------------------------------------------------------------ the command side


def profile(pytest_args: list[str]) -> dict[str, Any]:
    """Run the suite with this plugin; the wall seconds, exit status and what it recorded."""
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"suite-profile-{os.getpid()}.json"
    env = {**os.environ, OUTPUT_ENV: str(out),
           "PYTHONPATH": os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH"))
                                         if p)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "suite_profile", "-q",
                           *pytest_args], cwd=ROOT, env=env, check=False)
    wall = time.perf_counter() - started
    recorded = json.loads(out.read_text()) if out.exists() else {"fixtures": {}, "files": {}}
    out.unlink(missing_ok=True)
    return {"wall_s": round(wall, 1), "exit": done.returncode, **recorded}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=25, help="rows of each table")
    parser.add_argument("--json", type=Path, default=None, help="write the whole profile here")
    args, pytest_args = parser.parse_known_args(argv)
    pytest_args = [a for a in pytest_args if a != "--"]
    found = profile(pytest_args)
    files: dict[str, float] = found["files"]
    fixtures = {name: (sum(s), len(s)) for name, s in found["fixtures"].items()}
    print(f"\nwall {found['wall_s']:.1f} s, pytest exit {found['exit']}; tests' own seconds "
          f"{sum(files.values()):.1f} (all workers)")
    print(f"\n{'seconds':>8}  test file (setup + call + teardown)")
    for name, seconds in sorted(files.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{seconds:8.1f}  {name}")
    print(f"\n{'seconds':>8} {'setups':>6}  fixture (scope name (where it is defined))")
    for name, (seconds, count) in sorted(fixtures.items(), key=lambda kv: -kv[1][0])[:args.top]:
        print(f"{seconds:8.1f} {count:6d}  {name}")
    report = {"benchmark": "suite_profile", "pytest_args": pytest_args,
              "wall_s": found["wall_s"], "exit": found["exit"],
              "files_s": {k: round(v, 2) for k, v in files.items()},
              "fixtures_s": {k: [round(s, 2), n] for k, (s, n) in fixtures.items()}}
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: report[k] for k in ("benchmark", "pytest_args", "wall_s", "exit")}))
    return found["exit"]


if __name__ == "__main__":
    sys.exit(main())
