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
    "n_samples": (-4, "'n_samples' is the number -4; give a whole number from 1 up to "
                      "1,000,000, or leave it out"),
    "rank": ([], "'rank' is empty; name the selection policies it ranks, some of fixed, "
                 "inner-val"),
    "title": (None, "'title' is null; give a text"),
    "classes": ("negative", "'classes' is a text; give a list"),
    "description": (7, "'description' is the number 7; give a text or leave it out"),
    "dataset_version": (True, "'dataset_version' is true; give a whole number from 1 up to "
                              "1,000,000"),
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
    (tmp_path / "results").mkdir()  # no run to count: the committed ones took 40 s to check
    code, out, err = cli("leaderboard", "list", "--benchmarks", benches, "--results",
                         tmp_path / "results")
    assert code == 0, err
    assert "composite-3class-lodo" in out


COLUMN_CASES = {
    # a database the composite does not have: its column could never be filled
    "other database": ({"scope": "casme3", "label": "X"},
                       "'columns[4].scope' is 'casme3', which is no database of dataset "
                       "'composite'; give 'overall' or one of casme2, samm, smic"),
    "empty scope": ({"scope": "", "label": "X"}, "'columns[4].scope' is empty; give a text"),
    "scope not text": ({"scope": 4, "label": "X"},
                       "'columns[4].scope' is the number 4; give a text"),
    "no scope": ({"label": "X"}, "'columns[4]' has no scope; give each column an object"),
    "not an object": ("smic", "'columns[4]' is a text; give each column an object"),
    "scope twice": ({"scope": "smic", "label": "SMIC again"},
                    "'columns[4].scope' is 'smic', as columns[1]'s is; give each column its "
                    "own scope"),
}


@pytest.mark.parametrize("case", sorted(COLUMN_CASES))
def test_each_broken_column_is_one_line(cli, tmp_path: Path, case: str) -> None:
    """Each column's scope must be 'overall' or a database of the benchmark's dataset, and
    no two columns share a scope or a label. A scope of another database ('casme3' in the
    composite) used to build a site whose column no run could ever fill, rc 0."""
    column, expected = COLUMN_CASES[case]
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    shipped = json.loads(SHIPPED.read_text())
    definition = {**shipped, "columns": [*shipped["columns"], column]}
    (benches / "mine.json").write_text(json.dumps(definition))
    (tmp_path / "results").mkdir()
    code, _, err = cli("leaderboard", "build", "--results", tmp_path / "results",
                       "--benchmarks", benches, "--out", tmp_path / "site")
    assert code == 2, err
    assert err.startswith("merbench: error: ") and err.count("\n") == 1, err
    assert f"benchmark {benches / 'mine.json'}: {expected}" in err, err
    assert not (tmp_path / "site").exists()


def test_two_columns_of_one_label(cli, tmp_path: Path) -> None:
    """Two columns with one label would give the exported table two 'SAMM UF1' headers."""
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    definition = {**json.loads(SHIPPED.read_text()),
                  "columns": [{"scope": "overall", "label": "SAMM"},
                              {"scope": "samm", "label": "SAMM"}]}
    (benches / "mine.json").write_text(json.dumps(definition))
    code, _, err = cli("leaderboard", "list", "--benchmarks", benches)
    assert code == 2 and ("'columns[1].label' is 'SAMM', as columns[0]'s is; give each column "
                          "its own label") in err, err



def test_declared_databases_are_the_ones_the_loaders_write() -> None:
    """A dataset's declared databases (the scopes a column may name) are the values its
    loader writes to the sample table's ``database`` column: the composite's checked list,
    and each raw database's own name."""
    from merbench_datasets import plugin
    from merbench_datasets.composite_csv import DATABASES

    assert plugin.COMPOSITE.databases == plugin.MEGC2019.databases == DATABASES
    for meta in (plugin.CASME2, plugin.SAMM, plugin.SMIC, plugin.CASME3, plugin.CASME,
                 plugin.FOURDME, plugin.MMEW, plugin.CASME3C):
        assert meta.databases == (meta.name,), meta.name
