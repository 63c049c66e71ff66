"""docs/testing-plugins.md: every Python snippet is a test file of the example plugin, and
runs green the way its author would run it (pytest in the plugin's folder, the package
installed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing-plugins.md"
EXAMPLE = ROOT / "examples" / "merbench-tinymlp"
SNIPPET = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
TEST_FUNCTION = re.compile(r"^def (test_\w+)\(", re.M)


def snippets() -> dict[str, str]:
    """Each snippet by the file its first line names (``# tests/test_x.py``)."""
    files = {}
    for code in SNIPPET.findall(DOC.read_text()):
        first = code.splitlines()[0]
        assert re.fullmatch(r"# tests/test_\w+\.py", first), \
            f"a Python snippet in {DOC.name} must start with '# tests/test_<name>.py': {first}"
        files[first[2:]] = code
    return files


def install_example(site: Path) -> None:
    """What an install leaves for importlib.metadata: the distribution's name, version and
    entry point (the code itself is put on the path), in milliseconds instead of a pip run
    in a virtual environment (tests/test_example_plugin.py does that one)."""
    info = site / "merbench_tinymlp-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: merbench-tinymlp\n"
                                   "Version: 0.1.0\n")
    (info / "entry_points.txt").write_text("[merbench]\ntinymlp = merbench_tinymlp.plugin\n")


def test_the_documented_test_is_the_example_plugins_own() -> None:
    documented = snippets()["tests/test_contracts.py"].split("\n", 1)[1]
    assert documented in (EXAMPLE / "tests" / "test_contracts.py").read_text()


def test_every_snippet_runs_as_a_test_of_the_example_plugin(tmp_path: Path) -> None:
    files = snippets()
    assert len(files) >= 5
    package = tmp_path / "merbench-tinymlp"
    for name, code in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(code)
    install_example(tmp_path / "site")
    path = [str(tmp_path / "site"), str(EXAMPLE), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}
    env.pop("MERBENCH_DISABLE_PLUGIN_AUTOLOAD", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests"], cwd=package, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # each documented test function ran (a parametrised one at least once), none skipped
    functions = sum(len(TEST_FUNCTION.findall(code)) for code in files.values())
    passed = int(re.search(r"(\d+) passed", done.stdout).group(1))
    assert passed >= functions and "skipped" not in done.stdout
