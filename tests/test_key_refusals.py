"""Where a private key is not refused: a home folder that is a git work tree (dotfiles), a
folder git ignores, a work folder with a run deep inside, and a key read (not written) in a
work tree that git does not track; and a refusal never suggests a place it refuses itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.cli.key_places import refuse_published_key

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _repository(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True)
    return folder


def test_keygen_writes_the_suggested_key_in_a_home_that_is_a_work_tree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """``~/.merbench/audit-key``, the place every refusal suggests, in a home folder kept in
    git (a dotfiles repository)."""
    home = tmp_path / "home"
    (home / ".git").mkdir(parents=True)
    (home / ".merbench").mkdir()
    monkeypatch.setenv("HOME", str(home))
    code, _, err = cli("keygen", "--out", home / ".merbench" / "audit-key")
    assert code == 0, err
    assert (home / ".merbench" / "audit-key").is_file()
    refuse_published_key(home / ".merbench" / "audit-key")  # and audit --sign reads it


@needs_git
def test_keygen_writes_a_key_where_git_ignores_it(tmp_path: Path, cli) -> None:
    repo = _repository(tmp_path / "repo")
    (repo / ".gitignore").write_text("secrets/\n")
    (repo / "secrets").mkdir()
    code, _, err = cli("keygen", "--out", repo / "secrets" / "audit-key")
    assert code == 0, err
    code, _, err = cli("keygen", "--out", repo / "keys" / "audit-key")  # not ignored
    assert code == 2 and f"is inside the git work tree {repo}, where a 'git add' " \
                          "commits it" in err, err


@needs_git
def test_keygen_refuses_an_ignored_place_where_git_cannot_be_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    repo = _repository(tmp_path / "repo")
    (repo / ".gitignore").write_text("secrets/\n")
    (repo / "secrets").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    code, _, err = cli("keygen", "--out", repo / "secrets" / "audit-key")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"is inside the git work tree {repo}, where a 'git add' commits it" in err


@needs_git
def test_audit_sign_refuses_a_key_in_a_work_tree_only_where_git_tracks_it(
        tmp_path: Path) -> None:
    """Reading a key commits nothing: a key lying untracked in a checkout is read; one
    that git tracks is committed already, and refused."""
    repo = _repository(tmp_path / "repo")
    (repo / "audit-key").write_text("a key")
    refuse_published_key(repo / "audit-key")
    subprocess.run(["git", "-C", str(repo), "add", "audit-key"], check=True)
    with pytest.raises(MerbenchError, match=r"^--sign .*/repo/audit-key is tracked by git in "
                       r"the work tree .*/repo, and so committed with it: move the key out"):
        refuse_published_key(repo / "audit-key")


def test_a_work_folder_with_a_run_deep_inside_is_no_folder_of_results(
        tmp_path: Path, cli) -> None:
    """A folder of results holds its results at most two levels below itself; a general
    work folder holding a run four levels down is published by no one as a whole."""
    work = tmp_path / "work"
    (work / "proj" / "sub" / "dir" / "run").mkdir(parents=True)
    (work / "proj" / "sub" / "dir" / "run" / "run.json").write_text("{}")
    code, _, err = cli("keygen", "--out", work / "audit-key")
    assert code == 0, err
    refuse_published_key(work / "audit-key")
    (work / "proj" / "sub" / "run.json").write_text("{}")  # a run two levels below: refused
    with pytest.raises(MerbenchError, match="a folder of merbench results"):
        refuse_published_key(work / "audit-key")


def test_a_refusal_suggests_no_place_it_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                cli) -> None:
    """Where ``~/.merbench`` is itself a work tree, the refusal does not offer it."""
    home = tmp_path / "home"
    (home / ".merbench" / ".git").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    code, _, err = cli("keygen", "--out", checkout / "audit-key")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "where a 'git add' commits it; keep the private key outside it, in a folder no one " \
           "publishes, or in a CI secret" in err
    assert "~/.merbench" not in err
