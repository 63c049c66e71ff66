"""``merbench show`` never prints a damaged result as if whole (pass 84m, M7, M11, M14).

Show printed the scores, with exit status 0, of a run whose predictions.csv had another
header or was gone, or whose run.json was a link to /dev/zero, where ``status`` called the
run stopped or failed and ``validate`` refused it; and of a summary over seeds whose seed
folder was gone or that listed ``../../../etc`` as a seed's run. It now makes the checks
that recompute nothing, as status does, and refuses in one line. A damaged seeds.json was
refused without naming the file; a folder of several results was said to hold none.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

CliResult = tuple[int, str, str]


def _refused(cli: Callable[..., CliResult], path: Path) -> str:
    code, out, err = cli("show", path)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, (code, out, err)
    assert "Traceback" not in err
    return err


def _header(run: Path) -> None:
    text = (run / "predictions.csv").read_text().splitlines()
    (run / "predictions.csv").write_text("\n".join(["a,b,c", *text[1:]]) + "\n")


def _removed(run: Path) -> None:
    (run / "predictions.csv").unlink()


def _device(run: Path) -> None:
    (run / "run.json").unlink()
    os.symlink("/dev/zero", run / "run.json")


@pytest.mark.parametrize(("damage", "said"), [
    (_header, "predictions.csv has 7 cells on every row below its header, which has 3"),
    (_removed, "predictions.csv is missing"),
    (_device, "run.json is a symbolic link (to /dev/zero)")],
    ids=["header", "removed", "dev-zero"])
def test_a_damaged_run_is_refused_not_shown(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path,
        damage: Callable[[Path], None], said: str) -> None:
    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "r", symlinks=True))
    damage(run)
    err = _refused(cli, run)
    assert err.startswith(f"merbench: error: {run}: {said}") and err.count(str(run)) == 1, err
    assert "'merbench validate' refuses it too" in err, err


def _seeds(examples: dict[str, Path], tmp_path: Path,
           edit: Callable[[dict[str, object]], None]) -> Path:
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "s",
                                  symlinks=True))
    summary = json.loads((folder / "seeds.json").read_text())
    edit(summary)
    (folder / "seeds.json").write_text(json.dumps(summary))
    return folder


def test_a_summary_without_policies_names_its_file(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """'merbench: error: field 'policies' is missing (expected an object)' named no file."""
    folder = _seeds(examples, tmp_path, lambda s: s.pop("policies"))
    err = _refused(cli, folder)
    assert err.startswith(f"merbench: error: {folder}: seeds.json: field 'policies' is "
                          "missing"), err


def test_a_summary_listing_a_run_outside_its_folder_is_refused(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    folder = _seeds(examples, tmp_path,
                    lambda s: s["runs"].__setitem__("1", "../../../etc"))  # type: ignore[index]
    err = _refused(cli, folder)
    assert "seed 1: ../../../etc leaves its folder" in err, err


def test_a_summary_whose_seed_folder_is_gone_is_refused(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    folder = _seeds(examples, tmp_path, lambda s: None)
    shutil.rmtree(folder / "seed-1")
    err = _refused(cli, folder)
    assert err == (f"merbench: error: {folder}: seed 1's run folder seed-1 is missing; "
                   "restore it, or run the same merbench run --seeds command (or merbench sweep "
                   "PLAN.toml, for a sweep's folder) again, which "
                   "trains it\n"), err


def test_a_summary_of_a_damaged_seed_run_is_refused(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    folder = _seeds(examples, tmp_path, lambda s: None)
    _removed(folder / "seed-0")
    err = _refused(cli, folder)
    assert f"{folder}/seed-0: predictions.csv is missing" in err, err


def test_a_whole_result_is_still_shown(examples: dict[str, Path],
                                       cli: Callable[..., CliResult]) -> None:
    for name in ("emotion run", "summary over seeds"):
        code, out, err = cli("show", examples[name])
        assert code == 0 and out and err == "", (name, err)


def test_a_folder_of_several_results_names_them(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """'several holds no merbench result (no results.json or ...)' (pass 84m, M14)."""
    several = tmp_path / "several"
    for name in ("a", "b"):
        shutil.copytree(examples["emotion run"], several / name, symlinks=True)
    err = _refused(cli, several)
    assert err == (f"merbench: error: {several} holds 2 results ({several}/a, {several}/b); "
                   f"show one of them: merbench show {several}/a\n"), err
    shutil.rmtree(several / "b")
    err = _refused(cli, several)
    assert err == (f"merbench: error: {several} is no result but holds one; show it: "
                   f"merbench show {several}/a\n"), err


def test_a_summary_of_a_nan_mean_is_refused(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """Its table printed 'nan ± 0.0137', exit status 0; no summary is written with NaN."""
    def nan_mean(summary: dict[str, object]) -> None:
        policy = next(iter(summary["policies"].values()))  # type: ignore[attr-defined]
        policy["mean"]["overall"]["uf1"] = float("nan")

    folder = _seeds(examples, tmp_path, nan_mean)
    err = _refused(cli, folder)
    assert err.startswith(f"merbench: error: {folder}/seeds.json holds the token NaN"), err


@pytest.mark.parametrize("damage", ["record", "runs"])
def test_a_tuning_whose_record_or_runs_are_gone_is_refused(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path,
        damage: str) -> None:
    """Pass 84n, N8: show printed a tuning whose tuning.json is no search's record, or whose
    runs.tar.xz is gone, which status and validate both refuse."""
    folder = Path(shutil.copytree(examples["tuning"], tmp_path / "t", symlinks=True))
    if damage == "record":
        (folder / "tuning.json").write_text('{"something": "else"}')
    else:
        (folder / "runs.tar.xz").unlink()
    line = _refused(cli, folder)
    assert ("lacks its spec" if damage == "record"
            else "runs.tar.xz") in line, line
    code, out, err = cli("status", folder)  # a line, as status says every damaged result
    assert code == 0 and ("('merbench validate' refuses it)" if damage == "record"
                          else "missing") in out, (out, err)
