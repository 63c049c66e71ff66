"""A dataset plugin's ``option_check`` hook that misbehaves, met as a user meets it (issue
84, pass 84q, Q5): one that raised, called ``sys.exit`` or raised a KeyboardInterrupt no
Ctrl-C sent ended ``run`` and ``leaderboard list`` with a traceback, and one returning a list
or bytes had its Python repr printed as the refusal. Each is its plugin's one line, exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import one_line

from merbench.plugin_system.manager import default_plugins

NOISE_PLUGIN = """
    import numpy as np
    import pandas as pd
    from merbench.api import DatasetMeta, InMemoryDataset, hookimpl

    NOISE = DatasetMeta(name="noise", version=1, description="noise",
                        citation="none: generated", provides=("flow_uvos",))

    def make_noise(subjects: int = 3, per_subject: int = 6, classes: str = "3"):
        n = subjects * per_subject
        samples = pd.DataFrame({
            "sample_id": [f"lab_s{i // per_subject}_{i % per_subject}" for i in range(n)],
            "database": "lab", "subject": [f"s{i // per_subject}" for i in range(n)],
            "label": np.arange(n) % 3})
        flow = np.random.default_rng(0).integers(0, 256, size=(n, 28, 28, 3), dtype=np.uint8)
        return InMemoryDataset("noise", samples, ("negative", "positive", "surprise"),
                               {"flow_uvos": flow})

    class BadStr(Exception):
        def __str__(self):
            raise RuntimeError("no words")

    def check(name, options):
        how = options.get("classes", "3")
        if how == "raise": raise ValueError("boom in check")
        if how == "exit": raise SystemExit(3)
        if how == "interrupt": raise KeyboardInterrupt
        if how == "badstr": raise BadStr()
        if how == "list": return ["a", "b"]
        if how == "bytes": return b"unknown set"
        if how != "3": return "unknown class set; choose 3"
        return None

    @hookimpl
    def merbench_register_datasets(registry):
        registry.add(NOISE, make_noise, option_check=check)
"""
OWNER = "dataset 'noise' of plugin 'ocp' (package ocp 1.0)"
ADVICE = "report it to the authors of ocp, or skip the plugin with --no-plugin ocp"


@pytest.fixture
def noise_plugin(make_dist: Callable[..., None]) -> Iterator[None]:
    make_dist("ocp", "ocp", "mb_ocp", NOISE_PLUGIN)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


@pytest.mark.parametrize(("classes", "said"), [
    ("raise", "its option_check failed: boom in check"),
    ("exit", "its option_check called sys.exit(3)"),
    ("interrupt", "its option_check raised KeyboardInterrupt with no Ctrl-C or stop signal "
                  "received"),
    ("badstr", "its option_check failed: BadStr (its message could not be shown)"),
    ("list", "its option_check returned a list, not a line of text or None"),
    ("bytes", "its option_check returned a bytes value, not a line of text or None"),
])
def test_a_misbehaving_option_check_is_its_plugins_one_line(
        noise_plugin, cli, tmp_path: Path, classes: str, said: str) -> None:
    code, _, err = cli("run", "--dataset", "noise", "--epochs", "1", "--threads", "1",
                       "--quiet", "--model", "ststnet", "--dataset-opt", f"classes={classes}",
                       "--out", tmp_path / "run")
    assert code == 2 and "Traceback" not in err, err
    assert one_line(err) == f"merbench: error: {OWNER}: {said}; {ADVICE}"
    assert not (tmp_path / "run").exists()


def test_its_refusal_line_still_refuses_and_a_definition_meets_the_fault_too(
        noise_plugin, cli, tmp_path: Path) -> None:
    code, _, err = cli("run", "--dataset", "noise", "--epochs", "1", "--threads", "1",
                       "--quiet", "--model", "ststnet", "--dataset-opt", "classes=5",
                       "--out", tmp_path / "run")
    assert code == 2 and "unknown class set; choose 3" in one_line(err), err
    definitions = tmp_path / "defs"
    definitions.mkdir()
    definition = json.loads(
        (Path(__file__).parents[1] / "merbench/leaderboard/definitions/loso-samm-5class.json")
        .read_text())
    definition.pop("reported", None)
    definition.update(id="noise-loso", dataset="noise", n_samples=18,
                      classes=["negative", "positive", "surprise"],
                      dataset_options={"classes": "raise"})
    (definitions / "noise.json").write_text(json.dumps(definition))
    (tmp_path / "results").mkdir()
    code, _, err = cli("leaderboard", "list", "--benchmarks", definitions,
                       "--results", tmp_path / "results")
    assert code == 2 and "Traceback" not in err, err
    assert f"{OWNER}: its option_check failed: boom in check" in one_line(err)
