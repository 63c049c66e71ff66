"""Pass 84af, AF7 and AF9: names and paths a user or a plugin gives.

AF7: a third-party dataset whose subject or database is named as a path (``../up``) was
refused as the fault of merbench's own ``loso`` ("plugin 'builtin' ... report it to the
plugin's authors"); an empty name was rightly the dataset's. AF9: a leading ``~`` in a path no
shell expanded (``--out '~/x'``, a sweep plan's ``out``) was a folder named ``~``, and the
path printed then began with a ``~`` a shell reads as the home folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import one_line

from merbench.plugin_system.manager import default_plugins

ODD = """
    import numpy as np
    import pandas as pd
    from merbench.api import DatasetMeta, InMemoryDataset, hookimpl

    NAMES = {"up": ("odd", "../up"), "root": ("odd", "/s1"), "dot": ("odd", "."),
             "back": ("odd", "a\\\\b"), "double": ("odd", "a//b"), "db": ("../db", "s1")}

    def dataset(kind):
        def build():
            database, subject = NAMES[kind]
            n = 12
            samples = pd.DataFrame({
                "sample_id": [f"e{i:03d}" for i in range(n)],
                "database": [database if i < 4 else "odd" for i in range(n)],
                "subject": [subject if i < 4 else f"s{i // 4 + 1}" for i in range(n)],
                "label": np.arange(n) % 3})
            flows = np.random.default_rng(1).integers(0, 256, (n, 28, 28, 3)).astype(
                np.uint8)
            return InMemoryDataset("odd-" + kind, samples, ("a", "b", "c"),
                                   {"flow_uvos": flows})
        return build

    @hookimpl
    def merbench_register_datasets(registry):
        for kind in NAMES:
            registry.add(DatasetMeta(name="odd-" + kind, version=1, description="odd",
                                     citation="x", provides=("flow_uvos",)), dataset(kind))
"""

ORIGIN = "of plugin 'oddnames' (package oddnamesplug 1.0)"
ADVICE = "report it to the authors of oddnamesplug, or skip the plugin with --no-plugin oddnames"
RUN = ("run", "--threads", "1", "--quiet", "--epochs", "1", "--model", "ststnet")


@pytest.fixture
def odd(make_dist: Callable[..., None]) -> Iterator[None]:
    make_dist("oddnamesplug", "oddnames", "mb_oddnames84af", ODD)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


@pytest.mark.parametrize(("kind", "column", "name"), [
    ("up", "subject", "../up"), ("root", "subject", "/s1"), ("dot", "subject", "."),
    ("back", "subject", "a\\b"), ("double", "subject", "a//b"), ("db", "database", "../db"),
])
def test_a_name_that_is_a_path_is_the_datasets_fault(
        odd, cli, tmp_path: Path, kind: str, column: str, name: str) -> None:
    """AF7: was "protocol 'loso' of plugin 'builtin' (package merbench ...) cannot be run:
    fold odd/../up has the key part '../up' ...; report it to the plugin's authors"."""
    code, _, err = cli(*RUN, "--dataset", f"odd-{kind}", "--out", tmp_path / "r")
    line = one_line(err)
    assert code == 2 and line.startswith(
        f"merbench: error: dataset 'odd-{kind}' {ORIGIN}: its {column} '{name}' is a path, "
        "not a name"), line
    assert line.endswith(ADVICE) and "builtin" not in line, line
    assert not (tmp_path / "r").exists()


def test_names_joined_by_a_slash_are_still_names() -> None:
    """A key's part may hold '/' between names (``syn1/s01``); the dataset's check is the
    protocol's rule, not a stricter one."""
    from merbench.protocols.fold_checks import leaves_folder

    assert not leaves_folder("syn1/s01") and not leaves_folder("s.1")
    assert all(leaves_folder(name) for name in ("..", "a/..", "/a", "a/", "a\\b", "./a"))
