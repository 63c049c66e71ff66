"""A benchmark definition written for one dataset and its options, then `leaderboard list`
over it: how a definition's option values are met by a user (refused naming the file, or a
benchmark listed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def listed_definition(cli: Any, tmp_path: Path, benchmark_id: str, dataset: str,
                      options: dict[str, object]) -> tuple[int, str, str, Path]:
    """``leaderboard list`` of a folder holding one definition ``benchmark_id`` of
    ``dataset`` with ``dataset_options`` ``options`` and no results: its exit status, stdout,
    stderr and the definition's path."""
    bench = tmp_path / "bench"
    bench.mkdir()
    path = bench / f"{benchmark_id}.json"
    path.write_text(json.dumps({
        "id": benchmark_id, "title": dataset, "dataset": dataset, "protocol": "loso",
        "dataset_options": options, "classes": ["a", "b"], "rank": ["fixed"],
        "test_set_selection": ["oracle"], "metrics": ["uf1"],
        "columns": [{"scope": "overall", "label": "all"}]}))
    (tmp_path / "results").mkdir()
    code, out, err = cli("leaderboard", "list", "--results", tmp_path / "results",
                         "--benchmarks", bench)
    return code, out, err, path
