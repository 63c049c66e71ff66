"""A folder of ``--seeds`` folders (a sweep's ``out``) counts each configuration once.

A walk finds a ``--seeds`` folder and, beside it, each seed run it summarises; ``audit``,
``compare`` and ``show`` counted them all as results of their own ("holds 4 results") and
sent the user to audit each seed run beside the folder whose audit already covers them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

CliResult = tuple[int, str, str]


def _line(result: CliResult) -> str:
    code, out, err = result
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


def test_a_folder_of_one_seeds_folder_names_that_configuration(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    out = tmp_path / "out"
    configuration = out / "ststnet-synthetic-loso-0a1b2c3d"
    shutil.copytree(examples["summary over seeds"], configuration, symlinks=True)
    assert _line(cli("audit", out, "--folds", "1")) == (
        f"merbench: error: {out} is no result but holds one; audit it: "
        f"merbench audit {configuration}")
    assert _line(cli("show", out)) == (
        f"merbench: error: {out} is no result but holds one; show it: "
        f"merbench show {configuration}")
    assert _line(cli("compare", examples["emotion run"], out)) == (
        f"merbench: error: {out} is no result but holds one; give it in {out}'s place: "
        f"{configuration}")


def test_a_folder_of_two_seeds_folders_counts_two_results(
        examples: dict[str, Path], cli: Callable[..., CliResult], tmp_path: Path) -> None:
    out = tmp_path / "out"
    for name in ("a", "b"):
        shutil.copytree(examples["summary over seeds"], out / name, symlinks=True)
    held = (f"{out} holds 2 results ({out}/a, a --seeds folder of 2 seed runs; "
            f"{out}/b, a --seeds folder of 2 seed runs)")
    assert _line(cli("audit", out, "--folds", "1")) == (
        f"merbench: error: {held}; audit each of them on its own")
    assert _line(cli("show", out)) == (
        f"merbench: error: {held}; show one of them: merbench show {out}/a")
    assert _line(cli("compare", examples["emotion run"], out)) == (
        f"merbench: error: {held}, not the seed-N runs of a --seeds folder; give one of "
        "them, or a --seeds folder")
