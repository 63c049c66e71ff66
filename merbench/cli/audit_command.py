"""``merbench audit RUN [--sign KEY]``: what it prints, and its exit status (1 when a fold
differs). With ``--sign`` the record is signed (:mod:`merbench.results.signature`) before it
is appended, so a leaderboard that trusts the key counts it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from merbench.audit import audit_run, record_audit
from merbench.audit.spotting_audit import SubjectAudit, audit_spotting
from merbench.cli.literal import say
from merbench.errors import MerbenchError
from merbench.plugins import Plugins
from merbench.results.model import FoldAudit
from merbench.results.signature import sign_record
from merbench.results.signing_keys import load_signing_key
from merbench.results.spotting_file import SPOTTING_FILE

EXIT_DIFFERS = 1


def _count(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    try:
        return int(text)
    except ValueError:
        raise MerbenchError(f"--folds {text!r} is not a number of folds; give K (1 or more) "
                            "or 'all'") from None


def _outcome(audit: SubjectAudit) -> str:
    """A subject audited again, as its line says it: spotted, identical or not; recognised,
    also within tolerance where a GPU trained the run's recogniser."""
    return {"identical": "identical", "within-tolerance": f"within tolerance ({audit.detail})",
            "differs": f"DIFFERS ({audit.detail})"}[audit.outcome]


def _audit_spotting(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    """A spotting run: its data read again and some subjects spotted again
    (:mod:`merbench.audit.spotting_audit`); said, not recorded in the folder."""
    if args.sign is not None:
        raise MerbenchError(f"--sign: an audit of a spotting run ({args.run}) is printed, not "
                            "recorded in the folder yet, so there is nothing to sign; leave "
                            "--sign out")
    plugins = load(args)

    def chosen(subjects: list[str], seed: int | None) -> None:
        how = "every subject" if seed is None else (
            f"subjects {', '.join(subjects)}, drawn with --seed {seed}")
        say(f"auditing {args.run}: the dataset read again; {how} spotted again", flush=True)

    def on_subject(audit: SubjectAudit) -> None:
        say(f"subject {audit.subject} ({audit.videos} videos): {_outcome(audit)}", flush=True)

    def on_recognised(audit: SubjectAudit) -> None:
        say(f"subject {audit.subject} recognised again ({audit.videos} intervals): "
            f"{_outcome(audit)}", flush=True)

    found = audit_spotting(args.run, count=_count(args.folds), seed=args.seed,
                           data_root=args.data_root, plugins=plugins, chosen=chosen,
                           on_subject=on_subject, on_recognised=on_recognised)
    if found.failure is not None:
        say(f"audit FAILED: {found.failure}; nothing was spotted again")
        return EXIT_DIFFERS
    if not found.passed:
        spotted = sum(s.outcome == "differs" for s in found.subjects)
        recognised = sum(s.outcome == "differs" for s in found.recognised)
        say(f"audit FAILED: of the {len(found.subjects)} subjects audited (of "
            f"{found.n_subjects}), {spotted} spotted again and {recognised} recognised again "
            "differ from what the run stored")
        return EXIT_DIFFERS
    also = " and recognised" if found.recognised else ""
    say(f"audit passed: the dataset is the run's, and the {len(found.subjects)} subjects "
        f"spotted{also} again (of {found.n_subjects}) match it (not recorded in the "
        "folder)")
    return 0


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    if (Path(args.run) / SPOTTING_FILE).is_file() or Path(args.run).name == SPOTTING_FILE:
        return _audit_spotting(args, load)
    key = load_signing_key(args.sign) if args.sign is not None else None  # before training
    plugins = load(args)

    def chosen(indices: list[int], seed: int | None) -> None:
        how = "every fold" if seed is None else (
            f"folds {', '.join(str(i) for i in indices)}, drawn with --seed {seed}")
        say(f"auditing {args.run}: {how}; training them again", flush=True)

    def on_fold(audit: FoldAudit) -> None:
        shown = {"identical": "identical", "within-tolerance":
                 f"within tolerance ({audit.agreement:.1%} alike; {audit.detail})",
                 "differs": f"DIFFERS ({audit.detail})"}[audit.outcome]
        say(f"fold {audit.index} {'/'.join(audit.key)}: {shown}", flush=True)

    record = audit_run(args.run, count=_count(args.folds), seed=args.seed,
                       data_root=args.data_root, device=args.device, workers=args.workers,
                       plugins=plugins, on_fold=on_fold, chosen=chosen)
    if key is not None:
        record = sign_record(record, args.run, key)
        say(f"signed by {key.public.shown}, over the digests of the run's "
            f"{len(record.signature.files) if record.signature else 0} files", flush=True)
    path = record_audit(args.run, record)
    if record.failure is not None:
        say(f"audit FAILED: {record.failure}; recorded in {path}")
        return EXIT_DIFFERS
    compared = f"{len(record.folds)} of {record.n_folds} folds"
    if not record.passed:
        differing = sum(a.outcome == "differs" for a in record.folds)
        say(f"audit FAILED: {differing} of the {len(record.folds)} folds trained again (of "
            f"{record.n_folds}) differ from what the run stored "
              f"({record.comparison} expected: {record.reason}); recorded in {path}")
        return EXIT_DIFFERS
    say(f"audit passed: {compared} trained again match ({record.comparison}: "
          f"{record.reason}); recorded in {path}")
    return 0
