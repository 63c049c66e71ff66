"""``leaderboard export`` says which runs it leaves out of a table ``leaderboard list``
counts them in: a run in a setting reduced from its model's recipe is on the page, apart,
and never in a paper's table. Before, a benchmark whose one run was reduced was exported
with "no run of benchmark ... under res" while ``list`` said "1 run" (pass 84d)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TINY_RUN


def _benchmark(folder: Path) -> Path:
    """A benchmark of TINY_RUN's runs (synthetic, two subjects of one database)."""
    folder.mkdir()
    (folder / "tiny.json").write_text(json.dumps({
        "id": "tiny-loso", "title": "Tiny", "dataset": "synthetic", "protocol": "loso",
        "classes": ["negative", "positive", "surprise"],
        "dataset_options": {"subjects": 2, "databases": 1, "samples_per_subject": 3},
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1"],
        "columns": [{"scope": "overall", "label": "All"}]}))
    return folder


def test_a_reduced_run_list_counts_is_said_left_out_by_export(cli, tmp_path: Path) -> None:
    results, benches = tmp_path / "results", _benchmark(tmp_path / "benchmarks")
    code, _, err = cli("run", *TINY_RUN, "--out", results / "r")  # 1 epoch, recipe 800
    assert code == 0, err
    code, out, err = cli("leaderboard", "list", "--results", results, "--benchmarks", benches)
    assert code == 0 and "1 run" in out, (out, err)
    code, out, err = cli("leaderboard", "export", "tiny-loso", "--results", results,
                         "--benchmarks", benches)
    assert code == 0 and err.count("\n") == 1, err
    assert err == (f"merbench: warning: no run of benchmark 'tiny-loso' under {results} is "
                   "exported: the export leaves out 1 run in a reduced setting (epochs 1 "
                   "(recipe 800)), which never ranks as the model (the page shows it apart), "
                   "and takes a run trained with the model's recipe (no --epochs, --lr, "
                   "--batch-size or model option of its own); the csv table has its header "
                   "only\n"), err
    assert out.startswith("model,configuration,selection") and "ststnet" not in out


def test_each_reduced_setting_left_out_is_named_with_its_count(cli, tmp_path: Path) -> None:
    """Runs at two reduced settings: the warning named the first one's departures alone,
    which read as the setting of every run it left out."""
    results, benches = tmp_path / "results", _benchmark(tmp_path / "benchmarks")
    for name, epochs in (("a", "1"), ("b", "2"), ("c", "2")):
        code, _, err = cli("run", *TINY_RUN[:-1], epochs, "--seed", str(ord(name)),
                           "--out", results / name)
        assert code == 0, err
    code, _, err = cli("leaderboard", "export", "tiny-loso", "--results", results,
                       "--benchmarks", benches)
    assert code == 0, err
    assert "leaves out 3 runs in 2 reduced settings (2 with epochs 2 (recipe 800); 1 with " \
           "epochs 1 (recipe 800)), none of which ranks as the model (the page shows them " \
           "apart)" in err, err
