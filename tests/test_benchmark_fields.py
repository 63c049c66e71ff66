"""A broken benchmark definition (``--benchmarks DIR``) is one line naming its file and field.

Before, ``"columns": []`` raised IndexError from the table's sort; a protocol or dataset no
plugin registers, ``"n_samples": -4`` and ``"rank": []`` built a site no run could fill; and
``"title": null`` was refused as "the wrong type (NoneType)", Python's name for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHIPPED = (Path(__file__).resolve().parents[1] / "merbench" / "leaderboard" / "definitions"
           / "composite-3class-lodo.json")

CASES = {
    "columns": ([], "'columns' is empty; give at least one column"),
    "protocol": ("nope", "'protocol' is 'nope', which no installed plugin registers; name one "
                         "of casme3-hsta-5fold, lodo"),
    "dataset": ("nope", "'dataset' is 'nope', which no installed plugin registers"),
    "n_samples": (-4, "'n_samples' is the number -4; give a whole number from 1 up, or leave "
                      "it out"),
    "rank": ([], "'rank' is empty; name the selection policies it ranks, some of fixed, "
                 "inner-val"),
    "title": (None, "'title' is null; give a text"),
    "classes": ("negative", "'classes' is a text; give a list"),
    "description": (7, "'description' is the number 7; give a text or leave it out"),
    "dataset_version": (True, "'dataset_version' is true; give a whole number from 1 up"),
}


@pytest.mark.parametrize("command", ["build", "list"])
@pytest.mark.parametrize("field", sorted(CASES))
def test_each_broken_field_is_one_line(cli, tmp_path: Path, field: str, command: str) -> None:
    value, expected = CASES[field]
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    definition = {**json.loads(SHIPPED.read_text()), field: value}
    (benches / "mine.json").write_text(json.dumps(definition))
    (tmp_path / "results").mkdir()
    where = ["--out", tmp_path / "site"] if command == "build" else []
    code, _, err = cli("leaderboard", command, "--results", tmp_path / "results",
                       "--benchmarks", benches, *where)
    assert code == 2, err
    assert err.startswith("merbench: error: ") and err.count("\n") == 1, err
    assert f"benchmark {benches / 'mine.json'}: {expected}" in err, err
    assert "Error" not in err and "NoneType" not in err, err
    assert not (tmp_path / "site").exists()


def test_a_column_label_that_is_not_text(cli, tmp_path: Path) -> None:
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    definition = {**json.loads(SHIPPED.read_text()),
                  "columns": [{"scope": "overall", "label": 3}]}
    (benches / "mine.json").write_text(json.dumps(definition))
    code, _, err = cli("leaderboard", "list", "--benchmarks", benches)
    assert code == 2 and "'columns[0].label' is the number 3; give a text" in err, err


def test_a_plugin_protocol_pinned_under_providers_is_taken(cli, tmp_path: Path) -> None:
    """A plugin installed elsewhere may register the protocol: pinned, it is accepted."""
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    definition = {**json.loads(SHIPPED.read_text()), "protocol": "their-split",
                  "providers": {"protocol": {"their-split": "merbench-theirs"}}}
    (benches / "mine.json").write_text(json.dumps(definition))
    code, out, err = cli("leaderboard", "list", "--benchmarks", benches)
    assert code == 0, err
    assert "composite-3class-lodo" in out
