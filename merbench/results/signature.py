"""Signed audits: an audit record vouched for by the key of whoever ran it.

An ``audit.json`` is a file like any other in a contributed run folder: anyone can write a
record that says "passed", with digests recomputed over a forged run. A record counts on a
leaderboard only when it carries an Ed25519 signature (:class:`~merbench.results.model
.AuditSignature`) by a key the build trusts (``--trust``), over the record and the SHA-256 of
every file of the result (:meth:`~merbench.results.audited_files.AuditedFiles.file_digests`:
a run's, a spotting run's or a tuning's), and when those files are the ones
published now. Then the badge means: a machine holding that key trained these folds again
and signed the digests of exactly these files.

What is signed (:func:`signed_payload`) is canonical JSON (keys sorted, no whitespace) of the
record with its signature's ``value`` left out, after a line naming what it is, so a
signature over an audit cannot be replayed as a signature over anything else.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Mapping
from typing import Literal

from merbench.base.errors import MerbenchError
from merbench.results.audit_model import AuditRecord, AuditSignature
from merbench.results.audited_files import AuditedFiles
from merbench.results.codec import to_json
from merbench.results.signing_keys import PublicKey, SigningKey, decode_public_key

SIGNED_WHAT = b"merbench audit record, signed\n"  # what the signed bytes are, first
# how a record's signature stands with a build: by a trusted key, by another key, not a
# valid signature at all, or none
Trust = Literal["verified", "untrusted", "forged", "unsigned"]


def signed_payload(record: AuditRecord) -> bytes:
    """The bytes ``record``'s signature signs: the record, its signature's value left out."""
    data = to_json(record)
    if isinstance(data.get("signature"), dict):
        data["signature"].pop("value", None)
    return SIGNED_WHAT + json.dumps(data, sort_keys=True, separators=(",", ":"),
                                    ensure_ascii=True, allow_nan=False).encode()


def sign_record(record: AuditRecord, audited: AuditedFiles, key: SigningKey) -> AuditRecord:
    """``record`` signed by ``key``, with the digests of the result's files now, which must
    be those the audit compared (else the result changed while it was audited)."""
    digests = audited.file_digests()
    changed = [name for name, now, then in
               [(audited.result_file, digests[audited.result_file], record.results_sha256),
                *((", ".join(audited.unit_files[f.index]), audited.unit_digest(f.index),
                   f.fold_sha256) for f in record.folds)]
               if now != then]
    if changed:
        raise MerbenchError(f"{audited.folder}: {changed[0]} changed while it was audited; "
                            "nothing was signed or recorded: audit it again")
    unsigned = AuditSignature(algorithm="ed25519", public_key=key.public.encoded,
                              key_name=key.public.name, files=digests, value="")
    value = key.sign(signed_payload(dataclasses.replace(record, signature=unsigned)))
    return dataclasses.replace(record, signature=dataclasses.replace(
        unsigned, value=base64.b64encode(value).decode()))


def signer(record: AuditRecord) -> PublicKey | None:
    """The key ``record`` says signed it (None: unsigned, or no valid key)."""
    if record.signature is None:
        return None
    try:
        return PublicKey(decode_public_key(record.signature.public_key),
                         record.signature.key_name)
    except ValueError:
        return None


def signature_holds(record: AuditRecord) -> bool:
    """Whether ``record`` carries a signature, by the key it names, of what it says now."""
    key = signer(record)
    if key is None or record.signature is None:
        return False
    # deferred: cryptography, which only a folder with a signed audit needs (a GPU window's
    # image lacks it, and its runs and tunings read no audit)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        value = base64.b64decode(record.signature.value, validate=True)
        Ed25519PublicKey.from_public_bytes(key.raw).verify(value, signed_payload(record))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def trust_of(record: AuditRecord, trusted: Mapping[bytes, PublicKey]) -> Trust:
    """How ``record``'s signature stands with a build that trusts ``trusted``."""
    if record.signature is None:
        return "unsigned"
    if not signature_holds(record):
        return "forged"
    key = signer(record)
    return "verified" if key is not None and key.raw in trusted else "untrusted"


def signed_files_are_current(audited: AuditedFiles, record: AuditRecord) -> bool:
    """Whether the files ``record``'s signature covers are every file of the result, as it
    is now (false for an unsigned record)."""
    if record.signature is None:
        return False
    try:
        return record.signature.files == audited.file_digests()
    except MerbenchError:
        return False
