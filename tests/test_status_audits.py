"""``merbench status`` reads ``audit.json`` as ``validate`` does (pass 84c, P7).

status did not read it: a signed audit edited afterwards (its verdict, its key's name, its
signature, its public key, a file's digest, a NaN), or an audit dated before the run
finished, left status saying "complete" of a run validate rejects. It now runs validate's
checks of the records (their types, the signature verified, each record one an audit of
this result could have written), for every kind that keeps audits, and says "written, but
audit.json ... ('merbench validate' refuses it)". And its advice never leads there: a
finished run whose files changed since its audit is not "run --resume" alone (going on
would write its results again, after its audits), and ``merbench run`` refuses to.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

#: the kinds whose audits are kept in their folder, and where the example of each is
AUDITED = {"emotion run": "", "spotting run": "", "tuning": "seed-0"}


@pytest.fixture(scope="module")
def signed(examples: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, Path]:
    """A result of each kind, one part of it audited and the record signed; an action-unit
    run holding the emotion run's signed record (which verifies, but is no audit of it)."""
    root = tmp_path_factory.mktemp("signed")
    (root / "keys").mkdir()  # audit refuses a key in a folder of results
    assert run_cli("keygen", "--out", root / "keys" / "key", "--name", "Tester")[0] == 0
    made = {}
    for kind, below in AUDITED.items():
        source = examples["tuning summary over seeds"] / below if kind == "tuning" \
            else examples[kind]
        folder = Path(shutil.copytree(source, root / kind.replace(" ", "-")))
        code, out, err = run_cli("audit", folder, "--folds", "1", "--seed", "0", "--sign",
                                 root / "keys" / "key")
        assert code == 0 and "audit passed" in out, out + err
        made[kind] = folder
    au = Path(shutil.copytree(examples["action-unit run"], root / "au-run"))
    shutil.copy(made["emotion run"] / "audit.json", au / "audit.json")
    made["action-unit run"] = au
    return made


def _first(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda log: change(log["audits"][0])


def _digest(record: dict[str, Any]) -> None:
    files = record["signature"]["files"]
    files[next(iter(files))] = "0" * 64


def _unsigned_and_early(record: dict[str, Any]) -> None:
    record["signature"] = None
    record["created"] = "2000-01-01T00:00:00+00:00"


#: each edit of a signed record the pass made (log 289, 304), and an unsigned record dated
#: before the result was finished
EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "passed false": _first(lambda r: r.update(passed=False)),
    "key name": _first(lambda r: r["signature"].update(key_name="someone else")),
    "signature": _first(lambda r: r["signature"].update(
        value=r["signature"]["value"][:-4] + "AAA=")),
    "public key": _first(lambda r: r["signature"].update(public_key="AAAA")),
    "a file's digest": _first(_digest),
    "NaN min_agreement": _first(lambda r: r.update(min_agreement=float("nan"))),
    "unsigned, dated before the result": _first(_unsigned_and_early),
}

FINISHED = (": complete", "finished: tune.json written")


def _line(out: str, folder: Path) -> str:
    lines = [line for line in out.splitlines() if line.startswith(f"{folder}: ")]
    assert len(lines) == 1, out
    return lines[0]


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("kind", [*AUDITED, "action-unit run"])
def test_status_never_calls_finished_a_result_whose_audit_validate_refuses(
        signed: dict[str, Path], tmp_path: Path, cli, kind: str, edit: str) -> None:
    folder = Path(shutil.copytree(signed[kind], tmp_path / "result"))
    path = folder / "audit.json"
    log = json.loads(path.read_text())
    EDITS[edit](log)
    path.write_text(json.dumps(log, indent=1))
    v_code, v_out, v_err = cli("validate", folder)
    assert v_code == 2 and "audit.json" in v_err, v_out + v_err
    s_code, s_out, s_err = cli("status", folder)
    line = _line(s_out, folder)
    assert s_code == 0 and "Traceback" not in s_out + s_err, s_err
    assert not any(word in line for word in FINISHED), f"{line}\nvalidate: {v_err}"
    assert "written, but audit.json: " in line and \
        line.endswith("('merbench validate' refuses it)"), line
    said = v_err.splitlines()[0].split("audit.json: ", 1)[1]
    assert said in line, f"{line}\nvalidate: {v_err}"  # validate's reason, in its words


@pytest.mark.parametrize("kind", [*AUDITED, "action-unit run"])
def test_a_signed_audit_as_it_was_made_is_taken_by_both(
        signed: dict[str, Path], cli, kind: str) -> None:
    """The record as audit wrote it: both accept it; the emotion run's record copied into
    an action-unit run verifies but is no audit of it: both refuse it."""
    folder = signed[kind]
    v_code, _, v_err = cli("validate", folder)
    _, out, _ = cli("status", folder)
    finished = any(word in _line(out, folder) for word in FINISHED)
    if kind == "action-unit run":
        assert v_code == 2 and "cannot be an audit of this result" in v_err, v_err
        assert not finished and "cannot be an audit of this result" in out, out
    else:
        assert v_code == 0 and finished, out + v_err


def test_status_advice_on_a_changed_audited_run_never_leads_to_a_refused_audit(
        signed: dict[str, Path], tmp_path: Path, cli) -> None:
    """A signed run whose run.json was saved again with a byte-order mark: status said
    "stopped; ... run --resume", the resume wrote results.json again, and validate then
    refused the audit as dated before the run finished. Status now gives validate's fix,
    restoring run.json (going on would record the changed file as the run's, pass 84ad)."""
    run = Path(shutil.copytree(signed["emotion run"], tmp_path / "run"))
    (run / "run.json").write_bytes(b"\xef\xbb\xbf" + (run / "run.json").read_bytes())
    _, out, _ = cli("status", run)
    line = _line(out, run)
    assert "written, but run.json is not the file results.json records (its SHA-256 " \
           "differs); the run's files were changed or removed after it finished: restore " \
           "run.json from a copy of the run ('merbench validate' refuses it)" in line, line
    before = {path: path.read_bytes() for path in run.rglob("*") if path.is_file()}
    code, out, err = cli("run", "--resume", run, "--quiet")
    assert code == 2 and len(err.splitlines()) == 1, out + err
    assert f"{run}: run.json is not the file results.json records (its SHA-256 differs); " \
           "the run's files were changed or removed after it finished: restore run.json " \
           "from a copy of the run" in err, err
    assert {path: path.read_bytes() for path in run.rglob("*") if path.is_file()} == before
    # as status says: run.json restored, the run and its audits are taken as they were
    shutil.copy(signed["emotion run"] / "run.json", run / "run.json")
    assert cli("run", "--resume", run, "--quiet")[0] == 0
    code, out, err = cli("validate", run)
    assert code == 0, out + err
    assert ": complete" in _line(cli("status", run)[1], run)
