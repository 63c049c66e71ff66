"""The built site is put in place so that no kill leaves no site, and builds into one folder
take turns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from merbench.leaderboard import site_swap
from merbench.leaderboard.site import build_site


def _site(folder: Path, page: str) -> Path:
    folder.mkdir()
    (folder / "index.html").write_text(page)
    return folder


def test_the_new_site_replaces_the_old_in_one_step(tmp_path: Path) -> None:
    out = _site(tmp_path / "site", "old")
    staging = _site(tmp_path / ".site.123.abc.merbench-tmp", "new")
    if not site_swap.exchange(staging, out):
        pytest.skip("this file system cannot exchange two folders in one step")
    assert (out / "index.html").read_text() == "new"
    assert (staging / "index.html").read_text() == "old"  # removed by swap_in, or the next build


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_swap_in_leaves_nothing_behind(tmp_path: Path, exchange: bool,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if not exchange:
        monkeypatch.setattr(site_swap, "exchange", lambda first, second: False)
    out = _site(tmp_path / "site", "old")
    site_swap.swap_in(_site(tmp_path / "staging", "new"), out)
    assert (out / "index.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_build_killed_between_the_two_renames_is_repaired_by_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where folders cannot be exchanged, a kill after the old site was put aside left no
    site: the next build puts it back before anything else, then replaces it, and leaves no
    .site.old behind."""
    results = tmp_path / "results"
    results.mkdir()
    out = tmp_path / "site"
    build_site([results], out)
    monkeypatch.setattr(site_swap, "exchange", lambda first, second: False)
    real_rename = Path.rename

    def killed_after_the_first_rename(self: Path, target: str | os.PathLike[str]) -> Path:
        if Path(target).name == ".site.old":
            real_rename(self, target)
            raise KeyboardInterrupt  # the kill
        return real_rename(self, target)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "rename", killed_after_the_first_rename)
        with pytest.raises(KeyboardInterrupt):
            build_site([results], out)
    assert not out.exists() and (tmp_path / ".site.old" / "index.html").is_file()
    site_swap.restore_aside(out)  # what the next build does first
    assert (out / "index.html").is_file() and not (tmp_path / ".site.old").exists()
    build_site([results], out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]


def test_two_builds_into_one_folder_take_turns(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    out = tmp_path / "site"
    command = [sys.executable, "-m", "merbench", "leaderboard", "build", "--results",
               str(results), "--out", str(out)]
    builds = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]
    for build in builds:
        _, err = build.communicate(timeout=300)
        assert build.returncode == 0, err
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]
