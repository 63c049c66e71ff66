"""``status`` counts no fold file of another run as progress (walk 85l): a run folder whose
``folds/fold-000.npz`` came from another seed's run was "3/3 folds, stopped; no fold left
to train; run the same command to go on", while the run it advised refused that very file
("belongs to another run"). The two now say the same."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def test_a_fold_file_of_another_run_is_named_and_not_counted(examples: dict[str, Path],
                                                            tmp_path: Path, cli: Any) -> None:
    seeds = examples["summary over seeds"]
    folder = Path(shutil.copytree(seeds / "seed-0", tmp_path / "run"))
    for name in ("results.json", "predictions.csv", "audit.json"):
        (folder / name).unlink(missing_ok=True)
    shutil.copyfile(seeds / "seed-1" / "folds" / "fold-000.npz",
                    folder / "folds" / "fold-000.npz")
    code, out, err = cli("status", folder)
    total = len(list((folder / "folds").glob("fold-*.npz")))
    assert f"{total - 1}/{total} folds, stopped" in out, out + err
    assert "folds/fold-000.npz belongs to another run" in out and "to go on" not in out, out
    assert "and counts as no fold of it" in out, out  # walk 85m: the verb agrees with one file
    # the run says the same of it
    code, _, err = cli("run", "--resume", folder)
    assert code == 2 and "fold-000.npz belongs to another run" in err, err
