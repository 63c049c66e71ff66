"""Every Python snippet of docs/writing-plugins.md runs: each plugin module in it is loaded as
a plugin, and what it registers passes merbench's contract checks (merbench.testing)."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from merbench.plugin_system.manager import load_plugins
from merbench.testing import contract_cases

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "writing-plugins.md"
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
# the package of sections 2-3 (its model module is the fourth snippet), as an installed
# plugin's package would be importable
MODEL_MODULE = "merbench_mymodel.model"


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile("from __future__ import annotations\n" + source, f"<{GUIDE.name}: {name}>",
                 "exec"), module.__dict__)
    return module


@pytest.fixture
def packages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guide's model modules importable by the names its plugins register them under."""
    mymodel = [b for b in BLOCKS if "def build_mynet" in b]
    assert len(mymodel) == 1
    monkeypatch.setitem(sys.modules, "merbench_mymodel", types.ModuleType("merbench_mymodel"))
    monkeypatch.setitem(sys.modules, MODEL_MODULE, _module(MODEL_MODULE, mymodel[0]))
    monkeypatch.syspath_prepend(str(GUIDE.parents[1] / "examples" / "merbench-tinymlp"))


PLUGIN_BLOCKS = [(i, b) for i, b in enumerate(BLOCKS) if "@hookimpl" in b]


def test_the_guide_has_its_snippets() -> None:
    assert len(PLUGIN_BLOCKS) >= 7 and all("from merbench.api import" in b
                                           for _, b in PLUGIN_BLOCKS)


@pytest.mark.parametrize(("index", "source"), PLUGIN_BLOCKS, ids=lambda v: str(v)[:12])
def test_each_plugin_snippet_loads_and_passes_the_contract_checks(
        packages: None, index: int, source: str) -> None:
    name = f"guide-{index}"
    # the example package may be installed too; the guide's copy of it is the one checked
    plugins = load_plugins(block=["tinymlp"], extra=[(name, _module(name, source))])
    assert not plugins.failures, plugins.failures[0].failure_line()
    registers = re.search(r"def merbench_register_", source)
    cases = contract_cases(plugins, plugin=name) if registers else []
    for case in cases:
        case.check()


def test_the_remaining_snippets_compile() -> None:
    for source in BLOCKS:
        compile("from __future__ import annotations\n" + source, GUIDE.name, "exec")


@pytest.mark.parametrize("width", [80, 200])
def test_the_listing_shows_the_package_where_the_guide_says(
        packages: None, width: int, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Section 7 says where ``merbench list models`` shows a plugin's package: a ``package``
    column on a wide terminal, the last line of the model's details on an 80-column one
    (or piped). It once spoke of the column alone, which 80 columns never show."""
    import merbench_tinymlp.plugin as tinymlp

    from merbench.cli.listing_render import print_listing

    guide = " ".join(GUIDE.read_text().split())
    assert "shows it in a `package` column" in guide
    assert "whose last line is `package merbench-mymodel (mymodel)`" in guide
    monkeypatch.setenv("COLUMNS", str(width))
    plugins = load_plugins(block=["tinymlp"], extra=[("mymodel", tinymlp)])
    print_listing(plugins, "models")
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "name" in line)
    row = [line for line in lines if "tiny-mlp" in line]
    if width == 200:
        assert header.split("┃")[-2].strip() == "package"
        assert "<in-process> (mymodel)" in row[0]
    else:
        assert header.split("┃")[-2].strip() == "details"
        at = lines.index(row[0])
        details = next(line for line in lines[at:] if "package " in line)
        assert "package <in-process> (mymodel)" in details
