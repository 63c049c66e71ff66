"""A newline in a path or an address the user gave is written ``\\n``: every error line, and
every line naming a path, stays one line. Printed raw, ``MERBENCH_DATA_DIR=$'/tmp/a\\nb'``
split ``... found: '/tmp/a`` from ``b' (from MERBENCH_DATA_DIR) does not exist; ...``,
the second half read as a line of its own, while validate and status already wrote
``a\\nb`` (the ninth adversarial pass of issue 84, P8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TINY_RUN

CASME2 = ["run", "--dataset", "casme2", "--model", "ststnet", "--feature", "tvl1-uvos",
          "--epochs", "1", "--threads", "1", "--quiet"]


def _one_error_line(err: str, *shown: str) -> None:
    """``err`` is one line, an error's, quoting each of ``shown`` escaped."""
    assert err.count("\n") == 1 and err.startswith("merbench: error: "), err
    for text in shown:
        assert text in err, err


def test_a_data_dir_with_a_newline_is_one_line(cli, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_DATA_DIR", "/tmp/a\nb")
    code, _, err = cli(*CASME2, "--out", tmp_path / "o")
    assert code == 2
    _one_error_line(err, "'/tmp/a\\nb' (from MERBENCH_DATA_DIR)")


def test_a_data_root_with_a_newline_is_one_line(cli, tmp_path: Path) -> None:
    code, _, err = cli(*CASME2, "--data-root", "/tmp/a\nb", "--out", tmp_path / "o")
    assert code == 2
    _one_error_line(err, "'/tmp/a\\nb' (from --data-root)")


def test_features_and_weights_with_a_newline_are_one_line(cli, tmp_path: Path) -> None:
    code, _, err = cli("run", *TINY_RUN, "--features", "a\nb", "--out", tmp_path / "f")
    assert code == 2
    _one_error_line(err, "no features file at a\\nb;")
    code, _, err = cli("run", *TINY_RUN[:-2], "--weights", "a\nb", "--out", tmp_path / "w")
    assert code == 2
    _one_error_line(err, "--weights a\\nb does not exist")


def test_a_ray_address_with_a_newline_is_one_line(cli, tmp_path: Path) -> None:
    code, _, err = cli("run", *TINY_RUN, "--executor", "ray", "--ray-address", "a\nb",
                       "--out", tmp_path / "r")
    assert code == 2
    _one_error_line(err, "--ray-address 'a\\nb' is not HOST:PORT")


def test_a_value_the_parser_refuses_is_one_line(cli, tmp_path: Path) -> None:
    code, _, err = cli("run", *TINY_RUN[:-2], "--epochs", "a\nb", "--out", tmp_path / "e")
    assert code == 2
    _one_error_line(err, "'a\\nb'")


def test_a_cache_dir_with_a_newline_is_one_line(cli, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "c\nd"))
    code, out, err = cli("cache", "info")
    assert code == 0, err
    assert out == f"no cache at {tmp_path}/c\\nd: nothing has been cached there yet\n"


def test_an_exported_table_named_with_a_newline_is_one_line(cli, tmp_path: Path) -> None:
    benches, results = tmp_path / "benchmarks", tmp_path / "results"
    benches.mkdir()
    results.mkdir()
    (tmp_path / "e\nx").mkdir()  # merbench makes no such name (pass 84ab, AB9)
    (benches / "tiny.json").write_text(json.dumps({
        "id": "tiny-loso", "title": "Tiny", "dataset": "synthetic", "protocol": "loso",
        "classes": ["negative", "positive", "surprise"],
        "dataset_options": {"subjects": 2, "databases": 1, "samples_per_subject": 3},
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1"],
        "columns": [{"scope": "overall", "label": "All"}]}))
    code, out, err = cli("leaderboard", "export", "tiny-loso", "--results", results,
                         "--benchmarks", benches, "--out", tmp_path / "e\nx" / "t.csv")
    assert code == 0, err
    assert out == f"csv: {tmp_path}/e\\nx/t.csv\n"
    assert (tmp_path / "e\nx" / "t.csv").is_file()
