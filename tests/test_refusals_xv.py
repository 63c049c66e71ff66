"""What the second adversarial pass after issue 84 found: a name longer than any file's said
in the system's words ("File name too long ... [OSError]"), Python's reprs of recorded
values (a seeds summary's model, an AU run's task, a headerless predictions table), and an
AU run's edited plugin provider validated. Each case runs the command a user runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS

AU_RUN = COMMITTED_RESULTS / "ststnet-composite-loso-au" / "seed-0"
TUNING = COMMITTED_RESULTS / "tunings" / "lbp-apex-svm-composite" / "test-scored"


def _one_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err and "[OSError]" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("args", [
    ("validate", "{long}"), ("validate", "r/{long}/x"), ("migrate", "{long}"),
    ("compare", "{long}", "{long}"), ("leaderboard", "build", "--results", "{long}", "--out",
                                      "site")], ids=["validate", "deep", "migrate", "compare",
                                                     "leaderboard"])
def test_a_name_too_long_is_said_in_merbench_words(args: tuple[str, ...], cli,
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r").mkdir()
    line = _one_line(*cli(*(a.format(long="d" * 300) for a in args))[::2])
    assert "File name too long" not in line and "d" * 100 not in line, line
    assert "has a name of 300 bytes, more than the 255" in line, line


def test_a_seeds_summary_s_edited_model_is_said_as_json(cli, examples, tmp_path: Path) -> None:
    folder = shutil.copytree(examples["summary over seeds"], tmp_path / "rs")
    record = json.loads((folder / "seeds.json").read_text())
    record["model"]["name"] = ""
    (folder / "seeds.json").write_text(json.dumps(record, indent=1))
    code, _out, err = cli("validate", folder)
    assert code == 2
    assert 'seeds.json summarises "", but seed-0 is a run of "ststnet"' in err, err
    assert "{'name'" not in err, err


def test_an_au_run_s_task_holding_nan_names_the_file_and_field(cli, tmp_path: Path) -> None:
    folder = shutil.copytree(AU_RUN, tmp_path / "a")
    record = json.loads((folder / "run.json").read_text())
    record["identity"]["task"]["au_set"][1] = float("nan")
    (folder / "run.json").write_text(json.dumps(record, indent=1))
    line = _one_line(*cli("status", folder)[::2])
    assert f"{folder / 'run.json'}: identity.task.au_set holds NaN" in line, line
    assert "nan" not in line and "{'" not in line, line


def test_a_headerless_tuning_predictions_table_is_said_in_words(cli, tmp_path: Path) -> None:
    folder = shutil.copytree(TUNING, tmp_path / "t")
    table = folder / "predictions.csv"
    table.write_text("".join(table.read_text().splitlines(keepends=True)[1:]))
    code, _out, err = cli("validate", folder)
    assert code == 2
    assert "predictions.csv has no header row (its first row is " in err, err
    assert "the header is sample_id,database,subject,fold,y_true,y_pred" in err, err
    assert "['" not in err, err


def test_an_au_run_s_edited_provider_is_rejected_as_an_emotion_run_s(cli,
                                                                    tmp_path: Path) -> None:
    folder = shutil.copytree(AU_RUN, tmp_path / "a")
    record = json.loads((folder / "au-results.json").read_text())
    record["model"]["provider"]["package"] = "a\x00b"
    (folder / "au-results.json").write_text(json.dumps(record, indent=1))
    code, out, err = cli("validate", folder)
    assert code == 2 and "ok:" not in out, out
    assert "which environment.plugins does not list as loaded" in err, err
