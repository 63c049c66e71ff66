"""Pass 84k's minor findings, met the way a user meets them: another model's run in --out
listed three hyperparameters and not the model (R12); ``extract --save`` with a newline in
the name split its line (R13); status said a folder in a fold file's place twice (R14); a
cache folder inside a result was said to be inside ``wn2/folds/..`` (R15); and compare of
two runs with the same predictions wrote ``-0.0000`` (R16); and a trusted key file that
starts with a UTF-8 byte-order mark was "line 1: not a public key", where the private key
with one is taken (R17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TINY_RUN

from merbench.cli.compare_command import PageConfigurations
from merbench.compare.contract import CompareRequest
from merbench.compare.emotion_table import EMOTIONS


def _copy(finished: Path, tmp_path: Path, name: str = "r") -> Path:
    shutil.copytree(finished, tmp_path / name)
    return tmp_path / name


def test_another_models_run_in_out_names_the_model_first(cli, tiny_finished_run: Path,
                                                         tmp_path: Path) -> None:
    out = _copy(tiny_finished_run, tmp_path)
    model_at = TINY_RUN.index("--model") + 1
    other = [*TINY_RUN[:model_at], "rcn", *TINY_RUN[model_at + 1:]]
    code, _, err = cli("run", *other, "--threads", "1", "--out", out)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"merbench: error: --out {out} holds a different run (model.name: "
                          '"rcn" here, "ststnet" there; '), err
    listed = err.split("holds a different run (")[1].split("); choose")[0].split("; ")
    assert len(listed) == 4 and listed[-1].startswith("and ") and \
        listed[-1].endswith(" more"), err


def test_extract_save_with_a_newline_is_one_line(cli, tmp_path: Path) -> None:
    (tmp_path / "fe\nnl").mkdir()  # by hand: merbench makes no such name (pass 84ab, AB9)
    saved = tmp_path / "fe\nnl" / "x.npz"
    code, out, err = cli("extract", "--dataset", "synthetic", "--dataset-opt", "subjects=2",
                         "--dataset-opt", "databases=1", "--dataset-opt",
                         "samples_per_subject=3", "--feature", "flow-uvos", "--quiet",
                         "--save", saved)
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("saved "))
    assert line.endswith("nl/x.npz'") and "fe\\nnl/x.npz" in line, out


def test_status_of_a_folder_in_a_fold_files_place_says_it_once(cli, tiny_finished_run: Path,
                                                               tmp_path: Path) -> None:
    run = _copy(tiny_finished_run, tmp_path)
    for name in ("results.json", "predictions.csv", "folds/fold-001.npz"):
        (run / name).unlink()
    (run / "folds" / "fold-001.npz").mkdir()
    code, out, err = cli("status", run)
    assert code == 0, err
    assert out.count("fold-001.npz") == 1 and "damaged" not in out, out
    assert "folds/fold-001.npz is a folder, which merbench never reads" in out, out


def test_a_cache_inside_a_result_names_the_result_folder(
        cli, tiny_finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy(tiny_finished_run, tmp_path, "wn2")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "wn2/./folds/../cache")
    code, _, err = cli("run", *TINY_RUN, "--out", tmp_path / "zz")
    assert code == 2, err
    assert "is inside wn2, the folder of a merbench result" in err and ".." not in \
        err.split("is inside")[1], err


def test_compare_of_two_identical_runs_has_no_negative_zero(tiny_finished_run: Path,
                                                            tmp_path: Path) -> None:
    """The comparison's table of two runs with the same predictions. ``merbench compare``
    refuses a copy of a run given beside it (pass 84af, AF5: a run compared with itself),
    so the table is asked of the comparison itself."""
    request = CompareRequest(as_json=False, configurations=PageConfigurations())
    runs = [EMOTIONS.load(run, request)
            for run in (tiny_finished_run, _copy(tiny_finished_run, tmp_path, "again"))]
    out = "\n".join(EMOTIONS.lines(runs, request))
    assert "-0.0000" not in out and "+0.0000" in out, out


def test_a_trusted_key_file_with_a_byte_order_mark_is_read(cli, tmp_path: Path) -> None:
    code, _, err = cli("keygen", "--out", tmp_path / "k.key", "--name", "Jane")
    assert code == 0, err
    public = tmp_path / "k.key.pub"
    public.write_bytes(b"\xef\xbb\xbf" + public.read_bytes())  # as Notepad saves it
    (tmp_path / "none").mkdir()
    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "none", "--out",
                         tmp_path / "site", "--trust", public)
    assert code == 0 and "(Jane)" in out, err
