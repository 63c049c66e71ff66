"""A dataset plugin's ``recorded_spelling`` hook that misbehaves (pass 84m, M8).

It returned a numpy array (a traceback: "truth value of an array ... is ambiguous") or an
object JSON cannot write (a traceback from ``json.dumps``): such values are no option a
definition could hold, so the definition's options stay as written. It called
``sys.exit(4)`` (``leaderboard list`` ended with status 4 and no word) or raised a
KeyboardInterrupt of its own (said as the user's interrupt): the plugin's fault, in one line.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from merbench.plugin_system.entry import Origin
from merbench.plugin_system.manager import default_plugins


def _hook(mode: str) -> Any:
    def spelling(name: str, given: dict[str, Any], recorded: dict[str, Any]) -> Any:
        if mode == "sysexit":
            raise SystemExit(4)
        if mode == "kbint":
            raise KeyboardInterrupt
        if mode == "nparr":
            return {"subjects": np.array([1, 2, 3])}
        return dict(given, bogus=object())
    return spelling


def _setup(examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           mode: str) -> tuple[Path, Path]:
    results = tmp_path / "results"
    run = Path(shutil.copytree(examples["emotion run"], results / "run", symlinks=False))
    recorded = json.loads((run / "results.json").read_text())
    dataset, protocol = recorded["dataset"], recorded["protocol"]
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "syn.json").write_text(json.dumps({
        "id": "syn", "title": "synthetic", "dataset": "synthetic",
        "dataset_version": dataset["version"], "n_samples": protocol["n_samples"],
        "dataset_options": {**dataset["options"], "subjects": "02"},
        "protocol": protocol["name"], "protocol_version": protocol["version"],
        "classes": dataset["classes"], "rank": ["fixed"], "test_set_selection": ["oracle"],
        "metrics": ["uf1", "uar"], "columns": [{"scope": "overall", "label": "all"}]}))
    registry = default_plugins().registries.datasets
    entry = registry.get("synthetic")
    odd = dataclasses.replace(entry, recorded_spelling=_hook(mode),
                              origin=Origin("evil", "evil-datasets", "0.1"))
    monkeypatch.setitem(registry._entries, "synthetic", odd)
    return results, bench


@pytest.mark.parametrize("mode", ["nparr", "newkey"])
def test_a_value_no_definition_could_hold_leaves_the_options_as_written(
        examples: dict[str, Path], cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        mode: str) -> None:
    results, bench = _setup(examples, tmp_path, monkeypatch, mode)
    code, out, err = cli("leaderboard", "list", "--results", results, "--benchmarks", bench)
    assert code == 0, err
    assert "Traceback" not in err and "syn" in out, out + err


@pytest.mark.parametrize(("mode", "said"), [
    ("sysexit", "called sys.exit(4)"),
    ("kbint", "raised KeyboardInterrupt with no Ctrl-C")])
def test_a_hook_ending_merbench_is_its_plugins_fault(
        examples: dict[str, Path], cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        mode: str, said: str) -> None:
    results, bench = _setup(examples, tmp_path, monkeypatch, mode)
    code, _, err = cli("leaderboard", "list", "--results", results, "--benchmarks", bench)
    lines = err.strip().splitlines()
    assert code not in (0, 4, 130) and len(lines) == 1, (code, err)
    assert said in lines[0] and "evil-datasets" in lines[0] \
        and "interrupted" not in lines[0], lines[0]
