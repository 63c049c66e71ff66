"""What pass 84g found in the places and inputs commands take: ``--out nosuch/../RESULT``
got past the result-folder guard of export, predict, spot and tune (tune replaced a
finished run's predictions.csv); ``--weights`` blamed the wrong cause; odd
MERBENCH_CACHE_DIR values were told as bad cache files; and several minor wordings.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TUNE_PLAN = Path(__file__).resolve().parents[1] / "examples" / "tune-synthetic.toml"

WRITERS = {
    "export": ("export", "--dataset", "casme2", "--data-root", "CASME2", "--quiet",
               "--workers", "1", "--layout", "htnet", "--out"),
    "predict": ("predict", "--quiet", "-d", "synthetic-long", "--video",
                "synthetic-long/sub01/v1", "--out"),
    "spot": ("spot", "--spotter", "flow-peak", "--quiet", "--dataset", "synthetic-long",
             "--tune", "p=0.1", "--out"),
    "tune": ("tune", TUNE_PLAN, "--threads", "1", "--quiet", "--out"),
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_out_through_a_missing_folder_into_a_result_is_refused(
        examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli,
        command: str) -> None:
    """G4: ``nosuch/../RESULT`` names no entry while ``nosuch`` is missing, so the guard
    took it as new; the command then made ``nosuch`` and wrote through ``..`` into the
    finished run (tune replaced its predictions.csv). Refused as ``--out RESULT`` is, and
    nothing is made first."""
    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "res"))
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*WRITERS[command], "nosuch/../res")
    assert code == 2, err
    assert err.strip().splitlines() == [
        "merbench: error: --out nosuch/../res is the folder of a merbench result (it holds "
        "run.json), whose files are its own; give a new folder"], err
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
