"""The manifest that binds every file of a run to the run: fold files name their run, and
``results.json`` names the digest of every other file.

A run directory is several files written at different times, by processes that may have been
killed and resumed. Without a binding, a fold file copied from another seed's run, a fold file
edited after the summary was written, or a ``predictions.csv`` left by a kill before
``results.json`` could be taken for this run's: ``--resume`` would restore it and
``merbench validate`` would check numbers against the wrong file. So each fold file records
the digest of the run identity it was trained for (:func:`identity_sha256`), and
``results.json``, always the last file written, records the SHA-256 of ``run.json``, of every
fold file and of ``predictions.csv`` (:func:`run_manifest`). Then a run is finished only
while its files are the ones its summary names (:func:`first_mismatch`).

The chain shows that the files belong together as written; it cannot show that they came
from training. A forger who rewrites every file consistently recomputes the digests too:
that is what a signed audit (``merbench audit --sign``) is for.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from merbench.results.go_on import CHANGED, RESUME, missing_line
from merbench.results.result_files import AUDIT_FILE, RUN_FILE
from merbench.results.safe_files import audited_table_fix, read_regular_bytes

PREDICTIONS_FILE = "predictions.csv"


def identity_sha256(identity: Mapping[str, Any]) -> str:
    """The digest of a run identity (``run.json``'s ``identity``): canonical JSON, keys
    sorted, no whitespace, so one identity always gives one digest."""
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def fold_file_name(index: int) -> str:
    return f"folds/fold-{index:03d}.npz"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(read_regular_bytes(Path(path))).hexdigest()


def run_manifest(run_dir: Path, n_folds: int, predictions: bytes,
                 predictions_name: str = PREDICTIONS_FILE) -> dict[str, str]:
    """The digests ``results.json`` (or an AU run's ``au-results.json``) records:
    ``run.json`` and each fold file as they are now, and ``predictions`` (the bytes about to
    be written as ``predictions_name``)."""
    run_dir = Path(run_dir)
    files = {RUN_FILE: file_sha256(run_dir / RUN_FILE)}
    files.update({fold_file_name(i): file_sha256(run_dir / fold_file_name(i))
                  for i in range(n_folds)})
    files[predictions_name] = hashlib.sha256(predictions).hexdigest()
    return files


#: the fix of a finished run's predictions table, missing or changed: it is made from the
#: fold files alone
TABLE_FIX = (f"restore it from a copy of the run, or {RESUME}, which writes it again from the "
             "fold files")


def trained_from(files: Mapping[str, str]) -> dict[str, str]:
    """The entries of the manifest ``files`` for ``run.json`` and the fold files: what the
    run's scores are made from, compared first (:func:`first_mismatch`), and apart where a
    reader must know of a fold trained again before it checks anything else of the run
    (:func:`merbench.results.retrained.compare_trained`)."""
    return {name: digest for name, digest in files.items()
            if name == RUN_FILE or name.startswith("folds/")}


def first_mismatch(run_dir: Path, files: Mapping[str, str],
                   record_name: str = "results.json",
                   recorded: Collection[str] = ()) -> str | None:
    """The first file ``files`` names whose digest differs from the recorded one (or that is
    missing), said as a phrase; None when every file is the one recorded. ``run.json``
    comes first and the fold files before the rest: the fix of a later file (a summary
    written again) holds only while the files it is made from are the recorded ones.
    ``recorded``: names the caller has just found to be the recorded ones, not read and
    hashed again (a run's fold files are most of its bytes)."""
    order = sorted(files, key=lambda name: (name != RUN_FILE, not name.startswith("folds/")))
    for name in order:
        if name in recorded:
            continue
        digest = files[name]
        path = Path(run_dir) / name
        if not path.is_file():
            return f"{name} is missing"
        if file_sha256(path) != digest:
            return f"{name} is not the file {record_name} records (its SHA-256 differs)"
    return None


def chain_problem(run_dir: Path, files: Mapping[str, str] | None, identity: Mapping[str, Any],
                  fold_runs: Mapping[int, str | None],
                  predictions_name: str = PREDICTIONS_FILE,
                  record_name: str = "results.json",
                  recorded: Collection[str] = ()) -> str | None:
    """What breaks the chain from ``results.json`` (its manifest ``files``) through
    ``run.json`` (its ``identity``) to each fold file (``fold_runs``: index -> the run digest
    it records), said as a phrase; None when it holds. A run without a manifest (written
    before version 8) has no chain to check. ``recorded``: files the caller has found to
    be the recorded ones (:func:`first_mismatch`)."""
    if files is None:
        return None
    expected = {RUN_FILE, predictions_name, *(fold_file_name(i) for i in fold_runs)}
    if set(files) != expected:
        named = ", ".join(sorted(set(files) ^ expected)[:3])
        return (f"{record_name}'s manifest (files) does not name exactly the run's files "
                f"({named}); publish the run as merbench wrote it")
    mismatch = manifest_fault(run_dir, files, record_name, recorded)
    if mismatch:
        return mismatch
    digest = identity_sha256(identity)
    for index, trained_for in sorted(fold_runs.items()):
        if trained_for != digest:
            return (f"{fold_file_name(index)} was trained for another run than run.json "
                    f"describes (run_sha256 {str(trained_for)[:12]}, run.json's {digest[:12]})")
    return None


def manifest_fault(run_dir: Path, files: Mapping[str, str],
                   record_name: str = "results.json",
                   recorded: Collection[str] = ()) -> str | None:
    """The first file ``files`` names that is not the recorded one, with the fix that holds,
    as ``validate``, ``show`` and ``status`` all say it; None when every file is recorded.

    Going on summarises the run again from its ``run.json`` and fold files as they are now,
    and records their digests: that is the fix of a missing fold file (trained again) or of
    the predictions table (written again from fold files that are the recorded ones), but
    of a changed ``run.json`` or fold file it would record the change as the run's, a
    forged fold's scores included. Those are restored from a copy, or a changed fold file
    is deleted and trained again (pass 84ad, AD1). ``recorded``: as
    :func:`first_mismatch` takes it."""
    mismatch = first_mismatch(run_dir, files, record_name, recorded)
    if mismatch is None:
        return None
    name = mismatch.split(" ")[0]
    audited = os.path.lexists(Path(run_dir) / AUDIT_FILE)  # going on is refused beside it
    if name == RUN_FILE:
        fix = f"restore {RUN_FILE} from a copy of the run"
    elif not name.startswith("folds/"):  # missing: said as validate's table check says it
        table = audited_table_fix(there=False) if audited else TABLE_FIX
        return f"{mismatch}; {table}" if mismatch.endswith(" is missing") else \
            f"{mismatch}; {CHANGED}: {table}"
    elif mismatch.endswith(" is missing"):  # said as every reader says a fold file gone
        return missing_line([name], audited=audited)
    else:
        moved = f", move {AUDIT_FILE} out of the folder," if audited else ""
        again = ", then audit the run again" if audited else ""
        fix = (f"restore it from a copy of the run, or delete it{moved} and {RESUME} to "
               f"train that fold again{again}")
    return f"{mismatch}; {CHANGED}: {fix}"
