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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, and a current folder beside it (where a folder
    named ``~`` was made)."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    return folder


def test_a_tilde_in_out_is_the_home_folder(cli, home: Path) -> None:
    """AF9: ``--out '~/tilde'`` wrote ./~/tilde and printed ``results: ~/tilde/...``, which a
    shell then read as the home folder's, where nothing was; ``validate '~/tilde'``, another
    path no shell expanded, finds the run there."""
    code, out, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--dataset-opt",
                         "subjects=3", "--epochs", "1", "--threads", "1", "--quiet", "--out",
                         "~/tilde")
    assert code == 0, err
    assert (home / "tilde" / "results.json").is_file() and not Path("~").exists()
    flat = "".join(out.split())  # a long path is wrapped across lines
    assert f"results:{home / 'tilde' / 'results.json'}" in flat and "~/" not in flat, out
    code, out, err = cli("validate", "~/tilde")
    assert code == 0 and f"ok: {home / 'tilde'}" in out, out + err


def test_a_tilde_in_a_sweep_plans_out_is_the_home_folder(home: Path) -> None:
    """AF9: ``out = "~/swruns"`` in a plan, which no shell reads, was ./~/swruns."""
    from merbench.plugin_system.manager import load_plugins
    from merbench.sweep.plan_file import read_plan

    Path("plan.toml").write_text('out = "~/swruns"\n[[runs]]\nmodel = "ststnet"\n'
                                 'dataset = "synthetic"\nepochs = 1\n')
    plan = read_plan(Path("plan.toml"), load_plugins())
    assert plan.out == home / "swruns", plan.out


def test_a_tilde_in_a_files_path_value_is_the_home_folder(home: Path) -> None:
    """AF9: a plan's or tuning file's path values (``data_root``) are read alike."""
    from merbench.runner.spec import typed_value

    assert typed_value("space.toml: [run]", "data_root", "~/data") == str(home / "data")
    assert typed_value("space.toml: [run]", "data_root", "data/~x") == "data/~x"


UNKNOWN = "~nosuchuser84af"


def test_the_home_of_an_unknown_user_is_refused_not_kept(cli, home: Path) -> None:
    """AF9: a ``~NAME`` no user has would be printed as a home folder's path; said instead,
    with the way to name a folder that begins with '~'."""
    from merbench.base.errors import MerbenchError
    from merbench.plugin_system.manager import load_plugins
    from merbench.sweep.plan_file import read_plan

    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--out",
                       f"{UNKNOWN}/x")
    assert code == 2 and f"{UNKNOWN}/x begins with '{UNKNOWN}', the home folder of a user " \
        f"this system does not know; give the folder's own path ('./{UNKNOWN}/x' for a " \
        "name that begins with '~')" in one_line(err), err
    Path("plan.toml").write_text(f'out = "{UNKNOWN}"\n[[runs]]\nmodel = "ststnet"\n'
                                 'dataset = "synthetic"\n')
    with pytest.raises(MerbenchError, match=f"^plan.toml: out: {UNKNOWN} begins with"):
        read_plan(Path("plan.toml"), load_plugins())
    assert not Path(UNKNOWN).exists()
