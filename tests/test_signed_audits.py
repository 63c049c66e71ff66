"""Signed audits: ``merbench keygen``, ``merbench audit --sign`` and ``merbench leaderboard
build --trust``. An audit counts as "audited" only when a trusted key signed it over the
files published now; unsigned records and other keys' are claims, a broken signature is
forged (and ``merbench validate`` rejects the run); ``audit.json`` is checked like every
other file of a run, hard links included."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from forgery import rejection, rewrite_run

import merbench
from merbench.results.manifest import file_sha256
from merbench.verification.validate import validate_run

SMALL = {"subjects": 4, "samples_per_subject": 6}
REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The maintainer's key and a stranger's, each a private key with KEY.pub beside it."""
    folder = tmp_path_factory.mktemp("keys")
    made = {}
    for who in ("maintainer", "stranger"):
        code, _, err = run_cli("keygen", "--out", folder / who, "--name", f"{who}@example.org")
        assert code == 0, err
        made[who] = folder / who
    return made


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Path]) -> Path:
    """A tiny genuine run, one fold of it audited and signed by the maintainer's key."""
    run = tmp_path_factory.mktemp("signed") / "run"
    merbench.run(model="ststnet", dataset="synthetic", out=run, epochs=1, device="cpu",
                 dataset_options=SMALL, lr=1e-3)
    code, out, err = run_cli("audit", run, "--folds", "1", "--seed", "0", "--sign",
                             keys["maintainer"])
    assert code == 0, err
    assert "signed by ed25519:" in out and "(maintainer@example.org)" in out
    return run


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "results" / "run"))


def _benchmark(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "synthetic.json").write_text(json.dumps({
        "id": "synthetic-loso", "title": "Synthetic", "dataset": "synthetic", "protocol": "loso",
        "classes": ["negative", "positive", "surprise"], "dataset_options": SMALL,
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1"],
        "columns": [{"scope": "overall", "label": "All"}]}))
    return folder


def _build(cli: Any, tmp_path: Path, *trust: Path) -> tuple[str, str, str]:
    """Build the site of ``tmp_path/results``; (benchmark page, run page, stdout)."""
    site = tmp_path / "site"
    args = [arg for key in trust for arg in ("--trust", key)]
    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                         site, "--benchmarks", _benchmark(tmp_path / "benchmarks"), *args)
    assert code == 0 and "rejected" not in err, err
    page = (site / "benchmarks" / "synthetic-loso.html").read_text()
    return page, next((site / "runs").glob("*/index.html")).read_text(), out


def _audits(run: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run / "audit.json").read_text())
    return data


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
        tmp_path: Path, cli) -> None:
    code, out, _ = cli("keygen", "--out", tmp_path / "ci-key", "--name", "Ann Maintainer")
    assert code == 0
    assert stat.S_IMODE(os.stat(tmp_path / "ci-key").st_mode) == 0o600
    tag, key, name = (tmp_path / "ci-key.pub").read_text().strip().split(" ", 2)
    assert (tag, len(key), name) == ("ed25519", 44, "Ann Maintainer")
    assert "fingerprint: ed25519:" in out and "(Ann Maintainer)" in out
    before = (tmp_path / "ci-key").read_bytes()
    code, out, err = cli("keygen", "--out", tmp_path / "ci-key")
    assert code == 2 and "exists; merbench never overwrites a key" in err
    assert len(err.strip().splitlines()) == 1 and (tmp_path / "ci-key").read_bytes() == before


def test_keygen_bounds_the_name_shown_with_every_signature(tmp_path: Path, cli) -> None:
    code, out, err = cli("keygen", "--out", tmp_path / "k", "--name", "n" * 100_000)
    assert code == 2 and not out and err.count("\n") == 1, err
    assert "--name is 100,000 characters long, more than the 200 a key's name may have" in err
    assert not (tmp_path / "k").exists() and not (tmp_path / "k.pub").exists()
    code, _, err = cli("keygen", "--out", tmp_path / "k", "--name", "n" * 200)
    assert code == 0, err


def test_bad_key_files_are_one_line_each(signed: Path, keys: dict[str, Path], tmp_path: Path,
                                         cli) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    encrypted = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"))
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    cases = {"missing": (None, "no such file; make a key with 'merbench keygen"),
             "garbage": (b"not a key\n", "is not a PEM private key"),
             "encrypted": (encrypted, "is protected by a passphrase"),
             "rsa": (other, "holds a RSA key; merbench signs with Ed25519 keys"),
             # pass 84p, P7: two keys pasted into one file signed with the first, silently
             "two": (keys["maintainer"].read_bytes() + keys["stranger"].read_bytes(),
                     "two holds 2 private keys; give a file with one")}
    for name, (content, said) in cases.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
        code, out, err = cli("audit", signed, "--sign", tmp_path / name)
        assert code == 2 and said in err and len(err.strip().splitlines()) == 1, (name, err)
        assert "auditing" not in out  # refused before anything trains
    code, _, err = cli("audit", signed, "--sign", f"{keys['maintainer']}.pub")
    assert code == 2 and "is a public key; give the private key file beside it" in err

    (tmp_path / "trusted").write_text("# the maintainers\nssh-rsa AAAA me\n")
    code, _, err = cli("leaderboard", "build", "--results", tmp_path, "--out",
                       tmp_path / "site", "--trust", tmp_path / "trusted")
    assert code == 2 and "--trust" in err and "line 2: not a public key" in err
    (tmp_path / "empty").write_text("# nobody yet\n")
    code, _, err = cli("leaderboard", "build", "--results", tmp_path, "--out",
                       tmp_path / "site", "--trust", tmp_path / "empty")
    assert code == 2 and "holds no public key" in err


def test_a_signed_audit_is_audited_only_where_its_key_is_trusted(
        signed: Path, keys: dict[str, Path], tmp_path: Path, cli) -> None:
    run = _copy(signed, tmp_path)
    code, out, _ = cli("validate", run)
    assert code == 0 and "audit.json: 1 audit(s); signed by ed25519:" in out
    today = _audits(run)["audits"][0]["created"][:10]

    page, run_page, out = _build(cli, tmp_path, Path(f"{keys['maintainer']}.pub"))
    assert f"audited: 1 of 4 folds, {today}" in page and "claimed" not in page
    assert "verified: signed by ed25519:" in run_page and "maintainer@example.org" in run_page
    assert "audits count when signed by: ed25519:" in out
    # beside a verified audit, the environment reads as the run's own claims, which no
    # audit checks (issue 69, case 7: a faked torch version sat beside "verified")
    assert "Environment: the run's own claims" in run_page
    assert "It does not verify the environment below" in run_page

    page, _, out = _build(cli, tmp_path)  # nothing trusted: nothing verified
    assert "audit claimed, not verified" in page and "audited:" not in page
    assert "no --trust" in out
    page, run_page, _ = _build(cli, tmp_path, Path(f"{keys['stranger']}.pub"))
    assert "audit claimed, not verified" in page and "audited:" not in page
    assert "a key this site does not trust" in run_page


def test_an_audit_signed_by_an_untrusted_key_is_only_claimed(
        signed: Path, keys: dict[str, Path], tmp_path: Path, cli) -> None:
    """The forger audits and signs a run with a key of their own: a valid signature, by a
    key nobody trusts."""
    run = _copy(signed, tmp_path)
    (run / "audit.json").unlink()
    code, _, err = cli("audit", run, "--folds", "1", "--seed", "0", "--sign", keys["stranger"])
    assert code == 0, err
    validate_run(run)
    page, run_page, _ = _build(cli, tmp_path, Path(f"{keys['maintainer']}.pub"))
    assert "audit claimed, not verified" in page and "audited:" not in page
    assert "stranger@example.org), a key this site does not trust" in run_page


def test_a_run_edited_after_signing_no_longer_counts(signed: Path, keys: dict[str, Path],
                                                     tmp_path: Path, cli) -> None:
    run = _copy(signed, tmp_path)
    rewrite_run(run, lambda r: r.update(wall_time_s=r["wall_time_s"] + 1))
    code, out, _ = cli("validate", run)  # the signature still holds, over other files
    assert code == 0 and "1 signed over files that changed since" in out
    page, run_page, _ = _build(cli, tmp_path, Path(f"{keys['maintainer']}.pub"))
    assert "audited:" not in page
    assert "the files changed since: it no longer counts" in run_page


def test_digests_recomputed_under_a_copied_signature_are_a_forgery(
        signed: Path, keys: dict[str, Path], tmp_path: Path, cli) -> None:
    """The forger edits the run, then recomputes every digest of the signed record to match
    it: the signature no longer verifies, and validate rejects the run."""
    run = _copy(signed, tmp_path)
    rewrite_run(run, lambda r: r.update(wall_time_s=r["wall_time_s"] + 1))
    data = _audits(run)
    record = data["audits"][0]
    record["results_sha256"] = file_sha256(run / "results.json")
    record["signature"]["files"] = {name: file_sha256(run / name)
                                    for name in record["signature"]["files"]}
    (run / "audit.json").write_text(json.dumps(data))
    reason = rejection(run)
    assert reason.startswith("audit.json: the signature of audit 1 does not verify")
    code, _, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                       tmp_path / "site", "--trust", f"{keys['maintainer']}.pub")
    assert code == 0 and "audit.json: the signature of audit 1 does not verify" in err


@pytest.mark.parametrize("tamper", [
    lambda r: r["signature"].update(value=r["signature"]["value"][:-4] + "AAA="),
    lambda r: r["signature"].update(value="not base64!"),
    lambda r: r["signature"].update(public_key="AAAA"),
    lambda r: r["signature"].update(key_name="someone else"),
    lambda r: r.update(passed=False),
    lambda r: r["folds"][0].update(agreement=0.5),
], ids=["value", "not-base64", "key", "name", "verdict", "fold"])
def test_a_tampered_signed_record_is_rejected(signed: Path, tmp_path: Path, tamper: Any) -> None:
    run = _copy(signed, tmp_path)
    data = _audits(run)
    tamper(data["audits"][0])
    (run / "audit.json").write_text(json.dumps(data))
    assert "the signature of audit 1 does not verify" in rejection(run)


def test_the_badges_of_forged_and_claimed_audits(signed: Path, keys: dict[str, Path],
                                                 tmp_path: Path) -> None:
    """What a page says of each record (validate rejects forged ones before a build, so
    this reads the badge directly)."""
    from merbench.kinds.emotion import audited_run
    from merbench.leaderboard.audit_badges import audit_lines
    from merbench.results.signing_keys import read_trusted_keys

    trusted = read_trusted_keys([Path(f"{keys['maintainer']}.pub")])
    run = _copy(signed, tmp_path)
    [line] = audit_lines(audited_run(run), trusted)
    assert (line.trust, line.current, line.counts) == ("verified", True, True)
    data = _audits(run)
    data["audits"][0]["passed"] = False
    (run / "audit.json").write_text(json.dumps(data))
    [line] = audit_lines(audited_run(run), trusted)
    assert (line.trust, line.counts) == ("forged", False)
    del data["audits"][0]["signature"]
    (run / "audit.json").write_text(json.dumps(data))
    [line] = audit_lines(audited_run(run), trusted)
    assert (line.trust, line.current, line.counts) == ("unsigned", True, False)


@pytest.mark.parametrize(("content", "said"), [
    (b"root:x:0:0:root:/root:/bin/bash\n", "audit.json is not a readable audit record"),
    (b'{"schema_version": 7, "kind": "audits", "audits": [{"passed": true}]}',
     "audit.json is not a merbench audit record (field 'audits[0].created' is missing"),
    (b'{"schema_version": 7, "kind": "results"}', "field 'kind' is 'results'"),
], ids=["passwd", "hand-written", "other-kind"])
def test_an_audit_json_that_is_not_an_audit_record_is_rejected(
        signed: Path, tmp_path: Path, content: bytes, said: str, cli) -> None:
    run = _copy(signed, tmp_path)
    (run / "audit.json").write_bytes(content)
    assert said in rejection(run)
    code, _, err = cli("validate", run)
    assert code == 2 and said in err and len(err.strip().splitlines()) == 2  # + the count


def _hard_link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:  # another file system, or protected_hardlinks
        pytest.skip(f"cannot make a hard link to {source} here: {exc.strerror}")


def test_a_hard_link_in_a_run_folder_is_refused(signed: Path, tmp_path: Path, cli) -> None:
    """Even to a genuine audit record (a link to /etc/passwd: tests/test_forgeries.py)."""
    run = _copy(signed, tmp_path)
    (run / "audit.json").unlink()
    linked = tmp_path / "elsewhere.json"
    shutil.copyfile(signed / "audit.json", linked)
    _hard_link(linked, run / "audit.json")
    assert rejection(run) == ("audit.json is a hard link (2 links); publish a copy of the "
                              "file itself")
    code, _, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                       tmp_path / "site")
    assert code == 0 and "audit.json is a hard link (" in err
    assert not list((tmp_path / "site" / "runs").glob("*"))


def test_a_hard_linked_fold_file_is_refused_and_never_copied(signed: Path,
                                                             tmp_path: Path) -> None:
    from merbench.results.safe_files import UnsafeFile, copy_regular_file

    run = _copy(signed, tmp_path)
    fold = run / "folds" / "fold-002.npz"
    _hard_link(fold, tmp_path / "kept.npz")
    assert rejection(run) == ("folds/fold-002.npz is a hard link (2 links); publish a copy "
                              "of the file itself")
    with pytest.raises(UnsafeFile, match="is a hard link"):
        copy_regular_file(fold, tmp_path / "copy.npz")


def test_merbench_writes_no_hard_links_and_the_committed_files_have_none(
        signed: Path, tmp_path: Path) -> None:
    """merbench's writers make a temporary file and rename it: one link each, also after an
    audit was appended; and every committed result file has one link."""
    written = [p for p in signed.rglob("*") if p.is_file()]
    assert written and all(os.stat(p).st_nlink == 1 for p in written)
    committed = [p for p in (REPOSITORY / "leaderboards").rglob("*") if p.is_file()]
    assert committed and [p for p in committed if os.stat(p).st_nlink > 1] == []


def test_a_failed_audit_nobody_signed_is_not_shown_as_a_claim_of_success(tmp_path: Path) -> None:
    """An audit that found a fold differing, recorded unsigned in audit.json, was badged
    "audit claimed, not verified" exactly as a passing one (issue 69's second adversarial
    pass): a failure is said, in a warning, unverified as it is."""
    import shutil

    from merbench.leaderboard.audit_badges import audit_badge
    from merbench.leaderboard.collect import collect

    committed = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
    run = Path(shutil.copytree(committed / "lbp-apex-svm-composite-loso", tmp_path / "run"))
    [group] = collect([run]).groups
    badge = audit_badge(group, {})
    assert badge is not None and badge.kind == "claimed"
    log = json.loads((run / "audit.json").read_text())
    log["audits"][0]["passed"] = False
    log["audits"][0]["folds"][0]["outcome"] = "differs"
    (run / "audit.json").write_text(json.dumps(log))
    [group] = collect([run]).groups
    badge = audit_badge(group, {})
    assert badge is not None and badge.kind == "claimed-failed"
    assert badge.text == "an audit FAILED (not verified)" and "differ" in badge.title


def _rows(read_tables: Any, page: str, table: str = "reduced-table") -> list[str]:
    """The model cell of each row of ``table`` (these tiny runs are in a reduced setting:
    one epoch, so a benchmark page shows them in that table)."""
    return [row["model"] for row in read_tables(page)[table]]


def test_a_row_without_a_trusted_audit_reads_as_the_runs_own_claim(
        signed: Path, keys: dict[str, Path], tmp_path: Path, cli, read_tables: Any) -> None:
    """Every consistent forgery validates; only a trusted audit is evidence. A row with no
    such audit looked like one with (issue 84): it now says it is the run's own claim, on the
    benchmark page and the index, and ``--require-audit`` publishes audited rows only."""
    _copy(signed, tmp_path)
    merbench.run(model="ststnet", dataset="synthetic", out=tmp_path / "results" / "other",
                 epochs=1, device="cpu", dataset_options=SMALL, lr=2e-3)  # another row
    trust = Path(f"{keys['maintainer']}.pub")
    page, _, _ = _build(cli, tmp_path, trust)
    ranked = _rows(read_tables, page)
    assert len(ranked) == 2, ranked
    audited = [row for row in ranked if "audited: 1 of 4 folds" in row]
    assert len(audited) == 1 and "own claim" not in audited[0], ranked
    assert ["own claim" in row for row in ranked].count(True) == 1, ranked
    assert 'id="own-claim-legend"' in page
    index = (tmp_path / "site" / "index.html").read_text()
    runs = _rows(read_tables, index, "runs-table")
    assert ["own claim" in row for row in runs].count(True) == 1, runs

    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                         tmp_path / "strict-site", "--benchmarks", tmp_path / "benchmarks",
                         "--trust", trust, "--require-audit")
    assert code == 0, err
    assert "--require-audit: 1 result without an audit a trusted key signed left out" in out
    strict = (tmp_path / "strict-site" / "benchmarks" / "synthetic-loso.html").read_text()
    ranked = _rows(read_tables, strict)
    assert len(ranked) == 1 and "audited: 1 of 4 folds" in ranked[0], ranked
    assert len(list((tmp_path / "strict-site" / "runs").iterdir())) == 1  # no page of it


def test_require_audit_without_a_trusted_key_is_refused(tmp_path: Path, cli) -> None:
    code, _, err = cli("leaderboard", "build", "--results", tmp_path, "--out",
                         tmp_path / "site", "--require-audit")
    assert code == 2 and "no --trust KEY.pub is given" in err, err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "site").exists()


def test_an_action_unit_row_without_a_trusted_audit_reads_as_its_own_claim(
        tmp_path: Path, cli, read_tables: Any) -> None:
    """The index's action-unit runs and the AU page say it too."""
    results = tmp_path / "results"
    shutil.copytree(REPOSITORY / "leaderboards" / "results" / "ststnet-composite-loso-au",
                    results / "au")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", tmp_path / "site")
    assert code == 0, err
    index = (tmp_path / "site" / "index.html").read_text()
    rows = [row["model"] for row in read_tables(index)["au-runs-table"]]
    assert rows and all("own claim" in row for row in rows), rows
    page = next((tmp_path / "site").glob("au-*.html")).read_text()
    assert "own claim" in page



@pytest.mark.parametrize("borrowed", [False, True], ids=["no-audit", "another-seeds-audit"])
def test_require_audit_publishes_only_the_audited_seeds_of_a_row(
        signed: Path, keys: dict[str, Path], tmp_path: Path, cli, read_tables: Any,
        borrowed: bool) -> None:
    """A configuration's seed runs make one row; ``--require-audit`` kept the row whole where
    one seed had a trusted audit, so a seed with none (or carrying another seed's signed
    ``audit.json``, which vouches for nothing there) was published as its own claim. Each
    seed run is now judged by an audit of its own files."""
    _copy(signed, tmp_path)
    other = tmp_path / "results" / "seed-1"
    merbench.run(model="ststnet", dataset="synthetic", out=other, epochs=1, device="cpu",
                 dataset_options=SMALL, lr=1e-3, seed=1)
    if borrowed:
        shutil.copy(signed / "audit.json", other / "audit.json")
    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                         tmp_path / "strict-site", "--benchmarks",
                         _benchmark(tmp_path / "benchmarks"), "--trust",
                         Path(f"{keys['maintainer']}.pub"), "--require-audit")
    assert code == 0, err
    # another seed's audit rejects the run (validate: it vouches for nothing here)
    rejected, left_out = (1, "0 results") if borrowed else (0, "1 result")
    assert f"(1 benchmark, 1 run, {rejected} rejected)" in out, out
    assert f"--require-audit: {left_out} without an audit a trusted key signed left out" in out
    index = (tmp_path / "strict-site" / "index.html").read_text()
    runs = _rows(read_tables, index, "runs-table")
    assert len(runs) == 1 and "own claim" not in runs[0], runs
    assert len(list((tmp_path / "strict-site" / "runs").iterdir())) == 1
