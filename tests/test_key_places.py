"""Where a signing key may be written and read and how a trusted key is named: ``keygen``
keeps a private key out of a folder of results, out of a git work tree and off a ``.pub``
name, ``audit --sign`` reads none from a result's folder or a folder of results, validate
and the build reject a result holding one, a build credits a
trusted audit to the name its ``--trust`` file gives the key (as its own line says), a
``# comment`` at the end of a key's line is a comment, and a sweep's ``out`` holding its
own runs beside a stranger file names the stranger to move out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_cli
from test_signed_audits import _benchmark  # the one-benchmark definition its builds use

import merbench
from merbench.results.signing_keys import parse_public_key

SMALL = {"subjects": 4, "samples_per_subject": 6}


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a tiny run audited and signed by a key its signer named "tester", that key)."""
    keys = tmp_path_factory.mktemp("keys")
    code, _, err = run_cli("keygen", "--out", keys / "a", "--name", "tester")
    assert code == 0, err
    run = tmp_path_factory.mktemp("signed") / "results" / "run"
    merbench.run(model="ststnet", dataset="synthetic", out=run, epochs=1, device="cpu",
                 dataset_options=SMALL, lr=1e-3)
    code, _, err = run_cli("audit", run, "--folds", "1", "--seed", "0", "--sign", keys / "a")
    assert code == 0, err
    return run, keys / "a"


def test_a_trusted_audit_is_credited_to_the_name_the_trust_file_gives(
        signed: tuple[Path, Path], tmp_path: Path, cli) -> None:
    """The maintainers' trust file names the key "other": the build's line and every
    audit on the page say "other", never the name the signer wrote into its record."""
    run, key = signed
    line = Path(f"{key}.pub").read_text().replace("tester", "other")
    (tmp_path / "trusted").write_text(line)
    site = tmp_path / "site"
    code, out, err = cli("leaderboard", "build", "--results", run.parent, "--out", site,
                         "--benchmarks", _benchmark(tmp_path / "benchmarks"), "--trust",
                         tmp_path / "trusted")
    assert code == 0, err
    fingerprint = parse_public_key(line).fingerprint
    assert f"audits count when signed by: {fingerprint} (other)" in out
    page = next((site / "runs").glob("*/index.html")).read_text()
    assert f"verified: signed by {fingerprint} (other), a trusted key" in page
    assert "tester" not in page


def test_a_trailing_comment_on_a_key_line_is_no_part_of_its_name(
        signed: tuple[Path, Path], tmp_path: Path, cli) -> None:
    run, key = signed
    line = Path(f"{key}.pub").read_text().strip()
    (tmp_path / "trusted").write_text(f"{line} # the maintainers' key, since 2026\n"
                                      f"{line.rsplit(' ', 1)[0]}\t# no name\n")
    code, out, err = cli("leaderboard", "build", "--results", run.parent, "--out",
                         tmp_path / "site", "--benchmarks", _benchmark(tmp_path / "benchmarks"),
                         "--trust", tmp_path / "trusted")
    fingerprint = parse_public_key(line).fingerprint
    assert code == 0 and f"audits count when signed by: {fingerprint} (tester)\n" in out, err
    page = next((tmp_path / "site" / "runs").glob("*/index.html")).read_text()
    assert f"verified: signed by {fingerprint} (tester), a trusted key" in page
    assert parse_public_key(f"{line}#1").name == "tester#1"  # no space: a name's own '#'


def test_keygen_takes_no_name_holding_a_comment_sign(tmp_path: Path, cli) -> None:
    code, _, err = cli("keygen", "--out", tmp_path / "k", "--name", "team #1")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "--name may not hold '#', which starts a comment" in err
    assert not (tmp_path / "k").exists()


def test_keygen_refuses_a_folder_of_results(tmp_path: Path, monkeypatch, cli) -> None:
    """``leaderboards/results`` and a sweep's ``out`` are folders of results, published
    whole: a private key written there went out with them. A folder is one with a result
    directly in it or one or two levels below it."""
    monkeypatch.chdir(tmp_path)
    for run in ("leaderboards/results/r1", "res/ststnet-synthetic-loso-86dfaaca/seed-0",
                "runs/ablation/ststnet-a/seed-0"):
        (tmp_path / run).mkdir(parents=True)
        (tmp_path / run / "run.json").write_text("{}")
    for out, place, held in [("leaderboards/results/audit-key", "leaderboards/results", "r1"),
                             (str(tmp_path / "res" / "key"), str(tmp_path / "res"),
                              "ststnet-synthetic-loso-86dfaaca"),
                             ("runs/key", "runs", "ablation/ststnet-a")]:
        code, _, err = cli("keygen", "--out", out)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert f"--out {out} is inside {place}, a folder of merbench results (it holds " \
               f"{held}), which is published whole; keep the private key outside it, e.g. " \
               "--out ~/.merbench/audit-key, or in a CI secret" in err
        assert not Path(out).exists() and not Path(f"{out}.pub").exists()
    (tmp_path / "keys").mkdir()  # a folder beside the folders of results: no part of them
    assert cli("keygen", "--out", "keys/audit-key")[0] == 0


def test_audit_refuses_a_key_kept_inside_a_result(signed: tuple[Path, Path], tmp_path: Path,
                                                  monkeypatch, cli) -> None:
    """A key copied next to the run it signs (or beside the runs of a folder of results)
    went out with the result, and keygen refuses to write one there: audit refuses to read
    one from there, before anything trains, and says to make a new one."""
    run, key = signed
    monkeypatch.chdir(tmp_path)
    shutil.copytree(run, tmp_path / "r1k")
    shutil.copy(key, tmp_path / "r1k" / "audit-key")
    before = (tmp_path / "r1k" / "audit.json").read_bytes()
    code, _, err = cli("audit", "r1k", "--folds", "1", "--seed", "0", "--sign", "r1k/audit-key")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "--sign r1k/audit-key is inside the result r1k, which gets published with its " \
           "files: move the key out (e.g. ~/.merbench/audit-key) and make a new one with " \
           "'merbench keygen', as this one may already be copied" in err
    assert (tmp_path / "r1k" / "audit.json").read_bytes() == before
    shutil.copytree(run, tmp_path / "res" / "r1")
    shutil.copy(key, tmp_path / "res" / "audit-key")
    code, _, err = cli("audit", "res/r1", "--folds", "1", "--seed", "0", "--sign",
                       "res/audit-key")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "--sign res/audit-key is inside res, a folder of merbench results (it holds r1), " \
           "which is published whole: move the key out" in err


def test_validate_and_the_build_reject_a_result_holding_a_private_key(
        signed: tuple[Path, Path], tmp_path: Path, monkeypatch, cli) -> None:
    """A result's folder is what gets published: one carrying a private key (under any
    name) was "ok" to validate and published by the build without a word."""
    run, key = signed
    monkeypatch.chdir(tmp_path)
    shutil.copytree(run, tmp_path / "rk" / "r1k")
    shutil.copy(key, tmp_path / "rk" / "r1k" / "notes")
    said = ("rk/r1k: notes holds a private key, which must not be published with the result: "
            "move it out of rk/r1k and make a new key ('merbench keygen --out KEY' outside "
            "result folders), as this one may already be copied")
    code, out, err = cli("validate", "rk/r1k")
    assert code != 0 and said in out + err, out + err
    code, out, err = cli("leaderboard", "build", "--results", "rk", "--out", "site")
    assert said in out + err, out + err
    assert code == 0 and "0 runs, 1 rejected" in out, out + err  # published: none


@pytest.mark.parametrize(("out", "private"), [("k/x.pub", "k/x"), ("k/x.PUB", "k/x"),
                                              ("k/.pub", "k/audit-key")])
def test_keygen_refuses_a_public_key_name(out: str, private: str, tmp_path: Path,
                                          monkeypatch, cli) -> None:
    """``KEY.pub`` is the file handed out: a private key written under that name (and its
    public key as ``KEY.pub.pub``) is published by whoever copies the ``.pub`` file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k").mkdir()
    code, _, err = cli("keygen", "--out", out)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"--out {out}: that is the name of a public key; give the private key's name " \
           f"({private}), and keygen writes {private}.pub beside it" in err
    assert list((tmp_path / "k").iterdir()) == []


@pytest.mark.parametrize("git", ["folder", "file"])
def test_keygen_refuses_a_git_work_tree(git: str, tmp_path: Path, monkeypatch, cli) -> None:
    """A checkout (``.git`` a folder) or a linked work tree (``.git`` a file)."""
    checkout = tmp_path / "checkout"
    (checkout / "keys").mkdir(parents=True)
    if git == "folder":
        (checkout / ".git").mkdir()
    else:
        (checkout / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")
    monkeypatch.chdir(checkout)
    code, _, err = cli("keygen", "--out", "keys/audit-key")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"--out keys/audit-key is inside the git work tree {checkout}, where a 'git add' " \
           "commits it; keep the private key outside it, e.g. --out ~/.merbench/audit-key, " \
           "or in a CI secret" in err
    assert not (checkout / "keys" / "audit-key").exists()


def test_run_seeds_names_the_strangers_beside_its_own_runs(tmp_path: Path, cli) -> None:
    """A folder holding merbench's own runs is no folder "of no merbench runs": the files
    beside them are named, to be moved out."""
    out = tmp_path / "s"
    (out / "seed-0").mkdir(parents=True)
    for name in ("key", "key.pub"):
        (out / name).write_text("x")
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--seeds", "0,1",
                       "--epochs", "1", "--out", out)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"--out {out} holds key and key.pub, which merbench did not write there beside " \
           "its runs; move them out of it and run again" in err


def test_a_sweep_names_the_strangers_beside_its_configurations(tmp_path: Path, cli) -> None:
    res = tmp_path / "res"
    (res / "ststnet-synthetic-loso-86dfaaca" / "seed-0").mkdir(parents=True)
    for name in ("key", "key.pub", "notes.txt", "z.txt"):
        (res / name).write_text("x")
    (tmp_path / "plan.toml").write_text(
        f'out = "{res}"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n')
    code, _, err = cli("sweep", tmp_path / "plan.toml")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"{res} holds key, key.pub, notes.txt and 1 more, which merbench did not write " \
           "there beside its runs; move them out of it and run again" in err
    assert "holds no merbench runs" not in err
