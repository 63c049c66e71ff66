"""Pass 84af, AF2: how a result folder's kind is told when a file of it is damaged: an
action-unit run whose run.json lost its task was an unfinished emotion run to status, which
advised deleting its finished folds. status, validate, show and run --resume now say one
fix, and the fix followed validates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS

AU_RUN = COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0"


def _said(cli, command: str, folder: str) -> tuple[int, str]:
    code, out, err = cli(*command.split(), folder)
    return code, (out + err).strip()


def test_an_au_run_whose_run_json_lost_its_task_is_said_as_validate_says_it(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(AU_RUN, "run")
    kept = Path("run/run.json").read_bytes()
    data = json.loads(kept)
    data["identity"].pop("task")
    Path("run/run.json").write_text(json.dumps(data))
    for command in ("status", "validate", "show", "run --quiet --resume"):
        code, said = _said(cli, command, "run")
        assert "restore run.json from a copy of the run" in said, (command, said)
        assert code != 0 or command == "status"  # status's line for a run, not an error
        assert "delete them" not in said and "Traceback" not in said
    assert len(list(Path("run/folds").glob("*.npz"))) == 52  # nothing was removed
    Path("run/run.json").write_bytes(kept)  # the fix followed
    code, said = _said(cli, "validate", "run")
    assert code == 0 and said.startswith("ok: run"), said
